"""A table as a reader hands it over (:class:`RawTable`), and the limits every reader holds a file
to: a regular file within the size limit, a header and cells within the shape limits, rows
within the row limit. A file beyond them is refused before (or as soon as) it would cost more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..limits import MB, current
from ..problems import Problems


@dataclass
class RawTable:
    """A table as read from a file: header, raw cells (``None`` for an empty cell) and line numbers.

    ``lines[i]`` is the physical line (CSV; header = line 1), the sheet row (XLSX) or the
    case number + 1 (SPSS) of ``rows[i]``.
    """

    path: Path
    columns: list[str]
    rows: list[list[str | None]]
    lines: list[int]
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)


def readable_file(path: Path, problems: Problems, *, sized: bool = True) -> bool:
    """Whether ``path`` is a regular file (and, when ``sized``, within the file-size limit);
    a problem says why not. FIFOs, devices and folders are refused before anything is opened."""
    if not path.is_file():
        problems.add(
            path,
            rule="file-missing",
            message="not a regular file (a folder, FIFO or device)" if path.exists() else "file not found",
        )
        return False
    limit = current().table_mb
    size = path.stat().st_size
    if sized and size > limit * MB:
        problems.add(
            path,
            rule="too-large",
            message=f"file is {size / MB:,.0f} MB; the limit is {limit:,} MB (raise it with PEERIMPACT_MAX_FILE_MB)",
        )
        return False
    return True


class TooLarge(ValueError):
    """A table with more rows than :class:`~peerimpact.limits.Limits` allows."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def refuse_too_many_rows(line: int) -> None:
    """Stop reading: the table has more rows than the limit allows (``line`` is where it passed it)."""
    limit = current().rows
    raise TooLarge(f"more than {limit:,} rows; the limit is {limit:,} (raise it with PEERIMPACT_MAX_ROWS)", line)


def check_shape(columns: int, rows: int, *, rows_exact: bool = True) -> None:
    """Refuse a table of more header columns, or more cells (rows × columns), than the limits allow.

    Every row is held as wide as the header, so this is what reading would cost whatever
    the file's size. ``rows_exact`` is false when ``rows`` counts lines, an upper bound.
    """
    limits = current()
    if columns > limits.columns:
        raise TooLarge(
            f"the header has {columns:,} columns; the limit is {limits.columns:,} "
            "(raise it with PEERIMPACT_MAX_COLUMNS)",
            1,
        )
    if columns * rows > limits.cells:
        counted = f"{rows:,} rows" if rows_exact else f"up to {rows:,} rows (lines after the header)"
        raise TooLarge(
            f"{counted} × {columns:,} columns = {columns * rows:,} cells; the limit is "
            f"{limits.cells:,} cells (raise it with PEERIMPACT_MAX_CELLS)",
            1,
        )


def shorten(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was: a problem shows where a
    line starts, not a whole file swallowed into one cell.

    >>> shorten("x" * 100, 10)
    'xxxxxxxxxx… (100 characters)'
    """
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"
