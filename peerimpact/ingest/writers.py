"""Writers: tables out as CSV and Excel, safe to open and never half written.

A file is written whole beside its target, under a name no one else holds (opened with
``O_EXCL``, never through a symbolic link), and renamed over the target only once it is
complete: a failure leaves whatever was at the path as it was and removes its own temporary
file. Text that a spreadsheet would run as a formula is written with a leading apostrophe
(:func:`peerimpact.text.neutralise`), and every text cell of a workbook is a text cell.
"""

from __future__ import annotations

import csv
import errno
import gc
import io
import os
import re
import secrets
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar

from ..problems import display_path
from ..registry import Registry
from ..text import neutralise_frame

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl import Workbook

Write = Callable[[IO[bytes]], object]  # what it returns (``handle.write``'s count) is not used
# a table's path, as text or a path: one type per call, for a mapping's keys cannot vary
TablePath = TypeVar("TablePath", bound="str | os.PathLike[str]")


class NotWritten(OSError):
    """A file that could not be written; whatever was at its path is as it was.

    ``str()`` is the one line a user is shown: ``not written: PATH: why``.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str, code: int | None = None) -> None:
        super().__init__(f"not written: {display_path(path)}: {reason}")
        self.path, self.reason = Path(path), reason
        self.errno, self.filename = code, str(path)  # a full disk stays recognisable as one
        self.message = f"not written: {display_path(path)}: {reason}"

    def __str__(self) -> str:  # OSError would print errno and file name once they are set
        return self.message


def _why(error: BaseException) -> str:
    """The cause of a failed write in one line, without a traceback."""
    text = error.strerror if isinstance(error, OSError) and error.strerror else " ".join(str(error).split())
    if (code := re.fullmatch(r"IO_(E[A-Z]+)", text)) and hasattr(errno, code[1]):  # lxml's name for an OS error
        text = os.strerror(getattr(errno, code[1]))
    return text[:1].lower() + text[1:] if text[:2].istitle() else text or type(error).__name__


def _refuse(path: Path) -> None:
    """Paths a write must not go to: through a symbolic link, or over a folder."""
    if path.is_symlink():
        raise NotWritten(path, "it is a symbolic link; name the file itself (a link is neither followed nor replaced)")
    if path.is_dir():
        raise NotWritten(path, "it is a folder; name a file")


def _temporary(path: Path) -> tuple[Path, int]:
    """A new file beside ``path`` that no one else can hold: created here, never through a link.
    It has the permissions of the file it will replace, else those of any new file (0666 less the
    umask), so a file its owner made private stays private."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        try:
            os.fchmod(fd, os.stat(path, follow_symlinks=False).st_mode & 0o777)
        except FileNotFoundError:
            pass
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        return tmp, fd
    raise FileExistsError(f"no free temporary name beside {path.name}")


def write_files(writes: Mapping[Path, Write]) -> list[Path]:
    """Write each path of ``writes`` with its function (given the open binary file), all or none.

    Every file is written to a temporary file in its own folder first; only when all of them are
    complete are they renamed into place. On any failure every temporary file is removed, no
    target is touched, and :class:`NotWritten` names the path that failed and why. A target that
    is a symbolic link or a folder is refused before anything is written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> write_files({path: lambda f: f.write(b"one")}) == [path], path.read_bytes()
    (True, b'one')
    >>> write_files({path: lambda f: 1 / 0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    peerimpact.ingest.writers.NotWritten: not written: ...a.txt: division by zero
    >>> path.read_bytes(), sorted(p.name for p in path.parent.iterdir())
    (b'one', ['a.txt'])
    """
    targets = [Path(p) for p in writes]
    for path in targets:
        _refuse(path)
    staged: list[tuple[Path, Path]] = []
    try:
        for path, write in zip(targets, writes.values()):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp, fd = _temporary(path)
                staged.append((tmp, path))
                with os.fdopen(fd, "wb") as handle:
                    write(handle)
                    handle.flush()
                    os.fsync(handle.fileno())
            except NotWritten:
                raise
            except Exception as error:
                raise NotWritten(path, _why(error), getattr(error, "errno", None)) from error
        for tmp, path in staged:
            try:
                os.replace(tmp, path)
            except OSError as error:
                raise NotWritten(path, _why(error), error.errno) from error
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)  # a renamed one is gone already
    return targets


def write_file(path: str | os.PathLike[str], write: Write) -> Path:
    """One file, written as :func:`write_files` writes them."""
    return write_files({Path(path): write})[0]


def through_folder(write: Callable[[Path], None], suffix: str) -> Write:
    """A writer to an open file, from one (SPSS's and Stata's) that only writes to a path: it writes
    into a private folder of its own, and the bytes are copied over."""

    def copy(handle: IO[bytes]) -> None:
        with tempfile.TemporaryDirectory(prefix="peerimpact-") as private:
            path = Path(private) / f"file{suffix}"
            write(path)
            with open(path, "rb") as made:
                while chunk := made.read(1 << 20):
                    handle.write(chunk)

    return copy


