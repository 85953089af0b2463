"""What a shared report's text holds, proven on built reports: no figure a shared report withheld can
be read anywhere in its HTML, PDF or Word document, and its Word tables are its records cell for cell.

A withheld figure's true value comes from the same report built for the study team, which withholds
nothing: the shipped site.yml, cohort.yml and funder.yml copied with ``audience: study_team`` and
built once for this module (``internal``). A table a shared report shows "— whole study"
(``<name>_study_wide``) holds the whole study's figures, so its true values are the study report's
own table (``built``'s ``study``, itself written for the study team)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from math import isclose
from pathlib import Path

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from conftest import pdf_text
from peerimpact.report.html import DASH
from peerimpact.report.records import TableRecord
from peerimpact.report.roles import COLUMN_ROLES
from peerimpact.resources import params_dir
from peerimpact.text import rounded
from test_workbook import document_of

SHARED = ["site-S7", "cohort-bank", "funder"]  # one report of each shared audience
STUDY_WIDE = "_study_wide"
FILES = ("report.html", "report.pdf", "report.docx")
# the CSV columns that say what a row is about (decided here, not read from the package): a row of
# a shared table is the internal table's row with the same values in these
LABELS = (
    "variable", "level", "service", "stage", "site", "scope", "mode", "measure", "instrument", "subscale",
    "reference", "comparison", "timepoint", "theme", "code_id", "code", "proposition", "evidence", "name",
    "milestone",
)  # fmt: skip
# numeric columns of a table withheld whole that are not figures about the report's people: published
# norms and a scale's range, positions, and the whole study's comparators (never withheld)
NOT_ABOUT_PEOPLE = {
    "norm_mean",
    "norm_sd",
    "range_min",
    "range_max",
    "item",
    "row",
    "study_n",
    "study_mean",
    "study_sd",
}
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
FIGURE = r"-?\d+(?:\.\d+)?"
# measured on the example (cells matched, tokens scanned), kept well below it
MIN_MATCHED = {"site-S7": 600, "cohort-bank": 600, "funder": 10}
MIN_TOKENS = {"site-S7": 100, "cohort-bank": 100, "funder": 4}


# ---- the reports for the study team --------------------------------------------------------------


@pytest.fixture(scope="module")
def internal(tmp_path_factory) -> Path:
    """The three shared reports built again for the study team: every figure as computed."""
    from peerimpact.builder.pipeline import build

    root = tmp_path_factory.mktemp("internal")
    definitions = root / "definitions"
    shutil.copytree(params_dir() / "reports", definitions)
    for name in ("site.yml", "cohort.yml", "funder.yml"):
        path = definitions / name
        text, changed = re.subn(r"(?m)^audience:[ \t]*\S+", "audience: study_team", path.read_text())
        assert changed == 1, name
        path.write_text(text)
    out = root / "reports"
    result = build(out=out, jobs=2, reports_dir=definitions, only=SHARED, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed] + [p.format() for p in result.problems]
    assert sorted(o.id for o in result.outcomes) == sorted(SHARED)
    for rid in SHARED:
        document = document_of(out, rid)
        assert document.title["internal"], rid
        assert not any(t.withheld_cells or t.withheld for t in document.tables()), rid
    return out


# ---- text as a reader meets it -------------------------------------------------------------------


def plain(text: str) -> str:
    """Text as it is scanned: a minus sign as a hyphen, every run of spaces and line breaks one space."""
    return re.sub(r"\s+", " ", text.replace("\u2212", "-")).strip()


def bounded(token: str) -> re.Pattern[str]:
    """``token`` as a whole number: 4.5 is not found in 14.56, nor 31.3 in 31.35, nor 6 in S6."""
    return re.compile(r"(?<![\w.])" + re.escape(token) + r"(?!\.?\d)")


class _Page(HTMLParser):
    """An HTML page's text (SVG text too) and the alternative text and labels of its elements,
    without style sheets or scripts; and apart, the labels of the figures' axis ticks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.ticks: set[str] = set()
        self._hidden = 0
        self._groups: list[bool] = []  # each open <g>: whether it is an axis tick (matplotlib's xtick_3)

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("style", "script"):
            self._hidden += 1
        if tag == "g":
            self._groups.append(bool(re.fullmatch(r"[xy]tick_\d+", dict(attrs).get("id") or "")))
        self.text += [v for k, v in attrs if k in ("alt", "aria-label", "title") and v]

    def handle_endtag(self, tag) -> None:
        if tag in ("style", "script"):
            self._hidden -= 1
        if tag == "g" and self._groups:
            self._groups.pop()

    def handle_data(self, data) -> None:
        if self._hidden:
            return
        self.text.append(data)
        if any(self._groups) and data.strip():
            self.ticks.add(plain(data))


