"""Privacy proven on the built example: every shared report passes the audit, and no site or cohort
report's artefacts (HTML, PDF text, CSVs, executed notebooks, extract) hold anything of people
outside it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from conftest import BUILT, pdf_text
from peerimpact.builder.workbook import sheet_names
from peerimpact.builder.workbook_shapes import shaped
from peerimpact.cli import main
from peerimpact.ingest.study import load_study
from peerimpact.report.roles import COLUMN_ROLES, data_kind
from peerimpact.resources import params_dir
from test_workbook import document_of, table_of

SHARED = [rid for rid in BUILT if rid != "study"]
STUDY = load_study()
# the study's approved quotes (params/qualitative.yml, pinned): a small site's report may quote them
PINNED = {
    e
    for line in (params_dir() / "qualitative.yml").read_text().splitlines()
    if ": [" in line
    for e in line.split("[", 1)[1].rstrip("]").split(", ")
}
APPROVED = set(STUDY.excerpts.loc[STUDY.excerpts["excerpt_id"].isin(PINNED), "text"])


def work(out: Path) -> Path:
    return out.parent / f"{out.name}-work"


def office_text(path: Path) -> str:
    """Every cell of a workbook, or every paragraph and table cell of a Word document."""
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(
            str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None
        )
    import docx

    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def text_of(path: Path) -> str | None:
    """A built file as the text a reader could find in it (None for a picture: figures are drawn
    from the same released data as the SVG in the HTML, which is scanned)."""
    if path.suffix == ".pdf":
        return pdf_text(path)
    if path.suffix in (".xlsx", ".docx"):
        return office_text(path)
    if path.suffix == ".png":
        return None
    return path.read_text(encoding="utf-8", errors="replace")


def artefacts(built: Path, rid: str) -> dict[str, str]:
    """Every file a report's build made, as text: its shared folder (the PDF, workbook and Word
    document as their text) and its work folder (executed notebooks, extract, log)."""
    texts = {}
    for path in [*(built / rid).rglob("*"), *(work(built) / rid).rglob("*")]:
        if path.is_file() and (text := text_of(path)) is not None:
            texts[str(path)] = text
    return texts


def people_of(rid: str) -> set[str]:
    participants = STUDY.participants
    if rid.startswith("site-"):
        return set(participants.loc[participants["site"] == rid.removeprefix("site-"), "participant_id"])
    if not rid.startswith("cohort-"):  # the funder's report covers everyone
        return set(participants["participant_id"])
    return set(STUDY.cohort_ids(rid.removeprefix("cohort-")))


@pytest.mark.kernel
@pytest.mark.parametrize("rid", SHARED)
def test_a_shared_report_holds_nothing_of_anyone_outside_it(built, rid):
    inside = people_of(rid)
    outside = set(STUDY.participants["participant_id"]) - inside
    excerpts = STUDY.excerpts[~STUDY.excerpts["participant_id"].isin(inside)]
    foreign_text = [t for t in excerpts["text"] if len(t) > 25 and t not in APPROVED]
    assert len(APPROVED) == 3 and (rid == "funder" or foreign_text)
    other_sites = set(STUDY.participants["site"].astype(str)) - set(
        STUDY.participants.loc[STUDY.participants["participant_id"].isin(inside), "site"].astype(str)
    )
    texts = artefacts(built, rid)
    assert any(p.endswith(".ipynb") for p in texts) and any("/extract/" in p for p in texts)
    assert all(any(p.endswith(s) for p in texts) for s in (".pdf", ".csv", ".xlsx", ".docx"))
    found = []
    for path, text in texts.items():
        found += [(path, pid) for pid in outside if pid in text]
        found += [(path, t[:30]) for t in foreign_text if t in text]
        if rid.startswith("site-"):  # no other site named, so no site-level figure of another site
            found += [(path, s) for s in other_sites if re.search(rf"\b{s}\b", text)]
    assert not found, found[:5]


@pytest.mark.kernel
@pytest.mark.parametrize("rid", SHARED)
def test_a_shared_report_shows_no_participant_id_and_no_count_about_people_below_8(built, rid):
    shared = [p for p in (built / rid).rglob("*") if p.is_file()]
    for path in shared:
        text = text_of(path) or ""
        assert not re.search(r"S\d-PW\d\d", text), path  # quotes are labelled by timepoint only
    counts = {c for c, role in COLUMN_ROLES.items() if role.kind == "count"}
    assert {"n", "count", "returned", "face_to_face", "excerpts", "participants"} <= counts
    about_people = 0
    for csv in (built / rid / "tables").glob("*.csv"):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        for column in counts & set(frame.columns):
            kind = data_kind(csv.stem, column)
            assert kind is not None, (csv.name, column)
            if kind == "programme":  # the programme's own record: exact for a funder and a site lead
                continue
            numbers = pd.to_numeric(frame[column].replace({"*": None, "": None}), errors="coerce").dropna()
            about_people += len(numbers)
            assert not ((numbers > 0) & (numbers < 8)).any(), (csv.name, column)
    assert about_people > 5  # every shared report shows counts about people (its own or the study's)


@pytest.mark.kernel
@pytest.mark.parametrize("rid", SHARED)
def test_a_shared_reports_workbook_shows_every_figure_the_report_withheld_as_c(built, rid):
    """The workbook lays its tables out anew (labels, types, formats): none of that brings back a
    figure the policy withheld. Every cell the records withheld, and every ``*`` of the CSVs, is a
    ``[c]`` (or the identifier's replacement the CSV holds), on every table's sheet."""
    import openpyxl

    book = openpyxl.load_workbook(built / rid / "tables.xlsx")
    records = document_of(built, rid).tables()
    names = sheet_names(r.name for r in records)
    withheld = 0
    for record in records:
        csv = pd.read_csv(built / rid / record.csv, dtype=str, keep_default_na=False)
        # the sheet lays the CSV out as the report lays out the table: follow each CSV row there
        laid = shaped(record, csv.assign(_row=[str(r) for r in range(1, len(csv) + 1)]))
        assert laid is not None
        if "_row" in laid:  # rows reordered: a withheld cell is in the row its CSV row went to
            moved = {int(r): i + 1 for i, r in enumerate(laid.pop("_row"))}
            cells = {(moved[r], c) for r, c in record.withheld_cells}
        else:  # rows regrouped (a row per site): every withheld figure is a * of the regrouped frame
            assert all(csv[c].iat[r - 1] == "*" for r, c in record.withheld_cells), record.name
            cells = set()
        head, rows = table_of(book[names[record.name]])
        first = len(head) - len(laid.columns)
        stars = {(r + 1, c) for c in laid.columns for r in range(len(laid)) if laid[c].iat[r] == "*"}
        for row, column in {*cells, *stars}:
            cell = rows[row - 1][first + list(laid.columns).index(column)].value
            want = laid[column].iat[row - 1]
            assert cell == "[c]" if want == "*" else (cell == want or cell == "[z]"), (record.name, row, column, cell)
            withheld += 1
    assert withheld > 0  # every shared report of the example withholds something


@pytest.mark.kernel
def test_every_shared_report_passes_the_audit_and_the_study_report_does_not(built, tmp_path, capsys):
    summary = tmp_path / "summary.csv"
    assert main(["audit", *(str(built / rid) for rid in SHARED), "--summary", str(summary)]) == 0
    checked = pd.read_csv(summary)
    assert set(checked["report"]) == set(SHARED) and set(checked["status"]) <= {"pass", "review"}
    assert (checked["status"] == "pass").sum() > 0.8 * len(checked)
    capsys.readouterr()
    assert main(["audit", str(built / "study"), "--summary", str(summary)]) == 1
    assert "internal report" in capsys.readouterr().out


@pytest.mark.kernel
def test_the_audit_given_the_study_finds_a_group_the_reports_give_away_once_a_withheld_figure_is_put_back(
    built, tmp_path, capsys
):
    """With --study the audit knows who is behind each released figure and searches every
    combination of the shared reports exactly. The contracted cohort holds every peer worker with
    contact records but the bank staff, so its people-supported mean beside the whole study's would
    give the bank staff's away: the build withholds it, and the audit fails once it is written back."""
    study = load_study()
    contracted = set(study.cohort_ids("contracted"))
    recorded = set(study.contacts["participant_id"].astype(str))
    left_out = recorded - contracted  # who the two figures together give away, found here from the study
    assert 0 < len(left_out) < 8
    copy = tmp_path / "reports"
    shutil.copytree(built, copy, ignore=shutil.ignore_patterns("*.pdf", "*.docx", "*.xlsx", "*.html", "figures"))
    folders = [str(copy / rid) for rid in SHARED]
    summary = ["--summary", str(tmp_path / "summary.csv")]
    assert main(["audit", *folders, "--study", *summary]) == 0
    assert "gives away a group" not in capsys.readouterr().out
    path = copy / "cohort-contracted" / "tables" / "table1.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = frame.index[frame["variable"] == "number_of_peers"][0]
    assert (frame.loc[row, ["n", "mean"]] == "*").all()  # withheld by the build
    frame.loc[row, ["n", "mean", "sd"]] = [str(len(recorded & contracted)), "9.6", "8.2"]
    frame.to_csv(path, index=False)
    assert main(["audit", *folders, *summary]) == 0  # the released files alone cannot tell
    capsys.readouterr()
    assert main(["audit", *folders, "--study", *summary]) == 1
    said = [line for line in capsys.readouterr().out.splitlines() if "gives away a group" in line]
    # every place the figure is shown fails: the cohorts that together cover the contracted staff
    assert {line.split(": error: ")[1] for line in said} == {
        "sample/number_of_peers: what cohort-contracted, cohort-early_starters and cohort-late_starters show, "
        f"with the whole study's, gives away a group of {len(left_out)} people, fewer than 8 [disclosure]"
    }
    assert f"{path}:{row + 2}: error: " in said[0] and len(said) == 3


def copy_report(built: Path, rid: str, tmp_path: Path) -> Path:
    folder = tmp_path / rid
    shutil.copytree(built / rid, folder)
    return folder


def test_the_audit_catches_a_tampered_table_without_reading_the_record(built, tmp_path, capsys):
    folder = copy_report(built, "site-S7", tmp_path)
    path = folder / "tables" / "table3_study_wide.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert frame.loc[4, "n"] != "*"
    frame.loc[4, ["n", "mean"]] = ["5", "3.9"]  # as if a site's own figure had been written in
    frame.to_csv(path, index=False)
    summary = tmp_path / "summary.csv"
    assert main(["audit", str(folder), "--policy", "site_lead", "--summary", str(summary)]) == 1
    out = capsys.readouterr().out
    assert "table3_study_wide.csv:6: n: error: a count below 8 is shown" in out
    assert "table3_study_wide.csv:6: mean: error: rests on 5 people; the policy needs 8" in out
    checked = pd.read_csv(summary).set_index("table")
    assert checked.loc["table3_study_wide", "status"] == "fail" and checked.loc["recruitment", "status"] == "pass"


def test_the_audit_finds_a_withheld_cell_that_the_others_give_away(tmp_path, capsys):
    tables = tmp_path / "site-X" / "tables"
    tables.mkdir(parents=True)
    pd.DataFrame(
        {
            "variable": "gender",
            "level": ["Female", "Male", "Other"],
            "n": ["30", "30", "30"],
            "count": ["15", "10", "*"],
            "percent": ["50.0", "33.33", "*"],
            "mean": "",
            "sd": "",
            "min": "",
            "max": "",
        }
    ).to_csv(tables / "table1.csv", index=False)
    pd.DataFrame(
        {
            "instrument": "wemwbs",
            "subscale": "total",
            "timepoint": ["T1"],
            "n": ["25"],
            "mean": ["50.1"],
            "study_n": ["30"],
            "study_mean": ["49.2"],
            "study_sd": ["10.3"],
        }
    ).to_csv(tables / "table3_study.csv", index=False)
    # counts not rounded (threshold10): the withheld cell is exactly 30 − 15 − 10
    assert (
        main(["audit", str(tmp_path / "site-X"), "--policy", "threshold10", "--summary", str(tmp_path / "s.csv")]) == 1
    )
    out = capsys.readouterr().out
    assert "table1.csv:4: count: error: the withheld cells can be found from the n shown: about 5" in out
    assert "table3_study.csv:2: mean: error: the study's other 5 people can be found" in out
    # rounded to 5 (nhs_digital), the same figures leave the cell anywhere from 0 to 12: for review
    assert (
        main(["audit", str(tmp_path / "site-X"), "--policy", "nhs_digital", "--summary", str(tmp_path / "s.csv")]) == 0
    )
    assert set(pd.read_csv(tmp_path / "s.csv")["status"]) == {"review"}


@pytest.mark.kernel
def test_unsuppressed_reports_say_so_on_every_page(built):
    pages = PdfReader(built / "study" / "report.pdf").pages
    assert len(pages) > 5 and all("Internal — not for distribution" in p.extract_text() for p in pages)
    site = PdfReader(built / "site-S7" / "report.pdf").pages
    assert not any("Internal" in p.extract_text() for p in site)
    first = site[0].extract_text().replace("\n", " ")
    assert "Written for a site lead" in first and "fewer than 8 people" in first


@pytest.mark.kernel
def test_the_smallest_site_gets_its_own_programme_facts_the_study_as_context_and_no_quote_of_its_own(built):
    folder = built / "site-S7"
    html = (folder / "report.html").read_text()
    people = STUDY.participants[STUDY.participants["site"] == "S7"]
    # its own recruitment and activity, exact and equal to the data, against its own target
    recruitment = pd.read_csv(folder / "tables" / "recruitment.csv", dtype=str).set_index("stage")
    assert recruitment.loc["consented", "count"] == str(len(people)) == "3"
    assert recruitment.loc["consented", "target"] == "4"
    contacts = STUDY.contacts[STUDY.contacts["participant_id"].isin(people["participant_id"])]
    activity = pd.read_csv(folder / "tables" / "activity.csv", dtype=str)
    assert activity["all_contacts"].iloc[0] == str(len(contacts))
    assert (folder / "tables" / "completeness.csv").is_file()
    first = pdf_text(folder / "report.pdf").split("Contents")[0].replace("\n", " ")
    assert "Site S7 has 3 peer workers" in first and "whole study" in first
    # figures about its people: the whole study's in their place, titled so; no figure box left empty
    for name in ("table1", "table2", "table3", "table4", "table5"):
        assert (folder / "tables" / f"{name}_study_wide.csv").is_file(), name
    assert "Table 1. Sample characteristics — whole study" in html
    assert "Every count here is withheld" not in html and "no change could be tested" not in html.lower()
    drawn = html.count("<svg")
    assert drawn >= 5 and html.count('class="pi-caption"') <= drawn
    # quotes: none of its own three interviewees, the study's approved ones instead, unattributed
    own = set(STUDY.excerpts.loc[STUDY.excerpts["participant_id"].isin(people["participant_id"]), "text"])
    shared = [p for p in folder.rglob("*") if p.is_file()]
    assert own and not [(p.name, t[:30]) for p in shared for t in own if t in (text_of(p) or "")]
    quotes = pd.read_csv(folder / "tables" / "quotes.csv", dtype=str, keep_default_na=False)
    assert len(quotes) == 3 and set(quotes["text"]) <= APPROVED
    assert set(quotes["label"]) == {"Peer worker (study-wide)"} and set(quotes["timepoint"]) == {""}


@pytest.mark.kernel
def test_reports_of_one_build_cannot_be_subtracted_from_each_other(example_copy, tmp_path, capsys):
    from peerimpact.builder.pipeline import build

    yml = example_copy / "study.yml"
    yml.write_text(
        yml.read_text().replace(
            "cohorts:\n",
            "cohorts:\n"
            "  most: {label: All but S7, where: {site: [S1, S2, S3, S4, S5, S6]}}\n"
            "  four: {label: S1 to S4, where: {site: [S1, S2, S3, S4]}}\n"
            "  five: {label: S1 to S5, where: {site: [S1, S2, S3, S4, S5]}}\n",
            1,
        )
    )
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "cohort.yml").write_text(
        "id: cohort\nkind: cohort\ntitle: T\nsections: [03_outcomes]\nformats: [html]\ncohorts: [most, four, five]\n"
    )
    out = tmp_path / "out"
    result = build(example_copy, out=out, reports_dir=defs, jobs=2, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed] + [p.format() for p in result.problems]

    def table(rid: str) -> pd.DataFrame:
        own = out / rid / "tables" / "table3.csv"
        if not own.exists():  # every figure of its own withheld: the whole study's shown in its place
            whole = pd.read_csv(out / rid / "tables" / "table3_study_wide.csv", dtype=str)
            return whole.assign(mean="*").set_index(["instrument", "subscale", "timepoint"])
        return pd.read_csv(own, dtype=str).set_index(["instrument", "subscale", "timepoint"])

    # all but S7 beside the whole study: the study's mean less theirs would be S7's 3 people
    scores = STUDY.scores.dropna(subset=["score"])
    s7 = (
        scores[scores["participant_id"].str.startswith("S7-")]
        .groupby(["instrument", "subscale", "timepoint"], observed=True)
        .size()
    )
    most = table("cohort-most")
    assert len(s7) > 20 and all(most.loc[key, "mean"] == "*" for key in s7.index if 0 < s7[key] < 8)
    record = pd.read_csv(out / "cohort-most" / "tables" / "_suppression.csv")
    assert (record["kind"] == "withheld").sum() >= len(s7)
    # two cohorts that differ by S5's 3 people: never both shown
    four, five = table("cohort-four"), table("cohort-five")
    s5 = (
        scores[scores["participant_id"].str.startswith("S5-")]
        .groupby(["instrument", "subscale", "timepoint"], observed=True)
        .size()
    )
    both = [
        key for key in s5.index if 0 < s5[key] < 8 and four.loc[key, "mean"] != "*" and five.loc[key, "mean"] != "*"
    ]
    assert len(s5) > 20 and not both
    capsys.readouterr()
    assert (
        main(
            [
                "audit",
                *(str(out / r) for r in ("cohort-most", "cohort-four", "cohort-five")),
                "--summary",
                str(tmp_path / "s.csv"),
            ]
        )
        == 0
    )


