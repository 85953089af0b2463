"""A built report's files read without following links or blocking, and a command's own output
written atomically, never over a file the command did not write.

``audit`` and ``reproduce`` read tables that anyone with access to a report folder could have
replaced: a named pipe would block the read forever, a symbolic link could point anywhere on the
machine. They read regular files only. What they write (a summary, a side-by-side table) goes
beside the reports, never into a report's ``tables/`` or ``figures/`` or over its rendered files,
and over an existing file only when that file has the header the command itself writes.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from ..ingest.writers import write_file
from ..limits import MB, current

# What a report folder holds that its build wrote; the formats' files are added from the registry.
REPORT_FOLDERS = ("tables", "figures")
REPORT_FILES = ("report.html", "report.pdf", "tables.xlsx", "report.docx")


class Unreadable(Exception):
    """A file that is not read: not a regular file, too large, or not a table; ``line`` where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


class Refused(Exception):
    """An output path a command will not write: the message says why, in plain words."""


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _open_regular(path: Path) -> tuple[int, os.stat_result]:
    """An open descriptor of ``path`` and its status, if it is a regular file; see :func:`read_regular`."""
    before = os.lstat(path)  # lstat first: a device or pipe is never opened, a link never followed
    if not stat.S_ISREG(before.st_mode):
        raise Unreadable(f"{_kind(before.st_mode)}, not a regular file: not read")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    after = os.fstat(fd)
    # the name may have been swapped for something else between lstat and open
    if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
        os.close(fd)
        raise Unreadable("changed while it was being opened: not read")
    return fd, after


def read_regular(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of ``path`` if it is a regular file, read without following a link or blocking.

    Parameters
    ----------
    path
        The file; a symbolic link, named pipe, device, socket or folder is not opened.
    max_bytes
        Refuse a larger file (default: the table limit of :mod:`peerimpact.limits`).

    Raises
    ------
    Unreadable
        What the path is instead of a regular file, or that it is too large.
    OSError
        The file could not be opened or read.
    """
    limit = current().table_mb * MB if max_bytes is None else max_bytes
    too_large = f"larger than {limit / MB:g} MB: not read (PEERIMPACT_MAX_FILE_MB raises the limit)"
    fd, info = _open_regular(path)
    try:
        if info.st_size > limit:
            raise Unreadable(too_large)
        chunks, size = [], 0
        while chunk := os.read(fd, MB):
            size += len(chunk)
            if size > limit:  # grown since it was opened
                raise Unreadable(too_large)
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def _first_line(path: Path, size: int) -> str:
    """Up to ``size`` bytes of the first line of a regular file, read as :func:`read_regular` reads."""
    fd, _ = _open_regular(path)
    try:
        head = os.read(fd, size)
    finally:
        os.close(fd)
    return head.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", errors="replace")


def read_csv_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the rows (each with its line number) of a CSV table written by a build.

    Every cell is text. Blank lines are skipped, as pandas skips them.

    Raises
    ------
    Unreadable
        Not a regular file, too large, not UTF-8, not CSV, no header, or a row whose number of
        cells differs from the header's (a build writes none of these).
    OSError
        The file could not be opened or read.
    """
    data = read_regular(path)
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark must not hide the first column's name
    except UnicodeDecodeError as error:
        raise Unreadable("not UTF-8 text: not read as a table", data[: error.start].count(b"\n") + 1) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    limit = current().rows
    try:
        for record in reader:
            if not record or record == [""]:
                continue
            if header is None:
                header = record
                continue
            line = reader.line_num - sum(cell.count("\n") for cell in record)  # where the row starts
            if len(record) != len(header):
                raise Unreadable(
                    f"{len(record)} cells in a row under a header of {len(header)}: not a table a build writes", line
                )
            rows.append((line, record))
            if len(rows) > limit:
                raise Unreadable(
                    f"more than {limit:,} rows: not read (PEERIMPACT_MAX_ROWS raises the limit)", reader.line_num
                )
    except csv.Error as error:
        raise Unreadable(f"not a CSV table ({error})", reader.line_num) from None
    if header is None:
        raise Unreadable("empty: no header row", 1)
    return header, rows


def _report_files() -> set[str]:
    from .formats import FORMATS

    return {*REPORT_FILES, *(fmt.file for fmt in FORMATS.values())}


def _is_report(folder: Path) -> bool:
    """A built report: a ``tables/`` folder beside a rendered file, or in a build's output folder."""
    if not (folder / "tables").is_dir():
        return False
    return (folder.parent / "manifest.json").exists() or any((folder / f).exists() for f in _report_files())


def _absolute(path: Path) -> Path:
    """``path`` with its folder's links resolved; the last part is kept as named (it is never followed)."""
    return Path(os.path.realpath(path.parent)) / path.name


def protected(path: Path, reports: Iterable[Path] = ()) -> str | None:
    """Why ``path`` belongs to a report (so no command but the build may write it), or ``None``.

    Parameters
    ----------
    path
        Where a command would write.
    reports
        Report folders the command reads: each is protected even if it does not look built.
    """
    target = _absolute(path)
    given = {Path(os.path.realpath(r)) for r in reports}
    files = _report_files()
    for folder in target.parents:
        if folder not in given and not _is_report(folder):
            continue
        inside = target.relative_to(folder).parts
        if inside[0] in REPORT_FOLDERS:
            return f"it is inside the report {folder}'s {inside[0]}/ folder, which only a build writes"
        if len(inside) == 1 and inside[0] in files:
            return f"it is the report {folder}'s own {inside[0]}"
    return None


def refusal(path: Path, header: str, reports: Iterable[Path] = ()) -> str | None:
    """Why a command that writes CSV files starting with ``header`` must not write ``path``, or ``None``.

    ``path`` may be new, or an existing regular file whose first line is exactly ``header`` (one
    the command wrote before); nothing inside a report (see :func:`protected`) and nothing else.
    """
    reason = protected(path, reports)
    if reason:
        return reason
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        return error.strerror or str(error)
    if not stat.S_ISREG(info.st_mode):
        return f"it exists and is {_kind(info.st_mode)}"
    try:
        line = _first_line(path, len(header.encode("utf-8")) + 2)
    except (Unreadable, OSError) as error:
        return f"it exists and cannot be read ({error})"
    if line != header:
        return f"it exists and is not a file this command wrote (its first line is not {header!r})"
    return None


def write_owned(path: Path, text: str, header: str, reports: Iterable[Path] = ()) -> Path:
    """Write ``text`` (a CSV starting with ``header``) to ``path`` atomically, unless :func:`refusal`
    says no: a temporary file beside it, made with ``O_EXCL``, then renamed over it.

    Raises
    ------
    Refused
        ``path`` is inside a report or is a file this command did not write; nothing is written.
    """
    reason = refusal(path, header, reports)
    if reason:
        raise Refused(f"{path}: {reason}: not written")
    data = text.encode("utf-8")
    return write_file(path, lambda handle: handle.write(data))