def page(path: Path) -> _Page:
    parsed = _Page()
    parsed.feed(path.read_text(encoding="utf-8"))
    return parsed


def word_text(path: Path) -> str:
    """Every paragraph and table cell of a Word document (as test_privacy's ``office_text``)."""
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


_TEXTS: dict[Path, dict[str, str]] = {}


def texts(folder: Path) -> dict[str, str]:
    """A report's HTML, PDF and Word document as the text a reader could find in them."""
    if folder not in _TEXTS:
        html = " ¦ ".join(page(folder / "report.html").text)
        raw = {"report.html": html, "report.pdf": pdf_text(folder / "report.pdf")}
        raw["report.docx"] = word_text(folder / "report.docx")
        _TEXTS[folder] = {name: plain(text) for name, text in raw.items()}
    return _TEXTS[folder]


def found_in(folder: Path, tokens: dict[str, set[str]]) -> list[tuple[str, str, list[str]]]:
    """Each (file, token, tables the token's figures are from) where a token is in a report's text."""
    return [
        (name, token, sorted(tables))
        for name, text in texts(folder).items()
        for token, tables in tokens.items()
        if bounded(token).search(text)
    ]


# ---- withheld figures and their true values ------------------------------------------------------


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def shown(value: float, digits: int) -> str:
    """A number as a report prints it to ``digits`` decimals (half away from zero, no -0.0)."""
    text = rounded(value, digits)
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _norm(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text).strip().casefold()


def row_labels(record: TableRecord) -> list[tuple[str, ...]]:
    """Each display row's labels: the first line of its leading columns of row headers or words (a
    table's characteristic and level, theme and code), an empty cell repeating the one above where
    the cells before it are empty too, as a grouped table prints it."""
    where: list[int] = []
    for j, heading in enumerate(record.columns):
        figures = [re.search(r"(?<![\w.])\d", (r[j] or "").split("\n")[0]) for r in record.rows]  # not S1's 1
        if heading not in record.row_headers and any(figures):
            break
        where.append(j)
    labels, above = [], [""] * len(where)
    for row in record.rows:
        current, inherit = [], True
        for k, j in enumerate(where):
            cell = (row[j] or "").split("\n")[0].strip()
            inherit = inherit and not cell
            current.append(above[k] if inherit else cell)
        above = current
        labels.append(tuple(current))
    return labels


@dataclass(frozen=True)
class Place:
    """Where a record prints a figure: display row ``i``, column ``j``, and the line of the cell."""

    i: int
    j: int
    line: str


@dataclass(frozen=True)
class Figure:
    """A figure a shared report withheld: its ``table`` and CSV ``column`` there, and its true value
    (``text``) in the internal ``report``'s table ``source``, whose CSV ``row`` it is in."""

    table: str
    column: str
    text: str
    row: dict[str, str]
    source: TableRecord
    report: Path
    allowed: frozenset[int]  # the display columns of ``source`` that may print the row's figures

    def printed(self) -> tuple[str, list[Place]] | None:
        """The figure as ``source`` prints it, and where: of the cells' lines printing it (at any
        number of decimals), those labelled as its CSV row is (a row's labels, a list's "Feeling
        valued: …") that print most of the row's other figures (a count of 10 in "10 (31.3%)", a
        minimum of 28 in "49.8 (9.07) 28.0–70.0"), then at the most decimals; None where it is not."""
        record = self.source
        codes = {_norm(v) for c, v in self.row.items() if c in LABELS and v}
        others = [t for c, t in self.row.items() if c != self.column and c not in LABELS and NUMBER.fullmatch(t)]
        labelled = [sum(_norm(label) in codes for label in labels) for labels in row_labels(record)]
        ranked: dict[tuple[int, int, int], list[tuple[str, Place]]] = {}
        for number in _forms(self.text):
            for i, row in enumerate(record.rows):
                for j in self.allowed:
                    for line in map(plain, (row[j] or "").split("\n")):
                        if bounded(number).search(line):
                            named = labelled[i] + (_norm(line.split(": ")[0]) in codes)
                            agree = sum(any(bounded(n).search(line) for n in _forms(t)) for t in others)
                            ranked.setdefault((named, agree, len(number)), []).append((number, Place(i, j, line)))
        if not ranked:
            return None
        best = ranked[max(ranked)]
        return best[0][0], [place for _, place in best]


