"""Execute a report's section notebooks with papermill.

By default one kernel serves all sections of a report, and a worker keeps its kernel for
the next report (:func:`warm_kernel`): the kernel starts and imports once, and before each
section its namespace, open figures, plot settings and the notebook helper's state are
reset (:func:`peerimpact.session.reset`) so that nothing leaks from one section or report
into the next. ``isolated=True`` gives every section a kernel of its own. Kernels listen
on IPC sockets in a private temporary folder, not on TCP ports.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.iorw import load_notebook_node
from papermill.translators import papermill_translators
from papermill.utils import find_first_tagged_cell_index

from .processes import die_with_parent, held_fds

KERNEL = "python3"
RESET_TAG = "peerimpact-reset"
# First cell of every executed section: forget what the previous section or report left behind.
RESET_SOURCE = "from peerimpact.session import reset\nreset()"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class SectionFailure:
    """Where a section failed and the original exception, as the kernel reported it."""

    section: str
    cell_index: int
    cell_source: str
    ename: str
    evalue: str
    traceback: str
    path: str = ""  # the section's notebook file

    def format(self) -> str:
        if self.ename == "UnknownFigure":  # the section's table, refused: what to fix, not a crash
            return f"{self.path or 'section ' + self.section}, cell {self.cell_index}: refused: {self.evalue}"
        source = "\n".join(f"    {line}" for line in self.cell_source.splitlines())
        text = f"section {self.section}, cell {self.cell_index} (counting from 1):\n{source}"
        if self.traceback.strip():
            text += f"\n{self.traceback.rstrip()}"
        last = f"{self.ename}: {self.evalue}"
        return text if text.endswith(last) else f"{text}\n{last}"


@dataclass
class Execution:
    notebooks: list[Path] = field(default_factory=list)
    failure: SectionFailure | None = None
    seconds: dict[str, float] = field(default_factory=dict)


class _SavedAtEnd(NotebookExecutionManager):
    """papermill's execution manager, writing the executed notebook once, when it ends.

    papermill rewrites the whole notebook before and after every cell, so that a long run can
    be watched; a section takes a second or two, and those writes cost a build more than they
    show. The notebook is still written when a section fails or its kernel dies, for the
    failure to be read from it."""

    def save(self, **kwargs) -> None:
        if self.end_time is not None:
            super().save(**kwargs)


class SharedKernelEngine(NBClientEngine):
    """papermill's nbclient engine, run against a kernel manager the caller owns."""

    @classmethod
    def execute_notebook(
        cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False, autosave_cell_every=30, **kwargs
    ):
        nb_man = _SavedAtEnd(
            nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output, autosave_cell_every=0
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        km=None,
        kc=None,
        **kwargs,
    ):
        client = PapermillNotebookClient(
            nb_man,
            km=km,
            kernel_name=kernel_name,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            log=logging.getLogger("papermill"),
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        # The kernel's own client, connected once: a new one per section waits 0.2 s for the
        # kernel's output channel to fall silent before its first cell. Replies left over from
        # an earlier section carry another request's id and are ignored.
        client.kc = kc
        return client.execute()


papermill_engines.register("peerimpact-shared", SharedKernelEngine)


def declared_parameters(notebook: Path) -> set[str] | None:
    """Names assigned in a notebook's ``parameters`` cell; ``None`` when it has no such cell."""
    nb = load_notebook_node(str(notebook))  # papermill's reader: every cell gets a tags list
    index = find_first_tagged_cell_index(nb, "parameters")
    if index < 0:
        return None
    translator = papermill_translators.find_translator(KERNEL, "python")
    return {p.name for p in translator.inspect(nb.cells[index])}


def runs_last(section: Path) -> bool:
    """Whether a section is written from what the others showed (``metadata.peerimpact.runs_last``,
    the key messages): it runs after them, wherever the report places it."""
    try:
        meta = nbformat.read(section, as_version=4).metadata.get("peerimpact", {})
    except (OSError, ValueError):
        return False  # papermill reports an unreadable notebook when it runs it
    return bool(meta.get("runs_last"))


def with_reset_cell(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell(RESET_SOURCE, metadata={"tags": [RESET_TAG]})
    cell.id = "peerimpact-reset"
    nb.cells.insert(0, cell)
    return nb


def _failure(section: str, output: Path, exc: PapermillExecutionError, path: str = "") -> SectionFailure:
    nb = nbformat.read(output, as_version=4)
    added = {RESET_TAG, "injected-parameters"}
    before = nb.cells[: exc.cell_index]
    inserted = sum(bool(added & set(c.get("metadata", {}).get("tags", []))) for c in before)
    number = exc.cell_index - inserted + 1  # the cell's place in the user's notebook, counting from 1
    return SectionFailure(
        section, number, exc.source, exc.ename, exc.evalue, ANSI.sub("", "\n".join(exc.traceback)), path
    )


# The kernel's own command with the debugger left out: a build never attaches one, and
# ipykernel otherwise loads debugpy at start (140 modules, a quarter of a second a kernel).
LAUNCH = (
    "import sys; sys.modules['debugpy'] = None; "
    "from ipykernel.kernelapp import launch_new_instance; launch_new_instance()"
)


class _BatchKernelSpecs(KernelSpecManager):
    """The ``python3`` kernel as installed, started by :data:`LAUNCH` when it is ipykernel's launcher."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = super().get_kernel_spec(kernel_name)
        argv = list(spec.argv)
        if argv[1:3] == ["-m", "ipykernel_launcher"]:
            spec.argv = [argv[0], "-c", LAUNCH, *argv[3:]]
        return spec


class Kernel:
    """A kernel on local IPC sockets in a private folder of its own: no TCP port is opened, and
    nothing is sent in clear over a network. It dies with the process that started it and holds
    the build's workers lock (see :mod:`peerimpact.builder.processes`)."""

    def __init__(self) -> None:
        # A short private folder for the sockets (a socket path may not exceed ~100 bytes).
        self._sockets = tempfile.TemporaryDirectory(prefix="pi-")
        self.km = AsyncKernelManager(
            kernel_name=KERNEL,
            transport="ipc",
            ip=str(Path(self._sockets.name) / "kernel"),
            kernel_spec_manager=_BatchKernelSpecs(),
        )
        self.reports = 0  # how many reports this kernel has run
        self.kc = None
        try:
            run_sync(self.km.start_kernel)(preexec_fn=die_with_parent, pass_fds=held_fds())
            self.kc = self.km.client()  # made after the start: it takes the kernel's connection info
            self.kc.allow_stdin = False
            self.kc.start_channels()
            run_sync(self.kc.wait_for_ready)(timeout=60)
        except Exception:  # a kernel that never answered is not left running, nor its sockets
            self.shutdown()
            raise

    @property
    def pid(self) -> int | None:
        process = getattr(self.km.provisioner, "process", None)
        return None if process is None else process.pid

    @property
    def alive(self) -> bool:
        return self.km.has_kernel and bool(run_sync(self.km.is_alive)())

    def kill(self) -> None:
        """SIGKILL the kernel and remove its socket folder; no message is exchanged."""
        pid = self.pid
        if pid is not None:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)  # jupyter_client starts a kernel in a session of its own
        self._sockets.cleanup()

    def shutdown(self) -> None:
        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
        finally:
            self._sockets.cleanup()


_warm = threading.local()  # each thread's warm kernel: a kernel is driven from the thread that started it


def warm_kernel() -> Kernel:
    """This thread's kernel for the next report, started on first use and again after a failure."""
    kernel = getattr(_warm, "kernel", None)
    if kernel is None or not kernel.alive:
        if kernel is not None:
            kernel.shutdown()
        kernel = _warm.kernel = Kernel()
    return kernel


def kill_warm_kernel() -> None:
    """Kill this thread's warm kernel at once and remove its sockets, without a word to it: what a
    worker told to stop does (in a signal handler, where the kernel's client may be mid-call)."""
    kernel = getattr(_warm, "kernel", None)
    _warm.kernel = None
    if kernel is not None:
        kernel.kill()


def release_warm_kernel() -> None:
    """Shut down this thread's warm kernel, if it has one (at the end of a build run in this thread)."""
    kernel = getattr(_warm, "kernel", None)
    _warm.kernel = None
    if kernel is not None:
        kernel.shutdown()


def _exit_cause(km: AsyncKernelManager) -> str:
    """Why a kernel ended, in words: the signal that killed it or its exit status."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    code = process.poll() if process is not None else None
    if code is None:
        return "the kernel stopped answering"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else f"signal {-code}"
        why = " (the system kills a process this way when memory runs out)" if -code == signal.SIGKILL else ""
        return f"the kernel was killed by {name}{why}"
    return f"the kernel exited with status {code}"


def _cell_in_progress(output: Path) -> tuple[int, str]:
    """(index, source) of the cell a section was running when its kernel ended: the first not completed."""
    nb = nbformat.read(output, as_version=4)
    for index, cell in enumerate(nb.cells):
        status = cell.get("metadata", {}).get("papermill", {}).get("status")
        if cell.cell_type == "code" and status != "completed":
            return index, cell.source
    return len(nb.cells) - 1, nb.cells[-1].source if nb.cells else ""


def _stopped(section: str, output: Path, km: AsyncKernelManager, exc: Exception) -> SectionFailure:
    """A section whose kernel died or whose cell ran out of time, as a failure a reader can act on."""
    index, source = _cell_in_progress(output) if output.exists() else (0, "")
    if isinstance(exc, CellTimeoutError):
        ename, cause = "CellTimeoutError", "the cell ran longer than the time a cell is allowed"
    else:
        ename, cause = "DeadKernelError", _exit_cause(km)
    nb = nbformat.read(output, as_version=4) if output.exists() else None
    inserted = (
        0
        if nb is None
        else sum(
            bool({RESET_TAG, "injected-parameters"} & set(c.get("metadata", {}).get("tags", [])))
            for c in nb.cells[:index]
        )
    )
    return SectionFailure(section, index - inserted + 1, source, ename, cause, "")


def execute_sections(
    sections: list[Path],
    parameters: dict,
    build_dir: Path,
    *,
    isolated: bool = False,
    timeout: int | None = 600,
    kernel: Kernel | None = None,
) -> Execution:
    """Run ``sections`` in order with ``parameters`` (those that :func:`runs_last` after the rest);
    stop at the first section that fails. The executed notebooks come back in ``sections``' order.

    ``kernel`` (say, :func:`warm_kernel`) runs them and lives on for the next report, unless a
    section fails, which shuts it down: a kernel that failed or ran out of time is not trusted
    with another report. Without one, the sections get a kernel of their own, or one each when
    ``isolated``. Executed notebooks are written to ``build_dir`` (kept after a failure, for debugging).
    """
    result = Execution()
    owned = kernel is None or isolated
    current = Kernel() if owned or kernel is None else kernel  # not owned: a kernel was given
    try:
        for section in sorted(sections, key=runs_last):  # stable: a summary after the rest
            output = build_dir / f"{section.stem}.ipynb"
            started = time.perf_counter()
            try:
                papermill.execute_notebook(
                    with_reset_cell(section),
                    str(output),
                    parameters=parameters,
                    engine_name="peerimpact-shared",
                    kernel_name=KERNEL,
                    language="python",
                    progress_bar=False,
                    log_output=False,
                    execution_timeout=timeout,
                    km=current.km,
                    kc=current.kc,
                )
            except PapermillExecutionError as exc:
                result.failure = _failure(section.stem, output, exc, str(section))
            except (DeadKernelError, CellTimeoutError) as exc:
                result.failure = _stopped(section.stem, output, current.km, exc)
            finally:
                result.seconds[section.stem] = time.perf_counter() - started
                if output.exists():
                    result.notebooks.append(output)
            if result.failure:
                break
            if isolated:  # the next section gets a kernel of its own
                current.shutdown()
                current = Kernel()
        current.reports += 1
        place = {section.stem: i for i, section in enumerate(sections)}
        result.notebooks.sort(key=lambda nb: place.get(nb.stem, len(place)))  # in the report's order
    finally:
        if owned or result.failure:
            current.shutdown()
    return result
