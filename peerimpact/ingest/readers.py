"""Readers: a user's file in, raw text cells with their physical line numbers out.

Nothing here interprets values (that is :mod:`peerimpact.ingest.cells`); readers only make
CSV, XLSX and SPSS files look alike, so that every later problem can name the line
the user sees in their editor or spreadsheet. Input files are opened read-only.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
import zipfile
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

from ..limits import MB, current
from ..problems import Problems
from ..text import plural, restore

READABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".sav", ".zsav")


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


def read_table(path: str | Path, problems: Problems, *, sheet: str | None = None) -> RawTable | None:
    """Read a CSV, XLSX or SPSS file; problems with the file itself go to ``problems``."""
    path = Path(path)
    if not readable_file(path, problems):
        return None
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            table = read_xlsx(path, problems, sheet=sheet)
        elif suffix in (".sav", ".zsav"):
            table = read_sav(path, problems)
        else:
            table = read_csv(path, problems)
    except TooLarge as exc:
        problems.add(path, line=exc.line, rule="too-large", message=str(exc))
        return None
    except MemoryError:
        problems.add(path, rule="too-large", message="file is too large to read in this machine's memory")
        return None
    except Exception as exc:  # a corrupt file must not end in a traceback
        problems.add(path, rule="unreadable", message=f"cannot read file: {type(exc).__name__}: {exc}")
        return None
    if table is None or not _unique_columns(table, problems):
        return None
    _control_characters(table, problems)
    return table


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


def _row_limit(line: int) -> None:
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


def _unique_columns(table: RawTable, problems: Problems) -> bool:
    """A repeated column header (ignoring case) is an error: one column's values would hide the other's."""
    seen: dict[str, str] = {}
    ok = True
    for name in table.columns:
        key = name.strip().casefold()
        if not key:
            continue
        if key in seen:
            problems.add(
                table.path,
                line=1,
                column=name,
                value=name,
                rule="duplicate-column",
                message=f"column {name!r} repeats column {seen[key]!r} (headers are compared ignoring case); "
                "rename or remove one of them",
            )
            ok = False
        else:
            seen[key] = name
    return ok


def _decode(path: Path, problems: Problems) -> str:
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode Text" export
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(
            path,
            line=line,
            rule="encoding",
            message="file is not UTF-8; read as Windows-1252 (save as 'CSV UTF-8' to avoid this)",
            severity="warning",
        )
        return data.decode("cp1252", errors="replace")


def read_csv(path: Path, problems: Problems) -> RawTable | None:
    """CSV with or without a UTF-8 BOM, LF or CRLF endings; quoted fields may span lines."""
    text = _decode(path, problems)
    if "\0" in text:  # no text file holds NUL bytes: this one is binary, or damaged
        nul_lines = [number for number, line in enumerate(text.split("\n"), start=1) if "\0" in line]
        for number in nul_lines[:20]:
            problems.add(
                path,
                line=number,
                rule="binary",
                message="line holds NUL bytes: the file is not a text (CSV) file, or is damaged",
            )
        if len(nul_lines) > 20:
            problems.add(
                path,
                line=nul_lines[20],
                rule="binary",
                message=f"and {plural(len(nul_lines) - 20, 'more line')} with NUL bytes",
            )
        return None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") and sample.count(";") > sample.count("\t") else ","
    if sample.count("\t") > max(sample.count(","), sample.count(";")):
        delimiter = "\t"
    quotechar = '"'
    _check_csv_shape(text, delimiter, quotechar)
    reader = csv.reader(StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
    limit = current().rows
    columns: list[str] | None = None
    rows: list[list[str | None]] = []
    lines: list[int] = []
    end = 0
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            if columns is None:
                columns = [c.strip() for c in record]
                continue
            if not record or all(not c.strip() for c in record):
                continue  # blank line or a row of empty cells: nothing to read
            if len(record) > len(columns) and any(c.strip() for c in record[len(columns) :]):
                problems.add(
                    path,
                    line=start,
                    rule="ragged-row",
                    message=f"row has {plural(len(record), 'cell')} but the header has {len(columns)}",
                )
            record = (record + [""] * len(columns))[: len(columns)]
            rows.append([restore(c) if c != "" else None for c in record])
            lines.append(start)
            if len(rows) > limit:
                _row_limit(start)
    except csv.Error as exc:
        problems.add(
            path,
            line=end + 1,
            value=shorten(_line_of(text, end + 1)),
            rule="csv-syntax",
            message=f"cannot parse CSV: {exc}",
        )
    else:
        # The last row's lines hold an odd number of quotes, none of them kept in a cell as a
        # literal character: a quote opened there was never closed, and swallowed the rest of the file.
        tail = "".join(text.splitlines(keepends=True)[lines[-1] - 1 :]) if rows else ""
        if tail.count(quotechar) % 2 and not any(quotechar in (c or "") for c in rows[-1]):
            problems.add(
                path,
                line=lines[-1],
                value=shorten(_line_of(text, lines[-1])),
                rule="csv-syntax",
                message="a quoted cell that starts on this line is never closed: every line after it was read "
                "into that one cell",
            )
            del rows[-1], lines[-1]  # its cells hold the rest of the file: checking them says nothing more
    if columns is None:
        problems.add(path, line=1, rule="empty-file", message="file is empty: expected a header line")
        return None
    return RawTable(path, columns, rows, lines)


# Characters no report can show and Excel cannot hold: C0 controls other than tab, line feed and
# carriage return, and DEL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control_characters(table: RawTable, problems: Problems) -> None:
    """Every cell holding a character that no report can show (the first 20, then a count)."""
    found = 0
    for line, row in zip(table.lines, table.rows):
        if not CONTROL.search("\n".join(c for c in row if c)):
            continue
        for column, cell in zip(table.columns, row):
            match = CONTROL.search(cell or "")
            if match is None:
                continue
            found += 1
            if found <= 20:
                problems.add(
                    table.path,
                    line=line,
                    column=column,
                    value=shorten(cell),
                    rule="control-character",
                    message=f"holds a control character (U+{ord(match.group()):04X}),"
                    " which no report can show; remove it",
                )
    if found > 20:
        problems.add(
            table.path,
            rule="control-character",
            message=f"and {plural(found - 20, 'more cell')} with control characters",
        )


def _line_of(text: str, number: int) -> str:
    """Physical line ``number`` (1-based) of ``text``, without reading past it."""
    start = 0
    for _ in range(number - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end].rstrip("\r")


# A quoted CSV field on one line: its delimiters are not field separators.
_QUOTED = re.compile(r'"[^"\n]*"')


def _check_csv_shape(text: str, delimiter: str, quotechar: str) -> None:
    """Refuse a CSV too wide, or with too many cells, before parsing it: the header's fields are
    counted on its line (delimiters outside quotes) and rows by lines, an upper bound."""
    ending = "\n" if "\n" in text else "\r"  # a file from an old Mac ends its lines with CR alone
    end = text.find(ending)
    first = text if end < 0 else text[:end]
    columns = first.count(delimiter) + 1
    if columns > current().columns and quotechar in first:
        columns = _QUOTED.sub("", first).count(delimiter) + 1  # quoted names may hold delimiters
    rows = text.count(ending) - (1 if text.endswith(ending) else 0)
    check_shape(columns, rows, rows_exact=False)


def _cell_text(value: object) -> str | None:
    """Spreadsheet cell → the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = restore(str(value))
    return text if text != "" else None


