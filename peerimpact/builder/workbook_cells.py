"""A table's sheet in the workbook (``tables.xlsx``), as typed cells: its rows and numbers are the
table's CSV under ``tables/``, row for row, as ``release`` wrote it; its title, notes, labels and
decimals the table's record. A number is a number at the decimals the report prints it with,
held as the report reads it before rounding (to 10 significant digits), ``True``/``False`` a boolean, an ISO date a date; a cell the policy withheld (``*``) is ``[c]``, an
empty one ``[x]`` (not available: the report shows a dash) or ``[z]`` (not applicable)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from ..report.html import DASH
from ..report.records import TableRecord
from ..text import as_read
from .workbook_display import MAX_DECIMALS, Display, number_format
from .workbook_labels import cell_text, heading, match_labels, pivoted
from .workbook_words import SAME_AS, coded_words

DATE_FORMAT = "d mmm yyyy"  # 31 Aug 2019, as the report prints a date
BOOLEAN_FORMAT = '"TRUE";"TRUE";"FALSE"'  # Excel shows a boolean so whatever its format; LibreOffice needs telling

WITHHELD, NOT_AVAILABLE, NOT_APPLICABLE = "[c]", "[x]", "[z]"
SHORTHAND = {
    WITHHELD: (
        "[c] confidential: a figure the report's disclosure rules withhold, shown as * in the report and "
        "its CSV files. Fewer people than the rules allow are behind it, or it would let a figure that is "
        "withheld be worked out."
    ),
    NOT_AVAILABLE: (
        "[x] not available: no figure could be computed or has been published for this cell (the report "
        "shows a dash), for example a change with too few pairs, or a subscale with no published norm."
    ),
    NOT_APPLICABLE: (
        "[z] not applicable: the column has no figure for this kind of row, for example a recruitment "
        "target on a later questionnaire's row, or a mean on a row that counts people in a category."
    ),
}

NUMBER = re.compile(r"[-+]?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")  # not 029: a code with a leading zero
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ROUNDED = re.compile(r"rounded to the nearest (\d+)")


@dataclass(frozen=True)
class SheetTable:
    """A table as its sheet holds it: ``headings`` over ``rows`` of typed cells (a number, a
    boolean, a date, text, or a shorthand), each cell's number format in ``formats`` (None: as it
    is); the first ``labels`` columns label their row. ``numeric`` marks the columns of numbers
    (which hold nothing but numbers and shorthand)."""

    name: str
    title: str
    headings: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    formats: tuple[tuple[str | None, ...], ...]
    numeric: tuple[bool, ...]
    labels: int = 0
    notes: tuple[str, ...] = ()
    subtitles: tuple[str, ...] = ()
    rounded_to: int | None = None  # counts rounded to the nearest this, by the disclosure rules

    @property
    def shorthand(self) -> set[str]:
        return {v for row in self.rows for v in row if isinstance(v, str) and v in SHORTHAND}


def _kind(values: Sequence[str]) -> str:
    """What a CSV column holds: ``number``, ``bool``, ``date`` or ``text`` (every cell of it, save
    empty and withheld ones; a column of nothing but withheld cells is a column of numbers)."""
    given = [v for v in values if v not in ("", "*")]
    if not given:
        return "number" if any(v == "*" for v in values) else "text"
    if all(NUMBER.fullmatch(v) for v in given):
        return "number"
    if all(v in ("True", "False") for v in given):
        return "bool"
    if all(DATE.fullmatch(v) for v in given):
        try:
            for v in given:
                dt.date.fromisoformat(v)
        except ValueError:
            return "text"
        return "date"
    return "text"


def _number(text: str) -> int | float:
    """A number as a cell holds it: a whole number as it is, any other as the report reads it before
    it rounds it, at 10 significant digits (``text.as_read``), so that a spreadsheet rounding it to the
    cell's decimals prints what the report prints (0.1149999999999998, printed 0.12, is 0.115; held
    as it is, a spreadsheet would print 0.11)."""
    return int(text) if re.fullmatch(r"[-+]?\d+", text) else as_read(float(text))


def _written(text: str) -> int:
    """The decimals a CSV writes a number with: ``9.0``, 1; ``3.553e-15``, 18."""
    exponent = Decimal(text).as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _unprinted(texts: Sequence[str], values: Sequence[int | float | None], digits: Sequence[int | None]) -> list[int]:
    """The decimals to show a CSV column's figures with where the report does not print them
    (``digits`` are those it prints the others with).

    Where the report prints the column's other figures at one number of decimals, that one, but
    never none for a figure that is not whole. Where it prints them at several, or prints none and
    the CSV writes them at several (a column of several statistics: counts, percentages, p values),
    each figure's own, as its CSV writes it, up to ``MAX_DECIMALS``. Where it prints none and the
    CSV writes them alike: none if all are whole, as written where that is short, else 2."""
    written = [_written(t) if v is not None else 0 for t, v in zip(texts, values)]
    own = [min(w, MAX_DECIMALS) for w in written]
    given = [(v, o) for v, o in zip(values, own) if v is not None]
    found = {d for d in digits if d is not None}
    if len(found) == 1:
        usual = found.pop()
        return [usual if usual or v is None or float(v).is_integer() else o for v, o in zip(values, own)]
    if found or len({o for _, o in given}) > 1:
        return own
    if all(float(v).is_integer() for v, _ in given):
        return [0] * len(values)
    return own if max(written) <= MAX_DECIMALS else [2] * len(values)


def _note(text: str) -> str:
    """A record's note as the workbook says it: its withheld cells are ``[c]``, not ``*``."""
    return re.sub(r"^\* not shown", f"{WITHHELD} (* in the report) not shown", text)