def _forms(text: str) -> list[str]:
    """The ways a report may print a CSV value, most decimals first (a whole number only as one)."""
    value = float(text)
    if re.fullmatch(r"-?\d+", text):
        return [shown(value, 0)]
    return list(dict.fromkeys(shown(value, d) for d in range(4, -1, -1)))


def _allowed(record: TableRecord, truth: pd.DataFrame, row: dict[str, str]) -> frozenset[int]:
    """The display columns that may print a CSV row's figures: not those labelling rows (a subscale's
    range, 1–5, is not a figure); where a long CSV is shown wide (a column per timepoint, ``T1 n``,
    ``T2 mean (SD)``), only those headed by the row's own value."""
    labelling = len(row_labels(record)[0]) if record.rows else 0
    allowed = set(range(labelling, len(record.columns)))
    words = [set(re.findall(r"\w+", h)) for h in record.columns]
    for column in (c for c in LABELS if c in truth.columns):
        values = set(truth[column]) - {""}
        naming = {j: values & words[j] for j in allowed}
        if sum(bool(v) for v in naming.values()) >= 2:
            allowed -= {j for j, named in naming.items() if named and row[column] not in named}
    return frozenset(allowed)


def withheld_figures(built: Path, internal: Path, rid: str) -> tuple[list[Figure], int]:
    """Every figure the shared report ``rid`` withheld whose true value the internal builds hold: the
    withheld cells of its records, each matched to the internal table's row with the same labels
    and its column by name; and every figure about people of its own tables withheld whole (shown
    "— whole study" instead). Returns them and how many withheld cells could not be matched
    unambiguously."""
    own = {t.name: t for t in document_of(internal, rid).tables()}
    study = {t.name: t for t in document_of(built, "study").tables()}
    figures: list[Figure] = []
    unmatched = 0

    def add(name: str, column: str, source: TableRecord, report: Path, truth: pd.DataFrame, i: int) -> None:
        row = dict(truth.iloc[i])
        allowed = _allowed(source, truth, row)
        figures.append(Figure(name, column, row[column], row, source, report, allowed))

    for record in document_of(built, rid).tables():
        if not record.withheld_cells:
            continue
        whole_study = record.name.endswith(STUDY_WIDE)
        source = (study if whole_study else own).get(record.name.removesuffix(STUDY_WIDE))
        if source is None:
            unmatched += len(record.withheld_cells)
            continue
        report = built / "study" if whole_study else internal / rid
        csv, truth = read_csv(built / rid / record.csv), read_csv(report / source.csv)
        keys = [c for c in LABELS if c in csv.columns and c in truth.columns]
        rows: dict[tuple[str, ...], list[int]] = {}
        for i, key in enumerate(truth[keys].itertuples(index=False, name=None)):
            rows.setdefault(key, []).append(i)
        for r, column in record.withheld_cells:
            hits = rows.get(tuple(csv.loc[r - 1, keys]), [])
            if len(hits) != 1 or column not in truth or not NUMBER.fullmatch(truth.at[hits[0], column]):
                unmatched += 1  # a row merged or dropped, or not a figure (a quote's label)
                continue
            # the figures the shared row shows are the internal row's: they are the same row
            shared_row, true_row = csv.loc[r - 1], truth.loc[hits[0]]
            differ = [
                (c, shared_row[c], true_row.get(c))
                for c in csv.columns
                if NUMBER.fullmatch(shared_row[c])
                and not (NUMBER.fullmatch(true_row.get(c, "")) and isclose(float(shared_row[c]), float(true_row[c])))
            ]
            assert not differ, (rid, record.name, r, differ)
            add(record.name, column, source, report, truth, hits[0])
    suppressed = read_csv(built / rid / "tables" / "_suppression.csv")
    whole = suppressed.loc[(suppressed["row"] == "") & (suppressed["column"] == ""), "table"]
    for name in whole:
        if name not in own or (built / rid / "tables" / f"{name}.csv").exists():
            continue  # a figure, or quotes: not a table of the internal report
        truth = read_csv(internal / rid / own[name].csv)
        columns = [c for c in truth.columns if c not in NOT_ABOUT_PEOPLE and c not in LABELS]
        for i in range(len(truth)):
            for column in columns:
                if NUMBER.fullmatch(truth.at[i, column]):
                    add(name, column, own[name], internal / rid, truth, i)
    return figures, unmatched


