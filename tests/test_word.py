"""report.docx as a reader opens it: an A4 page with the PDF's margins, a header and footer on every
page, tables whose header row repeats, pictures with their alternative text, headings in Word's
heading styles; a study's own Word template; a template study.yml cannot use. Written from a
hand-made document, so no kernel runs."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path
from types import SimpleNamespace

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Mm, RGBColor
from PIL import Image

from peerimpact import load_study
from peerimpact.builder.cache import cache_key, hashes_for
from peerimpact.builder.document import ReportDocument, Section
from peerimpact.builder.inputs import _named_outside
from peerimpact.builder.params import word_template
from peerimpact.builder.word import write_docx
from peerimpact.builder.word_page import INTERNAL
from peerimpact.builder.word_template import STYLES, reference_path, template_problem
from peerimpact.ingest.study import InvalidStudy
from peerimpact.problems import Problems
from peerimpact.report.records import FigureRecord, ProseRecord, Quote, QuotesRecord, TableRecord, TextRecord

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ALT = "Flow of participants: 3 consented, 3 returned T1; 2 returned T2."
ROOT = Path(__file__).resolve().parents[1]


def title_block(internal: bool) -> dict:
    return {
        "title": "Impact of working as a peer worker — site report",
        "scope_label": "Site S7",
        "study_name": "Example peer worker study",
        "data_cut": "2021-03-31",
        "version": "0.1.0",
        "report_id": "site-S7",
        "disclosure": "study_team" if internal else "site_lead",
        "disclosure_statement": "every figure as computed" if internal else "Written for a site lead",
        "internal": internal,
        "facts": [],
        "notice": "",
        "built_at": "2024-01-01T00:00:00+00:00",
    }


def report(internal: bool = False) -> ReportDocument:
    rows = tuple((f"S{i}", str(i), "first line\nsecond line") for i in range(60))  # more than a page
    return ReportDocument(
        title_block(internal),
        (
            Section(
                "section-00_key_messages",
                "Key messages",
                (
                    ProseRecord("# Key messages\n\nWhat the figures say.\n\n## What changed\n\nA little."),
                    TextRecord(
                        "alerts", "- S7's log stops.\n- A questionnaire is overdue.", box="alerts", title="Alerts"
                    ),
                    TextRecord("messages", "- Recruitment: 3 consented.\n- Retention: 2 returned T2."),
                    ProseRecord("Our **own** words.", role="commentary"),
                ),
            ),
            Section(
                "section-01_sample",
                "Sample",
                (
                    ProseRecord("# Sample\n\nWho took part.\n\n1. first\n2. second"),
                    TableRecord("sample", "Table 1. Sample", ("Site", "n", "Note"), rows, notes=("A note.",)),
                    TableRecord("hidden", "Table 2. Hidden", ("a",), (), withheld="Every figure is withheld."),
                    FigureRecord("flow", "x.flow", alt=ALT, caption="**Figure 1.** Flow.", png="figures/flow.png"),
                    QuotesRecord("quotes", "Illustrative quotes", (("Feeling valued", (Quote("Words.", "S1-PW01"),)),)),
                ),
            ),
        ),
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "figures").mkdir()
    Image.new("RGB", (600, 300), "white").save(tmp_path / "figures" / "flow.png", dpi=(150, 150))
    return tmp_path


def written(folder: Path, internal: bool = False, template: bytes | None = None):
    return docx.Document(str(write_docx(report(internal), folder, template)))


def text_of(part) -> str:
    return "\n".join(p.text for p in part.paragraphs)


def test_the_page_is_a4_with_the_pdfs_margins(folder):
    section = written(folder).sections[0]
    twip = 635  # EMU
    for got, want in (
        (section.page_width, Mm(210)),
        (section.page_height, Mm(297)),
        (section.top_margin, Mm(18)),
        (section.bottom_margin, Mm(20)),
        (section.left_margin, Mm(16)),
        (section.right_margin, Mm(16)),
    ):
        assert abs(got - want) <= twip, (got, want)
    size, margins = section._sectPr.find(f"{W}pgSz"), section._sectPr.find(f"{W}pgMar")
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == ("11906", "16838")  # twips
    assert [margins.get(f"{W}{side}") for side in ("top", "right", "bottom", "left")] == ["1020", "907", "1134", "907"]


def test_the_header_names_the_report_and_scope_under_the_banner_of_an_internal_report(folder):
    shared = written(folder).sections[0]
    assert "Site S7" in text_of(shared.header) and "site report" in text_of(shared.header)
    assert INTERNAL not in text_of(shared.header)
    internal = written(folder, internal=True)
    section = internal.sections[0]
    assert text_of(section.header).splitlines()[0] == INTERNAL
    assert "Site S7" in text_of(section.header)
    assert section.header.paragraphs[0].style.name == "Internal Banner"
    # on every page: one header, not a first page's or even pages' of its own
    assert not section.different_first_page_header_footer
    assert not internal.settings.odd_and_even_pages_header_footer
    assert [r.get(f"{W}type") for r in section._sectPr.findall(f"{W}headerReference")] == ["default"]


def test_the_footer_counts_pages_in_word_fields(folder):
    footer = written(folder).sections[0].footer
    instructions = [t.text.strip() for t in footer._element.iter(f"{W}instrText")]
    assert instructions == ["PAGE", "NUMPAGES"]
    kinds = [c.get(f"{W}fldCharType") for c in footer._element.iter(f"{W}fldChar")]
    assert kinds == ["begin", "separate", "end"] * 2
    assert text_of(footer).strip() == "Page 1 of 1"  # what shows until the fields are computed


def test_a_tables_header_row_repeats_and_no_row_breaks_across_pages(folder):
    word = written(folder)
    [table] = [t for t in word.tables if t.style.name == "Report Table"]
    rows = table._tbl.findall(f"{W}tr")
    assert len(rows) == 61
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    assert all(row.find(f"{W}trPr/{W}tblHeader") is None for row in rows[1:])
    assert all(row.find(f"{W}trPr/{W}cantSplit") is not None for row in rows)
    assert [p.style.name for p in table.rows[0].cells[0].paragraphs] == ["Table Heading"]
    assert [p.style.name for p in table.rows[1].cells[0].paragraphs] == ["Table Text"]
    cell = table.rows[1].cells[2]
    assert cell.text == "first line\nsecond line" and "\\n" not in cell.text
    assert len(cell._tc.findall(f".//{W}br")) == 1  # a line break, not a literal \n
    # the caption stays with its table; the table fills the width between the margins
    captions = [p for p in word.paragraphs if p.text == "Table 1. Sample"]
    assert captions[0].style.name == "Caption" and captions[0].paragraph_format.keep_with_next
    widths = [int(c.get(f"{W}w")) for c in table._tbl.findall(f"{W}tblGrid/{W}gridCol")]
    assert abs(sum(widths) - (11906 - 2 * 907)) <= len(widths)
    assert "Every figure is withheld." in [p.text for p in word.paragraphs if p.style.name == "Note"]


def test_a_picture_carries_its_alternative_text(folder):
    word = written(folder)
    [shape] = word.inline_shapes
    assert shape._inline.docPr.get("descr") == ALT
    assert shape.width <= Mm(178) + 635
    [caption] = [p for p in word.paragraphs if p.text == "Figure 1. Flow."]
    assert caption.style.name == "Caption"


def test_sections_are_heading_1_and_their_headings_heading_2_with_a_table_of_contents(folder):
    word = written(folder)
    styled = [
        (p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Heading") or p.style.name == "Title"
    ]
    assert styled == [
        ("Title", "Impact of working as a peer worker — site report"),
        ("Heading 1", "Key messages"),
        ("Heading 2", "What changed"),
        ("Heading 1", "Sample"),
    ]
    for level in (1, 2):  # what the navigation pane and a table of contents read
        outline = word.styles[f"Heading {level}"].element.find(f"{W}pPr/{W}outlineLvl")
        assert outline.get(f"{W}val") == str(level - 1)
    body = word.element.body
    assert [t.text.strip() for t in body.iter(f"{W}instrText")][0] == 'TOC \\o "1-1" \\h \\z \\u'
    anchors = [h.get(f"{W}anchor") for h in body.iter(f"{W}hyperlink")]
    marks = {b.get(f"{W}name"): b.getparent() for b in body.iter(f"{W}bookmarkStart")}
    assert [marks[a].xpath("string(.)") for a in anchors] == ["Key messages", "Sample"]


def test_lists_boxes_quotes_and_the_title_block_keep_their_styles(folder):
    word = written(folder, internal=True)
    styles = [p.style.name for p in word.paragraphs]
    assert styles.count("List Bullet") == 2 and styles.count("List Number") == 2
    numbered = [p for p in word.paragraphs if p.style.name == "List Number"]
    assert all(p._p.pPr.numPr is not None for p in numbered)
    boxes = [t for t in word.tables if t.style.name == "Report Box"]
    assert [b.rows[0].cells[0].paragraphs[0].text for b in boxes] == ["Alerts", "Commentary from the study team"]
    assert [p.style.name for p in boxes[0].rows[0].cells[0].paragraphs[1:]] == ["List Bullet", "List Bullet"]
    assert "“Words.”" in [p.text for p in word.paragraphs if p.style.name == "Quote"]
    assert "— S1-PW01" in [p.text for p in word.paragraphs if p.style.name == "Quote Source"]
    facts = text_of(word)
    assert (
        "Disclosure: none: every figure as computed, for the study team only. Internal — not for distribution." in facts
    )
    assert word.core_properties.title == "Impact of working as a peer worker — site report — Site S7"


def own_template(tmp_path: Path) -> bytes:
    """A template made in Word's way from python-docx's default document: US Letter, a red Heading 1,
    a paragraph of its own text, and none of the report's own styles (Note, Table Text…)."""
    word = docx.Document()
    heading = word.styles["Heading 1"]
    heading.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    word.add_paragraph("Text of the template, which a report does not keep.")
    word.sections[0].left_margin = Mm(30)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def test_a_studys_own_template_gives_its_styles_and_page_and_lends_the_rest_from_the_reference(folder, tmp_path):
    template = own_template(tmp_path)
    assert template_problem(template) is None
    word = written(folder, template=template)
    assert word.styles["Heading 1"].font.color.rgb == RGBColor(0xC0, 0x00, 0x00)
    assert [p.style.name for p in word.paragraphs if p.text == "Sample"] == ["toc 1", "Heading 1"]
    assert "Text of the template" not in text_of(word)
    section = word.sections[0]
    assert section.page_width == 12240 * 635 and abs(section.left_margin - Mm(30)) <= 635  # the template's page
    for name, kind in STYLES.items():  # what the template lacks comes from the reference
        assert word.styles[name].type == {"paragraph": WD_STYLE_TYPE.PARAGRAPH, "table": WD_STYLE_TYPE.TABLE}[kind]
    assert word.styles["Note"].font.size == docx.Document(str(reference_path())).styles["Note"].font.size
    [table] = [t for t in word.tables if t.style.name == "Report Table"]
    widths = [int(c.get(f"{W}w")) for c in table._tbl.findall(f"{W}tblGrid/{W}gridCol")]
    assert abs(sum(widths) - (12240 - 1701 - 1800)) <= len(widths)  # the width between the template's margins


