"""Make ``templates/report/reference.docx``, the Word document every ``report.docx`` is written into.

    .venv/bin/python benchmarks/word_reference.py [OUT]

It starts from python-docx's default document and sets the page and every style the report uses
(``peerimpact.builder.word_template.STYLES``) to look like the PDF
(``templates/report/report.typ``): A4 with its margins (18 mm at the top, 16 at the sides, 20 at
the bottom), its text at 9.5 point in its colours, its headings, captions, notes, quotes, tables
and boxes. DejaVu Sans, the PDF's font, is on few Windows or Mac machines; Verdana, drawn to the
same brief, is on all of them, and Linux shows it as DejaVu Sans. Its text is a sample of each
style, for whoever makes their own template from it; a report keeps its styles and page setup,
never its text. The file is the same each time: its parts are stored in a fixed order with a fixed
date.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from peerimpact.builder.word_markup import Lists, list_item  # noqa: E402
from peerimpact.builder.word_template import STYLES  # noqa: E402

OUT = ROOT / "templates" / "report" / "reference.docx"

INK, MUTED, RULE, ACCENT, WARN, FILL = "1D2430", "5B6472", "C9CED6", "2F5D8A", "A4262C", "F3F6FA"
FONT = "Verdana"
WIDTH = 11906 - 2 * 907  # twips between the margins of A4 with 16 mm sides


def rpr(size: float, *, color: str = INK, bold: bool = False, italic: bool = False) -> str:
    """Run properties: ``size`` in points."""
    half = round(size * 2)
    return (
        "<w:rPr>"
        + ("<w:b/><w:bCs/>" if bold else '<w:b w:val="0"/><w:bCs w:val="0"/>')
        + ("<w:i/><w:iCs/>" if italic else '<w:i w:val="0"/><w:iCs w:val="0"/>')
        + f'<w:color w:val="{color}"/><w:sz w:val="{half}"/><w:szCs w:val="{half}"/></w:rPr>'
    )


def ppr(*, before: int = 0, after: int = 120, line: int = 264, extra: str = "", keep: bool = False) -> str:
    """Paragraph properties: spacing in twentieths of a point, ``line`` in 240ths of a line."""
    keeps = "<w:keepNext/><w:keepLines/>" if keep else ""
    spacing = f'<w:spacing w:before="{before}" w:after="{after}" w:line="{line}" w:lineRule="auto"/>'
    # the schema's order: keepNext, keepLines, pBdr, shd, tabs, spacing, ind, contextualSpacing, jc, outlineLvl
    head, _, tail = extra.partition("|")
    return f"<w:pPr>{keeps}{head}{spacing}{tail}</w:pPr>"


def paragraph_style(
    style_id: str, name: str, based: str | None, pr: str, run: str, *, next_: str | None = None, custom: bool = False
) -> str:
    return (
        f'<w:style {nsdecls("w")} w:type="paragraph" w:styleId="{style_id}"'
        + (' w:customStyle="1"' if custom else "")
        + (' w:default="1"' if style_id == "Normal" else "")
        + f'><w:name w:val="{name}"/>'
        + (f'<w:basedOn w:val="{based}"/>' if based else "")
        + (f'<w:next w:val="{next_}"/>' if next_ else "")
        + f"<w:qFormat/>{pr}{run}</w:style>"
    )


def border(side: str, eighths: int, color: str, space: int = 0) -> str:
    return f'<w:{side} w:val="single" w:sz="{eighths}" w:space="{space}" w:color="{color}"/>'


def table_style(style_id: str, name: str, tbl: str, cell: str = "", conditional: str = "") -> str:
    return (
        f'<w:style {nsdecls("w")} w:type="table" w:customStyle="1" w:styleId="{style_id}">'
        f'<w:name w:val="{name}"/><w:basedOn w:val="TableNormal"/><w:qFormat/>'
        '<w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
        f"<w:tblPr>{tbl}</w:tblPr>{cell}{conditional}</w:style>"
    )


def cell_margins(top: int, side: int) -> str:
    """A cell's margins, and the table's indent that keeps its border at the page's margin."""
    return (
        f'<w:tblInd w:w="{side}" w:type="dxa"/><w:tblCellMar><w:top w:w="{top}" w:type="dxa"/><w:left w:w="{side}" w:type="dxa"/>'
        f'<w:bottom w:w="{top}" w:type="dxa"/><w:right w:w="{side}" w:type="dxa"/></w:tblCellMar>'
    )


