"""A build under hostile conditions: colliding report ids, other sites' levels, kills, dying kernels."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from peerimpact.builder.pipeline import build
from peerimpact.builder.plan import plan
from peerimpact.ingest.study import load_study
from peerimpact.report.extract import serialise
from peerimpact.resources import params_dir
from test_pipeline import notebook, reports_dir, work


def rename_sites(study: Path, names: dict[str, str]) -> None:
    """Give sites new codes in study.yml and in the site columns (participant IDs stay as they are)."""
    yml = study / "study.yml"
    text = yml.read_text()
    for old, new in names.items():
        text = re.sub(rf"\b{old}\b(?=[,\]])", json.dumps(new), text, count=1)
        text = re.sub(rf"\b{old}:", f"{json.dumps(new)}:", text)  # recruitment targets by site
    yml.write_text(text)
    for name in ("participants.csv", "questionnaires.csv"):
        path = study / name
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["site"] = frame["site"].replace(names)
        frame.to_csv(path, index=False)


@pytest.mark.kernel
def test_sites_that_differ_only_in_punctuation_get_reports_of_their_own(example_copy, tmp_path):
    rename_sites(example_copy, {"S1": "A-B", "S2": "A_B"})
    people = pd.read_csv(example_copy / "participants.csv", dtype=str)
    own = {site: set(people.loc[people["site"] == site, "participant_id"]) for site in ("A-B", "A_B")}
    defs = reports_dir(tmp_path, site=["01_sample", "05_qualitative"])
    out = tmp_path / "out"
    result = build(example_copy, out=out, reports_dir=defs, only=["site-A-B", "site-A_B"], jobs=2, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed] + [p.format() for p in result.problems]
    for site, rid in (("A-B", "site-A-B"), ("A_B", "site-A_B")):
        other = own["A_B" if site == "A-B" else "A-B"]
        extract = pd.read_csv(work(out) / rid / "extract" / "participants.csv", dtype=str)
        assert set(extract["participant_id"]) == own[site]
        html = (out / rid / "report.html").read_text()
        assert f"Site {site}" in html
        assert not [pid for pid in other if pid in html]
        assert not re.findall(r"S[12]-PW\d\d", html)  # a shared report labels quotes by timepoint only
        excerpts = pd.read_csv(example_copy / "excerpts.csv", dtype=str)
        quoted = set(pd.read_csv(out / rid / "tables" / "quotes.csv")["text"])
        assert quoted and quoted <= set(excerpts.loc[excerpts["participant_id"].isin(own[site]), "text"])


@pytest.mark.kernel
def test_sites_that_would_share_a_report_id_are_an_error_naming_both(example_copy, tmp_path):
    rename_sites(example_copy, {"S1": "A B", "S2": "A/B"})
    result = build(example_copy, out=tmp_path / "out", echo=lambda m: None)
    assert result.exit_code == 2
    [problem] = [p for p in result.problems.errors if p.rule == "report-id"]
    assert "Site A B" in problem.message and "Site A/B" in problem.message and problem.value == "site-A_B"
    assert not (tmp_path / "out").exists()


@pytest.mark.integration
def test_a_site_report_shows_only_levels_of_its_own_participants(example_copy):
    yml = example_copy / "study.yml"
    text = yml.read_text()
    start, end = text.index("categories:\n"), text.index("cohorts:\n")
    yml.write_text(text[:start] + text[end:])  # levels now come from the data, not from study.yml
    study = load_study(example_copy)
    assert not study.problems.has_errors
    planned, problems = plan(study, params_dir() / "reports", params=params_dir(), kinds=["site"])
    assert not problems.has_errors
    people = study.participants
    checked = 0
    for report in planned:
        mine = people[people["site"].astype(str) == report.scope]
        columns = json.loads(serialise(report.extract)["columns.json"])
        for column, kind in columns["participants"].items():
            if kind["type"] != "category" or column in ("site", "contract_type"):
                continue
            seen = set(mine[column].dropna().astype(str))
            assert set(kind["categories"]) == seen, (report.id, column)
            checked += 1
    assert checked >= 6 * 7


@pytest.mark.kernel
def test_pool_workers_shut_their_kernels_down_when_the_build_ends(tmp_path):
    # A worker's warm kernel is shut down, not killed with it: a killed kernel leaves its
    # socket folder (pi-*) in the temporary folder, one per worker and build.
    notebook(tmp_path / "quick.ipynb", "answer = 42")
    defs = reports_dir(tmp_path, study=["../quick.ipynb"], site=["../quick.ipynb"])
    # a short temporary folder of its own: the workers' sockets must fit a Unix socket's 108 bytes,
    # which a test's own folder under a parallel run (…/popen-gw1/test_…/) may not leave room for
    temp = Path(tempfile.mkdtemp(prefix="pi-test-", dir="/tmp"))
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "peerimpact.cli",
        "build",
        "--out",
        str(out),
        "--reports-dir",
        str(defs),
        "--only",
        "study,site-S1,site-S2",
        "--jobs",
        "2",
        "--formats",
        "html",
    ]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "TMPDIR": str(temp)})
    assert done.returncode == 0, done.stderr
    logs = [(work(out) / rid / "build.log").read_text() for rid in ("study", "site-S1", "site-S2")]
    kernels = {m.group(1) for log in logs for m in re.finditer(r"kernel (\d+): report", log)}
    assert len(kernels) == 2, kernels  # two workers, each with a kernel of its own
    assert not list(temp.glob("pi-*"))
    shutil.rmtree(temp)


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid``."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parent[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, p in parent.items() if p in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.kernel
def test_a_killed_parallel_build_leaves_no_process_and_no_staging_behind(tmp_path):
    notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(120)")
    defs = reports_dir(tmp_path, study=["../slow.ipynb"], site=["../slow.ipynb"])
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "peerimpact.cli",
        "build",
        "--out",
        str(out),
        "--reports-dir",
        str(defs),
        "--only",
        "study,site-S1",
        "--jobs",
        "2",
    ]
    build_process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    kernels: set[int] = set()
    while time.monotonic() < deadline and len(kernels) < 2:  # both reports are running a cell
        time.sleep(0.5)
        below = descendants(build_process.pid)
        kernels = {p for p in below if b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()}
    assert len(kernels) == 2, "the build never got its two kernels running"
    everything = descendants(build_process.pid)
    assert (out / ".staging").is_dir() and any((out / ".staging").iterdir())
    build_process.send_signal(signal.SIGKILL)
    build_process.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(alive(p) for p in everything):
        time.sleep(0.2)
    assert not [p for p in everything if alive(p)], "workers or kernels outlived the build"
    assert not (out / "study").exists() and not (out / "site-S1").exists()  # nothing was published

    notebook(tmp_path / "slow.ipynb", "answer = 42")  # the same reports, now quick
    result = build(out=out, reports_dir=defs, only=["study", "site-S1"], jobs=2, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed]
    assert not (out / ".staging").exists()
    manifest = json.loads((out / "manifest.json").read_text())["reports"]
    published = {p.name for p in out.iterdir() if p.is_dir()}
    assert published == set(manifest) == {"study", "site-S1"}
    assert all(e["status"] == "ok" and (out / rid / "report.html").is_file() for rid, e in manifest.items())


@pytest.mark.kernel
def test_a_dying_kernel_is_reported_with_its_section_cell_and_cause(tmp_path):
    notebook(tmp_path / "dies.ipynb", "x = 1", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    defs = reports_dir(tmp_path, study=["01_sample", "../dies.ipynb"])
    result = build(out=tmp_path / "out", reports_dir=defs, jobs=1, echo=lambda m: None)
    assert result.exit_code == 1
    [failed] = result.failed
    assert failed.error.startswith("section dies, cell 4 (counting from 1):")
    assert "os.kill(os.getpid(), signal.SIGKILL)" in failed.error
    assert "the kernel was killed by SIGKILL" in failed.error
    assert "nbclient" not in failed.error and "papermill" not in failed.error
    assert len(failed.error.splitlines()) < 8
    assert not (tmp_path / "out" / "study").exists()


def test_a_new_build_waits_until_no_process_of_an_earlier_one_holds_the_folder(tmp_path):
    from peerimpact.builder.processes import wait_for_workers

    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom peerimpact.builder.processes import "
            "hold_workers_lock\nhold_workers_lock(sys.argv[1])\nprint('held', flush=True)\n"
            "time.sleep(120)",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert not wait_for_workers(out, timeout=0.5)  # a worker or kernel of a killed build still runs
    finally:
        holder.kill()
        holder.wait()
    assert wait_for_workers(out, timeout=5)
