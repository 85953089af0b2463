"""The Word document a report is written into: the reference document,
``templates/report/reference.docx`` (made by ``benchmarks/word_reference.py``), or a study's own
(``study.yml``: ``word_template``), checked before a build and opened with its text removed.

Its styles and its page setup are kept, its text is not. Every paragraph names a style of
:data:`STYLES`; a template without one of them gets the reference's, so a template need only
define what it changes. The page is the template's first section's size and margins (the
reference's are the PDF's: A4, 18 mm at the top, 16 at the sides, 20 at the bottom), in one
section whose header and footer the report writes afresh (``builder/word_page.py``).
"""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path

from ..resources import templates_dir

MB = 1024 * 1024
TEMPLATE_MAX_BYTES = 20 * MB  # a template with its logos; larger is not a template

#: every style the document is written in, by its name in Word, and its type
STYLES: dict[str, str] = {
    **dict.fromkeys(
        (
            "Normal",
            "Title",
            "Subtitle",
            "Heading 1",
            "Heading 2",
            "Heading 3",
            "Heading 4",
            "Title Block",
            "TOC Heading",
            "toc 1",  # Word's own name for the first level of a table of contents
            "Caption",
            "Note",
            "Quote",
            "Quote Source",
            "List Bullet",
            "List Number",
            "Table Heading",
            "Table Text",
            "Box Title",
            "Header",
            "Footer",
            "Internal Banner",
        ),
        "paragraph",
    ),
    "Report Table": "table",
    "Report Box": "table",
}


def reference_path() -> Path:
    """The reference document the report is written into when the study names none."""
    return templates_dir() / "report" / "reference.docx"


def template_problem(data: bytes) -> str | None:
    """Why ``data`` cannot be a report's Word template, or None: it must be a Word document (not a
    macro-enabled one or a .dotx template) within the limits, whose styles of :data:`STYLES` are of
    the type the report uses them as."""
    from docx import Document

    if len(data) > TEMPLATE_MAX_BYTES:
        return f"larger than {TEMPLATE_MAX_BYTES // MB} MB; a Word template is styles and a page setup"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(m.file_size for m in archive.infolist())
        if total > 8 * TEMPLATE_MAX_BYTES:
            return f"unpacks to {total // MB:,} MB; a Word template is styles and a page setup"
        word = Document(io.BytesIO(data))
    except zipfile.BadZipFile:
        return "not a Word document (.docx): it is not a zip archive"
    except Exception as exc:  # python-docx says what it is instead: a .dotx, a .docm, a workbook…
        return f"not a Word document (.docx) python-docx can open ({exc}); save it in Word as a Word Document"
    wrong = [
        f"{name!r} is a {_kind(style)} style, used as a {kind} style"
        for name, kind in STYLES.items()
        if (style := _style(word, name)) is not None and _kind(style) != kind
    ]
    return "; ".join(wrong) + "; rename or remove those styles" if wrong else None


def _kind(style) -> str:
    from docx.enum.style import WD_STYLE_TYPE

    kinds = {
        WD_STYLE_TYPE.PARAGRAPH: "paragraph",
        WD_STYLE_TYPE.TABLE: "table",
        WD_STYLE_TYPE.CHARACTER: "character",
        WD_STYLE_TYPE.LIST: "numbering",
    }
    return kinds.get(style.type, "other")


def _style(word, name: str):
    """The style ``name`` (as Word shows it: ``Heading 1``) of ``word``, or None."""
    try:
        return word.styles[name]
    except KeyError:
        return None


def open_word(template: bytes | None = None):
    """A document to write the report in: ``template`` (a study's own, checked by
    :func:`template_problem`) with the styles it lacks taken from the reference, or the reference;
    its text removed, its first section's page setup kept as the only section's."""
    from docx import Document

    reference = Document(str(reference_path()))
    word = reference if template is None else Document(io.BytesIO(template))
    if template is not None:
        _take_styles(word, reference)
    _only_setup(word)
    return word


