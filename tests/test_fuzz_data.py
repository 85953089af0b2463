"""Data files that cost too much to hold, values that only look alike, digits of other scripts,
and messages that must name the real cause.

Each case breaks a copy of the example study and runs a command in-process through
``test_fuzz.run_case`` (or, where a warning is the right answer, :func:`run_read`, its twin
for exit 0): no traceback, the exit code, a problem located at the broken file's line, no
input changed, nothing written. On top of those, the problem lines must say what is wrong
(``says``), may have to be few (``count``) or all about the broken file (``alone``), and none
may be longer than a screen.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from peerimpact import load_study
from peerimpact.resources import example_study_dir
from test_fuzz import Case, append, contact, example_members, qdpx, qual, run_case, validate, write, yml

LONGEST = 400  # characters in one problem line: a message shows where a line starts, not the file


@dataclass
class DataCase(Case):
    says: tuple[str, ...] = ()  # each must be in one problem line naming ``where``
    code: int = 2  # 0: the input is read, and a warning says what was passed over
    count: int | None = None  # problem lines (errors and warnings) in all, when the point is how few
    alone: bool = False  # every problem names ``where``: nothing cascades into other files


def widen(path: Path, names: int) -> None:
    """Add ``names`` columns to a CSV's header, and none to its rows."""
    head, rest = path.read_text(encoding="utf-8").split("\n", 1)
    write(path, head + "".join(f",extra_{i}" for i in range(names)) + "\n" + rest)


def wide_header(names: int):
    def breaks(study: Path) -> list[str]:
        widen(study / "contacts.csv", names)
        return validate(study)

    return breaks


def many_cells(study: Path) -> list[str]:
    """1,996 columns (under the column limit) over 11,011 rows: 22 million cells, from a 0.5 MB file."""
    widen(study / "contacts.csv", 1_990)
    append(study / "contacts.csv", "S1-PW02,S1-PW02-P01,2019-01-13,face_to_face,1,yes\n" * 9_000)
    return validate(study)


def wide_workbook(study: Path) -> list[str]:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["participant_id", "timepoint", "service", "contact"] + [f"extra_{i}" for i in range(2_100)])
    ws.append(["S1-PW01", "T1", "gp", "yes"])
    wb.save(study / "service_use.xlsx")
    return yml(study, "service_use: service_use.csv", "service_use: service_use.xlsx")


def far_reaching_workbook(study: Path) -> list[str]:
    """Four named columns, but rows with a cell out in column 1,000: each is read that wide."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["participant_id", "timepoint", "service", "contact"])
    for _ in range(100):
        ws.append(["S1-PW01", "T1", "gp", "yes"] + [None] * 995 + ["far"])
    wb.save(study / "service_use.xlsx")
    return yml(study, "service_use: service_use.csv", "service_use: service_use.xlsx")


def wide_spss(study: Path) -> list[str]:
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame(
        {
            "participant_id": ["S1-PW01"],
            "timepoint": ["T1"],
            "service": ["gp"],
            "contact": ["yes"],
            **{f"extra_{i}": [1.0] for i in range(2_100)},
        }
    )
    pyreadstat.write_sav(frame, str(study / "service_use.sav"))
    return yml(study, "service_use: service_use.csv", "service_use: service_use.sav")


def extra_columns(name: str, columns: list[str]):
    def breaks(study: Path) -> list[str]:
        path = study / name
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        blanks = "," * len(columns)
        write(
            path,
            lines[0].rstrip("\n")
            + ","
            + ",".join(columns)
            + "\n"
            + "".join(line.rstrip("\n") + blanks + "\n" for line in lines[1:]),
        )
        return validate(study)

    return breaks


def cell(name: str, line: int, column: str, value: str):
    """A case that sets one cell of a study's CSV (``line`` as an editor numbers it)."""

    def breaks(study: Path) -> list[str]:
        path = study / name
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = lines[0].rstrip("\n").split(",")
        cells = lines[line - 1].rstrip("\n").split(",")
        cells[header.index(column)] = value
        lines[line - 1] = ",".join(cells) + "\n"
        write(path, "".join(lines))
        return validate(study)

    return breaks


def person(pid: str = "S1-PW99", site: str = "S1", age: str = "40") -> str:
    """A participants row in the example's columns."""
    return f"{pid},{site},Female,,,,,,,,{age},contracted,1,3,10,0,2019-01-01,,,"


