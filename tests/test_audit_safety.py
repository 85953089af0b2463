"""``audit``, ``reproduce`` and ``synth`` on hostile folders: they never hang, never follow a link out of
a report, never pass a table the audit could not read, and never write over a file they did not write.

The report folders are made by hand, as a build leaves them (``tables/``, ``figures/``, the rendered
files); the audit reads nothing else. Commands that could hang or print a traceback run in a process
of their own, with a timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from peerimpact.cli import main

SUMMARY_HEADER = "report,table,status,reasons"
REPRODUCTION_HEADER = "table,row,column,published,target,reproduced,difference,within,erratum"
PASSING = "variable,level,n,count,percent\ngender,Female,30,15,50.0\ngender,Male,30,15,50.0\n"


def built_report(tmp_path: Path, name: str = "site-X") -> Path:
    """A report folder in a build's output folder, with one table that passes nhs_digital."""
    folder = tmp_path / "build" / name
    (folder / "tables").mkdir(parents=True)
    (folder / "figures").mkdir()
    (folder / "tables" / "table1.csv").write_text(PASSING, encoding="utf-8")
    (folder / "figures" / "means.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "report.html").write_text("<html><body>Report</body></html>", encoding="utf-8")
    return folder


def run(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """The command line in a process of its own; a hang fails the test instead of stopping the run."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "peerimpact.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"peerimpact {' '.join(args)} did not finish within {timeout} s")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every regular file under ``folder`` by its relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


# --------------------------------------------------------------------------- audit: what it reads


@pytest.mark.kernel
def test_a_named_pipe_among_the_tables_is_reported_not_waited_for(tmp_path):
    report = built_report(tmp_path)
    os.mkfifo(report / "tables" / "stuck.csv")
    result = run("audit", str(report), "--policy", "nhs_digital", cwd=tmp_path, timeout=30)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "stuck.csv: error: a named pipe (FIFO), not a regular file: not read [table]" in result.stdout
    summary = pd.read_csv(tmp_path / "build" / "audit-summary.csv").set_index("table")
    assert summary.loc["stuck", "status"] == "fail" and summary.loc["table1", "status"] == "pass"


@pytest.mark.kernel
def test_a_symbolic_link_among_the_tables_is_not_followed(tmp_path):
    report = built_report(tmp_path)
    (report / "tables" / "users.csv").symlink_to("/etc/passwd")
    result = run("audit", str(report), "--policy", "nhs_digital", cwd=tmp_path, timeout=30)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "users.csv: error: a symbolic link, not a regular file: not read [table]" in result.stdout
    summary = (tmp_path / "build" / "audit-summary.csv").read_text(encoding="utf-8")
    assert "users,fail" in summary and "root" not in summary and "/bin/" not in summary


@pytest.mark.kernel
def test_a_tables_folder_that_is_a_link_elsewhere_is_not_audited(tmp_path):
    report = built_report(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    (report / "tables").rename(elsewhere)
    (report / "tables").symlink_to(elsewhere)
    result = run("audit", str(report), "--policy", "nhs_digital", cwd=tmp_path, timeout=30)
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "site-X: error: its tables/ is a symbolic link, not a folder of the report's own: not read [report]"
        in result.stdout
    )


@pytest.mark.kernel
def test_a_manifest_that_is_a_named_pipe_is_reported_not_waited_for(tmp_path):
    report = built_report(tmp_path)
    os.mkfifo(tmp_path / "build" / "manifest.json")
    result = run("audit", str(report), cwd=tmp_path, timeout=30)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "manifest.json: error: not a regular file: not read" in result.stdout


@pytest.mark.parametrize("header", ["N,Count", "n,COUNT", " N ,Count", "\ufeffN,Count"])
def test_column_names_are_compared_without_regard_to_case(tmp_path, capsys, header):
    report = built_report(tmp_path)
    summary = tmp_path / "summary.csv"
    (report / "tables" / "small.csv").write_text("n,count\n5,3\n", encoding="utf-8")
    assert main(["audit", str(report), "--policy", "nhs_digital", "--summary", str(summary)]) == 1
    capsys.readouterr()
    (report / "tables" / "small.csv").write_text(f"{header}\n5,3\n", encoding="utf-8")
    assert main(["audit", str(report), "--policy", "nhs_digital", "--summary", str(summary)]) == 1
    out = capsys.readouterr().out
    named = header.lstrip("\ufeff").split(",")
    assert f"small.csv:2: {named[0]}: error: a count below 8 is shown [disclosure] (value '5')" in out
    assert f"small.csv:2: {named[1]}: error: a count below 8 is shown [disclosure] (value '3')" in out
    assert pd.read_csv(summary).set_index("table").loc["small", "status"] == "fail"


@pytest.mark.parametrize("header", ["n,N", "n,n"])
def test_a_second_column_of_the_same_name_is_no_hiding_place(tmp_path, capsys, header):
    report = built_report(tmp_path)
    (report / "tables" / "twice.csv").write_text(f"{header}\n10,3\n", encoding="utf-8")
    assert main(["audit", str(report), "--policy", "nhs_digital", "--summary", str(tmp_path / "s.csv")]) == 2
    assert "twice.csv:1: error: two columns named 'n'" in capsys.readouterr().out
    assert pd.read_csv(tmp_path / "s.csv").set_index("table").loc["twice", "status"] == "fail"


@pytest.mark.parametrize(
    "content, line, message",
    [
        (b"n,count\n10,10\n\xff\xfe,3\n", 3, "not UTF-8 text"),
        (b"n,count\n10,10\n3,3,3\n", 3, "3 cells in a row under a header of 2"),
    ],
)
def test_a_table_the_audit_cannot_read_is_a_located_problem(tmp_path, capsys, content, line, message):
    report = built_report(tmp_path)
    (report / "tables" / "broken.csv").write_bytes(content)
    assert main(["audit", str(report), "--policy", "nhs_digital", "--summary", str(tmp_path / "s.csv")]) == 2
    out = capsys.readouterr().out
    assert f"broken.csv:{line}: error: {message}" in out and "[table]" in out
    assert pd.read_csv(tmp_path / "s.csv").set_index("table").loc["broken", "status"] == "fail"


# --------------------------------------------------------------------------- audit: what it writes


@pytest.mark.parametrize("target", ["tables/table1.csv", "tables/new.csv", "figures/means.png", "report.html"])
def test_the_summary_is_never_written_into_a_report(tmp_path, capsys, target):
    report = built_report(tmp_path)
    before = snapshot(report)
    assert main(["audit", str(report), "--policy", "nhs_digital", "--summary", str(report / target)]) == 2
    assert "refusing to write the summary" in capsys.readouterr().err
    assert snapshot(report) == before


def test_the_summary_goes_over_an_earlier_summary_only(tmp_path, capsys):
    report = built_report(tmp_path)
    notes = tmp_path / "notes.csv"
    notes.write_text("my,own\nnotes,here\n", encoding="utf-8")
    assert main(["audit", str(report), "--policy", "nhs_digital", "--summary", str(notes)]) == 2
    assert "exists and is not a file this command wrote" in capsys.readouterr().err
    assert notes.read_text(encoding="utf-8") == "my,own\nnotes,here\n"
    earlier = tmp_path / "earlier.csv"
    earlier.write_text(f"{SUMMARY_HEADER}\nsite-X,gone,fail,\n", encoding="utf-8")
    assert main(["audit", str(report), "--policy", "nhs_digital", "--summary", str(earlier)]) == 0
    assert earlier.read_text(encoding="utf-8") == f"{SUMMARY_HEADER}\nsite-X,table1,pass,\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_the_default_summary_goes_beside_the_reports_not_into_the_current_folder(tmp_path, capsys, monkeypatch):
    report = built_report(tmp_path)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert main(["audit", str(report), "--policy", "nhs_digital"]) == 0
    assert list(here.iterdir()) == []
    summary = tmp_path / "build" / "audit-summary.csv"
    assert summary.read_text(encoding="utf-8") == f"{SUMMARY_HEADER}\nsite-X,table1,pass,\n"
    assert f"summary for an output checker written to {summary}" in capsys.readouterr().out


# --------------------------------------------------------------------------- reproduce


@pytest.mark.kernel
def test_reproduce_writes_its_table_in_the_report_folder_by_default(tmp_path, capsys, monkeypatch):
    report = built_report(tmp_path, "study")
    tables = snapshot(report / "tables")
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert main(["reproduce", str(report)]) == 1  # hardly any published figure is in this report
    assert list(here.iterdir()) == []
    written = report / "reproduction.csv"
    assert written.read_text(encoding="utf-8").splitlines()[0] == REPRODUCTION_HEADER
    assert f"table written to {written}" in capsys.readouterr().out
    assert snapshot(report / "tables") == tables
    assert main(["reproduce", str(report)]) == 1  # its own table again: written over


@pytest.mark.kernel
@pytest.mark.parametrize("target", ["tables/table1.csv", "tables/reproduction.csv", "report.html", "notes.csv"])
def test_reproduce_never_writes_over_a_report_file_or_a_file_it_did_not_write(tmp_path, capsys, target):
    report = built_report(tmp_path, "study")
    # the study report's own appendix table has the very header reproduce writes
    (report / "tables" / "reproduction.csv").write_text(f"{REPRODUCTION_HEADER}\n", encoding="utf-8")
    (report / "notes.csv").write_text("mine\n", encoding="utf-8")
    before = snapshot(report)
    assert main(["reproduce", str(report), "--csv", str(report / target)]) == 2
    assert "refusing to write the table" in capsys.readouterr().err
    assert snapshot(report) == before


def test_reproduce_reports_a_table_it_cannot_read_at_its_line(tmp_path, capsys):
    report = built_report(tmp_path, "study")
    (report / "tables" / "table3.csv").write_bytes(b"instrument,subscale,timepoint,n,mean\n\xff,a,T1,5,1\n")
    assert main(["reproduce", str(report)]) == 2
    assert "table3.csv:2: error: not UTF-8 text" in capsys.readouterr().out
    assert not (report / "reproduction.csv").exists()


# --------------------------------------------------------------------------- synth


def test_synth_refuses_a_folder_that_is_not_empty_and_changes_nothing(tmp_path, capsys):
    study = tmp_path / "study"
    study.mkdir()
    (study / "study.yml").write_text("name: My real study\n", encoding="utf-8")
    (study / "participants.csv").write_text("participant_id,site\nP1,A\n", encoding="utf-8")
    before = snapshot(study)
    assert main(["synth", "--out", str(study)]) == 2
    err = capsys.readouterr().err
    assert f"refusing to write the example study to {study}: it is not empty" in err and "nothing written" in err
    assert snapshot(study) == before and sorted(p.name for p in study.iterdir()) == ["participants.csv", "study.yml"]


@pytest.mark.parametrize(
    "sizes, option",
    [
        (["--sites", "0", "--per-site", "5"], "--sites"),
        (["--sites", "3", "--per-site", "0"], "--per-site"),
        (["--sites", "-2", "--per-site", "5"], "--sites"),
        (["--sites", "3", "--per-site", "-1"], "--per-site"),
    ],
)
def test_synth_takes_only_positive_sizes(tmp_path, capsys, sizes, option):
    out = tmp_path / "big"
    with pytest.raises(SystemExit) as stopped:
        main(["synth", "--out", str(out), *sizes])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"peerimpact synth: error: argument {option}:" in err and "Traceback" not in err
    assert not out.exists()


def test_synth_refuses_a_study_too_large_to_be_read(tmp_path, capsys):
    out = tmp_path / "huge"
    assert main(["synth", "--out", str(out), "--sites", "1000", "--per-site", "1000"]) == 2
    assert "1,000,000 peer workers; at most 20,000" in capsys.readouterr().err
    assert not out.exists()
