"""Exports: every report's workbook holds its tables as its CSVs and records do, and its Word document
what its HTML holds; the tidy frame for statisticians, with its labels through SPSS and Stata; --set
for one build."""

from __future__ import annotations

import html
import json
import re

import docx
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from lxml import html as lhtml

from peerimpact import load_study
from peerimpact import notebook as pn
from peerimpact.analysis.descriptive import summarise_scores
from peerimpact.analysis.stats import change_over_time
from peerimpact.builder.pipeline import build
from peerimpact.builder.workbook import sheet_names
from peerimpact.builder.workbook_shapes import shaped
from peerimpact.builder.workbook_words import coded_words
from peerimpact.cli import main
from peerimpact.export import export_tidy
from peerimpact.ingest.study import InvalidStudy
from test_pipeline import reports_dir
from test_workbook import document_of, same_cell, table_of

STUDY = load_study()
SOME = ["study", "site-S7", "cohort-bank", "funder"]


@pytest.mark.kernel
@pytest.mark.parametrize("rid", SOME)
def test_the_workbook_holds_every_table_in_the_reports_order_after_a_cover_contents_and_notes(built, rid):
    book = openpyxl.load_workbook(built / rid / "tables.xlsx")
    records = document_of(built, rid).tables()
    names = sheet_names(r.name for r in records)
    assert book.sheetnames == ["Cover", "Contents", "Notes", *(names[r.name] for r in records)]
    cover = [row[0] for row in book["Cover"].iter_rows(values_only=True) if row[0]]
    manifest = json.loads((built / "manifest.json").read_text())["reports"][rid]
    assert f"Scope: {manifest['scope_label']}" in cover
    for record in records:
        # a sheet is its CSV laid out as the report lays out the table (the shapes are checked
        # against a brute force in test_workbook.py): here, that every figure lands where it should
        csv = shaped(record, pd.read_csv(built / rid / record.csv, dtype=str, keep_default_na=False))
        assert csv is not None
        head, rows = table_of(book[names[record.name]])
        assert len(rows) == len(csv), record.name
        # the labels the report shows come first, then the CSV's columns, its rows one for one
        first = len(head) - len(csv.columns)
        shown = {(cell or "").split("\n")[0] for row in record.rows for cell in row}
        shown |= {w for _, words in coded_words(record.name, csv) for w in words if w}  # a code's words
        for row in rows:
            assert all(c.value in shown | {"[z]"} for c in row[:first]), (record.name, [c.value for c in row])
        for j, column in enumerate(csv.columns, start=first):
            for r, want in enumerate(csv[column]):
                assert same_cell(rows[r][j].value, want), (record.name, column, r + 1, rows[r][j].value, want)
        # a column of numbers holds nothing else but shorthand
        for j, name in enumerate(head):
            kinds = {type(row[j].value) for row in rows if row[j].value not in ("[c]", "[x]", "[z]")}
            assert kinds <= {int, float} or not kinds & {int, float}, (record.name, name, kinds)


@pytest.mark.kernel
@pytest.mark.parametrize("rid", SOME)
def test_the_workbooks_outcome_tables_print_each_figure_to_the_reports_decimals(built, rid):
    book = openpyxl.load_workbook(built / rid / "tables.xlsx")
    decimals = {"n": "#,##0", "Mean": "#,##0.0", "SD": "#,##0.00", "Change": "#,##0.00", "ES": "#,##0.00"}
    checked = 0
    for name in book.sheetnames:
        if not re.fullmatch(r"(headline_)?table[34](_study_wide)?", name):
            continue
        head, rows = table_of(book[name])
        assert head[:2] == ["Measure", "Subscale"], name
        for heading, fmt in decimals.items():
            if heading in head:
                j = head.index(heading)
                assert {row[j].number_format for row in rows if isinstance(row[j].value, (int, float))} <= {fmt}
                checked += 1
        if "p" in head:
            formats = {
                row[head.index("p")].number_format for row in rows if isinstance(row[head.index("p")].value, float)
            }
            assert formats <= {"#,##0.000", '[<0.001]"<0.001";#,##0.000'}, formats
    assert checked >= 4


