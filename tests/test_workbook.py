"""The workbook, laid out as the Government Statistical Service's good practice for spreadsheets asks:
a cover, contents and notes sheet first, then one table a sheet in the report's order; labels as the
report shows them beside the CSV's codes, numbers as numbers at the report's decimals, withheld cells
as [c] and no cell left blank. Built here from a small hand-made document and its CSVs (no kernel)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest

from peerimpact.builder.document import ReportDocument, Section
from peerimpact.builder.workbook import write_workbook
from peerimpact.builder.workbook_cells import SHORTHAND, table_sheet
from peerimpact.builder.workbook_labels import heading
from peerimpact.report.formats import fmt_number
from peerimpact.report.records import ProseRecord, TableRecord
from peerimpact.text import as_read

# Table 3 as a report shows it: a long CSV (a row per timepoint) shown wide, two labelling columns
OUTCOMES_CSV = """instrument,subscale,timepoint,n,mean,sd,min,max,norm_mean,norm_sd
wemwbs,total,T1,30,49.84375,9.067212797737254,*,*,51.6,8.71
wemwbs,total,T2,20,47.7,9.172824201443216,*,*,51.6,8.71
mjs,overall,T1,30,3.8928571428571432,0.6615375645656539,*,*,3.44,0.53
mjs,overall,T2,15,3.9005602240896358,0.601999414161836,*,*,3.44,0.53
mjs,standards_of_care,T1,30,3.995402298850575,0.6247363976129958,*,*,,
mjs,standards_of_care,T2,15,3.982352941176471,0.6511866995317538,*,*,,
"""
OUTCOMES = TableRecord(
    name="table3",
    caption="Table 3. Outcomes over time and population norms",
    columns=("Measure", "Subscale", "T1 n", "T1 mean (SD)", "T2 n", "T2 mean (SD)", "Norm mean (SD)"),
    rows=(
        (
            "Warwick-Edinburgh Mental Wellbeing Scale",
            "Wellbeing\n(14–70; higher: better)",
            "30",
            "49.8 (9.07)",
            "20",
            "47.7 (9.17)",
            "51.6 (8.71)",
        ),
        ("Measure of Job Satisfaction", "Overall satisfaction", "30", "3.9 (0.66)", "15", "3.9 (0.60)", "3.44 (0.53)"),
        ("", "Standards of care", "30", "4.0 (0.62)", "15", "4.0 (0.65)", "–"),
    ),
    row_headers=("Measure", "Subscale"),
    notes=(
        "SD uses n − 1. A dash: no published norm.",
        "* not shown: fewer than 8 people are behind the figure; counts are rounded to the nearest 5.",
    ),
    withheld_cells=((1, "min"), (1, "max")),
    csv="tables/table3.csv",
)

# a programme table: text, a date, a boolean, a p value printed as <0.001, an empty cell of each kind
MILESTONES_CSV = """milestone,due,met_on,done,target,count,p
'=Recruitment target reached,2019-08-31,,False,38,32,0.0004
Interim report,2020-06-30,2020-06-26,True,,,0.0213
"""
MILESTONES = TableRecord(
    name="milestones",
    caption="Milestones",
    columns=("Milestone", "Due", "Met on", "Shown by", "p"),
    rows=(
        ("=Recruitment target reached", "31 Aug 2019", "–", "32 consented (38 needed)", "<0.001"),
        ("Interim report", "30 Jun 2020", "26 Jun 2020", "recorded as done", "0.021"),
    ),
    row_headers=("Milestone",),
    notes=("Status as of the data cut.",),
    csv="tables/milestones.csv",
)

TITLE = {
    "title": "Progress report to the funder",
    "scope_label": "Site S7",
    "study_name": "Example study",
    "data_cut": "2021-03-31",
    "version": "0.1.0",
    "report_id": "site-S7",
    "disclosure": "public",
    "disclosure_statement": "Written for the public. Counts of 1 to 7 are not shown, other counts are rounded to the nearest 5",
    "internal": False,
    "facts": [["Grant reference", "EX-1"]],
    "notice": "",
}


def _document(folder: Path, title: dict | None = None) -> ReportDocument:
    tables = folder / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    (tables / "table3.csv").write_text(OUTCOMES_CSV)
    (tables / "milestones.csv").write_text(MILESTONES_CSV)
    (tables / "_released.csv").write_text("population,measure\nall,n\n")
    # the report's order is milestones first: not the alphabet's, nor the CSVs'
    sections = (
        Section("section-11", "Milestones", (ProseRecord("## Milestones"), MILESTONES)),
        Section("section-03", "Outcomes", (OUTCOMES,)),
    )
    return ReportDocument(title or TITLE, sections)


@pytest.fixture
def book(tmp_path):
    path = write_workbook(_document(tmp_path), tmp_path)
    assert path == tmp_path / "tables.xlsx"
    return openpyxl.load_workbook(path)


def table_of(sheet) -> tuple[list[str], list[list]]:
    """A table sheet's headings and rows, found where its Excel table (its marked header) says."""
    (ref,) = sheet.tables.values()
    ref = getattr(ref, "ref", ref)
    first, last = (int(re.search(r"\d+", end).group()) for end in ref.split(":"))
    rows = [[c for c in row] for row in sheet.iter_rows(min_row=first, max_row=last)]
    return [c.value for c in rows[0]], rows[1:]


