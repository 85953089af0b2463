"""Readers: a user's file in, raw text cells with their physical line numbers out.

Nothing here interprets values (that is :mod:`peerimpact.validate`); readers only make
CSV, XLSX and SPSS files look alike, so that every later problem can name the line
the user sees in their editor or spreadsheet. Input files are opened read-only.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import tempfile
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Callable

import pandas as pd

from .problems import Problems
from .text import plural

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
    if not path.is_file():
        problems.add(path, None, None, None, "file-missing", "file not found")
        return None
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return read_xlsx(path, problems, sheet=sheet)
        if suffix in (".sav", ".zsav"):
            return read_sav(path, problems)
        return read_csv(path, problems)
    except Exception as exc:  # a corrupt file must not end in a traceback
        problems.add(path, None, None, None, "unreadable", f"cannot read file: {type(exc).__name__}: {exc}")
        return None


def _decode(path: Path, problems: Problems) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(
            path, line, None, None, "encoding",
            "file is not UTF-8; read as Windows-1252 (save as 'CSV UTF-8' to avoid this)",
            "warning",
        )
        return data.decode("cp1252", errors="replace")


def read_csv(path: Path, problems: Problems) -> RawTable | None:
    """CSV with or without a UTF-8 BOM, LF or CRLF endings; quoted fields may span lines."""
    text = _decode(path, problems)
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") and sample.count(";") > sample.count("\t") else ","
    if sample.count("\t") > max(sample.count(","), sample.count(";")):
        delimiter = "\t"
    reader = csv.reader(StringIO(text, newline=""), delimiter=delimiter)
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
            if len(record) > len(columns) and any(c.strip() for c in record[len(columns):]):
                problems.add(
                    path, start, None, None, "ragged-row",
                    f"row has {plural(len(record), 'cell')} but the header has {len(columns)}",
                )
            record = (record + [""] * len(columns))[: len(columns)]
            rows.append([c if c != "" else None for c in record])
            lines.append(start)
    except csv.Error as exc:
        problems.add(path, end + 1, None, None, "csv-syntax", f"cannot parse CSV: {exc}")
    if columns is None:
        problems.add(path, 1, None, None, "empty-file", "file is empty: expected a header line")
        return None
    return RawTable(path, columns, rows, lines)


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
    text = str(value)
    return text if text != "" else None


def read_xlsx(path: Path, problems: Problems, *, sheet: str | None = None) -> RawTable | None:
    """First worksheet (or ``sheet``); line numbers are the sheet's row numbers."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            problems.add(path, None, None, sheet, "sheet-missing", f"no worksheet named {sheet!r}")
            return None
        ws = wb[sheet] if sheet else wb.worksheets[0]
        columns: list[str] | None = None
        rows: list[list[str | None]] = []
        lines: list[int] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if columns is None:
                if all(c is None for c in cells):
                    continue
                columns = [(c or "").strip() for c in cells]
                while columns and columns[-1] == "":
                    columns.pop()
                continue
            if all(c is None or not c.strip() for c in cells):
                continue
            rows.append((cells + [None] * len(columns))[: len(columns)])
            lines.append(number)
    finally:
        wb.close()
    if columns is None:
        problems.add(path, 1, None, None, "empty-file", "worksheet is empty: expected a header row")
        return None
    return RawTable(path, columns, rows, lines)


def read_sav(path: Path, problems: Problems) -> RawTable:
    """SPSS ``.sav``: system- and user-missing values become empty cells.

    Value labels are kept in ``value_labels`` (column → code → label) so that the
    validator can turn labelled demographic codes into categories while questionnaire
    items keep their numeric codes.
    """
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    columns = [str(c) for c in frame.columns]
    rows = [[_cell_text(v) for v in record] for record in frame.itertuples(index=False, name=None)]
    labels = {
        str(col): {_cell_text(code) or "": str(label) for code, label in mapping.items()}
        for col, mapping in (meta.variable_value_labels or {}).items()
    }
    return RawTable(path, columns, rows, list(range(2, len(rows) + 2)), labels)


# --------------------------------------------------------------------------- writing


def _to_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _to_xlsx(frame: pd.DataFrame, path: Path) -> None:
    out = frame.copy()
    for column in out.columns:  # Excel has no category type: write the labels
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object)
    out.to_excel(path, index=False, engine="openpyxl")


def umask() -> int:
    """The process's file-creation mask (reading it means setting it, so it is set back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


# File suffix → writer of a table; ``write_table`` refuses any other suffix.
WRITERS: dict[str, Callable[[pd.DataFrame, Path], None]] = {".csv": _to_csv, ".xlsx": _to_xlsx}


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table in the format its suffix names (``.csv`` UTF-8, ``.xlsx`` Excel).

    The file is written beside its target and renamed into place, so a failed write never
    leaves half a file. Raises ``ValueError`` for a suffix with no writer.
    """
    path = Path(path)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise ValueError(f"cannot write {path.name}: the name must end in {' or '.join(sorted(WRITERS))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        writer(frame, Path(tmp))
        os.chmod(tmp, 0o666 & ~umask())  # as an ordinary new file would be, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
