"""Processes of a build end with the build: pool workers and kernels never outlive their parent.

On Linux each child asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``),
so a build killed with SIGKILL takes its workers with it, and each worker its kernels.
Every worker and kernel also holds a shared lock on ``<out>/.workers.lock`` for as long
as it lives; a new build takes that lock exclusively before it touches the folder, so it
waits for whatever is left of a killed build to be gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .folders import open_private

PR_SET_PDEATHSIG = 1
WORKERS_LOCK = ".workers.lock"
_held: list[int] = []  # the fd of this process's shared workers lock, if it holds one


# Looked up once, here: die_with_parent also runs between fork and exec, where nothing may be loaded.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def die_with_parent() -> None:
    """Ask to be killed when the parent process ends (Linux); elsewhere, do nothing."""
    if _LIBC is None or not hasattr(_LIBC, "prctl"):
        return
    parent = os.getppid()
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def hold_workers_lock(out: str | os.PathLike[str]) -> int:
    """Take the shared workers lock of an output folder (until :func:`release_workers_lock`); its fd."""
    release_workers_lock()
    fd = open_private(Path(out) / WORKERS_LOCK)
    fcntl.flock(fd, fcntl.LOCK_SH)
    _held.append(fd)
    return fd


def release_workers_lock() -> None:
    while _held:
        os.close(_held.pop())


@contextlib.contextmanager
def workers_lock(out: str | os.PathLike[str]) -> Iterator[int]:
    """The shared workers lock, held by a build that runs its reports in its own process."""
    fd = hold_workers_lock(out)
    try:
        yield fd
    finally:
        release_workers_lock()


def held_fds() -> tuple[int, ...]:
    """File descriptors a kernel started by this process inherits, so that it holds the lock too."""
    return tuple(_held)


def die_with(pid: int) -> None:
    """Be killed when process ``pid`` ends, though it is not this process's parent (Linux 5.3+).

    A worker forked by a fork server has the server as its parent, and the server outlives
    a killed build for as long as any worker lives; so the worker watches the build itself."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:  # the build is already gone
        os._exit(1)

    def watch() -> None:
        select.select([handle], [], [])  # readable when the process ends
        os.kill(os.getpid(), signal.SIGKILL)  # as PR_SET_PDEATHSIG would: the kernels follow

    threading.Thread(target=watch, name="die-with-build", daemon=True).start()


def worker_init(out: str, build: int | None = None) -> None:
    """Initialiser of a pool worker: die with the build (``build``, its pid, when the worker's
    parent is not the build), hold the workers lock."""
    die_with_parent()
    if build is not None and build != os.getppid():
        die_with(build)
    hold_workers_lock(out)


def wait_for_workers(out: Path, timeout: float = 60.0) -> bool:
    """Wait until no worker or kernel of an earlier build holds the workers lock; ``False`` on timeout."""
    fd = open_private(out / WORKERS_LOCK)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fd, fcntl.LOCK_UN)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.1)
    finally:
        os.close(fd)