@pytest.mark.parametrize("rid", SHARED)
def test_the_record_of_withheld_cells_says_no_more_than_the_tables(built, rid):
    """Which withheld cells fell below the threshold and which protect them would say which groups
    are empty and which small; the rows of a table withheld whole would say which levels occur."""
    tables = built / rid / "tables"
    record = pd.read_csv(tables / "_suppression.csv", dtype=str, keep_default_na=False)
    assert record.groupby("table")["rule"].nunique().le(1).all() and record["kind"].nunique() <= 1
    for name, lines in record.groupby("table"):
        if not (tables / f"{name}.csv").exists():  # a figure, or withheld whole: the study's shown instead
            assert len(lines) == 1 and lines["row"].eq("").all() and lines["column"].eq("").all(), name
        else:  # rows taken out (quotes not shown) are not numbered: their number would count people's words
            shown = len(pd.read_csv(tables / f"{name}.csv", dtype=str))
            numbered = pd.to_numeric(lines["row"], errors="coerce").dropna()
            assert (numbered <= shown).all() and (len(lines) == 1 or lines["row"].ne("").all()), name
    if rid == "site-S7":  # three peer workers: its own Table 1 is withheld whole
        assert not (tables / "table1.csv").exists() and (record["table"] == "table1").sum() == 1