#: every style of ``peerimpact.builder.word_template.STYLES``, as the PDF draws what it is used for
DEFINITIONS = [
    paragraph_style("Normal", "Normal", None, ppr(), rpr(9.5)),
    paragraph_style(
        "Title", "Title", "Normal", ppr(after=60, line=240, extra="|<w:contextualSpacing/>"), rpr(18, bold=True)
    ),
    paragraph_style("Subtitle", "Subtitle", "Normal", ppr(after=120), rpr(11.5, color=ACCENT)),
    *(
        paragraph_style(
            f"Heading{level}",
            f"heading {level}",
            "Normal",
            ppr(
                before=before,
                after=after,
                keep=True,
                extra=(f"<w:pBdr>{border('bottom', 4, RULE, 3)}</w:pBdr>" if level == 1 else "")
                + f'|<w:outlineLvl w:val="{level - 1}"/>',
            ),
            rpr(size, bold=True, italic=level == 4),
            next_="Normal",
        )
        for level, size, before, after in ((1, 13, 360, 140), (2, 11, 240, 100), (3, 10, 200, 80), (4, 9.5, 160, 60))
    ),
    paragraph_style("TitleBlock", "Title Block", "Normal", ppr(after=50), rpr(8.5), custom=True),
    paragraph_style(
        "TOCHeading", "TOC Heading", "Normal", ppr(before=240, after=100, keep=True), rpr(11, bold=True), next_="TOC1"
    ),
    paragraph_style("TOC1", "toc 1", "Normal", ppr(after=40), rpr(9.5), next_="Normal"),
    paragraph_style("Caption", "caption", "Normal", ppr(before=160, after=100, line=240), rpr(9), next_="Normal"),
    paragraph_style("Note", "Note", "Normal", ppr(before=40, after=80, line=240), rpr(8, color=MUTED), custom=True),
    paragraph_style(
        "Quote",
        "Quote",
        "Normal",
        ppr(before=120, after=40, extra='|<w:ind w:left="454" w:right="454"/>'),
        rpr(9.5, italic=True),
        next_="QuoteSource",
    ),
    paragraph_style(
        "QuoteSource",
        "Quote Source",
        "Note",
        ppr(before=0, after=120, line=240, extra='|<w:ind w:left="454" w:right="454"/><w:jc w:val="right"/>'),
        rpr(8, color=MUTED),
        next_="Normal",
        custom=True,
    ),
    paragraph_style("ListBullet", "List Bullet", "Normal", ppr(after=60, extra="|<w:contextualSpacing/>"), rpr(9.5)),
    paragraph_style("ListNumber", "List Number", "Normal", ppr(after=60, extra="|<w:contextualSpacing/>"), rpr(9.5)),
    paragraph_style("TableText", "Table Text", "Normal", ppr(after=0, line=240), rpr(8), custom=True),
    paragraph_style(
        "TableHeading", "Table Heading", "TableText", ppr(after=0, line=240), rpr(8, bold=True), custom=True
    ),
    paragraph_style("BoxTitle", "Box Title", "Normal", ppr(after=80, keep=True), rpr(9.5, bold=True), custom=True),
    # the running heads: a centre and a right tab stop across the text's width
    *(
        paragraph_style(
            style_id,
            name,
            "Normal",
            ppr(
                after=0,
                line=240,
                extra=f'<w:tabs><w:tab w:val="center" w:pos="{WIDTH // 2}"/><w:tab w:val="right" w:pos="{WIDTH}"/></w:tabs>|',
            ),
            rpr(8.5, color=MUTED),
        )
        for style_id, name in (("Header", "header"), ("Footer", "footer"))
    ),
    paragraph_style(
        "InternalBanner",
        "Internal Banner",
        "Header",
        ppr(after=40, line=240, extra='|<w:jc w:val="center"/>'),
        rpr(8.5, color=WARN, bold=True),
        custom=True,
    ),
    # a table as the PDF draws one: a rule above, one below the header row, one below the last row
    table_style(
        "ReportTable",
        "Report Table",
        "<w:tblBorders>" + border("top", 8, INK) + border("bottom", 8, INK) + "</w:tblBorders>" + cell_margins(50, 80),
        conditional=(
            '<w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr><w:tblPr/><w:trPr><w:tblHeader/></w:trPr>'
            f"<w:tcPr><w:tcBorders>{border('bottom', 5, INK)}</w:tcBorders></w:tcPr></w:tblStylePr>"
        ),
    ),
    # the alerts and the team's commentary: a box with a border in the accent colour, lightly filled
    table_style(
        "ReportBox",
        "Report Box",
        "<w:tblBorders>"
        + "".join(border(side, 6, ACCENT) for side in ("top", "left", "bottom", "right"))
        + "</w:tblBorders>"
        + cell_margins(140, 160),
        cell=f'<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{FILL}"/></w:tcPr>',
    ),
]

DEFAULTS = (
    f"<w:docDefaults {nsdecls('w')}><w:rPrDefault><w:rPr>"
    f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>'
    '<w:sz w:val="19"/><w:szCs w:val="19"/><w:lang w:val="en-GB" w:eastAsia="en-GB" w:bidi="ar-SA"/>'
    '</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="264" w:lineRule="auto"/>'
    "</w:pPr></w:pPrDefault></w:docDefaults>"
)

#: the default document's table styles other than these, unused and in the way in Word's gallery
KEEP_TABLE_STYLES = {"Normal Table", "Table Grid"}


