"""``report.docx``: the report as a Word document, written from its records.

The title block's facts, then each section: its title as a Word heading, its prose and
sentences as paragraphs and lists, tables as Word tables with their captions and notes,
figures as the pictures beside the report (``figures/<name>.png``) with their alternative text,
quotes in Word's Quote style, and the boxed blocks (alerts, the team's commentary) as one-cell
tables, so that the text after them does not run into them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..registry import Registry
from ..report.html import COMMENTARY_TITLE, DASH
from ..report.records import FigureRecord, ProseRecord, QuotesRecord, TableRecord, TextRecord
from .document import ReportDocument, markdown_tokens, without_title
from .table_widths import PAGE_WIDTH, column_widths


def _runs(paragraph, tokens: list[dict[str, Any]], bold: bool = False, italic: bool = False) -> None:
    """Inline Markdown tokens into ``paragraph``, bold and italic kept."""
    for token in tokens:
        kind = token.get("type")
        if kind in ("text", "codespan"):
            run = paragraph.add_run(token.get("raw", ""))
            run.bold, run.italic = bold or None, italic or None
        elif kind == "softbreak":
            paragraph.add_run(" ")
        elif kind == "linebreak":
            paragraph.add_run().add_break()
        else:
            _runs(paragraph, token.get("children", []), bold or kind == "strong", italic or kind == "emphasis")


def _markdown(container, tokens: list[dict[str, Any]], *, heading_offset: int = 0) -> None:
    """Block Markdown tokens into ``container`` (the document, or a box's cell)."""
    for token in tokens:
        kind = token.get("type")
        if kind == "heading":
            level = min(max(2, token["attrs"]["level"]) + heading_offset, 4)
            _runs(container.add_heading(level=level), token.get("children", []))
        elif kind in ("paragraph", "block_text"):
            _runs(container.add_paragraph(), token.get("children", []))
        elif kind == "list":
            style = "List Number" if token["attrs"].get("ordered") else "List Bullet"
            for item in token.get("children", []):
                paragraph = container.add_paragraph(style=style)
                for part in item.get("children", []):
                    _runs(paragraph, part.get("children", []))
        elif kind == "block_quote":
            for part in token.get("children", []):
                _runs(container.add_paragraph(style="Quote"), part.get("children", []))


def _note(container, text: str) -> None:
    from docx.shared import Pt

    run = container.add_paragraph().add_run(text)
    run.font.size = Pt(8)
    run.italic = True


def _table(document, record: TableRecord, folder: Path, title: str | None) -> None:
    from docx.shared import Inches, Pt

    document.add_paragraph().add_run(record.caption).bold = True
    if record.withheld:
        _note(document, record.withheld)
    else:
        rows = [list(record.columns), *[[DASH if v is None else v for v in row] for row in record.rows]]
        width = len(record.columns)
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
                        run.bold = True if i == 0 else None
    for note in record.notes:
        _note(document, note)


def _figure(document, record: FigureRecord, folder: Path, title: str | None) -> None:
    from docx.shared import Inches

    label = record.label
    if record.withheld:
        _note(document, record.withheld.replace("This figure", label, 1) if label else record.withheld)
        return
    if record.message is not None:
        _note(document, f"{label}: {record.message}" if label else record.message)
    elif record.png and (folder / record.png).is_file():
        document.add_picture(str(folder / record.png), width=Inches(PAGE_WIDTH))
        _alt_text(document.inline_shapes[-1], record.alt)
        if record.caption:
            _runs(document.add_paragraph(), markdown_tokens(record.caption)[0].get("children", []))
    else:
        _note(document, f"[Figure: {record.alt}]")
    if record.note:
        _note(document, record.note)


def _alt_text(shape, alt: str) -> None:
    """A picture's alternative text, where Word reads it (the drawing's ``descr``)."""
    shape._inline.docPr.set("descr", alt)


def _quotes(document, record: QuotesRecord, folder: Path, title: str | None) -> None:
    document.add_paragraph().add_run(record.title).bold = True
    for theme, quotes in record.themes:
        document.add_paragraph().add_run(theme).bold = True
        for quote in quotes:
            document.add_paragraph(f"“{quote.text}”", style="Quote")
            _note(document, f"— {quote.label}")
    if not record.themes and not record.note:
        document.add_paragraph("No excerpts in this report.")
    if record.note:
        _note(document, record.note)


def _box(document, title: str, fill) -> None:
    """A one-cell bordered table holding ``title`` and what ``fill`` writes into it."""
    box = document.add_table(rows=1, cols=1)
    box.style = "Table Grid"
    cell = box.cell(0, 0)
    first = cell.paragraphs[0]
    if title:
        first.add_run(title).bold = True
    fill(cell)
    if not title and not first.text:
        first._element.getparent().remove(first._element)
    document.add_paragraph()


def _text(document, record: TextRecord, folder: Path, title: str | None) -> None:
    if not record.box:
        _markdown(document, markdown_tokens(record.text))
        return

    def fill(cell) -> None:
        items = record.items
        if items:
            for item in items:
                cell.add_paragraph(item, style="List Bullet")
        else:
            for line in filter(str.strip, record.text.splitlines()):
                cell.add_paragraph(line)

    _box(document, record.title, fill)


def _prose(document, record: ProseRecord, folder: Path, title: str | None) -> None:
    tokens = markdown_tokens(record.source)
    if record.role == "commentary":
        _box(document, COMMENTARY_TITLE, lambda cell: _markdown(cell, tokens))
    else:
        _markdown(document, without_title(tokens, title) if title else tokens)


def _title_block(document, report: Mapping[str, Any]) -> None:
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


#: record kind → how it goes into the document: ``(document, record, folder, section title)``; the
#: title is given with a section's first prose, whose own heading it replaces
WRITERS: Registry[Callable[[Any, Any, Path, str | None], None]] = Registry("Word writer")
WRITERS.register("table", _table)
WRITERS.register("figure", _figure)
WRITERS.register("quotes", _quotes)
WRITERS.register("text", _text)
WRITERS.register("prose", _prose)


def write_docx(document: ReportDocument, folder: Path) -> Path:
    """``report.docx`` in ``folder``, from ``document``; figures are read from ``folder/figures``."""
    from docx import Document

    report = document.title
    word = Document()
    word.core_properties.title = f"{report.get('title')} — {report.get('scope_label')}"
    _title_block(word, report)
    for section in document.sections:
        word.add_heading(section.title, level=1)
        titled = False
        for record in section.records:
            first_prose = isinstance(record, ProseRecord) and record.role == "section" and not titled
            WRITERS[record.kind](word, record, folder, section.title if first_prose else None)
            titled = titled or first_prose
    buffer = io.BytesIO()
    word.save(buffer)
    target = folder / "report.docx"
    target.write_bytes(buffer.getvalue())
    return target
