"""What a report's Word document holds besides its sections' records: its properties, the header
(the internal banner, then the title, and the scope at the right) and footer ("Page N of M" in
Word fields) of every page, the title block and the table of contents (a Word field over the
sections' headings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .word_markup import element, field, field_end, field_start, text_run
from .word_template import text_width

INTERNAL = "Internal — not for distribution"


def title_block(word, report: Mapping[str, Any]) -> None:
    """The study's name, the report's title and scope, and the facts of the title page."""
    word.add_paragraph(report.get("study_name") or "", style="Title Block")
    word.add_paragraph(report.get("title") or "", style="Title")
    word.add_paragraph(report.get("scope_label") or "", style="Subtitle")
    facts = [
        *report.get("facts", ()),
        ("Data cut", report.get("data_cut") or "not stated"),
        ("Built", report.get("built_at")),
        ("peerimpact", report.get("version")),
        (
            "Disclosure",
            f"none: every figure as computed, for the study team only. {INTERNAL}."
            if report.get("internal")
            else f"{report.get('disclosure_statement')}. A * marks a figure not shown; each table with one says why "
            "beneath it.",
        ),
    ]
    if report.get("notice"):  # what a small site's report shows instead, said once as on the first page
        facts.insert(0, ("About this report", report.get("notice")))
    for label, value in facts:
        paragraph = word.add_paragraph(style="Title Block")
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(str(value))


def contents(word, titles: list[str]) -> list[str]:
    """A table of contents: Word's TOC field over the Heading 1 paragraphs. Until Word updates it
    (right-click, Update Field), which adds the pages, it shows each section's title linked to its
    heading (LibreOffice shows the same, and computes no page inside a TOC field). Returns the
    bookmark each heading is to carry."""
    if not titles:
        return []
    word.add_paragraph("Contents", style="TOC Heading")
    marks = [f"_Toc_pi_{i}" for i in range(1, len(titles) + 1)]
    for i, (title, mark) in enumerate(zip(titles, marks)):
        p = word.add_paragraph(style="toc 1")._p
        if i == 0:  # the one field holds every entry
            field_start(p, 'TOC \\o "1-1" \\h \\z \\u')
        link = element("w:hyperlink", anchor=mark, history="1")
        link.append(text_run(title))
        p.append(link)
        if i == len(titles) - 1:
            field_end(p)
    return marks


def _tabs(paragraph, *stops: tuple[float, Any]) -> None:
    """``paragraph``'s tab stops: ``stops`` (inches, alignment) in place of its style's."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Inches

    tabs = paragraph.paragraph_format.tab_stops
    style = paragraph.style
    while style is not None:
        for stop in style.paragraph_format.tab_stops:
            tabs.add_tab_stop(stop.position, WD_TAB_ALIGNMENT.CLEAR)
        style = style.base_style
    for inches, alignment in stops:
        tabs.add_tab_stop(Inches(inches), alignment)


def running_heads(word, report: Mapping[str, Any]) -> None:
    """The header (the internal banner, then the title, and the scope at the right) and the footer
    ("Page N of M") of every page."""
    from docx.enum.text import WD_TAB_ALIGNMENT

    section = word.sections[0]
    width = text_width(word)
    header = section.header
    header.is_linked_to_previous = False
    first = header.paragraphs[0]
    if report.get("internal"):
        first.style = "Internal Banner"
        first.add_run(INTERNAL)
        line = header.add_paragraph(style="Header")
    else:
        line = first
        line.style = "Header"
    _tabs(line, (width, WD_TAB_ALIGNMENT.RIGHT))
    line.add_run(report.get("title") or "")
    line.add_run("\t" + (report.get("scope_label") or ""))
    footer = section.footer
    footer.is_linked_to_previous = False
    page = footer.paragraphs[0]
    page.style = "Footer"
    _tabs(page, (width / 2, WD_TAB_ALIGNMENT.CENTER))
    page.add_run("\tPage ")
    field(page._p, "PAGE", "1")
    page.add_run(" of ")
    field(page._p, "NUMPAGES", "1")


def core_properties(word, report: Mapping[str, Any]) -> None:
    """The document's properties: what it is and when it was built (none of the template's)."""
    import datetime as dt

    properties = word.core_properties
    properties.title = f"{report.get('title')} — {report.get('scope_label')}"
    properties.subject = report.get("study_name") or ""
    properties.author = properties.last_modified_by = f"peerimpact {report.get('version')}"
    properties.comments = properties.keywords = properties.category = ""
    properties.revision = 1
    try:
        built = dt.datetime.fromisoformat(str(report.get("built_at")))
    except ValueError:
        built = dt.datetime.now(dt.UTC)
    properties.created = properties.modified = built