def restyle(word) -> None:
    styles = word.styles.element
    styles.replace(styles.find(qn("w:docDefaults")), parse_xml(DEFAULTS))
    for element in styles.findall(qn("w:style")):
        name = element.find(qn("w:name")).get(qn("w:val"))
        if element.get(qn("w:type")) == "table" and name not in KEEP_TABLE_STYLES:
            styles.remove(element)
    for xml in DEFINITIONS:
        new = parse_xml(xml)
        old = styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='{new.get(qn('w:styleId'))}']")
        if old is not None:
            styles.replace(old, new)
        else:
            styles.append(new)
    for element in styles.findall(qn("w:style")):  # the theme's fonts would win over the defaults'
        for fonts in element.iter(qn("w:rFonts")):
            fonts.getparent().remove(fonts)
    missing = [name for name in STYLES if name not in {s.name for s in word.styles}]
    assert not missing, missing


def page(word) -> None:
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(18), Mm(20)
    section.left_margin = section.right_margin = Mm(16)
    section.header_distance, section.footer_distance = Mm(7), Mm(9)


def sample(word) -> None:
    """A paragraph in each style, so that a template made from this file shows what it changes."""
    lists = Lists(word)
    word.add_paragraph("Study name (Title Block)", style="Title Block")
    word.add_paragraph("Report title (Title)", style="Title")
    word.add_paragraph("Scope (Subtitle)", style="Subtitle")
    fact = word.add_paragraph(style="Title Block")
    fact.add_run("Data cut: ").bold = True
    fact.add_run("2021-03-31 (Title Block)")
    word.add_paragraph("Contents (TOC Heading)", style="TOC Heading")
    word.add_paragraph("Key messages (TOC 1)", style="toc 1")
    word.add_paragraph("Section (Heading 1)", style="Heading 1")
    word.add_paragraph(
        "Body text (Normal). The report's own text, its sentences and the team's commentary are in this style."
    )
    number = lists.new(False)
    for item in ("A list (List Bullet)", "Its second item"):
        list_item(word, "List Bullet", number).add_run(item)
    number = lists.new(True)
    for item in ("A numbered list (List Number)", "Its second item"):
        list_item(word, "List Number", number).add_run(item)
    word.add_paragraph("Below a section (Heading 2)", style="Heading 2")
    word.add_paragraph("Below that (Heading 3)", style="Heading 3")
    word.add_paragraph("And below that (Heading 4)", style="Heading 4")
    word.add_paragraph("Table 1. A table's caption (Caption)", style="Caption").runs[0].bold = True
    table = word.add_table(rows=3, cols=3)
    table.style = "Report Table"
    for i, row in enumerate(
        [("Column (Table Heading)", "n", "%"), ("Row (Table Text)", "20", "40.0"), ("Row", "30", "60.0")]
    ):
        for cell, text in zip(table.rows[i].cells, row):
            cell.paragraphs[0].style = "Table Heading" if i == 0 else "Table Text"
            cell.paragraphs[0].add_run(text)
    word.add_paragraph("A table's or a figure's note, and a withheld figure's sentence (Note).", style="Note")
    word.add_paragraph("“A participant's words (Quote).”", style="Quote")
    word.add_paragraph("— S1-PW01-T2 (Quote Source)", style="Quote Source")
    box = word.add_table(rows=1, cols=1)
    box.style = "Report Box"
    cell = box.cell(0, 0)
    cell.paragraphs[0].style = "Box Title"
    cell.paragraphs[0].add_run("Commentary from the study team (Box Title, in a Report Box table)")
    cell.add_paragraph("The alerts and the team's commentary are boxed.")
    word.add_paragraph()
    header = word.sections[0].header
    header.is_linked_to_previous = False
    header.paragraphs[0].style = "Internal Banner"
    header.paragraphs[0].add_run("Internal — not for distribution (Internal Banner)")
    header.add_paragraph("Report title (Header)\tScope", style="Header")
    footer = word.sections[0].footer
    footer.is_linked_to_previous = False
    footer.paragraphs[0].style = "Footer"
    footer.paragraphs[0].add_run("\tPage 1 of 1 (Footer)")


def drop_extras(word) -> None:
    """Parts of python-docx's default document a template does without: a thumbnail, Word 2010's
    copy of the styles, custom XML."""
    package, part = word.part.package, word.part
    for rel_id, rel in list(part.rels.items()):
        if rel.reltype.endswith(("/stylesWithEffects", "/customXml")):
            part.drop_rel(rel_id)
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package.rels.pop(rel_id)


def properties(word) -> None:
    import datetime as dt

    core = word.core_properties
    core.title, core.subject, core.author, core.last_modified_by = "peerimpact report", "", "peerimpact", "peerimpact"
    core.comments = "The styles and page setup of every report.docx; see benchmarks/word_reference.py"
    core.keywords, core.category, core.revision = "", "", 1
    core.created = core.modified = dt.datetime(2024, 1, 1)


def steady(data: bytes) -> bytes:
    """The same zip with every part dated alike, so that the same styles make the same file."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(
                zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), source.read(info), zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


def make_reference() -> bytes:
    word = Document()
    page(word)
    restyle(word)
    drop_extras(word)
    properties(word)
    sample(word)
    buffer = io.BytesIO()
    word.save(buffer)
    return steady(buffer.getvalue())


def main(argv: list[str]) -> None:
    target = Path(argv[0]) if argv else OUT
    target.write_bytes(make_reference())
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