def rows(name: str, *lines: str):
    def breaks(study: Path) -> list[str]:
        append(study / name, "".join(line + "\n" for line in lines))
        return validate(study)

    return breaks


def header_only(study: Path) -> list[str]:
    path = study / "participants.csv"
    write(path, path.read_text(encoding="utf-8").split("\n", 1)[0] + "\n")
    return validate(study)


def conflicting_duplicate(study: Path) -> list[str]:
    path = study / "participants.csv"
    second = path.read_text(encoding="utf-8").splitlines()[2]  # S1-PW02, aged 49
    assert ",49," in second
    append(path, second.replace(",49,", ",50,") + "\n")
    return validate(study)


def quote_never_closed_mid_file(study: Path) -> list[str]:
    path = study / "contacts.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(1000, 'S1-PW02,"S1-PW02-P01,2019-01-13,face_to_face,1,yes\n')
    write(path, "".join(lines))
    return validate(study)


def offsets_in_other_digits(study: Path) -> list[str]:
    members = example_members(study)
    project = members["project.qde"].decode()
    assert 'endPosition="140"' in project
    members["project.qde"] = project.replace('endPosition="140"', 'endPosition="\u0661\u0664\u0660"', 1).encode()
    return qual(qdpx(study, members))


NFC_ID, NFD_ID = "S1-PW\u00e9", unicodedata.normalize("NFD", "S1-PW\u00e9")

WIDE = [
    DataCase(
        "200,000 header names",
        wide_header(200_000),
        "contacts.csv",
        says=("the header has 200,006 columns; the limit is 2,000", "PEERIMPACT_MAX_COLUMNS"),
        count=1,
    ),
    DataCase(
        "rows x columns over the cell limit",
        many_cells,
        "contacts.csv",
        says=("1,996 columns = 21,977,956 cells; the limit is 20,000,000 cells", "PEERIMPACT_MAX_CELLS"),
    ),
    DataCase(
        "workbook header too wide",
        wide_workbook,
        "service_use.xlsx",
        says=("the header has 2,104 columns; the limit is 2,000",),
    ),
    DataCase(
        "workbook rows reach far past the header",
        far_reaching_workbook,
        "service_use.xlsx",
        says=("more than 50,000 cells by row 51 (this row reaches column 1,000)",),
        env={"PEERIMPACT_MAX_CELLS": "50000"},
    ),
    DataCase("SPSS file too wide", wide_spss, "service_use.sav", says=("the header has 2,104 columns",)),
    DataCase(
        "service use: unknown columns",
        extra_columns("service_use.csv", ["foo", "bar", "baz"]),
        "service_use.csv",
        code=0,
        says=("service_use.csv:1: foo: warning: 3 unknown columns: foo, bar, baz",),
        count=1,
    ),
    DataCase(
        "contacts: 1,500 unknown columns",
        extra_columns("contacts.csv", [f"x{i}" for i in range(1_500)]),
        "contacts.csv",
        code=0,
        says=("1,500 unknown columns: x0, x1, x2, x3, x4 and 1,495 more",),
        count=1,
    ),
    DataCase(
        "questionnaires: 1,500 unrecognised columns",
        extra_columns("questionnaires.csv", [f"x{i}" for i in range(1_500)]),
        "questionnaires.csv",
        code=0,
        says=("1,500 columns: x0, x1, x2, x3, x4 and 1,495 more not recognised",),
        count=1,
    ),
]

