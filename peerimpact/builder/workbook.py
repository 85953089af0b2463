"""``tables.xlsx``: a report's tables as a spreadsheet, laid out after the Government Statistical
Service's good practice for releasing statistics in spreadsheets (written with ``gptables``).

A cover sheet (the title block: the report's title, scope, study, data cut, audience and its
disclosure rules in words), a contents sheet, a notes sheet, then one table a sheet, in the order
the report shows them. Nothing here sees data the report did not release:

- a sheet's rows and numbers are its table's CSV under ``tables/``, row for row, as ``release``
  wrote it (a rounded count is the rounded count the report shows, never the count it came from);
- its title, notes and the labels a reader sees are the table's record: the display strings of the
  columns that label a row (a measure, a subscale) stand beside the codes the CSV holds;
- a number is a number, shown to the decimals the report prints it with (read from the record's
  display strings) while the cell keeps the full value; ``True``/``False`` are booleans, an ISO
  date a date;
- a cell the policy withheld (``*``) is ``[c]``; an empty one ``[x]`` (not available: the report
  shows a dash) or ``[z]`` (not applicable), each explained on the notes sheet, so no cell is blank.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..report.html import DASH
from ..report.records import TableRecord
from ..text import neutralise, rounded
from .document import ReportDocument

COVER, CONTENTS, NOTES = "Cover", "Contents", "Notes"
MAX_SHEET = 31  # Excel's limit on a sheet name
MAX_DECIMALS = 4  # the most decimals a report prints a figure with
MAX_WIDTH = 60  # characters: a longer text wraps in its cell
CHAR, DIGIT = 0.9, 1.3  # a character of Arial 12 (gptables' font) in Excel's units: of prose, of a figure
LINE = 16.0  # points: a line of Arial 12
COVER_WIDTH = 75  # the cover's column, in Excel's width units (a portrait page)

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
PRECISION = (
    "Numbers are shown with the decimal places the report prints them with; each cell holds the figure "
    "to full precision, as in the report's CSV files (select a cell to see it). A figure the report does "
    "not print is shown as its CSV file writes it, or to 2 decimal places where that is longer."
)

NUMBER = re.compile(r"[-+]?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")  # not 029: a code with a leading zero
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# a number as a report's cell prints it: 49.8, -3.46, 65.6 (of 65.6%), <0.001; not the 1 of T1
TOKEN = re.compile(r"(?<![\w.])<?[-−]?\d+(?:\.\d+)?")
ROUNDED = re.compile(r"rounded to the nearest (\d+)")

# a CSV column's heading; any other is its name in words (people_supported: People supported)
HEADINGS = {
    "n": "n",
    "sd": "SD",
    "min": "Minimum",
    "max": "Maximum",
    "percent": "Percentage (%)",
    "norm_mean": "Norm mean",
    "norm_sd": "Norm SD",
    "range_min": "Lowest possible score",
    "range_max": "Highest possible score",
    "higher": "A higher score means",
    "ci_low": "95% CI lower",
    "ci_high": "95% CI upper",
    "p": "p",
    "es": "ES",
    "d_z": "d_z",
    "p_wilcoxon": "Wilcoxon p",
    "p_holm": "p (Holm)",
    "p_fdr_bh": "p (Benjamini-Hochberg)",
    "std_difference": "Difference from the norm (SDs)",
    "expected": "Expected by the data cut",
    "percent_of_expected": "Percentage of expected (%)",
    "returned_first": "Returned T1",
    "percent_retained": "Percentage retained (%)",
    "target_percent": "Retention target (%)",
    "percent_of_target": "Percentage of target (%)",
    "percent_of_goal": "Percentage of goal (%)",
    "percent_items_missing": "Items missing (%)",
    "participants": "Peer workers",
    "code_id": "Code ID",
    "excerpt_id": "Excerpt ID",
    "all_contacts": "All modes: contacts",
    "within": "Within rounding",
}


def heading(column: str) -> str:
    """A CSV column's heading: ``norm_sd`` is ``Norm SD``, ``all_status`` ``All sites: status``.

    >>> heading("people_supported"), heading("all_percent_retained"), heading("ci_low")
    ('People supported', 'All sites: percentage retained (%)', '95% CI lower')
    """
    if column in HEADINGS:
        return HEADINGS[column]
    if column.startswith("all_") and len(column) > 4:
        inner = heading(column[4:])
        return f"All sites: {inner[:1].lower()}{inner[1:]}" if inner[1:2].islower() else f"All sites: {inner}"
    words = column.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Column"


def sheet_names(tables: Iterable[str]) -> dict[str, str]:
    """A sheet name for every table: Excel's 31 characters, unique ignoring case and apart from the
    cover, contents and notes sheets."""
    names: dict[str, str] = {}
    taken = {COVER.casefold(), CONTENTS.casefold(), NOTES.casefold()}
    for table in tables:
        base = re.sub(r"[\[\]:*?/\\']", "_", table)[:MAX_SHEET] or "table"
        name, i = base, 1
        while name.casefold() in taken:
            i += 1
            name = f"{base[: MAX_SHEET - len(str(i)) - 1]}~{i}"
        taken.add(name.casefold())
        names[table] = name
    return names


# ----------------------------------------------------------------------------- one table's sheet


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
    return int(text) if re.fullmatch(r"[-+]?\d+", text) else float(text)


def _shown_as(value: float, digits: int) -> str:
    """``value`` as a report prints it to ``digits`` decimals (half away from zero; no ``-0.0``)."""
    text = rounded(value, digits)
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _printed(value: float, text: str, numbers: Iterable[str]) -> int | None:
    """The decimals ``value`` (written ``text`` in the CSV) is printed with among ``numbers``, if it
    is there: the most that match (a whole number in the CSV only as a whole number)."""
    numbers = set(numbers)
    whole = "." not in text and "e" not in text.lower()
    for digits in (0,) if whole else range(MAX_DECIMALS, -1, -1):
        if _shown_as(value, digits) in numbers:
            return digits
    return None


@dataclass(frozen=True)
class _Display:
    """What a table's display cells print: the numbers of cell (row ``d``, column ``j``) in
    ``numbers[d][j]``, the thresholds it prints a small figure as (``<0.001``) in ``below[d][j]``,
    and whether row ``d`` shows a dash for a missing value."""

    numbers: tuple[tuple[frozenset[str], ...], ...]
    below: tuple[tuple[frozenset[str], ...], ...]
    dashes: tuple[bool, ...]
    width: int

    @classmethod
    def of(cls, record: TableRecord) -> _Display:
        numbers, below, dashes = [], [], []
        for row in record.rows:
            mine, small = [], []
            for cell in row:
                tokens = [m.group(0).replace("−", "-") for m in TOKEN.finditer(cell or "")]
                mine.append(frozenset(t for t in tokens if not t.startswith("<")))
                small.append(frozenset(t[1:] for t in tokens if t.startswith("<")))
            numbers.append(tuple(mine))
            below.append(tuple(small))
            dashes.append(any(cell is None or cell.strip() == DASH for cell in row))
        return cls(tuple(numbers), tuple(below), tuple(dashes), len(record.columns))

    def row_numbers(self, d: int) -> set[str]:
        return set().union(*self.numbers[d])

    def decimals(
        self,
        values: Sequence[float | None],
        texts: Sequence[str],
        rows: Sequence[Sequence[int]],
        columns: Sequence[Collection[int]],
    ) -> tuple[list[int | None], list[int]]:
        """The decimals each value of a CSV column is printed with: CSV row ``r`` is shown in display
        rows ``rows[r]``, in display columns ``columns[r]``. Read only from the display columns where
        the column's values are found, weighed by the digits that agree, at least half as often as in
        the column where most are: a figure's own column (or columns, one a timepoint), not a number
        that happens to be equal elsewhere in its row. Returns them and those display columns."""
        found: list[list[int | None]] = []
        score = [0] * self.width
        for r, value in enumerate(values):
            mine: list[int | None] = [None] * self.width
            found.append(mine)
            if value is None:
                continue
            for j in columns[r]:
                digits = _printed(value, texts[r], set().union(*(self.numbers[d][j] for d in rows[r])))
                if digits is not None:
                    mine[j] = digits
                    score[j] += sum(ch.isdigit() for ch in _shown_as(value, digits))
        best = max(score, default=0)
        keep = [j for j in range(self.width) if best and 2 * score[j] >= best]
        return [max((d for j in keep if (d := row[j]) is not None), default=None) for row in found], keep

    def threshold(self, value: float, rows: Sequence[int], columns: Sequence[int]) -> str | None:
        """The ``t`` of a ``<t`` these rows print ``value`` as in these columns (``<0.001`` for a p
        of 0.0002), if any."""
        below = set().union(*(self.below[d][j] for d in rows for j in columns))
        return next((t for t in sorted(below, key=float) if value < float(t)), None)

    def dash(self, rows: Sequence[int]) -> bool:
        return any(self.dashes[d] for d in rows)


def _number_format(digits: int | None, below: str | None = None) -> str | None:
    if digits is None:
        return None
    base = "#,##0" + ("." + "0" * digits if digits else "")
    return f'[<{below}]"<{below}";{base}' if below else base


def _label_rows(record: TableRecord) -> tuple[list[str], list[tuple[str, ...]]]:
    """The display columns that label a row, and each display row's labels (the first line of a
    cell; an empty cell repeats the one above, as a grouped table prints it)."""
    headers = [h for h in record.row_headers if h in record.columns]
    where = [record.columns.index(h) for h in headers]
    labels: list[tuple[str, ...]] = []
    above = [""] * len(where)
    for row in record.rows:
        current = []
        for j, i in enumerate(where):
            cell = (row[i] or "").split("\n")[0].strip() if i < len(row) else ""
            current.append(cell or above[j])
        above = current
        labels.append(tuple(current))
    return headers, labels


def _distinct(items: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return list(dict.fromkeys(items))


def _match_labels(
    record: TableRecord, frame: pd.DataFrame, kinds: Mapping[str, str]
) -> tuple[list[tuple[str, str, dict[tuple[str, ...], str]]], list[list[int]] | None]:
    """Which CSV column each labelling display column labels, level by level (``instrument`` under
    ``Measure``, then ``subscale`` under ``Subscale``), and for each CSV row the display rows that
    show it.

    The codes of a CSV column (within the codes of the levels above) and the labels of a display
    column (within theirs) are matched in the order they first appear, when there are as many of
    each (a CSV column whose codes are the labels first, then one named as the display column is);
    the match is kept only if every display row prints a number its CSV rows hold. A level that
    does not match ends the search: its rows keep their codes alone."""
    headers, labels = _label_rows(record)
    display = _Display.of(record)
    levels: list[tuple[str, str, dict[tuple[str, ...], str]]] = []
    chosen: list[str] = []
    rows_of: list[list[int]] | None = None
    candidates = [c for c in frame.columns if kinds[c] == "text"]
    for depth, header in enumerate(headers):
        shown = _distinct(label[: depth + 1] for label in labels)
        at_depth = {label[depth] for label in labels}
        likeness = {c: _likeness(frame[c], c, header, at_depth) for c in candidates if c not in chosen}
        for column in sorted(likeness, key=likeness.__getitem__):
            keys = [tuple(frame[c].iat[r] for c in [*chosen, column]) for r in range(len(frame))]
            codes = _distinct(k for k in keys if k[-1] != "")
            # as many codes as labels; a single code is a match only by its name or its value
            if len(codes) != len(shown) or (len(codes) < 2 and likeness[column] == 2):
                continue
            label_of = dict(zip(codes, shown))
            rows = [
                [d for d, label in enumerate(labels) if label[: depth + 1] == label_of[k]] if k in label_of else []
                for k in keys
            ]
            if _numbers_agree(display, frame, kinds, rows):
                chosen.append(column)
                levels.append((header, column, {k: v[-1] for k, v in label_of.items()}))
                rows_of = rows
                break
        else:
            break
    return levels, rows_of


def _likeness(codes: Iterable[str], column: str, header: str, labels: Collection[str]) -> int:
    """How likely a CSV column is the one a display column labels: 0, its codes are the labels
    themselves; 1, it is named as the display column is (``instrument``, ``Instrument``); 2, neither."""
    if {v for v in codes if v} <= {_text(label) for label in labels} | set(labels):
        return 0
    named = set(re.findall(r"\w+", header.casefold()))
    return 1 if column.casefold() in named or heading(column).casefold() == header.casefold() else 2


def _pivoted(record: TableRecord, frame: pd.DataFrame, kinds: Mapping[str, str]) -> list[set[int]]:
    """For each CSV row, the display columns that may show it: a display column headed by one of a
    CSV column's codes (``T1 n``, ``T2 mean (SD)``: a long CSV shown wide) shows only the rows with
    that code; every other display column may show any row."""
    width = len(record.columns)
    allowed = [set(range(width)) for _ in range(len(frame))]
    words = [set(re.findall(r"\w+", h.casefold())) for h in record.columns]
    for column in (c for c in frame.columns if kinds[c] == "text"):
        codes = {v for v in frame[column] if v}
        heads = {}
        for j in range(width):
            named = [v for v in codes if v.casefold() in words[j]]
            if len(named) == 1:
                heads[j] = named[0]
        if len(set(heads.values())) < 2:
            continue
        for r in range(len(frame)):
            allowed[r] -= {j for j, code in heads.items() if code != frame[column].iat[r]}
    return allowed


def _numbers_agree(display: _Display, frame: pd.DataFrame, kinds: Mapping[str, str], rows: list[list[int]]) -> bool:
    """Whether every display row that prints a number prints one its matched CSV rows hold."""
    numeric = [c for c in frame.columns if kinds[c] == "number"]
    for d in range(len(display.numbers)):
        printed = display.row_numbers(d)
        if not printed:
            continue
        mine = [r for r, ds in enumerate(rows) if d in ds]
        values = [frame[c].iat[r] for r in mine for c in numeric if frame[c].iat[r] not in ("", "*")]
        if values and not any(_printed(float(v), v, printed) is not None for v in values):
            return False
    return True


def _note(text: str) -> str:
    """A record's note as the workbook says it: its withheld cells are ``[c]``, not ``*``."""
    return re.sub(r"^\* not shown", f"{WITHHELD} (* in the report) not shown", text)


