"""Validation rules, each with the line and column it reports; the CLI's output and exit codes."""

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import move_contacts_outside, write_bytes
from peerimpact import load_questionnaire_file, load_study
from peerimpact.cli import main
from peerimpact.ingest.readers import read_table
from peerimpact.problems import Problems

T1 = [f"wemwbs_{i}_t1" for i in range(1, 15)]
T2 = [f"wemwbs_{i}_T2" for i in range(1, 15)]


def wide_row(pid: str, site: str, t1: list[str], t2: list[str]) -> str:
    return ",".join([pid, site, *t1, *t2]) + "\n"


def messy_wemwbs(tmp_path: Path) -> Path:
    """The wide WEMWBS export of the acceptance check: BOM, CRLF, every kind of mess."""
    t1 = ["4"] * 14
    t1[2] = ""  # blank item 3
    t2 = ["3"] * 14
    t2[4] = "-99"  # item 5 coded -99
    b1 = ["1", "2", "3", "4", "5"] * 2 + ["1", "2", "3", "4"]
    c1 = ["5"] * 14
    c1[5] = "7"  # out of range
    c2 = ["2"] * 14
    c2[1], c2[8] = "NA", " "  # two missing items: T2 total is missing
    e1 = ["3"] * 14
    e1[0], e1[13] = "NA", "-99"  # two missing items: T1 total is missing
    e2 = ["4"] * 7 + ["3"] * 7
    text = (
        "participant_id,site,"
        + ",".join(T1 + T2)
        + "\n"
        + wide_row("S1-PW01", "S1", t1, t2)  # line 2
        + wide_row("S1-PW02", "s1", b1, [""] * 14)  # line 3: lower-case site, no T2 data
        + wide_row("S1-PW03 ", "S1", c1, c2)  # line 4: trailing space, value 7
        + wide_row("S1-PW01", "S1", t1, t2)  # line 5: identical to line 2
        + wide_row("S2-PW01", "S2", e1, e2)
    )  # line 6
    return write_bytes(tmp_path / "wemwbs_export.csv", text, bom=True, crlf=True)


def as_tuples(problems):
    return sorted((p.line, p.column, p.value, p.rule, p.severity) for p in problems)


def test_messy_export_reports_every_problem_at_its_line_and_column(tmp_path):
    path = messy_wemwbs(tmp_path)
    before = path.read_bytes()
    _, _, problems = load_questionnaire_file(path, instruments=["wemwbs"])
    assert as_tuples(problems) == [
        (3, "site", "s1", "site-normalised", "warning"),
        (4, "participant_id", "S1-PW03 ", "id-whitespace", "warning"),
        (4, "wemwbs_6_t1", "7", "out-of-range", "error"),
        (4, "wemwbs_9_T2", " ", "blank-cell", "warning"),
        (5, "participant_id", "S1-PW01", "duplicate-row", "warning"),
    ]
    assert path.read_bytes() == before  # input never modified


def test_messy_export_scores_as_a_statistician_would_by_hand(tmp_path):
    path = messy_wemwbs(tmp_path)
    _, scores, problems = load_questionnaire_file(path, instruments=["wemwbs"], out_of_range="missing")
    assert not problems.has_errors
    got = {(r.participant_id, r.timepoint): r for r in scores.itertuples()}
    assert set(got) == {
        ("S1-PW01", "T1"),
        ("S1-PW01", "T2"),
        ("S1-PW02", "T1"),
        ("S1-PW03", "T1"),
        ("S1-PW03", "T2"),
        ("S2-PW01", "T1"),
        ("S2-PW01", "T2"),
    }
    # S1-PW01 T1: 13 answered 4s -> 4 x 14 = 56; T2: 13 answered 3s -> 42
    assert got[("S1-PW01", "T1")].score == 56.0 and got[("S1-PW01", "T1")].prorated
    assert got[("S1-PW01", "T2")].score == 42.0
    # S1-PW02 T1: complete, 1+2+3+4+5 twice plus 1+2+3+4 = 40; site read as S1
    assert got[("S1-PW02", "T1")].score == 40.0 and got[("S1-PW02", "T1")].site == "S1"
    # S1-PW03 T1: the 7 is missing, 13 answered 5s -> 70; T2: two missing -> no score
    assert got[("S1-PW03", "T1")].score == 70.0 and got[("S1-PW03", "T1")].items_missing == 1
    assert math.isnan(got[("S1-PW03", "T2")].score) and got[("S1-PW03", "T2")].items_missing == 2
    # S2-PW01 T1: two missing -> no score; T2: 7 x 4 + 7 x 3 = 49
    assert math.isnan(got[("S2-PW01", "T1")].score)
    assert got[("S2-PW01", "T2")].score == 49.0
    assert [p.rule for p in problems.warnings].count("out-of-range") == 1