def table_sheet(record: TableRecord, frame: pd.DataFrame | None) -> SheetTable:
    """The sheet of one table: ``frame`` is its CSV as text (``dtype=str``, empty cells ``""``);
    without one, the record's display strings as they are."""
    notes = tuple(_note(n) for n in record.notes)
    subtitles: tuple[str, ...] = (record.withheld,) if record.withheld else ()
    found = next((ROUNDED.search(n) for n in record.notes if ROUNDED.search(n)), None)
    rounded_to = int(found.group(1)) if found else None
    if frame is None or frame.shape[1] == 0:
        return _display_sheet(record, notes, subtitles, rounded_to)
    kinds = {c: _kind(frame[c].tolist()) for c in frame.columns}
    levels, rows_of = match_labels(record, frame, kinds)
    display = Display.of(record)
    every = list(range(len(record.rows)))
    rows = rows_of if rows_of is not None else [every] * len(frame)
    shows_in = pivoted(record, frame, kinds)
    if rows_of is None and len(frame) > len(record.rows) and all(len(s) == len(record.columns) for s in shows_in):
        # more CSV rows than the display has, and nothing to say which display row shows which (no
        # labels matched, no column headed by a row's code): the display sums the CSV up (the
        # reproduction check: figures reproduced, table by table), so its numbers are no figure's
        shows_in = [set() for _ in range(len(frame))]

    headings: list[str] = []
    columns: list[list[Any]] = []
    formats: list[list[str | None]] = []
    numeric: list[bool] = []
    # the labels a reader sees, where they are not the codes themselves
    coded = set()
    for depth, (header, column, label_of) in enumerate(levels):
        keys = [tuple(frame[lv[1]].iat[r] for lv in levels[: depth + 1]) for r in range(len(frame))]
        cells = [label_of.get(k) for k in keys]
        if all(cell_text(cell) == frame[column].iat[r] for r, cell in enumerate(cells) if cell is not None):
            continue
        coded.add(column)
        headings.append(cell_text(header))
        columns.append([cell_text(cell) if cell else NOT_APPLICABLE for cell in cells])
        formats.append([None] * len(frame))
        numeric.append(False)
    # the words the report shows for a column's codes (a stage's, a status's), beside the codes
    for column, words in coded_words(record.name, frame):
        if column in coded:
            continue
        coded.add(column)
        headings.append(cell_text(heading(column)))
        code_cells, _ = _cells(frame[column].tolist(), "text", display, rows, shows_in)
        columns.append([cell_text(w) if w is not None else c for w, c in zip(words, code_cells)])
        formats.append([None] * len(frame))
        numeric.append(False)
    labels = len(headings)

    sites = {s for s in frame["site"] if s not in ("", "*")} if "site" in frame.columns else set()
    for column in frame.columns:
        texts = frame[column].tolist()
        kind = kinds[column]
        named = heading(SAME_AS.get((record.name, column), column), sites)
        headings.append(cell_text(named + (" code" if column in coded else "")))
        numeric.append(kind == "number")
        cells, cell_formats = _cells(texts, kind, display, rows, shows_in)
        columns.append(cells)
        formats.append(cell_formats)
    if not len(frame):  # a table with no rows: one row saying so, as a table cannot be empty
        columns = [[NOT_APPLICABLE] for _ in headings]
        formats = [[None] for _ in headings]
        subtitles += ("The table has no rows in this report.",)
    return SheetTable(
        name=record.name,
        title=cell_text(record.caption),
        headings=_unique(headings),
        rows=tuple(zip(*columns)),
        formats=tuple(zip(*formats)),
        numeric=tuple(numeric),
        labels=labels,
        notes=notes,
        subtitles=tuple(cell_text(s) for s in subtitles),
        rounded_to=rounded_to,
    )


