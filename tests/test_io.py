"""Readers: encodings, line endings, missing codes, spreadsheets and SPSS files."""

import pandas as pd
import pytest

from conftest import write_bytes
from peerimpact import load_questionnaire_file
from peerimpact.ingest.readers import read_table
from peerimpact.ingest.vocabulary import Vocabulary
from peerimpact.problems import Problems

HEADER = "participant_id,timepoint," + ",".join(f"wemwbs_{i}" for i in range(1, 15)) + "\n"


def line(pid: str, tp: str, items: list[str]) -> str:
    return f"{pid},{tp}," + ",".join(items) + "\n"


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("crlf", [False, True])
def test_csv_bom_and_line_endings_read_alike(tmp_path, bom, crlf):
    path = write_bytes(
        tmp_path / "q.csv",
        HEADER + line("A", "T1", ["3"] * 14) + line("B", "T1", ["x"] + ["4"] * 13),
        bom=bom,
        crlf=crlf,
    )
    problems = Problems()
    table = read_table(path, problems)
    assert table.columns[0] == "participant_id"  # the BOM is not part of the first name
    assert table.lines == [2, 3]
    assert table.rows[1][2] == "x"
    records, scores, problems = load_questionnaire_file(path, instruments=["wemwbs"])
    [err] = problems.errors
    assert (err.line, err.column, err.value, err.rule) == (3, "wemwbs_1", "x", "not-a-number")
    # the bad cell is one missing item of B's 14: B's total is prorated from 13 answered 4s
    assert scores["score"].tolist() == [42.0, 56.0]


def test_quoted_field_spanning_lines_keeps_physical_line_numbers(tmp_path):
    text = 'participant_id,note,timepoint,wemwbs_1\nA,"two\nlines",T1,3\nB,,T1,9\n'
    path = write_bytes(tmp_path / "q.csv", text)
    _, _, problems = load_questionnaire_file(path, instruments=["wemwbs"])
    bad = [p for p in problems.errors if p.rule == "out-of-range"]
    assert [(p.line, p.value) for p in bad] == [(4, "9")]


@pytest.mark.parametrize("code", ["", " ", "   ", "NA", "na", "-99", "-9", "-99.0"])
def test_each_default_missing_code_is_missing(code):
    assert Vocabulary().is_missing(code)


@pytest.mark.parametrize("value", ["0", "1", "99", "-1", "N", "none"])
def test_values_that_are_not_missing_codes(value):
    assert not Vocabulary().is_missing(value)


def test_missing_codes_are_configurable():
    vocab = Vocabulary(missing_codes=["999", "refused"])
    assert vocab.is_missing("999") and vocab.is_missing("Refused") and vocab.is_missing(" ")
    assert not vocab.is_missing("-99")


