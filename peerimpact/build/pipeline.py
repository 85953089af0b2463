"""The build: plan → extract → execute → render → publish, cached, in parallel, atomically.

Layout of the output folder and the work folder beside it::

    reports/<report-id>/report.html, report.pdf, tables/*.csv   what is shared
    reports/index.html, reports/manifest.json                    what was built, from what
    reports-work/<report-id>/extract/, *.ipynb, build.log        what the kernel saw and did

The work folder holds row-level data (each report's extract), so it is never inside the
folder of shared reports.

A report is staged in ``reports/.staging/`` and moved into place only when every step
succeeded, so a failed rebuild leaves the previous good report untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..ingest.readers import umask
from ..ingest.study import load_study
from ..problems import Problems
from ..report.extract import digest, serialise, write_extract
from ..resources import params_dir, templates_dir
from ..text import plural
from ..version import __version__
from .execute import declared_parameters, execute_sections
from .kinds import KINDS
from .plan import PlannedReport, plan
from .processes import wait_for_workers, worker_init, workers_lock
from .formats import FORMATS
from .render import to_html

PARAMETERS = ("extract", "tables_dir")

_PACKAGE = Path(__file__).resolve().parent


def default_work_dir(out: Path) -> Path:
    """Where build artefacts go by default: ``<out>-work`` beside the output folder."""
    out = Path(out)
    return out.parent / f"{out.name}-work"


@dataclass
class Job:
    """Everything a worker process needs to build one report."""

    id: str
    sections: list[str]
    formats: list[str]
    extract_files: dict[str, bytes]
    title_block: dict
    out: str
    work: str
    isolated: bool
    cache_key: str
    hashes: dict


@dataclass
class Outcome:
    id: str
    status: str  # built | cached | failed
    seconds: dict = field(default_factory=dict)
    error: str | None = None
    built_at: str | None = None
    staged: str | None = None  # the finished report, for the build to publish


@dataclass
class BuildResult:
    outcomes: list[Outcome]
    problems: Problems
    out: Path
    work: Path

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def exit_code(self) -> int:
        if self.problems.has_errors:
            return 2
        return 1 if self.failed else 0


# --------------------------------------------------------------------------- hashing


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree_digest(root: Path, pattern: str) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob(pattern)):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def hashes_for(report: PlannedReport, extract_files: dict[str, bytes], templates: str, package: str) -> dict:
    params = json.dumps({"report": report.definition.model_dump(mode="json"), "formats": report.formats,
                         "scope": report.scope}, sort_keys=True)
    return {
        "notebooks": {p.stem: _sha(p.read_bytes()) for p in report.sections},
        "extract": digest(extract_files),
        "params": _sha(params.encode()),
        "templates": templates,
        "package": package,
    }


def cache_key(hashes: dict) -> str:
    return _sha(json.dumps(hashes, sort_keys=True).encode())


# --------------------------------------------------------------------------- one report (worker)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2``); ``False`` where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def publish(staging: Path, final: Path) -> None:
    """Swap a staged report folder into place; the old one is removed only after the swap.

    Where the system can, the two folders are exchanged in one step, so that no reader and
    no kill ever finds the report missing.
    """
    if final.exists() and _exchange(staging, final):
        shutil.rmtree(staging, ignore_errors=True)  # now the old report
        return
    old = None
    if final.exists():
        old = staging.parent / f"{final.name}.old-{os.getpid()}-{time.time_ns()}"
        os.replace(final, old)
    os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _logger(path: Path) -> tuple[logging.Handler, list[logging.Logger]]:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(n) for n in ("papermill", "peerimpact")]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    return handler, loggers


def run_job(job: Job) -> Outcome:
    """Build one report into a staging folder; never raises: a failure is an outcome with its cause.

    The build that started the job publishes the staged report, so that nothing reaches the
    output folder unless that build lives to record it in the manifest.
    """
    out = Path(job.out)
    build_dir = Path(job.work) / job.id
    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    (out / ".staging").mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{job.id}-", dir=out / ".staging"))
    os.chmod(staging, 0o777 & ~umask())  # mkdtemp makes it private; a report folder is for sharing
    handler, loggers = _logger(build_dir / "build.log")
    log = logging.getLogger("peerimpact.build")
    started = time.perf_counter()
    seconds: dict = {}
    outcome: Outcome | None = None
    try:
        extract_dir = write_extract(job.extract_files, build_dir / "extract")
        parameters = {"extract": str(extract_dir), "tables_dir": str(staging / "tables")}
        log.info("building %s with %s", job.id, parameters)
        execution = execute_sections([Path(s) for s in job.sections], parameters, build_dir, isolated=job.isolated)
        seconds.update({f"section:{k}": round(v, 3) for k, v in execution.seconds.items()})
        if execution.failure:
            log.error("failed: %s", execution.failure.format())
            return Outcome(job.id, "failed", seconds, execution.failure.format())
        t = time.perf_counter()
        html = to_html(execution.notebooks, {**job.title_block, "built_at": _now()})
        seconds["render"] = round(time.perf_counter() - t, 3)
        for name in job.formats:
            t = time.perf_counter()
            FORMATS[name].write(html, staging, log)
            seconds[name] = round(time.perf_counter() - t, 3)
        seconds["total"] = round(time.perf_counter() - started, 3)
        log.info("built %s in %.1f s", job.id, seconds["total"])
        outcome = Outcome(job.id, "built", seconds, None, _now(), str(staging))
        return outcome
    except Exception:  # isolate the failure to this report, keep its cause
        error = traceback.format_exc()
        log.error("failed: %s", error)
        return Outcome(job.id, "failed", seconds, error)
    finally:
        if outcome is None:  # nothing to publish
            shutil.rmtree(staging, ignore_errors=True)
        for lg in loggers:
            lg.removeHandler(handler)
        handler.close()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- manifest and index


def read_manifest(out: Path) -> dict:
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o666 & ~umask())
    os.replace(tmp, path)


def _is_current(entry: dict | None, key: str, out: Path, report: PlannedReport) -> bool:
    if not entry or entry.get("status") != "ok" or entry.get("cache_key") != key:
        return False
    return all((out / report.id / FORMATS[f].file).is_file() for f in report.formats)


def _report_order(rid: str, entry: dict) -> tuple:
    """Study first, then sites, cohorts and funder reports; S2 before S10."""
    kind = entry.get("kind")
    natural = [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", rid) if part]
    order = list(KINDS)
    return (order.index(kind) if kind in order else len(order), natural)


def write_index(out: Path, manifest: dict) -> None:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())), autoescape=True)
    rows = []
    for rid, entry in manifest.get("reports", {}).items():  # in report order (see _build)
        files = [FORMATS[f].file for f in entry.get("formats", []) if (out / rid / FORMATS[f].file).is_file()]
        tables = [t.name for t in sorted((out / rid / "tables").glob("*.csv"))]
        rows.append({**entry, "id": rid, "files": files, "tables": tables, "has_previous": bool(files)})
    html = env.get_template("index.html.j2").render(
        reports=rows, study_name=manifest.get("study_name", ""), data_cut=manifest.get("data_cut"),
        version=__version__, updated=manifest.get("updated"))
    _write_atomic(out / "index.html", html)


# --------------------------------------------------------------------------- the build


@dataclass
class Prepared:
    """A checked plan: each report with its serialised extract, hashes and cache key."""

    config: object
    reports: list[tuple[PlannedReport, dict[str, bytes], dict, str]]
    entries: dict
    problems: Problems


def prepare(study: str | Path | None, out: Path, params: str | Path | None, reports_dir: str | Path | None,
            kinds: list[str] | None, only: list[str] | None, formats: list[str] | None,
            roots: list[str | Path] = ()) -> Prepared:
    """Load, validate and plan; hash every report's inputs. Nothing is executed or written."""
    from ..ingest.study import InvalidStudy

    try:
        loaded = load_study(study, roots=roots)
    except InvalidStudy as exc:
        return Prepared(None, [], {}, exc.problems)
    if loaded.problems.has_errors:
        return Prepared(None, [], {}, loaded.problems)
    params = Path(params) if params else params_dir()
    planned, problems = plan(loaded, Path(reports_dir) if reports_dir else params / "reports",
                             params=params, kinds=kinds, only=only, formats=formats)
    for section in sorted({s for p in planned for s in p.sections if s is not None}):
        try:
            declared = declared_parameters(section)
        except Exception as exc:  # not a notebook nbformat can read
            problems.add(section, rule="notebook", message=f"cannot read notebook: {exc}")
            continue
        if declared is None:
            problems.add(section, rule="notebook", message="no cell tagged 'parameters'")
            continue
        for name in PARAMETERS:
            if name not in declared:
                problems.add(section, column="parameters", value=name, rule="notebook",
                             message=f"the notebook's parameters cell does not declare {name!r}")
    if problems.has_errors:
        return Prepared(loaded.config, [], {}, problems)
    templates, package = _tree_digest(templates_dir(), "*"), _tree_digest(_PACKAGE, "*.py") + __version__
    reports = []
    for report in planned:
        files = serialise(report.extract)
        hashes = hashes_for(report, files, templates, package)
        reports.append((report, files, hashes, cache_key(hashes)))
    return Prepared(loaded.config, reports, read_manifest(out).get("reports", {}), problems)