def _cells(
    texts: Sequence[str],
    kind: str,
    display: Display,
    rows: Sequence[Sequence[int]],
    columns: Sequence[Collection[int]],
) -> tuple[list[Any], list[str | None]]:
    """A CSV column's cells as the sheet holds them, and their number formats; ``rows`` and
    ``columns`` are the display rows and columns that may show each CSV row."""
    if kind != "number":
        cells: list[Any] = []
        for text in texts:
            if text == "*":
                cells.append(WITHHELD)
            elif text == "":
                cells.append(NOT_APPLICABLE)
            elif kind == "bool":
                cells.append(text == "True")
            elif kind == "date":
                cells.append(dt.date.fromisoformat(text))
            else:
                cells.append(cell_text(text))
        return cells, [
            DATE_FORMAT if isinstance(c, dt.date) else BOOLEAN_FORMAT if isinstance(c, bool) else None for c in cells
        ]
    values = [_number(t) if t not in ("", "*") else None for t in texts]
    digits, where = display.decimals([None if v is None else float(v) for v in values], texts, rows, columns)
    unprinted = _unprinted(texts, values, digits)
    cells = []
    cell_formats: list[str | None] = []
    for r, (text, value) in enumerate(zip(texts, values)):
        if value is None:
            cells.append(WITHHELD if text == "*" else NOT_AVAILABLE if display.dash(rows[r]) else NOT_APPLICABLE)
            cell_formats.append(None)
            continue
        cells.append(value)
        d = digits[r] if digits[r] is not None else unprinted[r]
        cell_formats.append(number_format(d, display.threshold(float(value), rows[r], where)))
    return cells, cell_formats


def _unique(headings: Sequence[str]) -> tuple[str, ...]:
    seen: Counter[str] = Counter()
    out = []
    for h in headings:
        seen[h.casefold()] += 1
        out.append(h if seen[h.casefold()] == 1 else f"{h} ({seen[h.casefold()]})")
    return tuple(out)


def _display_sheet(
    record: TableRecord, notes: tuple[str, ...], subtitles: tuple[str, ...], rounded_to: int | None
) -> SheetTable:
    """A table with no CSV: its display strings, a number where a whole cell is one."""
    columns = record.columns or ("Table",)
    rows = record.rows or ((None,) * len(columns),)
    cells = [
        tuple(
            WITHHELD
            if c == "*"
            else NOT_AVAILABLE
            if c is None or c.strip() in ("", DASH)
            else _number(c)
            if NUMBER.fullmatch(c)
            else cell_text(c)
            for c in row
        )
        for row in rows
    ]
    numeric = tuple(
        all(not isinstance(row[i], str) or row[i] in SHORTHAND for row in cells) for i in range(len(columns))
    )
    return SheetTable(
        name=record.name,
        title=cell_text(record.caption),
        headings=_unique([cell_text(c) for c in columns]),
        rows=tuple(cells),
        formats=tuple((None,) * len(columns) for _ in cells),
        numeric=numeric,
        labels=sum(1 for c in columns if c in record.row_headers),
        notes=notes,
        subtitles=tuple(cell_text(s) for s in subtitles),
        rounded_to=rounded_to,
    )


def read_csv(folder: Path, record: TableRecord) -> pd.DataFrame | None:
    """A table's CSV as ``release`` wrote it, every cell as text; None if there is none."""
    path = folder / (record.csv or f"tables/{record.name}.csv")
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        return None