@pytest.mark.kernel
@pytest.mark.parametrize("rid", SOME)
def test_the_word_document_holds_every_table_and_figure_of_the_html(built, rid):
    page = lhtml.fromstring((built / rid / "report.html").read_text(encoding="utf-8"))
    document = docx.Document(str(built / rid / "report.docx"))
    paragraphs = [p.text for p in document.paragraphs]
    html_tables = page.xpath("//figure[contains(@class, 'pi-table-figure')]//table")
    boxes = page.xpath("//section//aside[contains(@class, 'pi-box')]")
    assert len(document.tables) == len(html_tables) + len(page.xpath("//section//table[not(ancestor::figure)]")) + len(
        boxes
    )
    # a box (alerts, commentary) is a one-cell table in Word, so the text after it does not run into it
    cells = [t.rows[0].cells[0].text for t in document.tables if len(t.rows) == 1 and len(t.columns) == 1]
    for box in boxes:
        title = " ".join(box.xpath("./p[contains(@class, 'pi-box-title')]")[0].text_content().split())
        assert any(c.startswith(title) for c in cells), title
    word = {tuple(c.text for c in t.rows[0].cells): len(t.rows) for t in document.tables}
    for table in html_tables:
        head = tuple(" ".join("".join(th.itertext()).split()) for th in table.xpath("./thead/tr/th"))
        assert word.get(head) == 1 + len(table.xpath("./tbody/tr")), head
    for caption in page.xpath("//figure[contains(@class, 'pi-table-figure')]/figcaption"):
        assert " ".join(caption.text_content().split()) in paragraphs
    for note in page.xpath("//p[contains(@class, 'pi-withheld')]"):
        assert " ".join(note.text_content().split()) in paragraphs
    figures = page.xpath("//div[contains(@class, 'pi-figure')]")
    assert len(document.inline_shapes) == len(figures) > 0
    assert {f.get("id").removeprefix("figure-") + ".png" for f in figures} == {
        p.name for p in (built / rid / "figures").glob("*.png")
    }


def test_the_funder_report_has_its_front_matter_and_sections(built):
    text = (built / "funder" / "report.html").read_text(encoding="utf-8")
    for fact in (
        "Example research funder (programme grant)",
        "EX-2018-0001",
        "1 April 2020 to 31 March 2021",
        "31 March 2021",
    ):
        assert fact in text
    tables = {p.stem for p in (built / "funder" / "tables").glob("*.csv")}
    assert {
        "recruitment",
        "completeness",
        "activity_by_site",
        "headline_table3",
        "headline_table4",
        "milestones",
    } <= tables
    milestones = pd.read_csv(built / "funder" / "tables" / "milestones.csv")
    assert set(milestones["status"]) == {"met", "due", "late"}
    index = (built / "index.html").read_text(encoding="utf-8")
    for rid in ("funder", "cohort-contracted", "cohort-bank", "cohort-early_starters", "cohort-late_starters"):
        assert f"{rid}/report.docx" in index and f"{rid}/tables.xlsx" in index


def test_tidy_is_one_row_per_participant_timepoint_and_subscale_with_attributes():
    tidy = STUDY.tidy()
    assert not tidy.duplicated(["participant_id", "timepoint", "instrument", "subscale"]).any()
    assert len(tidy) == len(STUDY.scores) and list(tidy.columns).count("site") == 1
    assert list(tidy["site"].cat.categories) == STUDY.sites
    people = STUDY.participants.set_index("participant_id")
    joined = tidy.drop_duplicates("participant_id").set_index("participant_id")
    assert (joined["contract_type"].astype(str) == people.loc[joined.index, "contract_type"].astype(str)).all()
    assert tidy["completed_date"].notna().all() and str(tidy["prorated"].dtype) == "boolean"
    assert STUDY.labels[("wemwbs", None)] == "Warwick-Edinburgh Mental Wellbeing Scale"
    assert STUDY.norms.set_index(["instrument", "subscale"]).loc[("wemwbs", "total"), "norm_mean"] == 51.6


