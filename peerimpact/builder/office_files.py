"""A report's tables as an Excel workbook and the report as a Word document.

Both are written from what the report already holds once its sections have run: the
workbook from ``tables/*.csv`` (the blocks' data as the disclosure policy released them),
the document from the report's HTML (the same blocks, displayed), with figures from
``figures/*.png``. Nothing here sees data the HTML and the CSVs do not show.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..ingest.writers import string_cells
from ..text import neutralise

ABOUT = "About"
MAX_SHEET = 31  # Excel's limit on a sheet name


NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")


# the sheets that are records of the report rather than its tables
RECORDS = {
    "_suppression": "record of withheld cells",
    "_released": "record of every figure shown, keyed by population, measure, statistic and timepoint",
}


def _value(text: str) -> Any:
    """A CSV cell as Excel should hold it: a number where it is written as one, else the text (so
    that a code with a leading zero, ``029``, stays text), never a formula."""
    if text == "":
        return None
    if not NUMBER.fullmatch(text):
        return neutralise(text)
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def table_titles(html: str) -> dict[str, str]:
    """Table name → caption, as the report's HTML shows them."""
    from lxml import html as lhtml

    tree = lhtml.fromstring(html)
    return {
        fig.get("id").removeprefix("table-"): " ".join(fig.findtext("figcaption", "").split())
        for fig in tree.iter("figure")
        if (fig.get("id") or "").startswith("table-")
    }


def sheet_names(tables: Iterable[str]) -> dict[str, str]:
    """A sheet name for every table: Excel's 31 characters, unique ignoring case."""
    names: dict[str, str] = {}
    taken = {ABOUT.casefold()}
    for table in tables:
        base = re.sub(r"[\[\]:*?/\\]", "_", table)[:MAX_SHEET]
        name, i = base, 1
        while name.casefold() in taken:
            i += 1
            name = f"{base[: MAX_SHEET - len(str(i)) - 1]}~{i}"
        taken.add(name.casefold())
        names[table] = name
    return names


def write_workbook(html: str, folder: Path, report: Mapping[str, Any]) -> Path:
    """``tables.xlsx``: a first sheet describing the report, then one sheet per CSV in ``tables/``
    with the CSV's columns and values. Every text cell is text: a study's own words (a cohort's
    label, a code's name) that start like a formula get a leading ``'``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    csvs = sorted((folder / "tables").glob("*.csv"), key=lambda p: (p.name.startswith("_"), p.name))
    titles = table_titles(html)
    names = sheet_names(p.stem for p in csvs)
    book = Workbook()
    about = book.active
    about.title = ABOUT
    facts = [
        ("Report", report.get("title")),
        ("Scope", report.get("scope_label")),
        ("Study", report.get("study_name")),
        *report.get("facts", ()),
        ("Data cut", report.get("data_cut") or "not stated"),
        ("Built", report.get("built_at")),
        ("peerimpact", report.get("version")),
        ("Disclosure policy", report.get("disclosure")),
        (
            "What the policy does",
            "none: every figure as computed, for the study team only"
            if report.get("internal")
            else report.get("disclosure_statement"),
        ),
        (
            "Withheld cells",
            "* in a sheet; the sheet _suppression lists each one and why" if not report.get("internal") else "none",
        ),
    ]
    if report.get("notice"):
        facts.insert(3, ("About this report", report.get("notice")))
    for label, value in facts:
        about.append([neutralise(label), neutralise(value)])
        about.cell(about.max_row, 1).font = Font(bold=True)
    about.append([])
    about.append(["Sheet", "Table"])
    for cell in about[about.max_row]:
        cell.font = Font(bold=True)
    for path in csvs:
        about.append(
            [neutralise(names[path.stem]), neutralise(titles.get(path.stem, RECORDS.get(path.stem, path.stem)))]
        )
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 90
    for path in csvs:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        sheet = book.create_sheet(names[path.stem])
        sheet.append([neutralise(c) for c in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_value(v) for v in row])
    string_cells(book)
    target = folder / "tables.xlsx"
    book.save(target)
    return target


# --------------------------------------------------------------------------------------- Word


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _cell_text(element) -> str:
    """A table cell's text, its line breaks kept (Word makes each one a break in the cell)."""
    parts = [element.text or ""]
    for child in element:
        parts.append("\n" if child.tag == "br" else _cell_text(child))
        parts.append(child.tail or "")
    return "\n".join(" ".join(line.split()) for line in "".join(parts).split("\n"))