def _take_styles(word, reference) -> None:
    """Copy into ``word`` each style of :data:`STYLES` it lacks, from ``reference``, with the styles
    a copied one is based on when ``word`` lacks those too."""
    from docx.oxml.ns import qn

    styles = word.styles.element
    ids = {s.get(qn("w:styleId")) for s in styles.findall(qn("w:style"))}
    by_id = {s.get(qn("w:styleId")): s for s in reference.styles.element.findall(qn("w:style"))}
    taken: dict[str, str] = {}  # the reference's styleId → the one it has in word

    def take(ref_id: str) -> str:
        if ref_id in taken:
            return taken[ref_id]
        element = by_id[ref_id]
        name = element.find(qn("w:name")).get(qn("w:val"))
        own = word.styles.element.get_by_name(name)
        if own is not None:
            taken[ref_id] = own.get(qn("w:styleId"))
            return taken[ref_id]
        new = copy.deepcopy(element)
        new_id, n = ref_id, 1
        while new_id in ids:  # the template gave this id to a style of another name
            new_id, n = f"{ref_id}{n}", n + 1
        new.set(qn("w:styleId"), new_id)
        new.attrib.pop(qn("w:default"), None)
        ids.add(new_id)
        taken[ref_id] = new_id
        for link in new.findall(qn("w:link")):  # a linked character style is Word's convenience only
            new.remove(link)
        for tag in ("w:basedOn", "w:next"):
            found = new.find(qn(tag))
            if found is not None:
                target = found.get(qn("w:val"))
                if target in by_id:
                    found.set(qn("w:val"), take(target))
                else:
                    new.remove(found)
        styles.append(new)
        return new_id

    for name in STYLES:
        if _style(word, name) is None:
            element = reference.styles.element.get_by_name(_internal(name))
            take(element.get(qn("w:styleId")))


def _internal(name: str) -> str:
    from docx.styles import BabelFish

    return BabelFish.ui2internal(name)


def _only_setup(word) -> None:
    """Remove the document's text, keeping its first section's page size, orientation and margins as
    the page setup of its one section (A4 with the PDF's margins where it has none), whose header
    and footer are written afresh, the same on every page."""
    from docx.oxml.ns import qn
    from docx.shared import Mm

    body = word.element.body
    last = body.find(qn("w:sectPr"))
    first = body.find(".//" + qn("w:sectPr"))
    if last is None:
        last = body._add_sectPr()
    elif first is not last:
        for tag in ("w:pgSz", "w:pgMar"):
            old, new = last.find(qn(tag)), first.find(qn(tag))
            if new is not None and old is not None:
                last.replace(old, copy.deepcopy(new))
    for child in list(body):
        if child is not last:
            body.remove(child)
    for tag in ("w:titlePg", "w:cols"):  # one header on every page; one column of text
        for found in last.findall(qn(tag)):
            last.remove(found)
    section = word.sections[0]
    if not section.page_width or not section.page_height:
        section.page_width, section.page_height = Mm(210), Mm(297)
    if section.top_margin is None or section.left_margin is None:
        section.top_margin, section.bottom_margin = Mm(18), Mm(20)
        section.left_margin = section.right_margin = Mm(16)
    for part in (
        section.header,
        section.footer,
        section.first_page_header,
        section.first_page_footer,
        section.even_page_header,
        section.even_page_footer,
    ):
        part.is_linked_to_previous = True  # the template's header and footer give way to the report's
    word.settings.odd_and_even_pages_header_footer = False


def text_width(word) -> float:
    """Inches between the margins of the document's page."""
    section = word.sections[0]
    return (section.page_width - section.left_margin - section.right_margin) / 914400


def text_height(word) -> float:
    """Inches between the top and bottom margins of the document's page."""
    section = word.sections[0]
    return (section.page_height - section.top_margin - section.bottom_margin) / 914400