def tokens_of(number: str, cell: str) -> set[str]:
    """What a reader could recognise of a figure printed as ``number`` in ``cell``: a number with
    decimals (54.3, 7.12) or a whole number of 3 digits or more, a percentage (42.9%), a figure with
    its companion in brackets ("10 (31.3%)", "49.8 (9.07)", excerpts and people "6 (6)"). Not a
    whole number below 100 alone: such numbers are everywhere (pages, counts of codes, dates)."""
    found = {number} if "." in number or len(number.lstrip("-")) >= 3 else set()
    n = re.escape(number)
    for pattern in (rf"{n}%", rf"{FIGURE} \({n}%?\)", rf"{n} \({FIGURE}%?\)"):
        found |= {m.group(0) for m in re.finditer(r"(?<![\d.])" + pattern, cell)}
    return found


@dataclass
class Scan:
    """The tokens a shared report is scanned for: each with the tables of the figures it prints and
    the internal reports that print it; and the counts of cells matched and not."""

    tokens: dict[str, set[str]]
    sources: dict[str, set[Path]]
    matched: int
    unmatched: int
    unprinted: int


def released(built: Path, rid: str) -> tuple[str, dict[int, set[str]]]:
    """What a shared report legitimately prints: its records' display strings (headers and cells),
    and its ledger's values (``tables/_released.csv``) as printed at 0 to 4 decimals (a count only
    as a whole number: a count of 28 never prints as 28.0)."""
    cells = [c for t in document_of(built, rid).tables() for row in (t.columns, *t.rows) for c in row if c]
    ledger = read_csv(built / rid / "tables" / "_released.csv")
    printed: dict[int, set[str]] = {d: set() for d in range(5)}
    for value, column in zip(ledger["value"], ledger["column"]):
        if not NUMBER.fullmatch(value):
            continue
        role = COLUMN_ROLES.get(column)
        whole_count = re.fullmatch(r"-?\d+", value) and role is not None and role.kind == "count"
        for d in (0,) if whole_count else range(5):
            printed[d].add(shown(float(value), d))
    return " ¦ ".join(plain(c) for c in cells), printed


def legitimate(token: str, display: str, ledger: dict[int, set[str]]) -> bool:
    """Whether the shared report prints ``token`` for a figure it released: in its tables' display
    strings, or (a number or percentage) as a ledger value at the token's decimals."""
    if bounded(token).search(display):
        return True
    number = re.fullmatch(r"(-?\d+(?:\.(\d+))?)%?", token)
    return number is not None and number.group(1) in ledger.get(len(number.group(2) or ""), set())


def scan_of(built: Path, internal: Path, rid: str) -> Scan:
    figures, unmatched = withheld_figures(built, internal, rid)
    tokens: dict[str, set[str]] = {}
    sources: dict[str, set[Path]] = {}
    unprinted = 0
    for figure in figures:
        printed = figure.printed()
        if printed is None:  # not printed by the internal report either (a p shown as <0.001)
            unprinted += 1
            continue
        number, places = printed
        for place in places:
            for token in tokens_of(number, place.line):
                tokens.setdefault(token, set()).add(figure.table)
                sources.setdefault(token, set()).add(figure.report)
    display, ledger = released(built, rid)
    # Dropped: a token the shared report prints for another figure it released (in a table's cells
    # or headings, or a ledger value printed alike), since finding it would say nothing of the
    # withheld one (a withheld 31.3% beside a released 31.3%); and a label of a figure's axis tick
    # (1.5 on an effect-size axis is where the axis is marked, not anyone's figure).
    ticks = page(built / rid / "report.html").ticks
    kept = {t: tables for t, tables in tokens.items() if t not in ticks and not legitimate(t, display, ledger)}
    return Scan(kept, {t: sources[t] for t in kept}, len(figures), unmatched, unprinted)