def test_by_runs_each_group_on_its_own():
    tidy = STUDY.tidy()
    grouped = summarise_scores(tidy, by="contract_type")
    bank = summarise_scores(tidy[tidy["contract_type"] == "bank"])
    mine = grouped[grouped["contract_type"] == "bank"].drop(columns="contract_type").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, bank)
    change = change_over_time(tidy, [("T1", "T3")], by=["site"], min_pairs=2)
    s7 = change_over_time(tidy[tidy["site"] == "S7"], [("T1", "T3")], min_pairs=2)
    mine = change[change["site"] == "S7"].drop(columns="site").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, s7, check_dtype=False)
    with pytest.raises(KeyError, match="by= names columns"):
        summarise_scores(STUDY.scores, by="contract_type")


YES_NO = {True: "yes", False: "no"}


@pytest.mark.parametrize("suffix, read", [(".sav", pyreadstat.read_sav), (".dta", pyreadstat.read_dta)])
def test_export_round_trips_the_tidy_frame_with_its_labels(tmp_path, suffix, read):
    path = tmp_path / f"scores{suffix}"
    assert main(["export", "--out", str(path)]) == 0
    frame, meta = read(str(path))
    tidy = STUDY.tidy()
    assert list(frame.columns) == list(tidy.columns)
    # every score of tidy(), and a row for each subscale of each questionnaire due but not returned
    due = len(STUDY.participants) * len(STUDY.timepoints) * len(STUDY.scores["subscale"].unique())
    assert len(frame) == due > len(tidy)
    for column in ("timepoint", "instrument", "subscale"):
        frame[column] = frame[column].map(meta.variable_value_labels[column])
    words = {STUDY.labels[(i, None)]: i for i in STUDY.instruments}
    words |= {label: s for (i, s), label in STUDY.labels.items() if s is not None}
    frame["instrument"] = frame["instrument"].map(words)
    frame["subscale"] = frame["subscale"].map(words)
    keys = ["participant_id", "timepoint", "instrument", "subscale"]
    frame = tidy[keys].astype(str).merge(frame, on=keys, how="left", validate="one_to_one")
    assert meta.column_names_to_labels["score"] == "Subscale score"
    assert meta.variable_value_labels["site"] == {i + 1: s for i, s in enumerate(STUDY.sites)}
    assert meta.variable_value_labels["instrument"][1] == "Warwick-Edinburgh Mental Wellbeing Scale"
    decoded = frame["contract_type"].map(meta.variable_value_labels["contract_type"])
    assert (decoded == tidy["contract_type"].astype(str)).all()
    pd.testing.assert_series_equal(frame["score"], tidy["score"], check_names=False)
    assert (pd.to_datetime(frame["consent_date"]) == tidy["consent_date"]).all()
    flags = frame["english_first_language"].map(meta.variable_value_labels["english_first_language"])
    assert (flags.fillna("?") == tidy["english_first_language"].map({True: "yes", False: "no"}).fillna("?")).all()
    assert meta.column_names_to_labels["cohort_bank"] == "In cohort: Bank staff"
    assert (
        frame["cohort_bank"].map(meta.variable_value_labels["cohort_bank"]) == tidy["cohort_bank"].map(YES_NO)
    ).all()
    pd.testing.assert_series_equal(frame["days_since_baseline"], tidy["days_since_baseline"], check_names=False)


def test_export_to_parquet_keeps_the_types_and_to_csv_the_values(tmp_path):
    path = export_tidy(STUDY, tmp_path / "scores.parquet")
    back = pd.read_parquet(path)
    assert list(back["timepoint"].cat.categories) == STUDY.timepoints and back["timepoint"].cat.ordered
    assert back.attrs["instruments"] == STUDY.tidy().attrs["instruments"]
    keys = ["participant_id", "timepoint", "instrument", "subscale"]
    tidy = STUDY.tidy()
    mine = tidy[keys].merge(back, on=keys, how="left", validate="one_to_one")
    assert mine["score"].equals(tidy["score"])
    # a score tidy() has missing is missing in the export too, with its reason
    assert (back["score"].isna() == (back["missing_reason"] != "")).all()
    csv = pd.read_csv(export_tidy(STUDY, tmp_path / "scores.csv"))
    assert len(csv) == len(back) and csv["score"].sum() == pytest.approx(back["score"].sum())