def check_archive(archive: zipfile.ZipFile, path: Path, problems: Problems) -> bool:
    """Refuse a zip (an .xlsx or .qdpx) whose members would unpack to more than the limits allow.

    Sizes are read from the archive's directory before anything is unpacked; readers then
    read members through :func:`read_member`, which stops at the declared size.
    """
    limits = current()
    members = archive.infolist()
    total = sum(m.file_size for m in members)
    if total > limits.archive_mb * MB:
        problems.add(
            path,
            rule="too-large",
            message=f"archive unpacks to {total / MB:,.0f} MB; the limit is "
            f"{limits.archive_mb:,} MB (raise it with PEERIMPACT_MAX_FILE_MB)",
        )
        return False
    for m in members:
        if m.file_size > MB and m.file_size > limits.zip_ratio * max(m.compress_size, 1):
            problems.add(
                path,
                value=m.filename,
                rule="too-large",
                message=f"archive member unpacks to {m.file_size / MB:,.0f} MB from {m.compress_size:,} bytes "
                f"(more than {limits.zip_ratio}:1): not a file any program writes",
            )
            return False
    return True


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """An archive member's bytes, never more than its declared size (a forged size cannot bloat it)."""
    info = archive.getinfo(name)
    with archive.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise zipfile.BadZipFile(f"member {name} is larger than the archive says")
    return data