LOOKALIKE = [
    DataCase(
        "participant ID with a non-breaking hyphen",
        rows("participants.csv", person("S1\u2011PW01")),
        "participants.csv",
        says=("'S1\u2011PW01' looks like 'S1-PW01' at line 2", "U+2011 NON-BREAKING HYPHEN", "(value 'S1\u2011PW01')"),
    ),
    DataCase(
        "participant ID in full-width letters",
        rows("participants.csv", person("\uff33\uff11-PW01")),
        "participants.csv",
        says=("looks like 'S1-PW01' at line 2", "U+FF33 FULLWIDTH LATIN CAPITAL LETTER S"),
    ),
    DataCase(
        "participant ID in another case",
        rows("participants.csv", person("s1-pw01")),
        "participants.csv",
        says=("'s1-pw01' looks like 'S1-PW01' at line 2, but they differ only in case",),
    ),
    DataCase(
        "composed and decomposed ID: one participant, twice",
        rows("participants.csv", person(NFC_ID, age="40"), person(NFD_ID, age="41")),
        "participants.csv",
        says=(f"participant {NFC_ID} appears again (first at line 34) with different values in age",),
    ),
    DataCase(
        "ID with a trailing space beside the same ID without",
        rows("service_use.csv", "S1-PW01 ,T1,gp,no"),
        "service_use.csv",
        says=("'S1-PW01 ' looks like 'S1-PW01' at line 2, but they differ only in spaces at the ends",),
    ),
    DataCase(
        "site in full-width letters",
        rows("participants.csv", person(site="\uff33\uff11")),
        "participants.csv",
        says=("site 'Ｓ１' looks like the site 'S1' of study.yml", "U+FF11 FULLWIDTH DIGIT ONE"),
    ),
    DataCase(
        "timepoint in full-width letters",
        rows("service_use.csv", "S1-PW01,\uff34\uff11,gp,no"),
        "service_use.csv",
        says=("timepoint 'Ｔ１' looks like the timepoint 'T1' of study.yml",),
    ),
    DataCase(
        "look-alike of a participant in another file",
        contact(pid="S2\u2011PW07"),
        "contacts.csv",
        says=(
            "not in the participants file; it looks like 'S2-PW07' (line 13 of participants.csv)",
            "U+2011 NON-BREAKING HYPHEN",
        ),
        count=1,
    ),
    DataCase(
        "look-alike of an ID further up the same file",
        contact(pid="S1\u2011PW02"),
        "contacts.csv",
        says=("'S1\u2011PW02' looks like 'S1-PW02' at line 153",),
        count=1,
    ),
    DataCase(
        "code in another case",
        rows("codebook.csv", "Purpose,Purpose again,Feeling valued,x"),
        "codebook.csv",
        says=("code 'Purpose' looks like 'purpose' at line 10, but they differ only in case",),
    ),
    DataCase(
        "theme in another case",
        rows("codebook.csv", "new_code,New code,Feeling Valued,x"),
        "codebook.csv",
        says=("theme 'Feeling Valued' looks like 'Feeling valued' at line 2",),
    ),
    DataCase(
        "excerpt coded with a look-alike code",
        rows("excerpts.csv", "X-9,S1-PW01,T1,\uff50urpose,Words."),
        "excerpts.csv",
        says=("it looks like the code 'purpose'", "U+FF50 FULLWIDTH LATIN SMALL LETTER P"),
    ),
]

DIGITS = [
    DataCase(
        "age in Arabic-Indic digits",
        rows("participants.csv", person(age="\u0664\u0665")),
        "participants.csv",
        says=("age: error: U+0664 ARABIC-INDIC DIGIT FOUR is not an ASCII digit", "(value '٤٥')"),
    ),
    DataCase(
        "item in Arabic-Indic digits",
        cell("questionnaires.csv", 2, "wemwbs_1", "\u0664"),
        "questionnaires.csv",
        says=("wemwbs_1: error: U+0664 ARABIC-INDIC DIGIT FOUR is not an ASCII digit; wemwbs items take",),
    ),
    DataCase(
        "missing code in Arabic-Indic digits",
        cell("questionnaires.csv", 2, "wemwbs_1", "-\u0669\u0669"),
        "questionnaires.csv",
        says=("U+0669 ARABIC-INDIC DIGIT NINE is not an ASCII digit",),
    ),
    DataCase(
        "date with a full-width digit",
        contact(date="2019-01-1\uff13"),
        "contacts.csv",
        says=("date: error: U+FF13 FULLWIDTH DIGIT THREE is not an ASCII digit",),
    ),
    DataCase(
        "digit separator in a number",
        contact(duration="1_0"),
        "contacts.csv",
        says=("duration_minutes: error: '_' is not allowed in a number", "(value '1_0')"),
    ),
    DataCase(
        "selection offset in Arabic-Indic digits",
        offsets_in_other_digits,
        "project.qdpx",
        says=("U+0661 ARABIC-INDIC DIGIT ONE is not an ASCII digit",),
    ),
]