def document_of(built, rid: str) -> ReportDocument:
    """A built report's records, as its formats rendered them (``document.json`` in its work folder)."""
    work = built.parent / f"{built.name}-work"
    return ReportDocument.from_json(json.loads((work / rid / "document.json").read_text()))


def same_cell(got, want: str) -> bool:
    """A sheet's cell holds the CSV's: a withheld cell as [c], an empty one as [x] or [z], a number as
    the same number as the report reads it before rounding (at 10 significant digits), True/False as booleans, a date as a date,
    text as text (an ID like 029 too)."""
    if want == "*":
        return got == "[c]"
    if want == "":
        return got in ("[x]", "[z]")
    if isinstance(got, bool):
        return want == str(got)
    if isinstance(got, dt.datetime):
        return got.date().isoformat() == want
    if isinstance(got, str):
        return got == want
    return got == (int(want) if re.fullmatch(r"[-+]?\d+", want) else as_read(float(want)))


def test_the_cover_contents_and_notes_come_first_then_the_tables_in_the_reports_order(book):
    assert book.sheetnames == ["Cover", "Contents", "Notes", "milestones", "table3"]
    cover = [row[0] for row in book["Cover"].iter_rows(values_only=True) if row[0]]
    assert cover[0] == "Progress report to the funder"
    for line in ("Scope: Site S7", "Study: Example study", "Grant reference: EX-1", "Data cut: 2021-03-31"):
        assert line in cover
    assert any(line.startswith("Audience and disclosure rules: Written for the public.") for line in cover)
    assert "Contact" not in cover  # the title block names no one
    assert all(any(line.startswith(k) for line in cover) for k in SHORTHAND)
    contents = {r[0]: r[1] for r in book["Contents"].iter_rows(values_only=True)}
    assert contents["milestones"] == "Milestones"
    assert contents["table3"] == "Table 3. Outcomes over time and population norms"
    link = next(c for row in book["Contents"].iter_rows() for c in row if c.value == "table3")
    assert link.hyperlink.location == "'table3'!A1"


def test_a_contact_is_on_the_cover_only_where_the_title_block_names_one(tmp_path):
    book = openpyxl.load_workbook(
        write_workbook(_document(tmp_path, {**TITLE, "contact": "stats@example.org"}), tmp_path)
    )
    cover = [row[0] for row in book["Cover"].iter_rows(values_only=True) if row[0]]
    assert cover[-2:] == ["Contact", "stats@example.org"]