def read_xlsx(path: Path, problems: Problems, *, sheet: str | None = None) -> RawTable | None:
    """First worksheet (or ``sheet``); line numbers are the sheet's row numbers.

    Values are those Excel saved with the file. A formula cell whose value was never saved
    (the file was written by a program that does not calculate) reads as empty, with a
    warning naming the cell.
    """
    import openpyxl

    with zipfile.ZipFile(path) as archive:
        if not check_archive(archive, path, problems):
            return None
    limit = current().rows
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            problems.add(path, value=sheet, rule="sheet-missing", message=f"no worksheet named {sheet!r}")
            return None
        ws = wb[sheet] if sheet else wb.worksheets[0]
        fs = formulas[ws.title]
        # A sheet's declared size (its <dimension>, which any writer may set to A1:XFD1048576)
        # would pad every row to it: rows are read as wide as their own cells instead.
        ws.reset_dimensions()
        fs.reset_dimensions()
        cells_limit = current().cells
        read = 0  # cells handed over so far, header and empty rows included
        columns: list[str] | None = None
        rows: list[list[str | None]] = []
        lines: list[int] = []
        unsaved: list[tuple[int, int, str]] = []
        for number, (values, written) in enumerate(
            zip(ws.iter_rows(values_only=True), fs.iter_rows(values_only=True)), start=1
        ):
            read += max(len(values), len(columns or ()))
            if read > cells_limit:
                raise TooLarge(
                    f"more than {cells_limit:,} cells by row {number:,} (this row reaches column "
                    f"{len(values):,}); the limit is {cells_limit:,} cells (raise it with "
                    "PEERIMPACT_MAX_CELLS)",
                    number,
                )
            unsaved += [
                (number, i, w)
                for i, (v, w) in enumerate(zip(values, written))
                if v is None and isinstance(w, str) and w.startswith("=")
            ]
            cells = [_cell_text(v) for v in values]
            if columns is None:
                if all(c is None for c in cells):
                    continue
                columns = [(c or "").strip() for c in cells]
                while columns and columns[-1] == "":
                    columns.pop()
                check_shape(len(columns), 0)
                continue
            if all(c is None or not c.strip() for c in cells):
                continue
            rows.append((cells + [None] * len(columns))[: len(columns)])
            lines.append(number)
            if len(rows) > limit:
                _row_limit(number)
    finally:
        wb.close()
        formulas.close()
    for number, i, formula in unsaved:
        header = columns[i] if columns and i < len(columns) and number > 1 else None
        problems.add(
            path,
            line=number,
            column=header or _column_letter(i),
            value=formula,
            rule="formula-not-saved",
            message=f"cell {_column_letter(i)}{number} holds a formula whose value was never saved, so it "
            "reads as empty (open the file in Excel or LibreOffice and save it)",
            severity="warning",
        )
    if columns is None:
        problems.add(path, line=1, rule="empty-file", message="worksheet is empty: expected a header row")
        return None
    return RawTable(path, columns, rows, lines)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def read_sav(path: Path, problems: Problems) -> RawTable:
    """SPSS ``.sav``: system- and user-missing values become empty cells.

    Value labels are kept in ``value_labels`` (column → code → label) so that the
    validator can turn labelled demographic codes into categories while questionnaire
    items keep their numeric codes.
    """
    import pyreadstat

    _, head = pyreadstat.read_sav(str(path), metadataonly=True)  # the header alone: the size before the data
    check_shape(max(head.number_columns or 0, 0), max(head.number_rows or 0, 0))
    frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    columns = [str(c) for c in frame.columns]
    rows = [[_cell_text(v) for v in record] for record in frame.itertuples(index=False, name=None)]
    labels = {
        str(col): {_cell_text(code) or "": str(label) for code, label in mapping.items()}
        for col, mapping in (meta.variable_value_labels or {}).items()
    }
    return RawTable(path, columns, rows, list(range(2, len(rows) + 2)), labels)


# --------------------------------------------------------------------------- writing
# Tables are written by peerimpact.ingest.writers (atomically, formulas neutralised).


def umask() -> int:
    """The process's file-creation mask (reading it means setting it, so it is set back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
