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

import contextlib
import dataclasses
import os
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import StudyConfig
from ..ingest.study import InvalidStudy, load_study
from ..problems import Problem, Problems
from ..report.extract import serialise
from ..resources import params_dir
from ..version import __version__
from .alerts import alerts_of, say_alerts, study_alerts, whole_sites
from .audiences import disclosure_words, small_scope_notice
from .cache import cache_key, code_digests, hashes_for
from .execute import declared_parameters
from .executors import EXECUTORS, ExecutorOptions, ExecutorRunner, ExecutorUnavailable
from .folders import check_folders, check_report_folders, folder_lock, mark_work, remove_stale_temporaries, study_folder
from .inputs import fingerprint, forget, remember, unchanged
from .jobs import Job, Outcome, TitleBlock, now
from .kinds import KINDS
from .plan import PlannedReport, plan
from .previous import previous_reports
from .processes import wait_for_workers
from .publish import Manifest, ManifestEntry, is_current, publish, read_manifest, write_manifest_and_index
from .request import BuildRequest, summary_line, up_to_date_line

PARAMETERS = ("extract", "tables_dir")


@dataclass(frozen=True)
class StatusRow:
    """One line of ``peerimpact list``."""

    id: str
    kind: str
    scope: str
    status: str  # up to date | to build | out of date | failed last time
    built_at: str | None


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


@dataclass
class Prepared:
    """A checked plan: each report with its serialised extract, hashes and cache key."""

    config: StudyConfig | None
    reports: list[tuple[PlannedReport, dict[str, bytes], dict, str]]
    manifest: Manifest = field(default_factory=Manifest)
    problems: Problems = field(default_factory=Problems)
    overrides: dict = field(default_factory=dict)


def prepare(request: BuildRequest) -> Prepared:
    """Load, validate and plan; hash every report's inputs. Nothing is executed or written."""
    try:
        loaded = load_study(request.study, roots=request.roots)
    except InvalidStudy as exc:
        return Prepared(None, [], problems=exc.problems)
    if loaded.problems.has_errors:
        return Prepared(None, [], problems=loaded.problems)
    params = request.params or params_dir()
    planned, problems = plan(
        loaded,
        request.reports_dir or params / "reports",
        params=params,
        kinds=request.kinds,
        only=request.only,
        formats=request.formats,
        overrides=dict(request.overrides),
    )
    if not problems.has_errors:
        alerts = study_alerts(loaded)
        say_alerts(alerts, loaded, problems)
        for report in planned:  # a site's alerts count all its people: only for reports of all of them
            report.extract.meta = report.extract.meta.model_copy(
                update={"alerts": alerts_of(alerts, whole_sites(loaded, report.extract))}
            )
    if request.previous is not None and not problems.has_errors:
        earlier = previous_reports(
            request.previous,
            loaded.config.name,
            loaded.config.data_cut,
            {r.id: r.extract.meta.disclosure for r in planned},
            problems,
        )
        for report in planned:
            if report.id in earlier:
                report.extract.meta = report.extract.meta.model_copy(update={"previous": earlier[report.id]})
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
                problems.add(
                    section,
                    column="parameters",
                    value=name,
                    rule="notebook",
                    message=f"the notebook's parameters cell does not declare {name!r}",
                )
    if problems.has_errors:
        return Prepared(loaded.config, [], problems=problems)
    templates, package = code_digests()
    reports = []
    for report in planned:
        files = serialise(report.extract)
        hashes = hashes_for(report, files, templates, package)
        reports.append((report, files, hashes, cache_key(hashes)))
    return Prepared(loaded.config, reports, read_manifest(request.out), problems, dict(request.overrides))


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
        shutil.rmtree(out / ".staging", ignore_errors=True)  # left by a build that was killed
        remove_stale_temporaries(out)
        forget(out)
        prep.manifest.study_path = str(study_dir)
        try:
            result = _build(prep, out, work, jobs, force, isolated, executor, scheduler, echo)
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