def status(study: str | Path | None = None, *, out: str | Path = "reports", params: str | Path | None = None,
           reports_dir: str | Path | None = None, kinds: list[str] | None = None,
           only: list[str] | None = None, formats: list[str] | None = None,
           roots: list[str | Path] = ()) -> tuple[list[dict], Problems]:
    """Every planned report and whether a build would skip it (``up to date``), build it, or retry it."""
    out = Path(out)
    prep = prepare(study, out, params, reports_dir, kinds, only, formats, roots)
    rows = []
    for report, _, _, key in prep.reports:
        entry = prep.entries.get(report.id)
        if _is_current(entry, key, out, report):
            state = "up to date"
        elif entry and entry.get("status") == "failed":
            state = "failed last time"
        else:
            state = "to build" if not entry else "out of date"
        rows.append({"id": report.id, "kind": report.kind, "scope": report.scope_label, "status": state,
                     "built_at": (entry or {}).get("built_at")})
    return rows, prep.problems


def build(study: str | Path | None = None, *, out: str | Path = "reports", work: str | Path | None = None,
          params: str | Path | None = None, reports_dir: str | Path | None = None,
          kinds: list[str] | None = None, only: list[str] | None = None, formats: list[str] | None = None,
          jobs: int | None = None, force: bool = False, isolated: bool = False,
          roots: list[str | Path] = (), echo: Callable[[str], None] = print) -> BuildResult:
    """Build every planned report that is not up to date.

    Reports go to ``out``; extracts, executed notebooks and logs to ``work`` (default
    :func:`default_work_dir`), which must not be inside ``out``. Returns the outcome of
    each planned report and any problem that stopped the build before a kernel started
    (invalid data or params: exit code 2). ``roots`` are folders outside the study folder
    that its ``study.yml`` may name files in.
    """
    out = Path(out)
    work = Path(work) if work is not None else default_work_dir(out)
    if work.resolve().is_relative_to(out.resolve()):
        problems = Problems()
        problems.add(work, rule="option",
                     message=f"the work folder holds row-level data and must not be "
                     f"inside the folder of shared reports ({out})")
        return BuildResult([], problems, out, work)
    prep = prepare(study, out, params, reports_dir, kinds, only, formats, roots)
    if prep.problems.has_errors:
        return BuildResult([], prep.problems, out, work)
    out.mkdir(parents=True, exist_ok=True)
    with _build_lock(out) as locked:
        if not locked:
            problems = Problems()
            problems.add(out, rule="busy",
                         message="another build is writing to this folder; try again when "
                         "it has finished")
            return BuildResult([], problems, out, work)
        if not wait_for_workers(out):
            problems = Problems()
            problems.add(out, rule="busy",
                         message="processes of an earlier build still hold this folder; "
                         "try again when they have ended")
            return BuildResult([], problems, out, work)
        shutil.rmtree(out / ".staging", ignore_errors=True)  # left by a build that was killed
        return _build(prep, out, work, jobs, force, isolated, echo)


