"""How the workbook's sheets are laid out: column widths that fit each column's figures and words,
row heights that fit wrapped text (LibreOffice does not fit them as it opens a file, Excel does), the
headings frozen and repeated on every printed page, A4 pages; the cover's rows as tall as its text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .workbook_cells import SheetTable

MAX_WIDTH = 60  # characters: a longer text wraps in its cell
CHAR, DIGIT = 0.9, 1.3  # a character of Arial 12 (gptables' font) in Excel's units: of prose, of a figure
LINE = 16.0  # points: a line of Arial 12
COVER_WIDTH = 75  # the cover's column, in Excel's width units (a portrait page)


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


def lay_out(worksheet: Any, table: SheetTable, header: int, widest: int = MAX_WIDTH) -> None:
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


def lay_out_cover(worksheet: Any, title: str, lines: Mapping[str, Sequence[str]]) -> None:
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
