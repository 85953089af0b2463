"""``report.docx``: the report as a Word document, written from its records.

The document is opened from the reference or a study's own template (``builder/word_template.py``:
its styles and page setup, never its text), and given its properties, running heads, title block
and contents (``builder/word_page.py``). Then each section: its title in Heading 1 (its prose's
own headings below it in Heading 2 to 4), its prose and sentences as paragraphs and lists, tables
as Word tables whose header row repeats on every page and whose rows do not break across pages,
figures as the pictures beside the report (``figures/<name>.png``) with their alternative text,
quotes in the Quote style, notes in the Note style, and the boxed blocks (alerts, the team's
commentary) as one-cell tables, so that the text after them does not run into them. A writer per
record kind (:data:`WRITERS`) puts each record in.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..registry import Registry
from ..report.html import COMMENTARY_TITLE, DASH
from ..report.records import FigureRecord, ProseRecord, QuotesRecord, TableRecord, TextRecord
from .document import ReportDocument, markdown_tokens, without_title
from .table_widths import column_widths, sans_inches
from .word_markup import Lists, bookmark, element, list_item
from .word_page import contents, core_properties, running_heads, title_block
from .word_template import open_word, text_height, text_width

FIGURE_HEIGHT = 0.7  # the most of the text's height a figure may take, so its caption fits beneath it
CELL_PAD = 2 * 80 / 1440  # inches: the Report Table style's 80-twip cell margins either side
SMALL_TABLE = 12  # rows of a table kept on one page (a longer one breaks between rows, its header repeated)


# ---- text ----------------------------------------------------------------------------------------


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


class _Writer:
    """What the record writers share: the document, its lists, its figures' folder and its width."""

    def __init__(self, word, folder: Path) -> None:
        self.word = word
        self.folder = folder
        self.lists = Lists(word)
        self.width = text_width(word)
        self.height = text_height(word)


def _markdown(w: _Writer, container, tokens: list[dict[str, Any]], *, heading_offset: int = 0) -> None:
    """Block Markdown tokens into ``container`` (the document, or a box's cell)."""
    for token in tokens:
        kind = token.get("type")
        if kind == "heading":
            level = min(max(2, token["attrs"]["level"]) + heading_offset, 4)
            _runs(container.add_paragraph(style=f"Heading {level}"), token.get("children", []))
        elif kind in ("paragraph", "block_text"):
            _runs(container.add_paragraph(), token.get("children", []))
        elif kind == "list":
            _list(w, container, token)
        elif kind == "block_quote":
            for part in token.get("children", []):
                _runs(container.add_paragraph(style="Quote"), part.get("children", []))


def _list(w: _Writer, container, token: dict[str, Any], level: int = 0) -> None:
    """A Markdown list, its nested lists one level in (Word's numbering has three); an item that
    leads into a list of its own is kept on the page of its first item."""
    ordered = bool(token["attrs"].get("ordered"))
    number = w.lists.new(ordered)
    for item in token.get("children", []):
        paragraph = list_item(container, "List Number" if ordered else "List Bullet", number, level)
        for part in item.get("children", []):
            if part.get("type") == "list":
                paragraph.paragraph_format.keep_with_next = True
                _list(w, container, part, min(level + 1, 2))
            else:
                _runs(paragraph, part.get("children", []))


def _note(container, text: str):
    return container.add_paragraph(text, style="Note")


def _keep_with_next(paragraph) -> None:
    paragraph.paragraph_format.keep_with_next = True


# ---- records -------------------------------------------------------------------------------------