@contextlib.contextmanager
def _build_lock(out: Path):
    """One build at a time per output folder: two would race on the manifest and index."""
    with open(out / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(prep: Prepared, out: Path, work: Path, jobs: int | None, force: bool, isolated: bool,
           echo: Callable[[str], None]) -> BuildResult:
    entries, config = prep.entries, prep.config
    planned = {r.id: r for r, _, _, _ in prep.reports}
    todo: list[Job] = []
    outcomes: list[Outcome] = []
    for report, files, hashes, key in prep.reports:
        if not force and _is_current(entries.get(report.id), key, out, report):
            outcomes.append(Outcome(report.id, "cached", entries[report.id].get("seconds", {}), None,
                                    entries[report.id].get("built_at")))
            continue
        block = {"title": report.title, "scope_label": report.scope_label, "study_name": config.name,
                 "data_cut": config.data_cut.isoformat() if config.data_cut else None,
                 "version": __version__, "report_id": report.id}
        todo.append(Job(report.id, [str(s) for s in report.sections], report.formats, files, block, str(out),
                        str(work), isolated, key, hashes))
    jobs_by_id = {j.id: j for j in todo}

    def save() -> None:
        ordered = dict(sorted(entries.items(), key=lambda item: _report_order(*item)))
        manifest = {"study_name": config.name,
                    "data_cut": config.data_cut.isoformat() if config.data_cut else None,
                    "peerimpact_version": __version__, "updated": _now(), "reports": ordered}
        _write_atomic(out / "manifest.json", json.dumps(manifest, indent=2, sort_keys=False, default=str))
        write_index(out, manifest)

    def record(o: Outcome) -> None:
        """Publish a finished report and say so in the manifest, in an order a kill cannot falsify:
        the entry is marked as being replaced before the folder changes, and finished after."""
        report, job = planned[o.id], jobs_by_id[o.id]
        entry = {"kind": report.kind, "title": report.title, "scope": report.scope,
                 "scope_label": report.scope_label, "formats": report.formats,
                 "sections": [s.stem for s in report.sections], "disclosure": report.definition.disclosure,
                 "params": report.definition.model_dump(mode="json"), "hashes": job.hashes,
                 "cache_key": job.cache_key, "peerimpact_version": __version__, "seconds": o.seconds}
        previous = entries.get(o.id, {})
        if o.status == "built":
            entries[o.id] = {**entry, "status": "replacing", "cache_key": None,
                             "built_at": previous.get("built_at")}
            save()
            try:
                publish(Path(o.staged), out / o.id)
                entries[o.id] = {**entry, "status": "ok", "built_at": o.built_at}
            except OSError as exc:
                o.status, o.error = "failed", f"could not publish the report: {exc}"
        if o.status != "built":
            entries[o.id] = {**entry, "status": "failed", "error": o.error, "built_at": previous.get("built_at"),
                             "cache_key": None}
        save()

    if not todo:
        echo(f"everything is up to date ({plural(len(planned), 'report')} in {out})")
        save()
    else:
        outcomes += _run_all(todo, jobs or os.cpu_count() or 1, out, echo, record)
    if (out / ".staging").is_dir() and not any((out / ".staging").iterdir()):
        (out / ".staging").rmdir()
    order = {rid: i for i, rid in enumerate(planned)}
    return BuildResult(sorted(outcomes, key=lambda o: order[o.id]), prep.problems, out, work)


def _run_all(todo: list[Job], jobs: int, out: Path, echo: Callable[[str], None],
             record: Callable[[Outcome], None]) -> list[Outcome]:
    """Run the jobs, in worker processes when more than one may run at once; ``record`` each outcome
    as it arrives. Workers and their kernels die with this process (see :mod:`peerimpact.build.processes`)."""
    from tqdm import tqdm

    outcomes = []
    bar = tqdm(total=len(todo), unit="report", disable=None, file=sys.stderr, leave=False)

    def done(o: Outcome) -> None:
        record(o)
        outcomes.append(o)
        bar.update(1)
        mark = "built " if o.status == "built" else "FAILED"
        took = f" in {o.seconds['total']:.1f} s" if "total" in o.seconds else ""
        message = f"{mark} {o.id}{took}"
        if bar.disable:
            echo(message)
        else:
            bar.write(message)

    if jobs <= 1 or len(todo) == 1:
        with workers_lock(out):
            for job in todo:
                done(run_job(job))
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context,
                                 initializer=worker_init, initargs=(str(out),)) as pool:
            futures = [pool.submit(run_job, job) for job in todo]
            for future in as_completed(futures):
                done(future.result())
    bar.close()
    return outcomes


def summary(result: BuildResult) -> str:
    counts = {s: sum(o.status == s for o in result.outcomes) for s in ("built", "cached", "failed")}
    return (f"{counts['built']} built, {counts['cached']} up to date, {counts['failed']} failed; "
            f"open {result.out / 'index.html'}")

