"""The no-op check: a build with nothing to do answers from file hashes, before the study is loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import BUILT, move_contacts_outside
from peerimpact.builder.inputs import RECORD, fingerprint, remember, unchanged
from peerimpact.builder.request import BuildRequest


def request(study: Path, out: Path, **fields) -> BuildRequest:
    return BuildRequest(study=study, out=out, **fields)


def test_the_fingerprint_follows_contents_and_options_not_times(example_copy, tmp_path):
    base = fingerprint(request(example_copy, tmp_path / "out"))
    (example_copy / "participants.csv").touch()
    assert fingerprint(request(example_copy, tmp_path / "out")) == base  # a new time, the same bytes
    assert fingerprint(request(example_copy, tmp_path / "out", only=("study",))) != base
    assert fingerprint(request(example_copy, tmp_path / "out", overrides=(("min_pairs", "8"),))) != base
    quest = example_copy / "questionnaires.csv"
    quest.write_bytes(quest.read_bytes().replace(b",4,", b",5,", 1))
    assert fingerprint(request(example_copy, tmp_path / "out")) != base


def test_a_file_named_outside_the_study_folder_counts(example_copy, tmp_path):
    outside = move_contacts_outside(example_copy, tmp_path / "data")
    base = fingerprint(request(example_copy, tmp_path / "out", roots=(outside,)))
    log = outside / "contacts.csv"
    log.write_text(log.read_text() + log.read_text().splitlines()[-1] + "\n")
    assert fingerprint(request(example_copy, tmp_path / "out", roots=(outside,))) != base


def test_a_redcap_export_named_outside_the_study_folder_counts(tmp_path):
    from peerimpact.example.generator import write

    study, exports = tmp_path / "study", tmp_path / "exports"
    write(study, format="redcap")
    exports.mkdir()
    (study / "redcap" / "project.xml").rename(exports / "project.xml")
    yml = study / "study.yml"
    yml.write_text(yml.read_text().replace("  records: redcap/records.csv", "  odm: ../exports/project.xml", 1))
    base = fingerprint(request(study, tmp_path / "out", roots=(exports,)))
    odm = exports / "project.xml"
    odm.write_text(odm.read_text().replace('Value="4"', 'Value="5"', 1))
    assert fingerprint(request(study, tmp_path / "out", roots=(exports,))) != base


def test_only_a_complete_record_with_every_report_in_place_is_unchanged(example_copy, tmp_path):
    out = tmp_path / "out"
    asked = request(example_copy, out)
    (out / "study").mkdir(parents=True)
    manifest = {"reports": {"study": {"status": "ok"}}}
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert unchanged(asked) is None  # no record: a build that never ended well
    remember(out, fingerprint(asked), [{"id": "study", "seconds": {}, "built_at": "x"}], [])
    assert unchanged(asked)["reports"][0]["id"] == "study"
    manifest["reports"]["study"]["status"] = "failed"
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert unchanged(asked) is None
    manifest["reports"]["study"]["status"] = "ok"
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "study").rmdir()
    assert unchanged(asked) is None  # a report folder removed by hand


def test_a_no_op_build_from_the_command_line_loads_nothing_heavy(built):
    """The built reports are up to date: the command answers without pandas, in a fresh process."""
    assert (built / RECORD).is_file()
    code = (
        "import sys, time; t = time.perf_counter(); from peerimpact.cli import main; "
        f"rc = main(['build', '--out', {str(built)!r}]); "
        "print('heavy' if 'pandas' in sys.modules else 'light', round(time.perf_counter() - t, 3), rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert lines[-1].split()[0] == "light" and lines[-1].split()[-1] == "0"
    assert f"0 built, {len(BUILT)} up to date, 0 failed" in done.stdout