def check_excel_text(frame: pd.DataFrame) -> None:
    """Refuse text Excel cannot hold (control characters other than tab, line feed and carriage
    return), naming the column and the row of the sheet, before anything is written."""
    import pandas as pd
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for i, column in enumerate(frame.columns):
        if ILLEGAL_CHARACTERS_RE.search(str(column)):
            raise ValueError(f"column {column!r} has a control character in its name, which Excel cannot hold")
        series = frame.iloc[:, i]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if not (pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype)):
            continue
        for row, value in enumerate(series, start=2):
            if isinstance(value, str) and (found := ILLEGAL_CHARACTERS_RE.search(value)):
                raise ValueError(
                    f"column {column!r}, row {row}: a control character (U+{ord(found.group()):04X}) "
                    "that Excel cannot hold"
                )


def string_cells(book: Workbook) -> None:
    """Make every text cell of an openpyxl workbook a text cell: openpyxl reads a string starting
    with ``=`` as a formula and ``#N/A`` as an error value."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type != "s":
                    cell.data_type = "s"


def _workbook(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """The workbook's bytes, zipped in memory (a failing disk then fails one plain write, not the zip)."""
    import pandas as pd

    book = io.BytesIO()
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
        string_cells(writer.book)
    return book.getvalue()


def excel_sheets(sheets: Mapping[str, pd.DataFrame]) -> Write:
    """A writer of a workbook with one sheet per frame (header row, no index), text neutralised."""
    import pandas as pd

    def write(handle: IO[bytes]) -> None:
        frames = {}
        for name, frame in sheets.items():
            out = neutralise_frame(frame)
            for column in range(out.shape[1]):  # Excel has no category type: write the labels
                if isinstance(out.iloc[:, column].dtype, pd.CategoricalDtype):
                    out.isetitem(column, out.iloc[:, column].astype(object))
            check_excel_text(out)
            frames[name] = out
        failed, hook = None, sys.unraisablehook
        # openpyxl writes each sheet through a temporary file; when that fails, the half-written
        # sheet's writer reports the same error again as it is collected, as a traceback
        sys.unraisablehook = lambda unraisable: None
        try:
            try:
                data = _workbook(frames)
            except Exception as error:
                failed = _why(error)
                error.__traceback__ = None
            gc.collect()
        finally:
            sys.unraisablehook = hook
        if failed is not None:
            raise OSError(failed)
        handle.write(data)

    return write


def _holds_carriage_return(frame: pd.DataFrame) -> bool:
    if any("\r" in str(c) for c in frame.columns):
        return True
    return any(isinstance(v, str) and "\r" in v for v in frame.select_dtypes(exclude="number").to_numpy().ravel())


def to_csv(frame: pd.DataFrame, target: str | os.PathLike[str] | IO[bytes], **options) -> None:
    """``frame`` as UTF-8 CSV (no index, ``\\n`` line ends) that a spreadsheet shows and never runs:
    text starting like a formula gets a leading ``'``. A frame with a carriage return in a value
    has every field quoted, since a writer ending lines with ``\\n`` would leave a lone ``\\r``
    unquoted, and readers end the row there."""
    out = neutralise_frame(frame)
    quoting = csv.QUOTE_ALL if _holds_carriage_return(out) else csv.QUOTE_MINIMAL
    out.to_csv(target, index=False, lineterminator="\n", encoding="utf-8", quoting=quoting, **options)


def csv_text(frame: pd.DataFrame, **options) -> Write:
    """A writer of ``frame`` as :func:`to_csv` writes it."""
    return lambda handle: to_csv(frame, handle, **options)


# File suffix → writer of a table; ``write_table`` refuses any other suffix.
WRITERS: Registry[Callable[[pd.DataFrame], Write]] = Registry("table file suffix")
WRITERS.register(".csv", csv_text)
WRITERS.register(".xlsx", lambda frame: excel_sheets({"Sheet1": frame}))


def write_tables(tables: Mapping[TablePath, pd.DataFrame]) -> list[Path]:
    """Write each table in the format its suffix names (``.csv`` UTF-8, ``.xlsx`` Excel), all or
    none, as :func:`write_files` does. Raises ``ValueError`` for a suffix with no writer."""
    writes: dict[Path, Write] = {}
    for name, frame in tables.items():
        path = Path(name)
        make = WRITERS.get(path.suffix.lower(), None)
        if make is None:
            raise ValueError(f"cannot write {path.name}: the name must end in {' or '.join(sorted(WRITERS))}")
        writes[path] = make(frame)
    return write_files(writes)


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write one table as :func:`write_tables` does."""
    return write_tables({path: frame})[0]
