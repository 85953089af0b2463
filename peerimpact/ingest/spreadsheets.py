"""Spreadsheets read into raw tables: Excel workbooks (``.xlsx``, ``.xlsm``) and SPSS files
(``.sav``, ``.zsav``), each cell turned into the text a CSV export would hold, with its row
number for a line."""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from pathlib import Path

from ..limits import current
from ..problems import Problems
from ..text import restore
from .archives import check_archive
from .rawtable import RawTable, TooLarge, check_shape, refuse_too_many_rows


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
                refuse_too_many_rows(number)
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