def _row_properties(row, *, header: bool) -> None:
    """A row that does not break across pages; the header row repeats at the top of every page."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(element("w:cantSplit"))
    if header:
        tr_pr.append(element("w:tblHeader"))


def _table(w: _Writer, record: TableRecord, title: str | None) -> None:
    from docx.shared import Inches

    document = w.word
    caption = document.add_paragraph(style="Caption")
    caption.add_run(record.caption).bold = True
    _keep_with_next(caption)
    if record.withheld:
        _note(document, record.withheld)
    else:
        rows = [list(record.columns), *[[DASH if v is None else v for v in row] for row in record.rows]]
        width = len(record.columns)
        table = document.add_table(rows=len(rows), cols=width)
        table.style = "Report Table"
        inches = column_widths(rows, width, page=w.width, measure=sans_inches, pad=CELL_PAD)
        table.autofit = False
        for column, wide in zip(table.columns, inches):  # the grid, which Word and LibreOffice lay out from
            column.width = Inches(wide)
        whole = len(rows) <= SMALL_TABLE  # a short table is kept on one page: its rows keep with the next
        for i, (row, values) in enumerate(zip(table.rows, rows)):
            _row_properties(row, header=i == 0)
            for j, (cell, value) in enumerate(zip(row.cells, values)):  # a row at once: table.cell(i, j) rescans
                cell.width = Inches(inches[j])
                paragraph = cell.paragraphs[0]
                paragraph.style = "Table Heading" if i == 0 else "Table Text"
                paragraph.add_run(value)
                if i == 0 or (whole and i < len(rows) - 1):
                    _keep_with_next(paragraph)
    for note in record.notes:
        _note(document, note)


def _figure(w: _Writer, record: FigureRecord, title: str | None) -> None:
    from docx.shared import Inches

    document, folder = w.word, w.folder
    label = record.label
    if record.withheld:
        _note(document, record.withheld.replace("This figure", label, 1) if label else record.withheld)
        return
    if record.message is not None:
        _note(document, f"{label}: {record.message}" if label else record.message)
    elif record.png and (folder / record.png).is_file():
        shape = document.add_picture(str(folder / record.png), width=Inches(w.width))
        if shape.height > Inches(w.height * FIGURE_HEIGHT):  # a tall figure is narrowed, so it and its caption fit
            shape.width = int(shape.width * Inches(w.height * FIGURE_HEIGHT) / shape.height)
            shape.height = Inches(w.height * FIGURE_HEIGHT)
        _alt_text(shape, record.alt)
        picture = document.paragraphs[-1]
        if record.caption:
            _keep_with_next(picture)
            caption = document.add_paragraph(style="Caption")
            _runs(caption, markdown_tokens(record.caption)[0].get("children", []))
    else:
        _note(document, f"[Figure: {record.alt}]")
    if record.note:
        _note(document, record.note)


def _alt_text(shape, alt: str) -> None:
    """A picture's alternative text, where Word reads it (the drawing's ``descr``)."""
    shape._inline.docPr.set("descr", alt)


def _quotes(w: _Writer, record: QuotesRecord, title: str | None) -> None:
    document = w.word
    heading = document.add_paragraph()
    heading.add_run(record.title).bold = True
    _keep_with_next(heading)
    for theme, quotes in record.themes:
        heading = document.add_paragraph()
        heading.add_run(theme).bold = True
        _keep_with_next(heading)
        for quote in quotes:
            _keep_with_next(document.add_paragraph(f"“{quote.text}”", style="Quote"))
            document.add_paragraph(f"— {quote.label}", style="Quote Source")
    if not record.themes and not record.note:
        document.add_paragraph("No excerpts in this report.")
    if record.note:
        _note(document, record.note)


def _box(w: _Writer, title: str, fill: Callable[[Any], None]) -> None:
    """A one-cell table in the Report Box style holding ``title`` and what ``fill`` writes into it."""
    box = w.word.add_table(rows=1, cols=1)
    box.style = "Report Box"
    cell = box.cell(0, 0)
    first = cell.paragraphs[0]
    if title:
        first.style = "Box Title"
        first.add_run(title)
        _keep_with_next(first)
    fill(cell)
    if not title and not first.text:
        first._element.getparent().remove(first._element)
    w.word.add_paragraph()


def _text(w: _Writer, record: TextRecord, title: str | None) -> None:
    if not record.box:
        _markdown(w, w.word, markdown_tokens(record.text))
        return

    def fill(cell) -> None:
        items = record.items
        if items:
            number = w.lists.new(False)
            for item in items:
                list_item(cell, "List Bullet", number).add_run(item)
        else:
            for line in filter(str.strip, record.text.splitlines()):
                cell.add_paragraph(line)

    _box(w, record.title, fill)


def _prose(w: _Writer, record: ProseRecord, title: str | None) -> None:
    tokens = markdown_tokens(record.source)
    if record.role == "commentary":
        _box(w, COMMENTARY_TITLE, lambda cell: _markdown(w, cell, tokens))
    else:
        _markdown(w, w.word, without_title(tokens, title) if title else tokens)


#: record kind → how it goes into the document: ``(writer, record, section title)``; the title is
#: given with a section's first prose, whose own heading it replaces
WRITERS: Registry[Callable[[Any, Any, str | None], None]] = Registry("Word writer")
WRITERS.register("table", _table)
WRITERS.register("figure", _figure)
WRITERS.register("quotes", _quotes)
WRITERS.register("text", _text)
WRITERS.register("prose", _prose)


def write_docx(document: ReportDocument, folder: Path, template: bytes | None = None) -> Path:
    """``report.docx`` in ``folder``, from ``document``, in ``template``'s styles and page setup (a
    study's own Word document, checked with
    :func:`~peerimpact.builder.word_template.template_problem`; by default the reference);
    figures are read from ``folder/figures``."""
    report = document.title
    word = open_word(template)
    core_properties(word, report)
    running_heads(word, report)
    title_block(word, report)
    writer = _Writer(word, folder)
    marks = contents(word, [s.title for s in document.sections])
    for number, (section, mark) in enumerate(zip(document.sections, marks), start=1):
        heading = word.add_paragraph(section.title, style="Heading 1")
        bookmark(heading, mark, number)
        titled = False
        for record in section.records:
            first_prose = isinstance(record, ProseRecord) and record.role == "section" and not titled
            WRITERS[record.kind](writer, record, section.title if first_prose else None)
            titled = titled or first_prose
    buffer = io.BytesIO()
    word.save(buffer)
    target = folder / "report.docx"
    target.write_bytes(buffer.getvalue())
    return target