def test_cli_validate_prints_one_line_per_problem_and_exits_2(tmp_path, capsys):
    path = messy_wemwbs(tmp_path)
    assert main(["validate", str(path), "--instrument", "wemwbs"]) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "1 error, 4 warnings in 1 file"
    [error_line] = [line for line in out if ": error:" in line]
    assert error_line.endswith(
        "wemwbs_export.csv:4: wemwbs_6_t1: error: outside wemwbs's range 1 to 5 [out-of-range] (value '7')"
    )


def test_cli_score_error_mode_writes_nothing(tmp_path, capsys):
    path = messy_wemwbs(tmp_path)
    out = tmp_path / "scores.csv"
    assert main(["score", str(path), "--instrument", "wemwbs", "--out", str(out)]) == 2
    assert not out.exists()
    assert "not written" in capsys.readouterr().err


def test_cli_score_missing_mode_writes_scores(tmp_path):
    path = messy_wemwbs(tmp_path)
    out = tmp_path / "scores.csv"
    assert main(["score", str(path), "--instrument", "wemwbs", "--out-of-range", "missing", "--out", str(out)]) == 0
    written = pd.read_csv(out)
    assert written.columns.tolist() == [
        "participant_id",
        "site",
        "timepoint",
        "instrument",
        "subscale",
        "score",
        "items_answered",
        "items_missing",
        "prorated",
    ]
    assert len(written) == 7
    assert written.loc[written["participant_id"] == "S1-PW03", "score"].iloc[0] == 70.0


@pytest.mark.integration
def test_cli_refuses_to_write_over_its_input(tmp_path, example_copy):
    path = messy_wemwbs(tmp_path)
    before = path.read_bytes()
    assert main(["score", str(path), "--out-of-range", "missing", "--out", str(path)]) == 2
    assert path.read_bytes() == before
    people = example_copy / "participants.csv"
    before = people.read_bytes()
    assert main(["score", str(example_copy), "--out", str(people)]) == 2
    assert people.read_bytes() == before
    assert main(["score", str(example_copy), "--out", str(example_copy / "scores.csv")]) == 0


def long_file(tmp_path: Path, rows: list[str], extra_header: str = "") -> Path:
    header = "participant_id,site,timepoint," + ",".join(f"wemwbs_{i}" for i in range(1, 15)) + extra_header
    return write_bytes(tmp_path / "long.csv", header + "\n" + "".join(r + "\n" for r in rows))


OK = ",".join(["3"] * 14)


@pytest.mark.parametrize(
    "row, rule, column, value",
    [
        ("A,S1,T1," + OK.replace("3", "x", 1), "not-a-number", "wemwbs_1", "x"),
        ("A,S1,T1," + OK.replace("3", "2.5", 1), "not-whole", "wemwbs_1", "2.5"),
        ("A,S1,T1," + OK.replace("3", "0", 1), "out-of-range", "wemwbs_1", "0"),
        ("A,S9,T1," + OK, "unknown-site", "site", "S9"),
        ("A,S1,T4," + OK, "unknown-timepoint", "timepoint", "T4"),
        (",S1,T1," + OK, "id-missing", "participant_id", None),
    ],
)
def test_each_error_rule_with_its_line(tmp_path, example_copy, row, rule, column, value):
    path = long_file(tmp_path, ["B,S1,T1," + OK, row])
    _, _, problems = load_questionnaire_file(path, instruments=["wemwbs"], study=example_copy)
    [err] = problems.errors
    assert (err.line, err.column, err.value, err.rule) == (3, column, value, rule)


def test_conflicting_duplicate_is_an_error_naming_both_lines(tmp_path):
    path = long_file(tmp_path, ["A,S1,T1," + OK, "B,S1,T1," + OK, "A,S1,T1," + OK.replace("3", "4", 1)])
    records, _, problems = load_questionnaire_file(path, instruments=["wemwbs"])
    [err] = problems.errors
    assert (err.line, err.rule) == (4, "duplicate-conflict")
    assert "first at line 2" in err.message and "wemwbs_1" in err.message
    assert records["participant_id"].tolist() == ["B"]  # neither version is trusted


