"""A prepared build run: a job for each report that is not up to date, run on an executor longest
first, and each report published as it finishes and recorded in the manifest, in an order a kill
cannot falsify.
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
from dataclasses import dataclass
from pathlib import Path

from ..problems import Problems
from ..report.methods import settings_in_words
from ..version import __version__
from .audiences import disclosure_words, small_scope_notice
from .executors import EXECUTORS, ExecutorOptions, ExecutorRunner, ExecutorUnavailable, Runner
from .jobs import Job, Outcome, TitleBlock, now
from .kinds import KINDS
from .plan import PlannedReport
from .prepare import Prepared
from .publish import ManifestEntry, is_current, publish, write_manifest_and_index
from .request import up_to_date_line


@dataclass
class BuildResult:
    """What a build did: each planned report's outcome, and the problems that stopped or warned it."""

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


def changed_settings(overrides: dict) -> tuple[tuple[str, str], ...]:
    """The title page's line on the settings ``--set`` changed for this build, where it changed any."""
    return (("Settings changed for this build", settings_in_words(overrides)),) if overrides else ()


def dispatch(
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
    """Run the reports of ``prep`` that are not up to date, longest first, and publish each as it
    finishes; the folders are the build's own and locked (see :func:`~peerimpact.builder.pipeline.build`)."""
    config = prep.config
    assert config is not None  # a build is dispatched only when prepared without errors: its study loaded
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
            assert entry is not None  # a current report has its entry
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
            (*KINDS[report.kind].front_matter(config), *changed_settings(report.extract.meta.overrides)),
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
                word_template=report.word_template,
                locale=report.extract.meta.report_locale,
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
            assert o.staged is not None  # a built report is staged
            shutil.rmtree(o.staged, ignore_errors=True)
            o.status, o.error = (
                "failed",
                (f"{out / o.id} appeared during the build and this tool did not write it; it was left as it is"),
            )
        if o.status == "built":
            assert o.staged is not None  # a built report is staged
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

    opened: contextlib.AbstractContextManager[Runner]
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