def _text(value: str) -> str:
    """Text as a cell holds it: never a formula, never a gptables note reference (``$$``)."""
    return neutralise(value.replace("$$", "$ $"))


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
    levels, rows_of = _match_labels(record, frame, kinds)
    display = _Display.of(record)
    every = list(range(len(record.rows)))
    rows = rows_of if rows_of is not None else [every] * len(frame)
    shows_in = _pivoted(record, frame, kinds)

    headings: list[str] = []
    columns: list[list[Any]] = []
    formats: list[list[str | None]] = []
    numeric: list[bool] = []
    # the labels a reader sees, where they are not the codes themselves
    coded = set()
    for depth, (header, column, label_of) in enumerate(levels):
        keys = [tuple(frame[lv[1]].iat[r] for lv in levels[: depth + 1]) for r in range(len(frame))]
        cells = [label_of.get(k) for k in keys]
        if all(_text(cell) == frame[column].iat[r] for r, cell in enumerate(cells) if cell is not None):
            continue
        coded.add(column)
        headings.append(_text(header))
        columns.append([_text(cell) if cell else NOT_APPLICABLE for cell in cells])
        formats.append([None] * len(frame))
        numeric.append(False)
    labels = len(headings)

    for column in frame.columns:
        texts = frame[column].tolist()
        kind = kinds[column]
        headings.append(_text(heading(column) + (" code" if column in coded else "")))
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
        title=_text(record.caption),
        headings=_unique(headings),
        rows=tuple(zip(*columns)),
        formats=tuple(zip(*formats)),
        numeric=tuple(numeric),
        labels=labels,
        notes=notes,
        subtitles=tuple(_text(s) for s in subtitles),
        rounded_to=rounded_to,
    )


