"""One report built from a job: a picklable value in, an outcome out.

A job is everything a worker needs and names nothing of the process that made it, so any
``concurrent.futures`` executor can run it: a local process pool, threads, or a cluster
whose workers see the same file system. It writes only under the output and work roots it
is given (a staging folder of its own, its work folder), logs to a file of its own, and
leaves publishing to the build that submitted it.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import re
import shutil
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..ingest.readers import umask
from ..locales import BRITISH, ReportLocale, using_locale
from ..report.extract import write_extract
from ..report.facts import read_facts
from .commentary import Commentary, fill_commentary
from .document import read_document
from .execute import execute_sections, warm_kernel
from .formats import FORMATS, ReportSources


@dataclass(frozen=True)
class TitleBlock:
    """What the top of a report says it is."""

    title: str
    scope_label: str
    study_name: str
    data_cut: str | None
    version: str
    report_id: str
    disclosure: str = "none"
    disclosure_statement: str = ""  # the policy in words, on the title page
    internal: bool = True  # not for distribution: marked on every page
    facts: tuple[tuple[str, str], ...] = ()  # what the report's kind adds to the title page
    notice: str = ""  # what the report does not show and why, in plain words, on its first page


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to build one report."""

    id: str
    sections: tuple[str, ...]
    formats: tuple[str, ...]
    extract_files: dict[str, bytes]
    title_block: TitleBlock
    out: str
    work: str
    isolated: bool
    cache_key: str
    hashes: dict
    warm: bool = False  # run in the worker's warm kernel and leave it for the next report
    commentary: tuple[Commentary, ...] = ()
    word_template: bytes | None = None  # the study's Word document report.docx takes its styles from
    locale: ReportLocale = BRITISH  # how the report writes numbers, dates and words (study.yml ``locale``)


@dataclass
class Outcome:
    id: str
    status: str  # built | cached | failed
    seconds: dict = field(default_factory=dict)
    error: str | None = None
    built_at: str | None = None
    staged: str | None = None  # the finished report, for the build to publish


FULL = (errno.ENOSPC, errno.EDQUOT)  # no space left, or the user's quota reached


def _disk_was_full(evalue: str) -> bool:
    """Whether a kernel's error is the disk filling up (``[Errno 28] No space left on device…``)."""
    match = re.match(r"\[Errno (\d+)\]", evalue or "")
    return match is not None and int(match.group(1)) in FULL


def _written(evalue: str) -> Path | None:
    """The file an ``OSError``'s text names, if it names one."""
    match = re.search(r": '(.+)'$", evalue or "")
    return Path(match.group(1)) if match else None


def _final(path: Path, staging: Path, final: Path) -> Path:
    """Where a staged file would have been published: what a reader of the message knows it as."""
    return final / path.relative_to(staging) if path.is_relative_to(staging) else path


def _disk_full(job: Job, where: Path) -> str:
    return (
        f"{where}: the disk is full. This report was not published; the last published {job.id}, if any, is "
        "kept as it was. Free some space and build again"
    )


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _job_log(job: Job, path: Path) -> logging.Logger:
    """A logger of this job's own, writing to its build.log: never registered, so jobs running
    side by side in one process keep their lines apart."""
    log = logging.Logger(f"peerimpact.job.{job.id}", logging.INFO)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    return log


def run_job(job: Job) -> Outcome:
    """Build one report into a staging folder; never raises: a failure is an outcome with its cause.

    The build that submitted the job publishes the staged report, so that nothing reaches the
    output folder unless that build lives to record it in the manifest.
    """
    out = Path(job.out)
    build_dir = Path(job.work) / job.id
    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    (out / ".staging").mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{job.id}-", dir=out / ".staging"))
    os.chmod(staging, 0o777 & ~umask())  # mkdtemp makes it private; a report folder is for sharing
    log = _job_log(job, build_dir / "build.log")
    started = time.perf_counter()
    seconds: dict = {}
    outcome: Outcome | None = None
    try:
        extract_dir = write_extract(job.extract_files, build_dir / "extract")
        parameters = {"extract": str(extract_dir), "tables_dir": str(staging / "tables")}
        log.info("building %s with %s", job.id, parameters)
        kernel = warm_kernel() if job.warm and not job.isolated else None
        if kernel is not None:
            log.info("kernel %s: report %d of this kernel", kernel.pid, kernel.reports + 1)
        execution = execute_sections(
            [Path(s) for s in job.sections], parameters, build_dir, isolated=job.isolated, kernel=kernel
        )
        seconds.update({f"section:{k}": round(v, 3) for k, v in execution.seconds.items()})
        if execution.failure:
            log.error("failed: %s", execution.failure.format())
            if _disk_was_full(execution.failure.evalue):
                where = _written(execution.failure.evalue)
                where = out / job.id if where is None else _final(where, staging, out / job.id)
                return Outcome(job.id, "failed", seconds, _disk_full(job, where))
            return Outcome(job.id, "failed", seconds, execution.failure.format())
        t = time.perf_counter()
        with using_locale(job.locale):  # the commentary's figures, the title block and every format
            words, problems = fill_commentary(
                job.commentary,
                read_facts(staging / "tables"),
                execution.notebooks[0].stem if execution.notebooks else "",
            )
            if problems:
                log.error("failed: %s", "; ".join(p.format() for p in problems))
                return Outcome(
                    job.id,
                    "failed",
                    seconds,
                    "the study team's commentary names figures this report does "
                    "not show:\n" + "\n".join(p.format() for p in problems.sorted()),
                )
            report = {**asdict(job.title_block), "built_at": now()}
            if job.title_block.data_cut:
                report["data_cut"] = job.locale.day(dt.date.fromisoformat(job.title_block.data_cut))
            document = read_document(execution.notebooks, report, words).respelled(job.locale.spell)
            (build_dir / "document.json").write_text(
                json.dumps(document.to_json(), ensure_ascii=False), encoding="utf-8"
            )
            sources = ReportSources(document, word_template=job.word_template)
            seconds["records"] = round(time.perf_counter() - t, 3)
            for name in job.formats:
                t = time.perf_counter()
                try:
                    FORMATS[name].write(sources, staging, log)
                except OSError as exc:
                    if exc.errno not in FULL:
                        raise
                    log.error("failed: %s", traceback.format_exc())
                    return Outcome(job.id, "failed", seconds, _disk_full(job, out / job.id / FORMATS[name].file))
                seconds[name] = round(time.perf_counter() - t, 3)
            seconds["total"] = round(time.perf_counter() - started, 3)
            log.info("built %s in %.1f s", job.id, seconds["total"])
            outcome = Outcome(job.id, "built", seconds, None, now(), str(staging))
            return outcome
    except OSError as exc:
        error = traceback.format_exc()
        log.error("failed: %s", error)
        if exc.errno in FULL:
            where = _final(Path(exc.filename), staging, out / job.id) if exc.filename else Path(job.work) / job.id
            return Outcome(job.id, "failed", seconds, _disk_full(job, where))
        return Outcome(job.id, "failed", seconds, error)
    except Exception:  # isolate the failure to this report, keep its cause
        error = traceback.format_exc()
        log.error("failed: %s", error)
        return Outcome(job.id, "failed", seconds, error)
    finally:
        if outcome is None:  # nothing to publish
            shutil.rmtree(staging, ignore_errors=True)
        for handler in log.handlers:
            handler.close()
