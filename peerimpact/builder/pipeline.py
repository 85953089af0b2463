"""The build: plan → extract → execute → render → publish, cached, in parallel, atomically.

Layout of the output folder and the work folder beside it::

    reports/<report-id>/report.html, report.pdf, tables/*.csv   what is shared
    reports/index.html, reports/manifest.json                    what was built, from what
    reports-work/<report-id>/extract/, *.ipynb, build.log        what the kernel saw and did

The work folder holds row-level data (each report's extract), so it is never inside the
folder of shared reports.

Each report is a :class:`~peerimpact.builder.jobs.Job` run by an executor (a local process
pool unless the caller gives one); the build alone publishes what a job staged, and
records it in the manifest and the index.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass
from pathlib import Path

from ..problems import Problem, Problems
from .dispatch import BuildResult, dispatch
from .executors import EXECUTORS
from .folders import check_folders, check_report_folders, folder_lock, mark_work, remove_stale_temporaries, study_folder
from .inputs import fingerprint, forget, remember, unchanged
from .jobs import Outcome
from .prepare import Prepared, prepare
from .processes import wait_for_workers
from .publish import is_current, recover
from .request import BuildRequest, summary_line, up_to_date_line


@dataclass(frozen=True)
class StatusRow:
    """One line of ``peerimpact list``."""

    id: str
    kind: str
    scope: str
    status: str  # up to date | to build | out of date | failed last time
    built_at: str | None


def status(
    study: str | Path | None = None, *, request: BuildRequest | None = None, **fields
) -> tuple[list[StatusRow], Problems]:
    """Every planned report and whether a build would skip it (``up to date``), build it, or retry it.

    Give a :class:`BuildRequest`, or its fields as keywords (``out=``, ``only=``, …).
    """
    request = request or BuildRequest(study=study, **fields)
    prep = prepare(request)
    rows = []
    for report, _, _, key in prep.reports:
        entry = prep.manifest.reports.get(report.id)
        if is_current(entry, key, request.out, report.id, report.formats):
            state = "up to date"
        elif entry is not None and entry.status == "failed":
            state = "failed last time"
        else:
            state = "to build" if entry is None else "out of date"
        rows.append(StatusRow(report.id, report.kind, report.scope_label, state, entry.built_at if entry else None))
    return rows, prep.problems


def build(
    study: str | Path | None = None,
    *,
    request: BuildRequest | None = None,
    jobs: int | None = None,
    force: bool = False,
    isolated: bool = False,
    executor: Executor | str | None = None,
    scheduler: str | None = None,
    echo: Callable[[str], None] = print,
    **fields,
) -> BuildResult:
    """Build every planned report that is not up to date.

    Give a :class:`BuildRequest`, or its fields as keywords (``out=``, ``only=``, …). Reports
    go to ``out``; extracts, executed notebooks and logs to ``work`` (default
    :func:`~peerimpact.builder.request.default_work_dir`), which must not be inside ``out``.

    ``executor`` runs the jobs: the name of a registered executor (:mod:`peerimpact.builder.executors`:
    ``"local"``, the default, a pool of ``jobs`` worker processes that die with this process;
    ``"dask"``, a Dask cluster whose scheduler is at ``scheduler``), or any
    ``concurrent.futures.Executor`` whose workers see the output and work folders. Returns
    the outcome of each planned report and any problem that stopped the build before a
    kernel started (invalid data or params, an executor that cannot start: exit code 2).

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> result = build(out="reports", only=["study"], executor=ThreadPoolExecutor(2))  # doctest: +SKIP
    >>> result = build(out="reports", executor="dask", scheduler="tcp://10.0.0.5:8786")  # doctest: +SKIP
    """
    request = request or BuildRequest(study=study, **fields)
    out, work = request.out, request.work_dir
    study_dir = study_folder(request.study)
    problems = check_folders(out, work, study_dir, request.roots)  # before anything is read or written
    if problems.has_errors:
        return BuildResult([], problems, out, work)
    if isinstance(executor, str) and executor not in EXECUTORS:
        problems = Problems()
        problems.add(
            "--executor",
            value=executor,
            rule="option",
            message=f"no such executor; choose one of {', '.join(sorted(EXECUTORS))}",
        )
        return BuildResult([], problems, out, work)
    key = fingerprint(request)  # before anything is read, so that an edit during the build counts
    if not force and (record := unchanged(request, key)) is not None:
        echo(up_to_date_line(len(record["reports"]), out))
        outcomes = [Outcome(r["id"], "cached", r["seconds"], None, r["built_at"]) for r in record["reports"]]
        return BuildResult(outcomes, Problems(Problem(**w) for w in record["warnings"]), out, work)
    kind = None if isinstance(executor, Executor) else EXECUTORS[executor or "local"]
    if kind is not None and kind.warm_up is not None and (jobs or os.cpu_count() or 1) > 1:
        kind.warm_up()  # workers get ready while the study is read and planned
    prep = prepare(request)
    if not prep.problems.has_errors:
        prep.problems.extend(_ownership(prep, out))
    if prep.problems.has_errors:
        return BuildResult([], prep.problems, out, work)
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    with folder_lock(out) as locked, folder_lock(work) as work_locked:
        if not (locked and work_locked):
            problems = Problems()
            busy = out if not locked else work
            problems.add(
                busy, rule="busy", message="another build is writing to this folder; try again when it has finished"
            )
            return BuildResult([], problems, out, work)
        if not wait_for_workers(out):
            problems = Problems()
            problems.add(
                out,
                rule="busy",
                message="processes of an earlier build still hold this folder; try again when they have ended",
            )
            return BuildResult([], problems, out, work)
        problems = check_folders(out, work, study_dir, request.roots)  # again, now that no other build can write
        if problems.has_errors:
            return BuildResult([], problems, out, work)
        mark_work(work, study_dir)
        recover(out)  # a report a killed build had moved aside goes back before its staging folder goes
        shutil.rmtree(out / ".staging", ignore_errors=True)  # left by a build that was killed
        remove_stale_temporaries(out)
        forget(out)
        prep.manifest.study_path = str(study_dir)
        try:
            result = dispatch(prep, out, work, jobs, force, isolated, executor, scheduler, echo)
        except BaseException:  # interrupted: what was staged but not published goes; published reports stay
            shutil.rmtree(out / ".staging", ignore_errors=True)
            raise
        if result.exit_code == 0:  # every planned report up to date: the next build may skip the study
            remember(
                out,
                key,
                [{"id": o.id, "seconds": o.seconds, "built_at": o.built_at} for o in result.outcomes],
                [asdict(p) for p in result.problems],
            )
        return result


def _ownership(prep: Prepared, out: Path) -> Problems:
    """Whether the output folder's report folders are this tool's, for the reports this build would write."""
    problems = check_report_folders(out, set(prep.manifest.reports), [r.id for r, _, _, _ in prep.reports])
    built_for = prep.manifest.study_name
    if not prep.manifest.study_path and built_for and prep.config is not None and built_for != prep.config.name:
        problems.add(
            "--out",
            value=str(out),
            rule="folder",
            message=f"holds the reports of another study ({built_for!r}); choose another folder",
        )
    return problems


def summary(result: BuildResult) -> str:
    counts = {s: sum(o.status == s for o in result.outcomes) for s in ("built", "cached", "failed")}
    return summary_line(counts["built"], counts["cached"], counts["failed"], result.out)