def _runs(paragraph, element) -> None:
    """The element's text into ``paragraph``, bold and italic kept."""

    def walk(node, bold: bool, italic: bool) -> None:
        if node.text:
            run = paragraph.add_run(" ".join(node.text.split("\n")))
            run.bold, run.italic = bold or None, italic or None
        for child in node:
            if child.tag == "a" and "anchor-link" in (child.get("class") or ""):
                pass
            else:
                walk(child, bold or child.tag in ("strong", "b"), italic or child.tag in ("em", "i"))
            if child.tail:
                run = paragraph.add_run(" ".join(child.tail.split("\n")))
                run.bold, run.italic = bold or None, italic or None

    walk(element, element.tag in ("strong", "b"), element.tag in ("em", "i"))


def _note(document, text: str) -> None:
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.font.size = Pt(8)
    run.italic = True


PAGE_WIDTH = 6.3  # inches between the margins of an A4 or Letter page in Word's default layout
CHAR = 0.095  # inches a character of 8-point text takes, about, bold headers included
PAD = 0.22  # inches of a cell's left and right margins


def column_widths(rows: list[list[str]], width: int) -> list[float]:
    """Column widths in inches: each at least its longest word (so ``(10.26)`` is not broken), the
    page's remaining width shared out to the columns with more to say (labels before numbers)."""
    cells = [[r[j] if j < len(r) else "" for r in rows] for j in range(width)]
    least = [max(len(w) for c in col for w in (c.split() or [""])) * CHAR + PAD for col in cells]
    wants = [min(max(len(line) for c in col for line in c.split("\n")), 45) * CHAR + PAD for col in cells]
    spare = PAGE_WIDTH - sum(least)
    if spare <= 0:
        return [PAGE_WIDTH * w / sum(least) for w in least]
    extra = [max(w - m, 0.0) for w, m in zip(wants, least)]
    share = min(1.0, spare / sum(extra)) if sum(extra) else 0.0
    widths = [m + e * share for m, e in zip(least, extra)]
    return [w * PAGE_WIDTH / sum(widths) for w in widths]


def _table(document, element) -> None:
    from docx.shared import Inches, Pt

    head = [[_cell_text(c) for c in tr] for tr in element.iterfind("./thead/tr")]
    body = [[_cell_text(c) for c in tr] for tr in element.iterfind("./tbody/tr")]
    rows = head + body
    if not rows:
        return
    width = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    inches = column_widths(rows, width)
    table.autofit = False
    for column, wide in zip(table.columns, inches):  # the grid, which Word and LibreOffice lay out from
        column.width = Inches(wide)
    for i, (row, values) in enumerate(zip(table.rows, rows)):
        for j, (cell, value) in enumerate(zip(row.cells, values)):  # a row at once: table.cell(i, j) rescans
            cell.text = value
            cell.width = Inches(inches[j])
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)
                    run.bold = True if i < len(head) else None


def _figure(document, element, folder: Path) -> None:
    from docx.shared import Inches

    name = (element.get("id") or "").removeprefix("figure-")
    png = folder / "figures" / f"{name}.png"
    title = element.find(".//title")
    if png.is_file():
        document.add_picture(str(png), width=Inches(PAGE_WIDTH))
    elif title is not None:
        _note(document, f"[Figure: {_text(title)}]")