def test_non_utf8_file_is_read_with_a_warning(tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes(("participant_id,timepoint,wemwbs_1,note\nA,T1,3,caf\xe9\n").encode("cp1252"))
    problems = Problems()
    table = read_table(path, problems)
    assert table.rows[0][3] == "café"
    assert [p.rule for p in problems] == ["encoding"] and problems.warnings


def test_xlsx_rows_are_sheet_rows(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["participant_id", "timepoint"] + [f"wemwbs_{i}" for i in range(1, 15)])
    ws.append(["A", "T1"] + [3] * 14)
    ws.append([None] * 16)  # an empty row is skipped but still counts for row numbers
    ws.append(["B", "t2"] + [4.0] * 13 + [8])
    path = tmp_path / "q.xlsx"
    wb.save(path)
    records, scores, problems = load_questionnaire_file(path, instruments=["wemwbs"])
    [err] = problems.errors
    assert (err.line, err.column, err.value) == (4, "wemwbs_14", "8")
    assert scores["score"].tolist() == [42.0, 56.0]
    assert records["timepoint"].tolist() == ["T1", "T2"]


def test_sav_round_trip_with_value_labels(tmp_path, example_copy):
    pyreadstat = pytest.importorskip("pyreadstat")
    from peerimpact import load_study

    people = pd.read_csv(example_copy / "participants.csv", dtype=str, keep_default_na=False)
    codes = {"Male": 1, "Female": 2, "Prefer not to say": 3}
    people["gender"] = people["gender"].map(codes).astype(float)
    for col in ["age", "months_in_post", "contracted_hours", "sick_days"]:
        people[col] = pd.to_numeric(people[col])
    pyreadstat.write_sav(
        people,
        str(example_copy / "participants.sav"),
        variable_value_labels={"gender": {v: k for k, v in codes.items()}},
    )
    quest = pd.read_csv(example_copy / "questionnaires.csv", dtype={"participant_id": str})
    pyreadstat.write_sav(quest, str(example_copy / "questionnaires.sav"))
    yml = (example_copy / "study.yml").read_text()
    yml = yml.replace("participants.csv", "participants.sav").replace("questionnaires.csv", "questionnaires.sav")
    (example_copy / "study.yml").write_text(yml)
    from_sav = load_study(example_copy)
    assert not from_sav.problems.has_errors, [p.format() for p in from_sav.problems]
    assert from_sav.participants["gender"].dtype == "category"
    assert from_sav.participants["gender"].value_counts().to_dict() == {
        "Female": 21,
        "Male": 10,
        "Prefer not to say": 1,
    }
    reference = load_study()
    pd.testing.assert_frame_equal(from_sav.scores, reference.scores)


def test_sav_item_codes_stay_numeric_despite_labels(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = pd.DataFrame({"participant_id": ["A"], "timepoint": ["T1"], **{f"wemwbs_{i}": [2.0] for i in range(1, 15)}})
    labels = {f"wemwbs_{i}": {1.0: "lowest", 2.0: "low", 5.0: "highest"} for i in range(1, 15)}
    path = tmp_path / "w.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)
    _, scores, problems = load_questionnaire_file(path, instruments=["wemwbs"])
    assert not problems.has_errors
    assert scores["score"].tolist() == [28.0]


def test_missing_file_is_a_problem_not_a_traceback(tmp_path):
    problems = Problems()
    assert read_table(tmp_path / "nope.csv", problems) is None
    assert problems.errors[0].rule == "file-missing"


def test_repeated_headers_are_an_error_at_line_1_naming_both(tmp_path):
    path = write_bytes(tmp_path / "p.csv", "participant_id,age,site,AGE\nA,30,S1,99\n")
    problems = Problems()
    assert read_table(path, problems) is None
    [problem] = problems.errors
    assert (problem.line, problem.column, problem.rule) == (1, "AGE", "duplicate-column")
    assert "'AGE' repeats column 'age'" in problem.message


def test_formula_cells_without_a_saved_value_are_a_warning_naming_the_cells(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["participant_id", "timepoint", "wemwbs_1"])
    ws.append(["A", "T1", 3])
    ws.append(["B", "T1", "=B2+1"])  # openpyxl saves the formula, never its value
    wb.save(tmp_path / "q.xlsx")
    problems = Problems()
    table = read_table(tmp_path / "q.xlsx", problems)
    assert table.rows[1][2] is None
    [warning] = problems.warnings
    assert (warning.line, warning.column, warning.value, warning.rule) == (3, "wemwbs_1", "=B2+1", "formula-not-saved")
    assert "cell C3" in warning.message and not problems.errors


def test_utf16_text_from_excel_reads_like_utf8(tmp_path):
    text = HEADER + line("A", "T1", ["3"] * 14)
    (tmp_path / "u16.csv").write_bytes(text.encode("utf-16"))
    problems = Problems()
    table = read_table(tmp_path / "u16.csv", problems)
    assert not problems and table.rows[0][:3] == ["A", "T1", "3"]


def test_a_stray_quote_inside_a_cell_is_not_an_unclosed_quote(tmp_path):
    path = write_bytes(tmp_path / "c.csv", "participant_id,note\nA,5'10\" tall\n")
    problems = Problems()
    table = read_table(path, problems)
    assert not problems and table.rows == [["A", "5'10\" tall"]]