def _build(
    prep: Prepared,
    out: Path,
    work: Path,
    jobs: int | None,
    force: bool,
    isolated: bool,
    executor: Executor | str | None,
    scheduler: str | None,
    echo: Callable[[str], None],
) -> BuildResult:
    config = prep.config
    manifest = prep.manifest
    manifest.study_name = config.name
    manifest.data_cut = config.data_cut.isoformat() if config.data_cut else None
    manifest.peerimpact_version = __version__
    planned = {r.id: r for r, _, _, _ in prep.reports}
    todo: list[Job] = []
    outcomes: list[Outcome] = []
    for report, files, hashes, key in prep.reports:
        entry = manifest.reports.get(report.id)
        if not force and is_current(entry, key, out, report.id, report.formats):
            outcomes.append(Outcome(report.id, "cached", entry.seconds, None, entry.built_at))
            continue
        name, statement, shared = disclosure_words(report)
        title = TitleBlock(
            report.title,
            report.scope_label,
            config.name,
            manifest.data_cut,
            __version__,
            report.id,
            name,
            statement,
            not shared,
            KINDS[report.kind].front_matter(config),
            notice=small_scope_notice(report),
        )
        todo.append(
            Job(
                report.id,
                tuple(str(s) for s in report.sections),
                tuple(report.formats),
                files,
                title,
                str(out),
                str(work),
                isolated,
                key,
                hashes,
                commentary=report.commentary,
            )
        )
    jobs_by_id = {j.id: j for j in todo}
    # Longest first, so that the last report to finish is a short one and no worker idles at the end.
    todo.sort(key=lambda job: -_expected_seconds(planned[job.id], manifest.reports.get(job.id)))

    def save() -> None:
        manifest.updated = now()
        write_manifest_and_index(out, manifest)

    def record(o: Outcome) -> None:
        """Publish a finished report and say so in the manifest, in an order a kill cannot falsify:
        the entry is marked as being replaced before the folder changes, and finished after. Ctrl-C
        waits until both are done."""
        with _uninterrupted():
            _record(o)

    def _record(o: Outcome) -> None:
        report, job = planned[o.id], jobs_by_id[o.id]
        previous = manifest.reports.get(o.id)
        entry = ManifestEntry(
            kind=report.kind,
            title=report.title,
            scope=report.scope,
            scope_label=report.scope_label,
            formats=tuple(report.formats),
            sections=tuple(s.stem for s in report.sections),
            disclosure=report.extract.meta.disclosure,
            params=report.definition.model_dump(mode="json"),
            hashes=job.hashes,
            cache_key=None,
            peerimpact_version=__version__,
            seconds=o.seconds,
            status="replacing",
            built_at=previous.built_at if previous else None,
            overrides=prep.overrides,
        )
        if o.status == "built" and previous is None and os.path.lexists(out / o.id):
            # checked before the build, but a folder may have appeared since: never replace what is not ours
            shutil.rmtree(o.staged, ignore_errors=True)
            o.status, o.error = (
                "failed",
                (f"{out / o.id} appeared during the build and this tool did not write it; it was left as it is"),
            )
        if o.status == "built":
            manifest.reports[o.id] = entry
            save()
            try:
                publish(Path(o.staged), out / o.id)
                manifest.reports[o.id] = dataclasses.replace(
                    entry, status="ok", cache_key=job.cache_key, built_at=o.built_at
                )
            except OSError as exc:
                o.status, o.error = "failed", f"could not publish the report: {exc}"
        if o.status != "built":
            manifest.reports[o.id] = dataclasses.replace(entry, status="failed", error=o.error)
        save()

    if not todo:
        echo(up_to_date_line(len(planned), out))
        save()
    else:
        try:
            outcomes += _run_all(todo, jobs or os.cpu_count() or 1, out, executor, scheduler, echo, record)
        except ExecutorUnavailable as exc:
            prep.problems.add("--executor", value=executor or "local", rule="option", message=str(exc))
    if (out / ".staging").is_dir() and not any((out / ".staging").iterdir()):
        (out / ".staging").rmdir()
    order = {rid: i for i, rid in enumerate(planned)}
    return BuildResult(sorted(outcomes, key=lambda o: order[o.id]), prep.problems, out, work)


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold SIGINT back while the block runs (in the main thread; elsewhere it cannot arrive)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _expected_seconds(report: PlannedReport, entry: ManifestEntry | None) -> float:
    """How long a report should take: its last build's time, or else its sections times its rows."""
    if entry is not None and entry.seconds.get("total"):
        return float(entry.seconds["total"])
    rows = len(report.extract.participants) + len(report.extract.scores) / 20
    return len(report.sections) * (1 + rows / 20)


def _run_all(
    todo: list[Job],
    jobs: int,
    out: Path,
    executor: Executor | str | None,
    scheduler: str | None,
    echo: Callable[[str], None],
    record: Callable[[Outcome], None],
) -> list[Outcome]:
    """Run the jobs with the executor (a registered name, or any ``concurrent.futures.Executor``)
    and ``record`` each outcome as it arrives."""
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

    if isinstance(executor, Executor):
        opened = contextlib.nullcontext(ExecutorRunner(executor, out))
    else:
        opened = EXECUTORS[executor or "local"].open(ExecutorOptions(min(jobs, len(todo)), out, scheduler))
    try:
        with opened as runner:
            for outcome in runner.run(todo):
                done(outcome)
    finally:
        bar.close()
    return outcomes


def summary(result: BuildResult) -> str:
    counts = {s: sum(o.status == s for o in result.outcomes) for s in ("built", "cached", "failed")}
    return summary_line(counts["built"], counts["cached"], counts["failed"], result.out)