def test_export_refuses_a_format_it_does_not_know_and_the_study_folder(example_copy, tmp_path, capsys):
    assert main(["export", "--out", str(tmp_path / "scores.txt")]) == 2
    assert main(["export", "--study", str(example_copy), "--out", str(example_copy / "scores.csv")]) == 2
    assert "refusing to write inside the study folder" in capsys.readouterr().err


@pytest.mark.integration
def test_a_notebook_opens_any_study(example_copy):
    yml = example_copy / "study.yml"
    yml.write_text(yml.read_text().replace("name: Example peer worker study (synthetic)", "name: My own study"))
    data = pn.setup(study=example_copy)
    assert data.meta.study_name == "My own study" and len(data.participants) == 32
    people = example_copy / "participants.csv"
    people.write_text(people.read_text().replace("S1-PW01,S1,", "S1-PW01,S9,", 1))
    with pytest.raises(InvalidStudy, match="participants.csv:2: site"):
        pn.setup(study=example_copy)


@pytest.mark.kernel
def test_set_overrides_a_setting_for_one_build_and_the_manifest_records_it(tmp_path, capsys):
    defs = reports_dir(tmp_path, study=["04_change", "13_methods"])
    study_yml = defs / "study.yml"
    study_yml.write_text(study_yml.read_text().replace("formats: [html]", "formats: [html, xlsx]"))
    out = tmp_path / "out"
    # comparisons the synthesis' propositions still find theirs among (T1-T2, T1-T3), and one more
    settings = (("min_pairs", "25"), ("comparisons", "[[T1, T2], [T1, T3], [T2, T3]]"))
    result = build(out=out, reports_dir=defs, overrides=settings, echo=lambda m: None)
    assert result.exit_code == 0
    table4 = pd.read_csv(out / "study" / "tables" / "table4.csv")
    assert not table4["estimable"].any() and table4["note"].str.contains("fewer than 25").all()
    assert set(table4["comparison"]) == {"T1-T2", "T1-T3", "T2-T3"}
    entry = json.loads((out / "manifest.json").read_text())["reports"]["study"]
    pairs = [["T1", "T2"], ["T1", "T3"], ["T2", "T3"]]
    assert entry["overrides"] == {"analysis.min_pairs": 25, "study.comparisons": pairs}  # typed
    said = f"analysis.min_pairs = 25; study.comparisons = {pairs}"
    page = html.unescape((out / "study" / "report.html").read_text())
    assert f"Settings changed for this build</dt><dd>{said}" in page  # the title block
    assert f"This build changed these settings from the study's own for its reports (--set): {said}." in (
        re.sub(r"<[^>]+>", "", page)
    )  # Methods
    cover = [
        row[0] for row in openpyxl.load_workbook(out / "study" / "tables.xlsx")["Cover"].iter_rows(values_only=True)
    ]
    assert any(said in (line or "") for line in cover)
    assert main(["build", "--out", str(out), "--reports-dir", str(defs), "--set", "min_pairs=1"]) == 2
    assert "--set: analysis.min_pairs: error: Input should be greater than or equal to 2" in capsys.readouterr().out


@pytest.mark.integration
def test_set_covariates_must_name_a_participants_column(capsys):
    from peerimpact.builder.plan import plan
    from peerimpact.resources import params_dir

    _, problems = plan(
        load_study(), params_dir() / "reports", params=params_dir(), overrides={"covariates": "[nosuch]"}
    )
    [problem] = problems.errors
    assert (problem.file, problem.column, problem.value) == ("--set", "study.covariates", "nosuch")
    reports, problems = plan(
        load_study(), params_dir() / "reports", params=params_dir(), only=["study"], overrides={"covariates": "[site]"}
    )
    assert not problems.has_errors and reports[0].extract.meta.covariates == ("site",)
