"""Records as HTML: the markup of each kind of released record, for the HTML report (through
its nbconvert template) and for a block shown in JupyterLab.

Every text is escaped here; the one exception is a figure's SVG, which the figure's own drawing
made (:func:`peerimpact.report.plots.to_figure` escapes the text it puts in it).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from ..registry import Registry
from .records import Cell, FigureRecord, ProseRecord, QuotesRecord, Record, TableRecord, TextRecord

DASH = "–"  # what a table shows for a missing value


def cell_html(value: Cell) -> str:
    """A display cell as escaped HTML: missing is a dash, each line break a ``<br>``."""
    if value is None:
        return DASH
    return "<br>".join(html.escape(line) for line in str(value).split("\n"))


def strong(text: str) -> str:
    """Escaped HTML of a caption, its ``**bold**`` parts in bold."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text))


def _notes(notes: tuple[str, ...] | list[str]) -> str:
    return "".join(f'<p class="pi-note">{html.escape(n)}</p>' for n in notes)


def table_html(record: TableRecord) -> str:
    name = html.escape(record.name)
    caption = f'<figcaption id="table-{name}-caption">{html.escape(record.caption)}</figcaption>'
    if record.withheld:
        return (
            f'<figure class="pi-table-figure" id="table-{name}">{caption}'
            f'<p class="pi-withheld">{html.escape(record.withheld)}</p>{_notes(record.notes)}</figure>'
        )
    head = "".join(f'<th scope="col">{cell_html(c)}</th>' for c in record.columns)
    body = []
    for values in record.rows:
        cells = []
        for column, value in zip(record.columns, values):
            text = cell_html(value)
            header = column in record.row_headers and text
            cells.append(f'<th scope="row">{text}</th>' if header else f"<td>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    # A narrow window scrolls a wide table inside its own region, not the page (WCAG 1.4.10 exempts
    # data tables from reflow): the region takes the keyboard's focus and is named by the caption.
    return (
        f'<figure class="pi-table-figure" id="table-{name}">{caption}'
        f'<div aria-labelledby="table-{name}-caption" class="pi-table-scroll" role="region" tabindex="0">'
        f'<table class="pi-table pi-{name}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{_notes(record.notes)}</figure>"
    )


def figure_html(record: FigureRecord) -> str:
    label = record.label
    if record.withheld:
        said = record.withheld.replace("This figure", label, 1) if label else record.withheld
        return f'<p class="pi-withheld">{html.escape(said)}</p>'
    note = f'<p class="pi-note">{html.escape(record.note)}</p>' if record.note else ""
    name = html.escape(record.name)
    if record.message is not None:  # nothing to draw: the sentence says which figure and why
        said = f"{label}: {record.message}" if label else record.message
        return f'<p class="pi-withheld" id="figure-{name}">{html.escape(said)}</p>' + note
    caption = f'<p class="pi-caption">{strong(record.caption)}</p>' if record.caption else ""
    return f'<div class="pi-figure" id="figure-{name}">{record.svg}</div>' + caption + note


def quotes_html(record: QuotesRecord) -> str:
    parts = [f'<div class="pi-quotes"><h2 class="pi-quotes-title">{html.escape(record.title)}</h2>']
    for theme, quotes in record.themes:
        parts.append(f"<h3>{html.escape(theme)}</h3>")
        for quote in quotes:
            parts.append(
                f'<blockquote class="pi-quote"><p>“{html.escape(quote.text)}”</p>'
                f"<cite>{html.escape(quote.label)}</cite></blockquote>"
            )
    if not record.themes and not record.note:
        parts.append("<p>No excerpts in this report.</p>")
    if record.note:
        parts.append(f'<p class="pi-note">{html.escape(record.note)}</p>')
    parts.append("</div>")
    return "".join(parts)


def box_html(record: TextRecord) -> str:
    """A boxed block as a note set apart; its sentences are ``- `` lines or paragraphs."""
    lines = [line for line in record.text.splitlines() if line.strip()]
    items = record.items
    body = (
        ("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")
        if items
        else "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    )
    title = f'<p class="pi-box-title"><strong>{html.escape(record.title)}</strong></p>' if record.title else ""
    return f'<aside class="pi-box pi-box-{html.escape(record.box)}" role="note">{title}{body}</aside>'


COMMENTARY_TITLE = "Commentary from the study team"


def commentary_html(record: ProseRecord) -> str:
    """The study team's filled commentary: Markdown with any raw HTML escaped, in a box headed as
    the team's own words."""
    import mistune

    body = mistune.create_markdown(escape=True)(record.source)
    return (
        f'<aside class="pi-box pi-box-commentary" role="note"><p class="pi-box-title"><strong>'
        f"{html.escape(COMMENTARY_TITLE)}</strong></p>{body}</aside>"
    )


#: record kind → its HTML; a section's prose and unboxed sentences are Markdown, which the
#: report's template renders (:func:`markdown_of` says which)
RENDERERS: Registry[Callable[..., str]] = Registry("HTML renderer")
RENDERERS.register("table", table_html)
RENDERERS.register("figure", figure_html)
RENDERERS.register("quotes", quotes_html)
RENDERERS.register("text", box_html)
RENDERERS.register("prose", commentary_html)


def markdown_of(record: Record) -> str | None:
    """The Markdown a record is shown as (a section's own text, unboxed sentences), or ``None``."""
    if isinstance(record, ProseRecord) and record.role == "section":
        return record.source
    if isinstance(record, TextRecord) and not record.box:
        return record.text
    return None


def record_html(record: Record) -> str:
    """A record's HTML, for a record :func:`markdown_of` does not give as Markdown."""
    return RENDERERS[record.kind](record)
