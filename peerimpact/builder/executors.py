"""Executors: a registry of what runs a build's report jobs, beside the pipeline.

A runner takes the jobs and yields each :class:`~peerimpact.builder.jobs.Outcome` as it
arrives; the build publishes it. Kernels are kept warm wherever the runner owns the
threads that drive them:

- ``local`` (the default): one job, or ``--jobs 1``, runs in this process; more run in a
  pool of worker processes that die with the build. Each worker keeps one kernel for all
  the reports it builds.
- ``dask``: the jobs go to an existing Dask distributed cluster (``scheduler`` is its
  address). Its workers need peerimpact installed and must see the study, the output and
  the work folders at the same paths.

Any ``concurrent.futures.Executor`` given to :func:`~peerimpact.builder.pipeline.build`
runs too (:class:`ExecutorRunner`). Outside a pool of its own a runner cannot know when a
thread ends, so it hands each worker a batch of reports that share one kernel, started and
shut down inside the batch. Register another with :func:`register_executor`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import multiprocessing
import multiprocessing.util
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..registry import Registry
from .execute import kill_warm_kernel, release_warm_kernel
from .jobs import Job, Outcome, run_job
from .processes import worker_init, workers_lock


class Runner(Protocol):
    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        """Run ``jobs``, yielding each outcome as it arrives."""


@dataclass(frozen=True)
class ExecutorOptions:
    """What a build tells its executor: how many reports at once, where reports go, and the
    executor's own address (``--scheduler``) if it has one."""

    jobs: int
    out: Path
    scheduler: str | None = None


@dataclass(frozen=True)
class ExecutorKind:
    """``open`` gives a runner for a build's jobs; ``warm_up``, if given, is called as the
    build starts planning, to get ready (start processes, import) while the study is read."""

    name: str
    description: str
    open: Callable[[ExecutorOptions], ContextManager[Runner]]
    warm_up: Callable[[], None] | None = None


EXECUTORS: Registry[ExecutorKind] = Registry("executor")


class ExecutorUnavailable(Exception):
    """An executor that cannot start here (a missing extra, an unreachable scheduler), in words."""


def register_executor(kind: ExecutorKind) -> ExecutorKind:
    """Add (or replace) an executor under its name; ``--executor`` may then name it."""
    return EXECUTORS.register(kind.name, kind)


def run_warm(job: Job) -> Outcome:
    return run_job(dataclasses.replace(job, warm=True))


def run_batch(jobs: list[Job]) -> list[Outcome]:
    """Run reports one after another in one kernel, shut down when the batch ends."""
    try:
        return [run_warm(job) for job in jobs]
    finally:
        release_warm_kernel()