@pytest.fixture(scope="module")
def scans(built, internal) -> dict[str, Scan]:
    return {rid: scan_of(built, internal, rid) for rid in SHARED}


# ---- 1. no withheld figure in a shared report's text ---------------------------------------------


@pytest.mark.kernel
@pytest.mark.parametrize("rid", SHARED)
def test_no_figure_a_shared_report_withheld_is_anywhere_in_its_text(built, scans, rid):
    """Every figure the report withheld (a cell of its tables, or a table of its own withheld whole),
    as the study team's report prints it, is nowhere in its HTML (SVG text, labels and alternative
    text included), its PDF's text or its Word document's paragraphs and table cells."""
    scan = scans[rid]
    assert scan.matched >= MIN_MATCHED[rid], (scan.matched, scan.unmatched)
    assert scan.unmatched <= 0.05 * scan.matched, (scan.matched, scan.unmatched)
    leaks = found_in(built / rid, scan.tokens)
    assert not leaks, [f"{file}: {token!r} of {', '.join(tables)}" for file, token, tables in leaks[:10]]


@pytest.mark.kernel
@pytest.mark.parametrize("rid", SHARED)
def test_the_scan_finds_every_withheld_figure_in_the_report_for_the_study_team(scans, rid):
    """The scan is not vacuous: each token a shared report is scanned for is found by the same scan in
    the HTML, PDF and Word document of the internal report that prints it (the same report for the
    study team, or the study report for a whole-study table), and there are many of them."""
    scan = scans[rid]
    assert len(scan.tokens) >= MIN_TOKENS[rid], sorted(scan.tokens)
    one = next(t for t in sorted(scan.tokens) if "." in t)  # one real withheld value, e.g. a minimum
    for folder in scan.sources[one]:
        assert {file for file, *_ in found_in(folder, {one: scan.tokens[one]})} == set(FILES), one
    missing = [
        (file, token)
        for token, tables in scan.tokens.items()
        for file in FILES
        if not any((file, token, sorted(tables)) in found_in(folder, {token: tables}) for folder in scan.sources[token])
    ]
    assert not missing, missing[:10]


# ---- 2. Word tables are the records --------------------------------------------------------------


def body(document) -> list[Paragraph | Table]:
    """A Word document's paragraphs and tables in the order they come."""
    items: list[Paragraph | Table] = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            items.append(Paragraph(element, document))
        elif element.tag == qn("w:tbl"):
            items.append(Table(element, document))
    return items


def is_header(row) -> bool:
    properties = row._tr.trPr
    return properties is not None and properties.find(qn("w:tblHeader")) is not None


def word_tables(folder: Path, records: list[TableRecord]) -> dict[str, list[list[str]]]:
    """Each record's Word table, as the text of its cells, found as the writer lays a record out: its
    caption (Caption style), then its table (or, withheld whole, the sentence saying so), then its
    notes (Note style), in the report's order. The one-cell boxes (alerts, the team's commentary)
    are not records; every other table is one."""
    items = body(docx.Document(str(folder / "report.docx")))
    tables = [t for t in items if isinstance(t, Table)]
    boxes = [t for t in tables if t.style.name == "Report Box"]
    assert all(len(b.rows) == 1 and len(b.columns) == 1 for b in boxes)
    assert len(tables) - len(boxes) == sum(not r.withheld for r in records)
    grids: dict[str, list[list[str]]] = {}
    at = 0
    for record in records:
        captions = [
            i
            for i in range(at, len(items))
            if isinstance(items[i], Paragraph) and items[i].style.name == "Caption" and items[i].text == record.caption
        ]
        assert captions, f"{record.name}: no caption {record.caption!r} after the previous table"
        at = captions[0] + 1
        shown = items[at]
        if record.withheld:
            assert isinstance(shown, Paragraph) and (shown.style.name, shown.text) == ("Note", record.withheld)
        else:
            assert isinstance(shown, Table) and shown.style.name == "Report Table", record.name
            assert [is_header(row) for row in shown.rows] == [True] + [False] * len(record.rows), record.name
            grids[record.name] = [[cell.text for cell in row.cells] for row in shown.rows]
        notes = items[at + 1 : at + 1 + len(record.notes)]
        assert all(isinstance(p, Paragraph) for p in notes), record.name
        assert [(p.style.name, p.text) for p in notes] == [("Note", n) for n in record.notes], record.name
        at += 1 + len(record.notes)
    return grids