def test_a_file_word_cannot_use_as_a_template_says_why():
    assert "not a zip archive" in template_problem(b"name,age\n")
    with zipfile.ZipFile(buffer := io.BytesIO(), "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "not a Word document" in template_problem(buffer.getvalue())
    word = docx.Document()
    word.styles.add_style("Note", WD_STYLE_TYPE.CHARACTER)
    saved = io.BytesIO()
    word.save(saved)
    assert template_problem(saved.getvalue()) == (
        "'Note' is a character style, used as a paragraph style; rename or remove those styles"
    )


def test_a_word_template_study_yml_names_is_checked_where_it_is_named(example_copy, tmp_path):
    yml = example_copy / "study.yml"
    text = yml.read_text()
    yml.write_text(text + "word_template: ../elsewhere/ours.docx\n")
    line = len(text.splitlines()) + 1
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "ours.docx").write_bytes(own_template(tmp_path))
    with pytest.raises(InvalidStudy) as refused:
        load_study(example_copy)
    [problem] = refused.value.problems.errors
    assert (problem.line, problem.column, problem.value, problem.rule) == (
        line,
        "word_template",
        "../elsewhere/ours.docx",
        "outside-study",
    )
    assert _named_outside(example_copy) == [(tmp_path / "elsewhere" / "ours.docx").resolve()]  # in the fingerprint

    yml.write_text(text + "word_template: templates/ours.docx\n")
    study = load_study(example_copy)  # a file not there yet is the builder's to report
    problems = Problems()
    assert word_template(study, problems) is None
    [problem] = problems.errors
    assert (Path(problem.file), problem.line, problem.column, problem.value) == (
        yml,
        line,
        "word_template",
        "templates/ours.docx",
    )
    assert "no such file" in problem.message and "Traceback" not in problem.format()
    (example_copy / "templates").mkdir()
    (example_copy / "templates" / "ours.docx").write_text("not a document")
    problems = Problems()
    assert word_template(study, problems) is None
    [problem] = problems.errors
    assert problem.line == line and "not a Word document" in problem.message
    ours = own_template(tmp_path)
    (example_copy / "templates" / "ours.docx").write_bytes(ours)
    problems = Problems()
    assert word_template(study, problems) == ours and not problems