MESSAGES = [
    DataCase(
        "participants file with a header only",
        header_only,
        "participants.csv",
        says=("participants.csv:1: error: the participants file has no rows",),
        count=1,
    ),
    DataCase(
        "one participant twice, with different values",
        conflicting_duplicate,
        "participants.csv",
        says=("participant S1-PW02 appears again (first at line 3) with different values in age",),
        count=1,
    ),
    DataCase(
        "quote never closed, mid-file",
        quote_never_closed_mid_file,
        "contacts.csv",
        says=(
            "contacts.csv:1001: error: a quoted cell that starts on this line is never closed",
            "(value 'S1-PW02,\"S1-PW02-P01,2019-01-13,face_to_face,1,yes')",
        ),
        count=1,
    ),
    DataCase(
        "participants file that is binary",
        lambda s: (write(s / "participants.csv", b"\0\1\2" * 100), validate(s))[1],
        "participants.csv",
        alone=True,
        says=("line holds NUL bytes",),
    ),
    DataCase(
        "unknown participant on forty rows",
        rows("contacts.csv", *["S9-PW99,S9-PW99-P01,2019-01-13,face_to_face,30,yes"] * 40),
        "contacts.csv",
        says=("participant is not in the participants file; its other rows in this file",),
        count=1,
    ),
]

CASES = WIDE + LOOKALIKE + DIGITS + MESSAGES


def run_read(case: DataCase, tmp_path: Path, monkeypatch) -> str:
    """:func:`test_fuzz.run_case` for input that is read with a warning: exit 0 and a warning
    naming ``case.where`` (and its line), no input changed, nothing written, done in time."""
    return run_case(case, tmp_path, monkeypatch, exit_code=0)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_data_file_problem_is_located_and_says_why(case: DataCase, tmp_path: Path, monkeypatch) -> None:
    text = run_case(case, tmp_path, monkeypatch) if case.code == 2 else run_read(case, tmp_path, monkeypatch)
    problems = [line for line in text.splitlines() if re.search(r": (error|warning): ", line)]
    located = [line for line in problems if case.where in line]
    for phrase in case.says:
        assert any(phrase in line for line in located), (phrase, located[:5])
    if case.count is not None:
        assert len(problems) == case.count, problems[:10]
    if case.alone:
        assert all(case.where in line for line in problems), [line for line in problems if case.where not in line]
    assert max(len(line) for line in text.splitlines()) <= LONGEST, max(text.splitlines(), key=len)[:500]


PEAK = """
import resource, sys
from peerimpact.cli import main
code = main(["validate", "--study", sys.argv[1]])
print("peak KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(code)
"""


@pytest.mark.integration
def test_a_header_of_a_million_names_is_refused_before_it_costs_memory(tmp_path: Path) -> None:
    """7.9 MB of header names once took 5.3 GB and 68 s and reported no problem."""
    study = tmp_path / "study"
    shutil.copytree(example_study_dir(), study)
    widen(study / "contacts.csv", 1_000_000)
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(study)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "contacts.csv:1: error: the header has 1,000,006 columns; the limit is 2,000" in done.stdout
    peak_mb = int(re.search(r"peak KB (\d+)", done.stdout).group(1)) / 1024
    # the unbounded read took 5.3 GB; the import of the package alone varies by a few hundred MB
    assert peak_mb < 1024, f"peak {peak_mb:.0f} MB"


def test_a_decomposed_id_is_the_participant_of_its_composed_twin(example_copy: Path) -> None:
    """NFC and NFD spell the same text: a contact logged under the decomposed form is the participant's."""
    append(example_copy / "participants.csv", person(NFC_ID) + "\n")
    append(example_copy / "contacts.csv", f"{NFD_ID},P-1,2019-02-01,telephone,20,yes\n")
    study = load_study(example_copy)
    assert not study.problems, [p.format() for p in study.problems]
    assert NFC_ID in set(study.participants["participant_id"])
    assert study.contacts["participant_id"].eq(NFC_ID).sum() == 1


def test_there_are_cases_of_every_kind() -> None:
    assert len(WIDE) >= 5 and len(LOOKALIKE) >= 8 and len(DIGITS) >= 5 and len(MESSAGES) >= 4
    assert len({c.name for c in CASES}) == len(CASES)