def test_required_column_missing(tmp_path):
    path = write_bytes(tmp_path / "q.csv", "participant_id,wemwbs_1,wemwbs_2\nA,3,3\n")
    _, _, problems = load_questionnaire_file(path, instruments=["wemwbs"])
    assert ("column-missing", 1, "timepoint") in {(p.rule, p.line, p.column) for p in problems.errors}


def test_all_problems_of_a_file_are_reported_at_once(tmp_path):
    rows = [f"P{i},S1,T1," + OK.replace("3", "9", 1) for i in range(5)]
    path = long_file(tmp_path, rows)
    _, _, problems = load_questionnaire_file(path, instruments=["wemwbs"])
    assert [p.line for p in problems.errors] == [2, 3, 4, 5, 6]


def test_unknown_column_is_a_warning(tmp_path):
    path = long_file(tmp_path, ["A,S1,T1," + OK + ",x"], extra_header=",wemwbs_15")
    _, scores, problems = load_questionnaire_file(path, instruments=["wemwbs"])
    assert [(p.rule, p.column, p.severity) for p in problems] == [("unknown-column", "wemwbs_15", "warning")]
    assert scores["score"].tolist() == [42.0]


def test_study_cross_file_checks(example_copy):
    q = example_copy / "questionnaires.csv"
    lines = q.read_text().splitlines(keepends=True)
    lines.append(lines[1].replace("S1-PW01,S1,T1", "S9-PW99,S1,T2"))  # not a participant
    lines.append(lines[2].replace("S1-PW02,S1,T1", "S1-PW02,S2,T2").replace(",T2,", ",T2,", 1))
    q.write_text("".join(lines))
    study = load_study(example_copy)
    rules = {(p.line, p.rule) for p in study.problems.errors}
    n = len(lines)
    assert (n - 1, "unknown-participant") in rules
    assert (n, "site-conflict") in rules or (n, "duplicate-conflict") in rules


@pytest.mark.integration
def test_example_study_validates_cleanly_from_the_command_line():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "peerimpact.cli",
            "validate",
            str(Path(__file__).parents[1] / "peerimpact" / "data" / "example"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("no problems found")
    assert "Traceback" not in done.stderr


def test_bad_study_yml_is_reported_with_file_line_and_key(example_copy, capsys):
    yml = example_copy / "study.yml"
    yml.write_text(
        yml.read_text()
        .replace("timepoints: [T1, T2, T3]", "timepoints: [T1, T2, T3]\ncolour: blue")
        .replace("participants: participants.csv", "participant: participants.csv")
    )
    assert main(["validate", str(example_copy)]) == 2
    out = capsys.readouterr().out
    assert "study.yml:7: colour: error: unknown key [params]" in out
    assert "files.participants: error: required key is missing" in out
    assert "files.participant: error: unknown key" in out
    assert "Traceback" not in out


def test_cli_score_writes_the_format_its_name_says(tmp_path, capsys):
    path = messy_wemwbs(tmp_path)
    args = ["score", str(path), "--instrument", "wemwbs", "--out-of-range", "missing", "--out"]
    assert main(args + [str(tmp_path / "scores.xlsx")]) == 0
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "scores.xlsx").active  # a real workbook, not CSV text
    assert [c.value for c in sheet[1]][:3] == ["participant_id", "site", "timepoint"]
    assert sheet.max_row == 8
    assert main(args + [str(tmp_path / "scores.csv")]) == 0
    assert (tmp_path / "scores.csv").read_text().startswith("participant_id,site,timepoint")
    capsys.readouterr()
    assert main(args + [str(tmp_path / "scores.txt")]) == 2
    err = capsys.readouterr().err
    assert "must end in .csv or .xlsx" in err and "Traceback" not in err
    assert not (tmp_path / "scores.txt").exists()


def test_cli_score_of_a_missing_file_says_so_without_a_wrong_hint(tmp_path, capsys):
    assert main(["score", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "scores.csv")]) == 2
    err = capsys.readouterr().err
    assert "file-missing" in err and "--out-of-range" not in err
    path = messy_wemwbs(tmp_path)
    assert main(["score", str(path), "--instrument", "wemwbs", "--out", str(tmp_path / "scores.csv")]) == 2
    assert "--out-of-range missing" in capsys.readouterr().err  # here the hint fits: a value out of range