def test_a_change_of_word_template_changes_the_reports_cache_key(tmp_path):
    def key(template: bytes | None) -> str:
        planned = SimpleNamespace(
            sections=[],
            definition=SimpleNamespace(model_dump=lambda mode: {"id": "site"}),
            formats=["docx"],
            scope="S7",
            commentary=(),
            word_template=template,
        )
        return cache_key(hashes_for(planned, {}, "templates", "package"))  # type: ignore[arg-type]

    assert len({key(None), key(b"one"), key(b"two")}) == 3 and key(b"one") == key(b"one")


def test_the_reference_document_is_what_its_script_makes():
    spec = importlib.util.spec_from_file_location("word_reference", ROOT / "benchmarks" / "word_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = zipfile.ZipFile(io.BytesIO(module.make_reference()))
    committed = zipfile.ZipFile(reference_path())
    assert made.namelist() == committed.namelist()
    for name in made.namelist():
        assert made.read(name) == committed.read(name), name


def test_build_reports_a_template_it_cannot_use_at_its_line_before_any_kernel_starts(example_copy, tmp_path, capsys):
    from peerimpact.cli import main

    yml = example_copy / "study.yml"
    yml.write_text(yml.read_text() + "word_template: participants.csv\n")
    code = main(["build", "--study", str(example_copy), "--out", str(tmp_path / "reports"), "--only", "funder"])
    captured = capsys.readouterr()
    line = len(yml.read_text().splitlines())
    assert code == 2 and "Traceback" not in captured.out + captured.err
    assert f"study.yml:{line}: word_template: error: cannot be the reports' Word template: not a Word document" in (
        captured.out + captured.err
    )
    assert not (tmp_path / "reports" / "funder").exists()


@pytest.mark.kernel
def test_a_build_writes_the_docx_in_the_studys_template_and_rebuilds_it_when_the_template_changes(
    example_copy, tmp_path
):
    from peerimpact.builder.pipeline import build

    yml = example_copy / "study.yml"
    yml.write_text(yml.read_text() + "word_template: ours.docx\n")
    (example_copy / "ours.docx").write_bytes(own_template(tmp_path))
    out = tmp_path / "reports"

    def built() -> list[str]:
        result = build(example_copy, out=out, only=["funder"], formats=["docx"], jobs=1, echo=lambda m: None)
        assert result.exit_code == 0, [o.error for o in result.failed] + [p.format() for p in result.problems]
        return [o.status for o in result.outcomes]

    assert built() == ["built"]
    word = docx.Document(str(out / "funder" / "report.docx"))
    assert word.styles["Heading 1"].font.color.rgb == RGBColor(0xC0, 0x00, 0x00)
    assert word.sections[0].page_width == 12240 * 635
    assert built() == ["cached"]
    other = docx.Document(io.BytesIO((example_copy / "ours.docx").read_bytes()))
    other.styles["Heading 1"].font.color.rgb = RGBColor(0x00, 0x60, 0x00)
    other.save(str(example_copy / "ours.docx"))
    assert built() == ["built"]
    word = docx.Document(str(out / "funder" / "report.docx"))
    assert word.styles["Heading 1"].font.color.rgb == RGBColor(0x00, 0x60, 0x00)


def test_a_list_item_that_leads_into_a_list_keeps_with_its_items_one_level_in(folder):
    nested = TextRecord(
        "outcomes", "- Reach p < 0.05, the largest:\n  - Wellbeing fell.\n  - Burnout rose.\n- Completeness: fine."
    )
    document = ReportDocument(title_block(False), (Section("section-00", "Key messages", (nested,)),))
    word = docx.Document(str(write_docx(document, folder)))
    items = [p for p in word.paragraphs if p.style.name == "List Bullet"]
    levels = [int(p._p.pPr.numPr.ilvl.val) for p in items]
    assert [p.text for p in items] == [
        "Reach p < 0.05, the largest:",
        "Wellbeing fell.",
        "Burnout rose.",
        "Completeness: fine.",
    ]
    assert levels == [0, 1, 1, 0]
    assert items[0].paragraph_format.keep_with_next and not items[3].paragraph_format.keep_with_next