def _cells(
    texts: Sequence[str],
    kind: str,
    display: _Display,
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
                cells.append(_text(text))
        return cells, [
            DATE_FORMAT if isinstance(c, dt.date) else BOOLEAN_FORMAT if isinstance(c, bool) else None for c in cells
        ]
    values = [_number(t) if t not in ("", "*") else None for t in texts]
    digits, where = display.decimals([None if v is None else float(v) for v in values], texts, rows, columns)
    found = Counter(d for d in digits if d is not None)
    if found:
        usual: int | None = max(found, key=lambda d: (found[d], d))
    elif all(float(v).is_integer() for v in values if v is not None):
        usual = 0
    elif all(len(t.partition(".")[2]) <= MAX_DECIMALS for t in texts if "e" not in t.lower()):
        usual = None  # written short in the CSV already (a reproduced figure): as it is
    else:
        usual = 2
    cells = []
    cell_formats: list[str | None] = []
    for r, (text, value) in enumerate(zip(texts, values)):
        if value is None:
            cells.append(WITHHELD if text == "*" else NOT_AVAILABLE if display.dash(rows[r]) else NOT_APPLICABLE)
            cell_formats.append(None)
            continue
        cells.append(value)
        d = digits[r] if digits[r] is not None else usual
        cell_formats.append(
            _number_format(d, display.threshold(float(value), rows[r], where)) if d is not None else None
        )
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
            else _text(c)
            for c in row
        )
        for row in rows
    ]
    numeric = tuple(
        all(not isinstance(row[i], str) or row[i] in SHORTHAND for row in cells) for i in range(len(columns))
    )
    return SheetTable(
        name=record.name,
        title=_text(record.caption),
        headings=_unique([_text(c) for c in columns]),
        rows=tuple(cells),
        formats=tuple((None,) * len(columns) for _ in cells),
        numeric=numeric,
        labels=sum(1 for c in columns if c in record.row_headers),
        notes=notes,
        subtitles=tuple(_text(s) for s in subtitles),
        rounded_to=rounded_to,
    )