def test_validate_instrument_checks_that_instrument_only(tmp_path, capsys):
    items = [f"wemwbs_{i}" for i in range(1, 15)] + [f"mbi_{i}" for i in range(1, 23)]
    text = "participant_id,site,timepoint," + ",".join(items) + "\n"
    text += "S1-PW01,S1,T1," + ",".join(["3"] * 14 + ["9"] * 22) + "\n"  # MBI items out of range
    path = write_bytes(tmp_path / "export.csv", text)
    assert main(["validate", str(path), "--instrument", "wemwbs"]) == 0
    out = capsys.readouterr().out
    assert "mbi_" not in out and out.strip().endswith("no problems found")
    assert main(["validate", str(path), "--instrument", "mbi"]) == 2
    out = capsys.readouterr().out
    assert "mbi_1: error" in out and "wemwbs_" not in out


def test_validate_instrument_of_a_study_reports_that_instrument_only(example_copy, capsys):
    path = example_copy / "questionnaires.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("mbi_1")] = "9"
    path.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n")
    assert main(["validate", "--study", str(example_copy), "--instrument", "wemwbs"]) == 0
    assert "mbi_1" not in capsys.readouterr().out
    assert main(["validate", "--study", str(example_copy), "--instrument", "mbi"]) == 2
    assert "mbi_1: error" in capsys.readouterr().out
    assert main(["validate", "--study", str(example_copy), "--instrument", "nope"]) == 2
    out = capsys.readouterr().out  # reported as a problem of study.yml, like every other
    assert "study.yml: instruments: error: not an instrument of this study" in out and "'nope'" in out


@pytest.mark.integration
def test_every_command_names_the_study_with_study(example_copy, tmp_path, capsys):
    assert main(["validate", "--study", str(example_copy)]) == 0
    assert main(["validate", str(example_copy)]) == 0  # the positional path is kept as an alias
    out = tmp_path / "scores.csv"
    assert main(["score", "--study", str(example_copy), "--out", str(out)]) == 0 and out.is_file()
    capsys.readouterr()
    assert main(["validate", str(example_copy), "--study", str(tmp_path)]) == 2
    assert "two studies named" in capsys.readouterr().err
    assert main(["validate"]) == 0  # no study named: the example, and it says so first
    assert capsys.readouterr().out.startswith("Using the embedded example study")


def test_data_root_named_on_the_command_line_lets_a_study_use_files_outside_its_folder(example_copy, tmp_path):
    from peerimpact.ingest.study import InvalidStudy

    shared = move_contacts_outside(example_copy, tmp_path / "shared")
    yml = example_copy / "study.yml"
    with pytest.raises(InvalidStudy) as refused:
        load_study(example_copy)
    [problem] = refused.value.problems.errors
    assert (problem.column, problem.rule, problem.value) == (
        "files.contacts",
        "outside-study",
        "../shared/contacts.csv",
    )
    assert problem.line == yml.read_text().splitlines().index("  contacts: ../shared/contacts.csv") + 1
    study = load_study(example_copy, roots=[shared])
    assert not study.problems.has_errors and len(study.contacts) > 1000


def test_a_participant_left_out_takes_its_rows_in_every_file_with_it_in_one_error(example_copy):
    path = example_copy / "participants.csv"
    lines = path.read_text().splitlines(keepends=True)
    assert lines[2].startswith("S1-PW02,") and ",49," in lines[2]
    path.write_text("".join(lines) + lines[2].replace(",49,", ",50,"))  # line 34: S1-PW02 again, another age
    study = load_study(example_copy)
    [error] = study.problems.errors
    assert (Path(error.file).name, error.line, error.rule) == ("participants.csv", 34, "duplicate-conflict")
    assert "first at line 3" in error.message
    for frame in (study.participants, study.questionnaires, study.service_use, study.contacts, study.excerpts):
        ids = set(frame["participant_id"])
        assert "S1-PW02" not in ids and "S1-PW01" in ids


def test_a_header_is_counted_by_its_names_not_its_commas(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERIMPACT_MAX_COLUMNS", "3")
    path = write_bytes(tmp_path / "t.csv", 'a,"b, c","d, e, f"\n1,2,3\n')
    problems = Problems()
    table = read_table(path, problems)
    assert not problems and table.columns == ["a", "b, c", "d, e, f"]
    path.write_bytes(b"a,b,c" + b"\r1,2,3" * 2_000 + b"\r")  # lines end in CR alone: 2,000 rows, not one of 6,000 names
    assert len(read_table(path, problems).rows) == 2_000 and not problems
    write_bytes(path, 'a,b,"c",d\n1,2,3,4\n')
    assert read_table(path, problems) is None
    [problem] = problems
    assert (problem.line, problem.rule) == (1, "too-large")
    assert problem.message == "the header has 4 columns; the limit is 3 (raise it with PEERIMPACT_MAX_COLUMNS)"