@pytest.mark.kernel
@pytest.mark.parametrize("rid", ["study", *SHARED])
def test_word_tables_are_the_records_cell_for_cell(built, rid):
    """Each table record is a Word table in the report's order: its header row is the record's
    columns (and repeats on every page), its every body cell the record's display string (a line
    break kept, a missing value a dash), its notes after it; a table withheld whole is its sentence."""
    records = document_of(built, rid).tables()
    grids = word_tables(built / rid, records)
    compared = 0
    for record in records:
        if record.withheld:
            continue
        grid = grids[record.name]
        assert grid[0] == list(record.columns), record.name
        assert len(grid) == len(record.rows) + 1, record.name
        for i, (cells, row) in enumerate(zip(grid[1:], record.rows), start=1):
            want = [DASH if v is None else v for v in row]
            assert cells == want, (record.name, i, [(a, b) for a, b in zip(cells, want) if a != b])
            compared += len(cells)
    assert compared > 100


@pytest.mark.kernel
@pytest.mark.parametrize("rid", SHARED)
def test_every_figure_a_shared_report_withheld_is_marked_in_its_word_table(built, internal, rid):
    """Each withheld cell of a record, found where the study team's report prints it (its row by its
    labels, its column by its heading), shows in the shared report's Word table the suppression
    marker and not the figure: a ``*`` ("* (*)"), or words saying it is not shown, or (a minimum
    and maximum) a heading without it and a note saying so; and a cell showing ``*`` shows no number,
    since a figure is withheld with the count it rests on."""
    records = {r.name: r for r in document_of(built, rid).tables()}
    grids = word_tables(built / rid, list(records.values()))
    for name, grid in grids.items():
        starred = [cell for row in grid[1:] for cell in row if "*" in cell]
        assert not [c for c in starred if re.search(r"\d", c)], name
    figures, _ = withheld_figures(built, internal, rid)
    checked = dropped = 0
    for figure in figures:
        shared = records.get(figure.table)
        printed = figure.printed() if shared is not None else None
        if printed is None or len(printed[1]) != 1:
            continue  # withheld whole (no record), not printed, or printed in several places alike
        number, [place] = printed
        source, grid = figure.source, grids[figure.table]
        mine = row_labels(source)[place.i]
        rows = [
            s
            for s, labels in enumerate(row_labels(shared))
            if len(labels) == len(mine) and all(b == a or b in a.split("; ") for a, b in zip(labels, mine))
        ]
        heading = source.columns[place.j]
        # its column by heading: the same, or the longest a part was dropped from ("T1 mean (SD)" of
        # "T1 mean (SD) min–max", not "n")
        prefixes = [h for h in shared.columns if heading == h or heading.startswith(h + " ")]
        columns = [k for k, h in enumerate(shared.columns) if prefixes and h == max(prefixes, key=len)]
        lines = [plain(x) for x in grid[rows[0] + 1][columns[0]].split("\n")] if len(rows) == len(columns) == 1 else []
        if "\n" in (source.rows[place.i][place.j] or ""):  # a line of a list: the line with the same label
            label = place.line.split(": ")[0] + ": "
            lines = [x for x in lines if x.startswith(label)]
        if not lines:  # its row not shown at all, as a note says ("Not listed: 7 codes whose every count …")
            assert any(n.startswith("Not listed") for n in shared.notes), (figure.table, figure.row, place.line)
            dropped += 1
            continue
        cell = " ".join(lines)
        # a minimum and maximum: the cell is the study team's less the part that printed them, its
        # heading lost that part ("T1 mean (SD)" of "T1 mean (SD) min–max") and a note says so
        trimmed = (
            shared.columns[columns[0]] != heading
            and place.line.startswith(cell + " ")
            and any("not shown" in n for n in shared.notes)
        )
        marked = "*" in cell or "not shown" in cell or trimmed
        fewer = len(bounded(number).findall(cell)) < len(bounded(number).findall(place.line))
        assert marked and fewer, (figure.table, figure.column, figure.row, number, place.line, cell)
        checked += 1
    # the rest: printed alike in several places of the study team's table, or in rows not listed
    shown_in_records = sum(f.table in records for f in figures)
    assert checked >= 0.75 * shown_in_records and checked >= 10, (checked, dropped, shown_in_records)