# ------------------------------------------------------------------------------------ the workbook


def _csv(folder: Path, record: TableRecord) -> pd.DataFrame | None:
    """A table's CSV as ``release`` wrote it, every cell as text; None if there is none."""
    path = folder / (record.csv or f"tables/{record.name}.csv")
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        return None


def cover_lines(title: Mapping[str, Any], sheets: Sequence[SheetTable]) -> dict[str, list[str]]:
    """The cover's text, part by part: what the report is (``intro``), how to read its figures
    (``about``) and whom to ask (``contact``, only where the title block names someone)."""
    internal = bool(title.get("internal"))
    intro = [
        f"Scope: {neutralise(title.get('scope_label') or 'not stated')}",
        f"Study: {neutralise(title.get('study_name') or 'not stated')}",
        *(f"{neutralise(label)}: {neutralise(value)}" for label, value in title.get("facts", ())),
        f"Data cut: {title.get('data_cut') or 'not stated'}",
    ]
    if internal:
        intro.append("Audience: the study team only. Internal: not for sharing outside the study team.")
    elif title.get("disclosure_statement"):
        intro.append(f"Audience and disclosure rules: {neutralise(title['disclosure_statement'])}.")
    if title.get("notice"):
        intro.append(neutralise(title["notice"]))
    intro.append(
        f"Built {title.get('built_at') or 'at an unrecorded time'} by peerimpact {title.get('version') or ''}".rstrip()
        + f" (report {neutralise(title.get('report_id') or '')})."
    )
    used = set().union(*(s.shorthand for s in sheets)) if sheets else set()
    about = [
        "One table a sheet, in the order the report shows them; the Contents sheet links to each. "
        "A table's notes are numbered in its title and listed on the Notes sheet.",
        "Each sheet holds the rows of its table's CSV file in the report's tables folder, one for one, with "
        "the labels the report shows beside the codes the CSV file holds.",
        PRECISION,
    ]
    if internal:
        about.append("Every figure is shown as computed: nothing is withheld or rounded.")
    rounding = sorted({s.rounded_to for s in sheets if s.rounded_to})
    if rounding:
        about.append(_rounding_note(rounding[0]))
    about += [SHORTHAND[k] for k in (WITHHELD, NOT_AVAILABLE, NOT_APPLICABLE) if k in used]
    contact = [neutralise(str(title["contact"]))] if title.get("contact") else []
    return {"intro": intro, "about": about, "contact": contact}


