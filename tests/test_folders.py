"""What a build may touch: only folders it made, never the study, never through a link; Ctrl-C and a
full disk leave nothing half-published and no traceback."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from peerimpact.builder.pipeline import build
from peerimpact.cli import main
from test_pipeline import notebook, reports_dir

QUICK = "answer = 42"


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (links as links) with a hash of its bytes: what must not change."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[rel] = "dir"
    return found


def cli(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text
    return code, text


@pytest.fixture
def defs(tmp_path: Path) -> Path:
    notebook(tmp_path / "quick.ipynb", QUICK)
    return reports_dir(tmp_path, study=["../quick.ipynb"], site=["../quick.ipynb"])


def build_cli(study: Path, out: Path, defs: Path, *more: str) -> tuple[int, str]:
    return cli(
        "build",
        "--study",
        str(study),
        "--out",
        str(out),
        "--reports-dir",
        str(defs),
        "--only",
        "study,site-S7",
        "--formats",
        "html",
        "--jobs",
        "1",
        *more,
    )


@pytest.mark.parametrize("where", ["study", "parent", "inside"])
def test_out_may_not_be_the_study_folder_contain_it_or_lie_inside_it(example_copy, defs, where):
    out = {"study": example_copy, "parent": example_copy.parent, "inside": example_copy / "reports"}[where]
    before = tree(example_copy.parent)
    code, text = build_cli(example_copy, out, defs)
    assert code == 2
    assert "the study folder" in text and "nothing was built" in text
    assert tree(example_copy.parent) == before  # no report, no lock, no work folder


def test_work_may_not_be_inside_the_study_folder(example_copy, defs, tmp_path):
    before = tree(example_copy)
    code, text = build_cli(example_copy, tmp_path / "out", defs, "--work", str(example_copy / "work"))
    assert code == 2 and "--work" in text and "the study folder" in text
    assert tree(example_copy) == before and not (tmp_path / "out").exists()


def test_a_folder_holding_other_files_is_refused_and_left_as_it_was(example_copy, defs, tmp_path):
    home = tmp_path / "home"
    for name in ("funder", "site-S7", "study"):
        (home / name).mkdir(parents=True)
        (home / name / "notes.txt").write_text(f"my notes on {name}\n")
    (home / "todo.md").write_text("- ring the funder\n")
    before = tree(home)
    code, text = build_cli(example_copy, home, defs)
    assert code == 2 and "holds no peerimpact build" in text and "funder" in text
    assert tree(home) == before
    assert not (tmp_path / "home-work").exists()


def test_a_work_folder_holding_other_files_is_refused(example_copy, defs, tmp_path):
    work = tmp_path / "mine"
    (work / "study").mkdir(parents=True)
    (work / "study" / "thesis.tex").write_text("chapter one\n")  # a build once replaced <work>/<report id>
    before = tree(work)
    code, text = build_cli(example_copy, tmp_path / "out", defs, "--work", str(work))
    assert code == 2 and "holds no peerimpact work" in text
    assert tree(work) == before and not (tmp_path / "out").exists()


@pytest.mark.kernel
def test_a_report_folder_the_manifest_does_not_list_is_never_replaced(example_copy, defs, tmp_path):
    out = tmp_path / "out"
    assert build_cli(example_copy, out, defs, "--only", "study")[0] == 0  # the last --only counts
    (out / "site-S7").mkdir()
    (out / "site-S7" / "mine.txt").write_text("not a report\n")
    before = tree(out)
    code, text = build_cli(example_copy, out, defs, "--force")
    assert code == 2 and "site-S7" in text and "did not write it" in text
    assert tree(out) == before  # the study report was not rebuilt either: refused before any work


@pytest.mark.kernel
def test_the_reports_of_another_study_are_not_replaced(example_copy, defs, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(example_copy, other)
    out = tmp_path / "out"
    assert build_cli(example_copy, out, defs)[0] == 0
    before = tree(out)
    code, text = build_cli(other, out, defs)
    assert code == 2 and "another study" in text and str(example_copy.resolve()) in text
    assert tree(out) == before


@pytest.mark.kernel
def test_a_rebuild_of_the_same_study_into_its_own_folders_works(example_copy, defs, tmp_path):
    out = tmp_path / "out"
    assert build_cli(example_copy, out, defs)[0] == 0
    (out / "README.txt").write_text("shared drive: do not edit\n")  # a file of the user's beside the reports
    code, text = build_cli(example_copy, out, defs, "--force")
    assert code == 0, text
    assert (out / "README.txt").read_text() == "shared drive: do not edit\n"
    marker = json.loads((tmp_path / "out-work" / ".peerimpact-work.json").read_text())
    assert marker["study"] == str(example_copy.resolve())


@pytest.mark.parametrize("name", [".lock", ".workers.lock", "manifest.json"])
def test_a_symlink_where_a_build_keeps_its_own_file_is_never_followed(example_copy, defs, tmp_path, name):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me\n")
    (out / name).symlink_to(victim)
    code, text = build_cli(example_copy, out, defs)
    assert code == 2 and "symbolic link" in text
    assert victim.read_text() == "keep me\n"
    assert not (out / "study").exists()


def test_lock_files_are_opened_without_following_links(tmp_path):
    from peerimpact.builder.folders import folder_lock
    from peerimpact.builder.processes import hold_workers_lock, release_workers_lock

    victim = tmp_path / "precious.txt"
    victim.write_text("keep me\n")
    (tmp_path / ".lock").symlink_to(victim)
    (tmp_path / ".workers.lock").symlink_to(victim)
    with pytest.raises(OSError, match="symbolic link"), folder_lock(tmp_path):
        pass
    with pytest.raises(OSError, match="symbolic link"):
        hold_workers_lock(tmp_path)
    release_workers_lock()
    assert victim.read_text() == "keep me\n"


@pytest.mark.kernel
def test_a_stale_temporary_file_of_a_failed_build_is_cleaned_by_the_next(example_copy, defs, tmp_path):
    out = tmp_path / "out"
    assert build_cli(example_copy, out, defs)[0] == 0
    (out / ".manifest.json.k3j2l1x0").write_text('{"half": ')  # as a disk-full write left it
    (out / ".index.html.abc").write_text("<html")
    (out / ".notes.txt").write_text("the user's own hidden file\n")
    assert build_cli(example_copy, out, defs, "--force")[0] == 0
    assert not (out / ".manifest.json.k3j2l1x0").exists() and not (out / ".index.html.abc").exists()
    assert (out / ".notes.txt").read_text() == "the user's own hidden file\n"


@pytest.mark.kernel
def test_two_studies_never_share_one_work_folder(example_copy, defs, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(example_copy, other)
    work = tmp_path / "shared-work"
    base = [
        sys.executable,
        "-m",
        "peerimpact.cli",
        "build",
        "--reports-dir",
        str(defs),
        "--formats",
        "html",
        "--jobs",
        "1",
        "--work",
        str(work),
    ]
    started = [
        subprocess.Popen(
            base + ["--study", str(s), "--out", str(tmp_path / o)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for s, o in ((example_copy, "outX"), (other, "outY"))
    ]
    results = [(p.wait(timeout=300), p.stdout.read()) for p in started]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    refused = next(text for code, text in results if code == 2)
    assert "another build is writing" in refused or "another study" in refused
    assert "Traceback" not in refused
    winner = "outX" if results[0][0] == 0 else "outY"
    loser = "outY" if winner == "outX" else "outX"
    assert not (tmp_path / loser / "study").exists() and not (tmp_path / loser / "site-S7").exists()
    owner = example_copy if winner == "outX" else other
    assert json.loads((work / ".peerimpact-work.json").read_text())["study"] == str(owner.resolve())
    # and afterwards, in turn: still refused, and the winner's work is untouched
    before = tree(work)
    code, text = build_cli(
        other if owner == example_copy else example_copy, tmp_path / loser, defs, "--work", str(work)
    )
    assert code == 2 and "another study" in text
    assert tree(work) == before


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for child in Path(f"/proc/{parent}/task").glob("*/children"):
            for kid in map(int, child.read_text().split()):
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
    return found


@pytest.mark.kernel
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_a_build_at_once_with_one_line_and_keeps_the_published_report(example_copy, tmp_path, jobs):
    notebook(tmp_path / "step.ipynb", QUICK)
    defs = reports_dir(tmp_path, study=["../step.ipynb"], site=["../step.ipynb"])
    out = tmp_path / "out"
    assert (
        build(
            example_copy, out=out, reports_dir=defs, only=["study", "site-S7"], formats=["html"], echo=lambda m: None
        ).exit_code
        == 0
    )
    before = tree(out)
    notebook(tmp_path / "step.ipynb", "import time\ntime.sleep(120)")  # the next build hangs in its sections
    command = [
        sys.executable,
        "-m",
        "peerimpact.cli",
        "build",
        "--study",
        str(example_copy),
        "--out",
        str(out),
        "--reports-dir",
        str(defs),
        "--only",
        "study,site-S7",
        "--formats",
        "html",
        "--jobs",
        jobs,
    ]
    # as a terminal does it: the build leads its own process group, which Ctrl-C signals whole
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    kernels: set[int] = set()
    while time.monotonic() < deadline and len(kernels) < int(jobs):
        time.sleep(0.3)
        kernels = {p for p in _descendants(process.pid) if b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()}
    assert len(kernels) == int(jobs), "the build never got its kernels running"
    time.sleep(1)  # into the sleeping cell
    everything = _descendants(process.pid)
    pressed = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    took = time.monotonic() - pressed
    assert process.returncode == 130
    assert took < 2.0, f"{took:.1f} s from Ctrl-C to exit"
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        "peerimpact build: interrupted (reports already published are kept; none was half-published)"
    ]
    time.sleep(0.5)
    assert not [
        p
        for p in everything
        if Path(f"/proc/{p}").exists() and Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    ]
    assert not (out / ".staging").exists()
    # the published reports, index and manifest as they were (the no-op record is dropped as a build starts)
    assert {k: v for k, v in tree(out).items() if k != ".inputs.json"} == {
        k: v for k, v in before.items() if k != ".inputs.json"
    }


def _in_a_small_disk(script: str, disk: Path, size: str) -> subprocess.CompletedProcess:
    """Run ``script`` (sh) in a mount namespace of its own where ``disk`` is a tmpfs of ``size``."""
    disk.mkdir()
    full = f"mount -t tmpfs -o size={size} tmpfs {disk} && {script}"
    return subprocess.run(["unshare", "-rm", "sh", "-c", full], capture_output=True, text=True, timeout=300)


@pytest.mark.kernel
def test_a_full_disk_fails_the_report_in_one_line_and_keeps_the_published_one(example_copy, tmp_path):
    notebook(
        tmp_path / "fill.ipynb",
        "import os\nos.makedirs(tables_dir, exist_ok=True)\n"
        "open(os.path.join(tables_dir, 'big.csv'), 'w').write('x' * 4_000_000)",
    )
    defs = reports_dir(tmp_path, study=["../fill.ipynb"])
    probe = tmp_path / "probe"
    bin_ = f"{sys.executable} -m peerimpact.cli"
    common = f"--study {example_copy} --reports-dir {defs} --only study --formats html --jobs 1 --work {tmp_path}/w"
    disk = tmp_path / "disk"
    script = (
        f"{bin_} build --out {disk}/out {common} > {probe}.first 2>&1; "
        f"cp -r {disk}/out {probe}.before; "
        f"{bin_} build --out {disk}/out {common} --force > {probe}.out 2> {probe}.err; "
        f"echo $? > {probe}.code; cp -r {disk}/out {probe}.after"
    )
    # 6 MB holds one report with its 4 MB table, not a second one staged beside it
    done = _in_a_small_disk(script, disk, "6m")
    assert done.returncode == 0, done.stderr
    assert "1 built" in (tmp_path / "probe.first").read_text()
    assert (tmp_path / "probe.code").read_text().strip() == "1"
    err = (tmp_path / "probe.err").read_text()
    assert "Traceback" not in err and "Errno" not in err
    assert f"{disk}/out/study: the disk is full" in err
    assert "the last published study, if any, is kept" in err
    before, after = tree(tmp_path / "probe.before"), tree(tmp_path / "probe.after")
    assert {k: v for k, v in after.items() if k.startswith("study/")} == {
        k: v for k, v in before.items() if k.startswith("study/")
    }
    assert not [k for k in after if k.startswith((".staging/", ".manifest.json.", ".index.html."))]


def test_a_full_disk_while_writing_the_manifest_leaves_the_old_one_and_no_temporary_file(tmp_path):
    disk = tmp_path / "disk"
    script = (
        f'{sys.executable} -c "\n'
        "from pathlib import Path\n"
        "from peerimpact.builder.folders import write_atomic\n"
        f"target = Path('{disk}/manifest.json')\n"
        "write_atomic(target, 'old')\n"
        "try:\n"
        "    write_atomic(target, 'x' * 2_000_000)\n"
        "except OSError as exc:\n"
        "    print(exc.errno, exc.filename)\n"
        f"import os; print(sorted(os.listdir('{disk}')), target.read_text())\n\""
    )
    done = _in_a_small_disk(script, disk, "1m")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"28 {disk}/manifest.json", "['manifest.json'] old"]


def test_a_full_disk_is_one_line_from_the_command_line(capsys):
    from peerimpact.cli import _os_error

    message = _os_error(OSError(28, "No space left on device", "/srv/reports/manifest.json"), "build")
    assert message.startswith("/srv/reports/manifest.json: the disk is full;")
    assert "reports already published are kept" in message and "\n" not in message