def test_every_note_is_numbered_in_its_tables_title_and_listed_on_the_notes_sheet(book):
    notes = {r[0]: r[1] for r in book["Notes"].iter_rows(values_only=True) if isinstance(r[0], int)}
    assert list(notes) == list(range(1, len(notes) + 1))
    title = book["table3"]["A1"].value
    assert title.startswith("Table 3. Outcomes over time and population norms [note ")
    cited = [notes[int(n)] for n in re.findall(r"\[note (\d+)\]", title)]
    assert cited[0] == OUTCOMES.notes[0]
    assert cited[1].startswith("[c] (* in the report) not shown: fewer than 8 people")
    assert cited[2].startswith("Counts are rounded to the nearest 5") and "an n of 30" in cited[2]
    # each shorthand used is explained there, and the sheet that uses it says so
    legend = [row[0] for row in book["table3"].iter_rows(max_col=1, values_only=True) if row[0]]
    for mark in ("[c]", "[x]"):
        line = next(line for line in legend if line.startswith(mark))
        assert notes[int(re.search(r"\[note (\d+)\]", line).group(1))] == SHORTHAND[mark]


def test_labels_are_the_reports_beside_the_csvs_codes_and_numbers_keep_their_full_value(book):
    head, rows = table_of(book["table3"])
    assert head[:6] == ["Measure", "Subscale", "Instrument code", "Subscale code", "Timepoint", "n"]
    values = [[c.value for c in row] for row in rows]
    assert [v[:5] for v in values[:3]] == [
        ["Warwick-Edinburgh Mental Wellbeing Scale", "Wellbeing", "wemwbs", "total", "T1"],
        ["Warwick-Edinburgh Mental Wellbeing Scale", "Wellbeing", "wemwbs", "total", "T2"],
        ["Measure of Job Satisfaction", "Overall satisfaction", "mjs", "overall", "T1"],
    ]
    assert values[4][:2] == ["Measure of Job Satisfaction", "Standards of care"]  # an empty cell: the one above
    mean = head.index("Mean")
    assert values[0][mean] == 49.84375 and rows[0][mean].number_format == "#,##0.0"
    sd = head.index("SD")
    assert values[0][sd] == pytest.approx(9.067212797737254) and rows[0][sd].number_format == "#,##0.00"
    assert rows[0][head.index("n")].number_format == "#,##0"
    # a published norm at its own precision, row by row: 51.6, then 3.44
    norm = head.index("Norm mean")
    assert [rows[0][norm].number_format, rows[2][norm].number_format] == ["#,##0.0", "#,##0.00"]


def test_withheld_cells_are_c_and_a_numeric_column_holds_nothing_but_numbers_and_shorthand(book):
    head, rows = table_of(book["table3"])
    for name in ("Minimum", "Maximum"):
        assert {row[head.index(name)].value for row in rows} == {"[c]"}
        assert {row[head.index(name)].alignment.horizontal for row in rows} == {"right"}  # a column of figures
    # no published norm: the report shows a dash, so not available
    assert [row[head.index("Norm mean")].value for row in rows[4:]] == ["[x]", "[x]"]
    for j, name in enumerate(head):
        if name in ("n", "Mean", "SD", "Minimum", "Maximum", "Norm mean", "Norm SD"):
            for row in rows:
                assert isinstance(row[j].value, (int, float)) or row[j].value in SHORTHAND, (name, row[j].value)


def test_booleans_dates_and_p_values_are_typed_and_no_cell_is_blank(book):
    head, rows = table_of(book["milestones"])
    assert head == ["Milestone", "Due", "Met on", "Done", "Target", "Count", "p"]
    first, second = ([c.value for c in row] for row in rows)
    assert first[0] == "'=Recruitment target reached"  # a study's text that starts like a formula
    assert first[1] == dt.datetime(2019, 8, 31) and rows[0][1].number_format == "d mmm yyyy"
    assert first[2] == "[z]" and second[2] == dt.datetime(2020, 6, 26)
    assert first[3] is False and second[3] is True
    assert second[4:6] == ["[z]", "[z]"]  # no target for a report: not applicable
    assert rows[0][6].number_format == '[<0.001]"<0.001";#,##0.000' and first[6] == 0.0004
    assert rows[1][6].number_format == "#,##0.000"
    for sheet in book.worksheets[1:]:
        _, cells = table_of(sheet)
        assert all(c.value is not None and c.value != "" for row in cells for c in row), sheet.title