class SerialRunner:
    """Every job in this process and thread, one kernel for all of them."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        with workers_lock(self.out):
            try:
                for job in jobs:
                    yield run_warm(job)
            except KeyboardInterrupt:
                kill_warm_kernel()
                # the interrupted cell's task would report the kernel's death as it is collected
                logging.getLogger("asyncio").setLevel(logging.CRITICAL)
                raise
            finally:
                release_warm_kernel()


class PoolRunner:
    """A pool of worker processes, each keeping one kernel for every report it builds; the
    workers and their kernels die with this process."""

    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self.pool = pool

    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        for future in as_completed([self.pool.submit(run_warm, job) for job in jobs]):
            yield future.result()


class ExecutorRunner:
    """Any ``concurrent.futures.Executor`` whose workers see the output and work folders.

    The jobs go out in batches, about two per worker (``parallelism``), each batch sharing one
    kernel; this process holds the workers lock while they run.
    """

    def __init__(self, executor: Executor, out: Path, parallelism: int | None = None) -> None:
        self.executor, self.out = executor, out
        self.parallelism = parallelism or getattr(executor, "_max_workers", None) or 1

    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        size = max(1, math.ceil(len(jobs) / (2 * self.parallelism)))
        batches = [jobs[i : i + size] for i in range(0, len(jobs), size)]
        with workers_lock(self.out):
            for future in as_completed([self.executor.submit(run_batch, batch) for batch in batches]):
                yield from future.result()


def _pool_worker(out: str, build: int) -> None:
    """A local pool worker: dies with the build, holds its workers lock, and shuts its warm
    kernel down when it ends (the kernel would otherwise be killed with it, leaving its sockets).

    A multiprocessing finaliser, not ``atexit``: a worker forked by the fork server ends with
    ``os._exit``, which runs no ``atexit`` handler."""
    worker_init(out, build)
    multiprocessing.util.Finalize(None, release_warm_kernel, exitpriority=10)
    # Ctrl-C reaches every process of the terminal's group: the build alone answers it, by
    # stopping its workers (SIGTERM), which take their kernels down at once.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_now)


def _stop_now(signum: int, frame) -> None:
    kill_warm_kernel()
    os._exit(128 + signum)


# What a local worker imports before its first report. Workers fork from a server that has
# imported these once, started while the build plans; spawned afresh after planning, two
# workers took 1.2 s to be ready, and each imported nbconvert and the PDF renderer again.
PRELOAD = [
    "peerimpact.builder.executors",
    "peerimpact.builder.render",
    "peerimpact.builder.formats",
    "nbconvert.exporters.html",
    "typst",
]


def _pool_context() -> multiprocessing.context.BaseContext:
    # The fork server forks from a process that has loaded modules and started no thread. Its
    # workers must watch the build themselves (see processes.die_with), which needs Linux's
    # pidfd; elsewhere each worker is spawned afresh.
    forks = "forkserver" in multiprocessing.get_all_start_methods() and hasattr(os, "pidfd_open")
    method = "forkserver" if forks else "spawn"
    return multiprocessing.get_context(method)


def _warm_up_local() -> None:
    context = _pool_context()
    if context.get_start_method() == "forkserver":
        import multiprocessing.forkserver

        context.set_forkserver_preload(PRELOAD)
        multiprocessing.forkserver.ensure_running()


@contextlib.contextmanager
def _local(options: ExecutorOptions) -> Iterator[Runner]:
    if options.jobs <= 1:
        yield SerialRunner(options.out)
        return
    pool = ProcessPoolExecutor(
        max_workers=options.jobs,
        mp_context=_pool_context(),
        initializer=_pool_worker,
        initargs=(str(options.out), os.getpid()),
    )
    try:
        yield PoolRunner(pool)
    except BaseException:  # interrupted or failed: stop the workers now rather than wait for their reports
        _stop(list(pool._processes.values()))  # the pool keeps its processes here; it offers no other way
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _stop(processes: list, grace: float = 1.0) -> None:
    """Ask each worker to stop (it kills its kernel and exits), then kill what is left after ``grace`` s."""
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.exitcode is None:
            with contextlib.suppress(OSError, ValueError):
                process.kill()
                process.join(1.0)


@contextlib.contextmanager
def _dask(options: ExecutorOptions) -> Iterator[Runner]:
    if not options.scheduler:
        raise ExecutorUnavailable("the dask executor needs the address of a scheduler: --scheduler tcp://HOST:PORT")
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorUnavailable("the dask executor needs Dask: pip install 'peerimpact[dask]'") from None
    try:
        client = Client(options.scheduler, timeout="10s", set_as_default=False)
    except OSError as exc:
        raise ExecutorUnavailable(f"cannot reach the Dask scheduler at {options.scheduler}: {exc}") from None
    with client:
        threads = sum(client.nthreads().values()) or 1
        yield ExecutorRunner(client.get_executor(pure=False), options.out, threads)


register_executor(
    ExecutorKind("local", "this machine: worker processes that die with the build", _local, _warm_up_local)
)
register_executor(ExecutorKind("dask", "an existing Dask distributed cluster (--scheduler ADDRESS)", _dask))