def _block(document, element, folder: Path) -> None:
    """One element of the report's HTML into the document."""
    tag, cls = element.tag, element.get("class") or ""
    if tag in ("h1", "h2", "h3", "h4"):
        document.add_heading(_text(element).rstrip("¶").strip(), level=min(int(tag[1]) + 1, 4))
    elif tag == "p" and ("pi-note" in cls or "pi-withheld" in cls):
        _note(document, _text(element))
    elif tag == "p":
        _runs(document.add_paragraph(), element)
    elif tag in ("ul", "ol"):
        style = "List Bullet" if tag == "ul" else "List Number"
        for item in element.iterfind("li"):
            _runs(document.add_paragraph(style=style), item)
    elif tag == "figure" and "pi-table-figure" in cls:
        caption = element.find("figcaption")
        if caption is not None:
            document.add_paragraph().add_run(_text(caption)).bold = True
        for child in element:
            if child.tag == "table":
                _table(document, child)
            elif child.tag == "p":
                _block(document, child, folder)
    elif tag == "div" and "pi-figure" in cls:
        _figure(document, element, folder)
    elif tag == "blockquote":
        quote = element.find("p")
        if quote is not None:
            _runs(document.add_paragraph(style="Quote"), quote)
        cite = element.find("cite")
        if cite is not None:
            _note(document, f"— {_text(cite)}")
    elif tag == "table":
        _table(document, element)
    elif tag == "aside" and "pi-box" in cls:
        _box(document, element)
    else:
        for child in element:
            _block(document, child, folder)


def _box(document, element) -> None:
    """An aside (the data-quality alerts, the study team's commentary) as a one-cell bordered
    table: in Word as on the page, a box that the text after it does not run into."""
    box = document.add_table(rows=1, cols=1)
    box.style = "Table Grid"
    cell, used = box.cell(0, 0), False

    def paragraph(style: str | None = None):
        nonlocal used
        if not used:
            used = True
            first = cell.paragraphs[0]
            if style:
                first.style = style
            return first
        return cell.add_paragraph(style=style)

    def fill(node) -> None:
        for child in node:
            if child.tag == "p":
                _runs(paragraph(), child)
            elif child.tag in ("ul", "ol"):
                for item in child.iterfind("li"):
                    _runs(paragraph("List Bullet" if child.tag == "ul" else "List Number"), item)
            else:
                fill(child)

    fill(element)
    document.add_paragraph()


def write_docx(html: str, folder: Path, report: Mapping[str, Any]) -> Path:
    """``report.docx``: the title page's facts, then every section's headings, text, tables (as
    Word tables, with their notes) and figures, in the order of the HTML."""
    from docx import Document
    from lxml import html as lhtml

    tree = lhtml.fromstring(html)
    document = Document()
    document.core_properties.title = f"{report.get('title')} — {report.get('scope_label')}"
    if report.get("internal"):
        document.add_paragraph().add_run("Internal — not for distribution").bold = True
    document.add_paragraph(report.get("study_name") or "")
    document.add_heading(report.get("title") or "", level=0)
    document.add_paragraph(report.get("scope_label") or "")
    facts = [
        *report.get("facts", ()),
        ("Data cut", report.get("data_cut") or "not stated"),
        ("Built", report.get("built_at")),
        ("peerimpact", report.get("version")),
        (
            "Disclosure",
            "every figure as computed, for the study team only"
            if report.get("internal")
            else f"{report.get('disclosure_statement')}. A * marks a figure not shown.",
        ),
    ]
    if report.get("notice"):  # what a small site's report shows instead, said once as on the first page
        facts.insert(0, ("About this report", report.get("notice")))
    for label, value in facts:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(str(value))
    for section in tree.iterfind(".//section"):
        for child in section:
            _block(document, child, folder)
    buffer = io.BytesIO()
    document.save(buffer)
    target = folder / "report.docx"
    target.write_bytes(buffer.getvalue())
    return target