def test_the_header_row_is_marked_and_frozen_and_no_cell_is_merged(book):
    for sheet in book.worksheets:
        assert not sheet.merged_cells.ranges, sheet.title
    for sheet in book.worksheets[1:]:
        (ref,) = sheet.tables.values()
        header = int(re.search(r"\d+", getattr(ref, "ref", ref)).group())
        assert sheet.freeze_panes == f"A{header + 1}", sheet.title
        assert all(c.font.b for c in sheet[header] if c.value), sheet.title
        assert sheet.print_title_rows.replace("$", "") == f"{header}:{header}", sheet.title
        widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[header]]
        assert all(w and 4 < w < 100 for w in widths), (sheet.title, widths)  # not 13 each, nor a page


def test_a_table_of_one_row_keeps_its_codes_where_nothing_says_which_column_its_label_is():
    record = TableRecord(
        "activity_by_site",
        "Contacts by site",
        ("Site", "Completed", "Per month"),
        (("S7", "83", "6.9"),),
        row_headers=("Site",),
    )
    import pandas as pd

    frame = pd.DataFrame({"scope": ["period"], "site": ["S7"], "completed": ["83"], "per_month": ["6.916666"]})
    sheet = table_sheet(record, frame)
    # the scope in the report's words beside its code; the site stays a code, as nothing labels it
    assert sheet.headings == ("Scope", "Scope code", "Site", "Completed", "Per month") and sheet.labels == 1
    assert sheet.rows == (("Reporting period", "period", "S7", 83, 6.916666),)
    assert sheet.formats[0][3:] == ("#,##0", "#,##0.0")


def test_a_wholly_withheld_table_says_so_and_shows_c_in_every_figure(tmp_path):
    import pandas as pd

    record = TableRecord(
        "recruitment", "Recruitment", (), (), withheld="Every figure of this table rests on fewer than 8 people."
    )
    frame = pd.DataFrame({"stage": ["consented", "T1"], "site": ["S7", "S7"], "count": ["*", "*"], "target": ["4", ""]})
    sheet = table_sheet(record, frame)
    assert sheet.subtitles == ("Every figure of this table rests on fewer than 8 people.",)
    assert [row[0] for row in sheet.rows] == ["Consented", "T1"]  # a stage in the report's words
    assert [row[3] for row in sheet.rows] == ["[c]", "[c]"] and sheet.rows[1][4] == "[z]"


@pytest.mark.parametrize(
    "name, words", [("norm_sd", "Norm SD"), ("all_status", "All the report's sites: status"), ("", "Column")]
)
def test_a_csv_columns_heading_is_its_name_in_words(name, words):
    assert heading(name) == words


def test_a_studys_words_of_any_characters_are_written_as_they_are_and_never_as_a_link(tmp_path):
    """gptables reads [words](address) in a cell as a link, $$name$$ as a note and refuses a cell of
    symbols only; a study's codes, labels and excerpts are none of these."""
    words = ["?", "[click](http://evil.example/)", "男性", "$$x$$ and $$y$$", "–"]
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "codes.csv").write_text(
        "code,n\n" + "".join(f'"{w}",{i + 10}\n' for i, w in enumerate(words))
    )
    record = TableRecord(
        "codes",
        "Codes [see](http://evil.example/)",
        ("Code", "n"),
        tuple((w, str(i + 10)) for i, w in enumerate(words)),
    )
    book = openpyxl.load_workbook(write_workbook(ReportDocument(TITLE, (Section("s", "S", (record,)),)), tmp_path))
    head, rows = table_of(book["codes"])
    assert [row[0].value for row in rows] == ["?", "[click](http://evil.example/)", "男性", "$ $x$ $ and $ $y$ $", "–"]
    links = [c.hyperlink for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.hyperlink]
    assert links and all(link.location and not link.target for link in links)  # the contents' own, to its sheets
    assert book["codes"]["A1"].value.startswith("Codes [see] (http://evil.example/)")