def _rounding_note(base: int) -> str:
    """Why a rounded n and a mean beside it need not agree, and what the sheets hold."""
    return (
        f"Counts are rounded to the nearest {base} by the disclosure rules, as the report shows them, and "
        "the sheets hold the rounded counts only, never the counts they were rounded from. A mean, SD or "
        "test is computed from everyone it is about and is not rounded, so it need not agree with the "
        "rounded n beside it: a mean of 32 people's scores can stand beside an n of 30. A percentage is of "
        "the rounded counts where the rules say so."
    )


def _printed_text(value: Any, fmt: str | None) -> str:
    """A cell roughly as a spreadsheet prints it, to size its column and row."""
    if isinstance(value, bool):
        return "FALSE"
    if isinstance(value, (int, float)):
        digits = fmt.rsplit(";", 1)[-1].partition(".")[2].count("0") if fmt else 6
        return f"{value:,.{digits}f}"
    if isinstance(value, dt.date):
        return "30 Sep 2020"
    return str(value)


def _size(text: str, number: bool = False, bold: bool = False) -> float:
    """The width of a line of text in Excel's width units (a digit of its default font): Arial 12,
    gptables' font, takes about one unit a character of prose and 1.3 a digit."""
    return len(text) * (DIGIT if number else CHAR) * (1.1 if bold else 1.0)