# Every numeric column a shared report's tables may hold, decided here and not read from the
# package: "people" is a count of people or of their answers, which is 0 or at least the
# threshold; "programme" is the programme's own record (recruitment, returns, activity,
# milestones), shown exactly to the audiences that see it; "statistic" is a figure computed from
# people that is not a count (a mean, a percent, a p value, a norm); "position" numbers a row or
# an item; "ledger" holds every released figure, each checked where it is shown. A column not
# listed fails until someone decides which it is.
NUMERIC_COLUMNS = {
    "people": {
        "table1": {"count", "n"},
        "table2": {"count", "n"},
        "table3": {"n"},
        "table3_study": {"n", "study_n"},
        "table4": {"n"},
        "table5": {"n", "participants", "excerpts", "fewest_at_a_timepoint"},
        "codes_by_timepoint": {"excerpts", "participants"},
        "mixed_models": {"n_people", "n_obs"},
        "headline_table3": {"n"},
        "headline_table4": {"n"},
    },
    "programme": {
        "activity": {"all_contacts", "completed", "contacts", "people_supported"},
        "activity_by_site": {
            "all_completed", "all_expected_contacts", "all_face_to_face", "all_people_supported", "all_per_month",
            "all_percent_of_target", "all_target_per_month", "all_telephone", "completed", "expected_contacts",
            "face_to_face", "months", "people_supported", "per_month", "percent_of_target", "target_per_month",
            "telephone",
        },
        "completeness": {"items_missing", "percent_items_missing", "returned", "scores", "scores_lost"},
        "milestones": {"count", "target"},
        "programme": {"months", "of_people", "people", "per_month", "percent_of_goal", "target"},
        "recruitment": {
            "all_expected", "all_percent_of_expected", "all_percent_retained", "all_retained", "all_returned_first",
            "all_target", "count", "expected", "n", "percent_of_expected", "percent_retained", "retained",
            "returned_first", "target", "target_percent",
        },
        "flow": {"count", "n"},
    },
    "statistic": {
        "table1": {"mean", "percent", "sd"},
        "table3": {"mean", "norm_mean", "norm_sd", "range_max", "range_min", "sd"},
        "table3_study": {"mean", "study_mean", "study_sd"},
        "table4": {"change", "ci_high", "ci_low", "d_z", "es", "p", "p_wilcoxon"},
        "table5": {"change", "ci_high", "ci_low", "es", "mean", "norm_mean", "norm_sd", "p", "std_difference"},
        "mixed_models": {"ci_high", "ci_low", "estimate", "p", "p_adjusted", "se"},
        "headline_table3": {"mean", "norm_mean", "norm_sd", "range_max", "range_min", "sd"},
        "headline_table4": {"change", "ci_high", "ci_low", "d_z", "es", "p", "p_wilcoxon"},
    },
    "position": {"_released": {"row"}, "_suppression": {"row"}, "table5": {"item"}},
    "ledger": {"_released": {"value"}},
}  # fmt: skip


def _kinds(table: str, column: str) -> set[str]:
    base = table.removesuffix("_study_wide")
    return {kind for kind, tables in NUMERIC_COLUMNS.items() if column in tables.get(base, set())}


@pytest.mark.kernel
@pytest.mark.parametrize("rid", SHARED)
def test_every_numeric_column_of_a_shared_table_is_one_the_test_knows_and_people_counts_are_0_or_8_up(built, rid):
    unknown, small, people_counts = [], [], 0
    for csv in sorted((built / rid / "tables").glob("*.csv")):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        for column in frame.columns:
            values = frame[column][~frame[column].isin(["", "*"])]
            numbers = pd.to_numeric(values, errors="coerce")
            if values.empty or numbers.isna().any():
                continue  # text, or nothing shown
            kinds = _kinds(csv.stem, column)
            if len(kinds) != 1:
                unknown.append((csv.name, column, sorted(kinds)))
                continue
            if kinds == {"people"}:
                people_counts += len(numbers)
                small += [(csv.name, column, v) for v in numbers if 0 < v < 8]
    assert not unknown, f"numeric columns no kind is decided for (add them to NUMERIC_COLUMNS): {unknown}"
    assert not small, small[:10]
    assert people_counts > 5