def decimals_of(fmt: str | None) -> int | None:
    """The decimals a number format shows (of its last section: ``[<0.001]"<0.001";#,##0.000``, 3)."""
    return None if fmt is None else fmt.rsplit(";", 1)[-1].partition(".")[2].count("0")


def shown(cell) -> str:
    """A number cell as a spreadsheet prints it: the number it holds (the shortest decimal that reads
    back as it) to its format's decimals, a half away from zero, thousands grouped."""
    digits = decimals_of(cell.number_format) or 0
    value = Decimal(repr(cell.value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return format(value, ",f")


def test_every_figure_rounded_to_its_cells_decimals_prints_as_the_report_prints_it(tmp_path):
    """The report reads a figure at 10 significant digits, then rounds a half away from zero
    (``text.rounded``): 0.1149999999999998 prints 0.12, and 2.675 (2.67499999999999982 as a float)
    2.68. A spreadsheet rounds the number a cell holds, so the cell holds what the report read."""
    means = [0.1149999999999998, 2.675, -0.125, 1.0049999999999999, 1234.565]
    changes = [31.25, 3.3499999999999996, 0.05, -2.25, 18.75]
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "halves.csv").write_text(
        "measure,mean,change\n" + "".join(f"m{i},{m!r},{c!r}\n" for i, (m, c) in enumerate(zip(means, changes)))
    )
    record = TableRecord(
        "halves",
        "Halves",
        ("Measure", "Mean", "Change"),
        tuple((f"Measure {i}", fmt_number(m, 2), fmt_number(c, 1)) for i, (m, c) in enumerate(zip(means, changes))),
        row_headers=("Measure",),
    )
    assert record.rows[0][1:] == ("0.12", "31.3") and record.rows[1][1] == "2.68"
    book = openpyxl.load_workbook(write_workbook(ReportDocument(TITLE, (Section("s", "S", (record,)),)), tmp_path))
    head, rows = table_of(book["halves"])
    assert head == ["Measure", "Measure code", "Mean", "Change"]
    checked = 0
    for r, row in enumerate(rows):
        for j, cell in enumerate(row):
            if isinstance(cell.value, (int, float)):
                assert shown(cell) == record.rows[r][record.columns.index(head[j])], (r, head[j], cell.value)
                checked += 1
    assert checked == 2 * len(means)
    assert rows[0][2].value == 0.115  # the full value a reader needs, and no float's tail that rounds the other way


def test_a_column_of_several_statistics_shows_each_figure_to_its_own_decimals():
    """The reproduction check's CSV holds every published figure in one column (n, a percentage, a
    mean, a p value, an effect size), and its report prints only a summary, figures reproduced table
    by table: its 0s and 7s are counts of figures, not these figures rounded. Each figure keeps the
    decimals its CSV writes it with, up to 4, and no figure that is not whole looks whole."""
    import pandas as pd

    record = TableRecord(
        "reproduction",
        "Reproduction check",
        ("Published table", "Figures", "Reproduced", "Not reproduced", "Errata (at their aim)"),
        (("Table 1", "138", "138", "0", "7 (7)"), ("Table 4", "240", "240", "0", "14 (14)")),
    )
    published = ["32", "15.6", "9.0", "0.168", "0.86", "-0.0", "13.8", "7"]
    reproduced = ["32", "15.625", "9.00396", "0.171398", "0.859806", "-0.011122", "13.8144", "7"]
    frame = pd.DataFrame(
        {
            "table": ["table1"] * 3 + ["table4"] * 5,
            "column": ["n", "percent", "sd", "p", "es", "es", "sd", "count"],
            "published": published,
            "reproduced": reproduced,
        }
    )
    sheet = table_sheet(record, frame)
    j = sheet.headings.index("Published")
    assert [decimals_of(f[j]) for f in sheet.formats] == [0, 1, 1, 3, 2, 1, 1, 0]
    assert [decimals_of(f[j + 1]) for f in sheet.formats] == [0, 3, 4, 4, 4, 4, 4, 0]
    for row, formats in zip(sheet.rows, sheet.formats):
        for value, fmt in zip(row, formats):
            if isinstance(value, float) and not value.is_integer():
                assert decimals_of(fmt), (value, fmt)


def test_a_column_the_report_prints_at_several_decimals_keeps_each_rows_own():
    """Where the report prints a column's figures row by row at their own decimals, each cell is
    formatted to the decimals its own display string shows: a count whole, a p to 3 decimals."""
    import pandas as pd

    record = TableRecord(
        "statistics",
        "Statistics",
        ("Statistic", "Value"),
        (("n", "32"), ("Percentage", "15.6%"), ("Mean", "42.9"), ("p", "0.171"), ("ES", "0.86"), ("Change", "0")),
        row_headers=("Statistic",),
    )
    values = ["32", "15.625", "42.9259", "0.171398", "0.859806", "0.0"]
    frame = pd.DataFrame({"statistic": ["n", "percent", "mean", "p", "es", "change"], "value": values})
    sheet = table_sheet(record, frame)
    j = sheet.headings.index("Value")
    assert [decimals_of(f[j]) for f in sheet.formats] == [0, 1, 1, 3, 2, 0]


def test_a_number_the_report_prints_for_several_figures_is_none_of_theirs():
    """The errata list prints each figure, published and reproduced, and why in words (a lower bound
    of 0.00), but not the difference between them: two differences round to that 0.00, so it shows
    the decimals of neither, and each difference keeps its own."""
    import pandas as pd

    record = TableRecord(
        "reproduction_errata",
        "Errata",
        ("Figure", "Printed", "This report", "Why"),
        (
            ("Table 4: p", "0.044", "0.047", "a lower bound of 0.00 implies p of about 0.05"),
            ("Table 3: SD", "9017", "9.17", "a decimal point lost"),
            ("Table 4: ES", "0.00", "-0.02", "0.00 looks computed from the change after rounding it"),
        ),
    )
    frame = pd.DataFrame(
        {
            "published": ["0.044", "9017", "0.00"],
            "reproduced": ["0.0466449", "9.17282", "-0.0210339"],
            "difference": ["-0.0003551", "+0.002824", "+0"],
        }
    )
    sheet = table_sheet(record, frame)
    j = sheet.headings.index("Difference")
    assert [decimals_of(f[j]) for f in sheet.formats] == [4, 4, 0]
    assert [decimals_of(f[j - 1]) for f in sheet.formats] == [3, 2, 2]  # as the report prints them


def test_a_milestones_status_is_the_word_the_report_prints_met_late_where_met_after_its_due_date():
    import pandas as pd

    record = TableRecord(
        "milestones",
        "Milestones",
        ("Milestone", "Due", "Status", "Met on", "Shown by"),
        (
            ("Baseline", "30 Sep 2019", "Met", "16 Jul 2019", "x"),
            ("Contacts", "31 Mar 2020", "Met late", "29 Nov 2020", "x"),
            ("Recruitment", "31 Aug 2019", "Late", "–", "x"),
            ("Final report", "30 Sep 2021", "Due", "–", "x"),
        ),
        row_headers=("Milestone",),
    )
    frame = pd.DataFrame(
        {
            "milestone": ["Baseline", "Contacts", "Recruitment", "Final report"],
            "due": ["2019-09-30", "2020-03-31", "2019-08-31", "2021-09-30"],
            "met_on": ["2019-07-16", "2020-11-29", "", ""],
            "status": ["met", "met", "late", "due"],
        }
    )
    sheet = table_sheet(record, frame)
    assert sheet.headings == ("Status", "Milestone", "Due", "Met on", "Status code")
    assert [row[0] for row in sheet.rows] == ["Met", "Met late", "Late", "Due"]  # the report's Status column
    assert [row[-1] for row in sheet.rows] == ["met", "met", "late", "due"]  # the CSV's codes, as they are


def test_a_recruitment_stage_is_in_words_and_figures_of_all_the_reports_sites_say_whose_they_are():
    import pandas as pd

    def frame(sites: list[str]) -> pd.DataFrame:
        stages = ["consented", "T1", "left_post", "withdrawn"]
        return pd.DataFrame(
            {
                "stage": [s for s in stages for _ in sites],
                "site": sites * len(stages),
                "count": ["3"] * len(stages) * len(sites),
                "n": [str(3 * len(sites))] * len(stages) * len(sites),
                "all_target": ["4", *[""] * (len(stages) * len(sites) - 1)],
            }
        )

    one = TableRecord(
        "recruitment",
        "Recruitment",
        ("Site", "Target", "Consented", "T1", "Left post", "Withdrew"),
        (("S7", "4", "3", "3", "3", "3"),),
        row_headers=("Site",),
    )
    sheet = table_sheet(one, frame(["S7"]))
    assert sheet.headings[:4] == ("Stage", "Stage code", "Site", "Count")
    assert [row[0] for row in sheet.rows] == ["Consented", "T1", "Left post", "Withdrew"]
    assert [row[1] for row in sheet.rows] == ["consented", "T1", "left_post", "withdrawn"]
    # one site's report: its sites' figures are that site's own, and the heading says so, not "All sites"
    assert sheet.headings[4:] == (
        "All the report's sites (S7 alone): count",
        "All the report's sites (S7 alone): target",
    )
    several = TableRecord(
        "recruitment",
        "Recruitment",
        ("Site", "Target", "Consented", "T1", "Left post", "Withdrew"),
        (("S1", "4", "3", "3", "3", "3"), ("S2", "4", "3", "3", "3", "3"), ("All sites", "4", "6", "6", "6", "6")),
        row_headers=("Site",),
    )
    sheet = table_sheet(several, frame(["S1", "S2"]))
    assert sheet.headings[4:] == ("All the report's sites: count", "All the report's sites: target")
    assert [row[4] for row in sheet.rows] == [6] * 8  # n: each stage's count over the report's sites


def test_the_recruitment_sheet_has_a_row_per_site_as_the_report_shows_it():
    """Every figure of the long CSV lands once in its site's row under its stage, every all-sites
    figure in the row of all sites; a figure no stage has gets no column (checked cell by cell)."""
    import random

    import pandas as pd

    from peerimpact.builder.workbook_shapes import by_site

    rng = random.Random(3)
    sites = [f"S{i}" for i in range(1, 6)]
    rows = []
    for stage in ("consented", "T1", "T2", "left_post"):
        for site in sites:
            rows.append(
                {
                    "stage": stage,
                    "site": site,
                    "count": str(rng.randint(0, 9)),
                    "n": "40",
                    "target": str(rng.randint(5, 9)) if stage == "consented" else "",
                    "all_target": "35" if stage == "consented" else "",
                    "percent_retained": f"{rng.random() * 100}" if stage == "T2" else "",
                    "all_percent_retained": "61.5" if stage == "T2" else "",
                    "target_percent": "70" if stage == "T2" else "",
                    "retained": "",
                }
            )
    csv = pd.DataFrame(rows, dtype=str)
    sheet = by_site(csv).set_index("site")
    assert list(sheet.index) == [*sites, "All sites"]
    words = {"consented": "Consented", "left_post": "Left post"}
    expected_columns = {"Consented", "Consented: target", "T1", "T2", "T2: percentage retained (%)"}
    expected_columns |= {"T2: retention target (%)", "Left post"}
    assert set(sheet.columns) == expected_columns  # "retained" is empty everywhere: no column
    for row in rows:
        stage = words.get(row["stage"], row["stage"])
        assert sheet.at[row["site"], stage] == row["count"]
        if row["target"]:
            assert sheet.at[row["site"], f"{stage}: target"] == row["target"]
        if row["percent_retained"]:
            assert sheet.at[row["site"], f"{stage}: percentage retained (%)"] == row["percent_retained"]
    assert sheet.loc["All sites", ["Consented", "Consented: target", "T2: percentage retained (%)"]].tolist() == [
        "40",
        "35",
        "61.5",
    ]
    assert sheet.at["All sites", "T2: retention target (%)"] == "70"  # shared by every site