def _widths(table: SheetTable, widest: int = MAX_WIDTH) -> list[float]:
    """Each column's width, in Excel's units: its longest line, at most ``widest`` characters
    (longer text wraps), at least its heading's longest word and half its heading (which then
    takes two lines or so)."""
    widths = []
    for i, head in enumerate(table.headings):
        longest = max(max((_size(w, bold=True) for w in head.split()), default=4.0), _size(head, bold=True) / 2)
        for row, formats in zip(table.rows, table.formats):
            number = isinstance(row[i], (int, float, dt.date))
            lines = _printed_text(row[i], formats[i]).splitlines() or [""]
            longest = max(longest, *(_size(line, number) for line in lines))
        widths.append(min(longest, widest * CHAR) + 3)
    return widths


def _lines(text: str, width: float, bold: bool = False) -> int:
    """The lines ``text`` takes wrapped in a column ``width`` units wide (each of its lines at least one)."""
    room = max(int((width - 2) / (CHAR * (1.1 if bold else 1.0)) + 1e-6), 1)
    return sum(max(1, -(-len(line) // room)) for line in text.split("\n"))


def _lay_out(worksheet: Any, table: SheetTable, header: int, widest: int = MAX_WIDTH) -> None:
    """Column widths that fit each column's figures and words (wrapping long text), and row heights
    that fit the wrapped text: Excel fits a row to wrapped text as it opens a file, LibreOffice does
    not, so the heights are set. ``header`` is the row of the column headings."""
    widths = _widths(table, widest)
    for c, width in enumerate(widths):
        worksheet.set_column(c, c, width)
    worksheet.set_row(header, LINE * max(_lines(h, w, bold=True) for h, w in zip(table.headings, widths)))
    for r, (row, formats) in enumerate(zip(table.rows, table.formats), start=header + 1):
        worksheet.set_row(r, LINE * max(_lines(_printed_text(v, f), w) for v, f, w in zip(row, formats, widths)))
    worksheet.freeze_panes(header + 1, 0)  # the headings stay in view
    worksheet.repeat_rows(header)  # and head every printed page
    worksheet.set_landscape()
    worksheet.set_paper(9)  # A4
    worksheet.fit_to_pages(1, 0)  # as wide as a page, as many pages long as it takes


def write_workbook(document: ReportDocument, folder: Path) -> Path:
    """``tables.xlsx`` in ``folder``: a cover, contents and notes sheet, then a sheet for each of the
    document's tables in its order, from the table's record and the CSV ``release`` wrote."""
    import warnings

    records = document.tables()
    sheets = [table_sheet(r, _csv(folder, r)) for r in records]
    names = sheet_names(r.name for r in records)
    internal = bool(document.title.get("internal"))

    # notes numbered in the order the tables refer to them, one number for one text
    numbers: dict[str, int] = {}

    def refs(texts: Iterable[str]) -> str:
        return "".join(f"[note {numbers.setdefault(t, len(numbers) + 1)}]" for t in texts)

    titles, legends = [], []
    for sheet in sheets:
        notes = [*sheet.notes, *([_rounding_note(sheet.rounded_to)] if sheet.rounded_to else [])]
        titles.append(f"{sheet.title} {refs(_text(n) for n in notes)}".rstrip())
        used = [k for k in (WITHHELD, NOT_AVAILABLE, NOT_APPLICABLE) if k in sheet.shorthand]
        legends.append([f"{SHORTHAND[k].split(':')[0]} {refs([SHORTHAND[k]])}" for k in used])
    if not numbers:
        refs([PRECISION])
    contents = _list_sheet(
        CONTENTS,
        ("Sheet name", "Table or notes"),
        [
            (NOTES, "Notes the tables' titles refer to, and the shorthand in their cells"),
            *((names[s.name], s.title) for s in sheets),
        ],
    )
    notes_sheet = _list_sheet(NOTES, ("Note number", "Note text"), [(n, t) for t, n in numbers.items()])
    lines = cover_lines(document.title, sheets)

    with warnings.catch_warnings():
        # gptables 2.0 still calls pandas in ways pandas 3 deprecates (they do not change what it writes)
        warnings.simplefilter("ignore")
        import gptables as gpt
        from gptables.core.gptable import FormatList

        def cell(value: Any) -> Any:
            """A cell as gptables writes it: text as it is (not read for links, nor refused for having
            no letter), a shorthand as plain text (so the column still counts as numbers)."""
            return FormatList([{}, value]) if isinstance(value, str) and value not in SHORTHAND else value

        def frame(sheet: SheetTable, link: bool = False) -> pd.DataFrame:
            rows = [
                [{v: f"internal:'{v}'!A1"} if link and i == 0 else cell(v) for i, v in enumerate(row)]
                for row in sheet.rows
            ]
            return pd.DataFrame(rows, columns=list(sheet.headings), dtype=object)

        def gptable(sheet: SheetTable, name: str, title: str, **options: Any) -> Any:
            return gpt.GPTable(
                table=frame(sheet, link=sheet is contents),
                table_name=name,
                title=_link_free(title),
                additional_formatting=[
                    {"column": {"columns": list(range(len(sheet.headings))), "format": {"valign": "top"}}},
                    # a column of figures to the right, its heading too, even if it holds only shorthand;
                    # text after the first column a little in from its left, clear of a figure before it
                    {
                        "column": {
                            "columns": [j for j, n in enumerate(sheet.numeric) if n],
                            "format": {"align": "right"},
                        }
                    },
                    {
                        "column": {
                            "columns": [j for j, n in enumerate(sheet.numeric) if j and not n],
                            "format": {"indent": 1},
                        }
                    },
                    *(
                        {"cell": {"cells": (r + 1, c), "format": {"num_format": fmt}}}
                        for r, formats in enumerate(sheet.formats)
                        for c, fmt in enumerate(formats)
                        if fmt
                    ),
                ],
                **options,
            )

        tables: dict[str, Any] = {
            CONTENTS: gptable(
                contents,
                "contents",
                "Contents",
                instructions="This worksheet contains one table: every other sheet, with a link to it.",
                index_columns={},
            ),
            NOTES: gptable(
                notes_sheet,
                "notes",
                "Notes",
                instructions="This worksheet contains one table: the notes the tables' titles refer to by number.",
                index_columns={},
            ),
        }
        for i, sheet in enumerate(sheets):
            tables[names[sheet.name]] = gptable(
                sheet,
                f"table{i + 1:02d}_{re.sub(r'[^A-Za-z0-9_]', '_', sheet.name)}"[:250],
                titles[i],
                subtitles=[*sheet.subtitles, *(["For the study team only: not for sharing."] if internal else [])],
                instructions=(
                    "This worksheet contains one table. Its notes are numbered in the title and listed on the "
                    "Notes worksheet."
                ),
                legend=legends[i],
                index_columns={level + 1: level for level in range(min(sheet.labels, 3))},
            )
        cover = gpt.Cover(
            title=_link_free(_text(str(document.title.get("title") or "Report"))),
            intro=[_link_free(x) for x in lines["intro"]],
            about=[_link_free(x) for x in lines["about"]],
            contact=[_link_free(x) for x in lines["contact"]] or None,
            width=COVER_WIDTH,
        )
        target = folder / "tables.xlsx"
        book = gpt.produce_workbook(
            filename=str(target),
            sheets=tables,
            cover=cover,
            contentsheet_label=None,  # the contents and notes sheets above: they list the notes sheet
            notes_table=None,
            auto_width=False,
            workbook_options={"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        laid_out = {CONTENTS: contents, NOTES: notes_sheet} | {names[sheet.name]: sheet for sheet in sheets}
        for worksheet in book.worksheets():
            label = worksheet.get_name()
            if label == COVER:
                _lay_out_cover(worksheet, cover.title, lines)
                continue
            table = tables[label]
            table._set_data_range()  # where gptables put the column headings
            _lay_out(worksheet, laid_out[label], table.data_range[0], 100 if label == NOTES else MAX_WIDTH)
        book.close()
    return target


def _list_sheet(name: str, headings: tuple[str, str], rows: Sequence[tuple[Any, str]]) -> SheetTable:
    """The contents or the notes: a column of names or numbers, and a column of text."""
    return SheetTable(
        name=name,
        title=name,
        headings=headings,
        rows=tuple(rows),
        formats=tuple((None, None) for _ in rows),
        numeric=(isinstance(rows[0][0], int) if rows else False, False),
    )


def _lay_out_cover(worksheet: Any, title: str, lines: Mapping[str, Sequence[str]]) -> None:
    """The cover's rows as tall as their wrapped text: the title, then each part (introduction,
    about these data, contact) under its heading, as gptables writes them, one a row."""
    width = COVER_WIDTH
    worksheet.set_row(0, 22 * _lines(title, width / 1.4, bold=True))  # 16 point bold
    row = 1
    for part in ("intro", "about", "contact"):
        if not lines[part]:
            continue
        worksheet.set_row(row, 20)  # its heading, 14 point
        for text in lines[part]:
            row += 1
            worksheet.set_row(row, LINE * _lines(text, width))
        row += 1
    worksheet.set_portrait()
    worksheet.set_paper(9)  # A4
    worksheet.fit_to_pages(1, 0)


def _link_free(text: str) -> str:
    """Cover text gptables writes as it is: ``[words](address)`` would become a link."""
    return text.replace("](", "] (")
