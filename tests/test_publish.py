"""Publishing a report: the new folder takes the old one's place whole, with the system's one-step
swap or without it, and a build killed in between loses neither report."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from peerimpact.builder import publish as publishing
from peerimpact.builder.publish import publish, recover


def _report(folder: Path, text: str) -> Path:
    (folder / "tables").mkdir(parents=True)
    (folder / "report.html").write_text(text, encoding="utf-8")
    (folder / "tables" / "t.csv").write_text(f"{text}\n", encoding="utf-8")
    return folder


def _contents(folder: Path) -> dict[str, bytes | str]:
    """Each file under ``folder``: its text, or its bytes when it is not text (a figure)."""

    def read(path: Path) -> bytes | str:
        data = path.read_bytes()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data

    return {str(p.relative_to(folder)): read(p) for p in sorted(folder.rglob("*")) if p.is_file()}


# A process that publishes without the one-step swap and is killed right after it moves the old
# report aside, before the new one takes its place.
DIES_BETWEEN_THE_RENAMES = textwrap.dedent(
    """
    import os, signal
    from peerimpact.builder import publish as publishing
    publishing._exchange = lambda a, b: False
    real = os.replace
    def replace(src, dst):
        real(src, dst)
        if ".old-" in os.fspath(dst):
            os.kill(os.getpid(), signal.SIGKILL)
    publishing.os.replace = replace
    """
)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    out = tmp_path / "reports"
    _report(out / "site-S1", "old")
    _report(out / ".staging" / "site-S1-abc", "new")
    return out


def test_the_one_step_swap_puts_the_new_report_in_place_and_leaves_nothing_behind(out):
    if not publishing._exchange(out / ".staging" / "site-S1-abc", out / "site-S1"):
        pytest.fail("this Linux system has no renameat2: the one-step swap cannot be tested here")
    publishing._exchange(out / ".staging" / "site-S1-abc", out / "site-S1")  # swapped back
    publish(out / ".staging" / "site-S1-abc", out / "site-S1")
    assert _contents(out / "site-S1") == {"report.html": "new", "tables/t.csv": "new\n"}
    assert list((out / ".staging").iterdir()) == []


def test_without_the_one_step_swap_the_new_report_takes_the_old_ones_place(out, monkeypatch):
    monkeypatch.setattr(publishing, "_exchange", lambda a, b: False)
    publish(out / ".staging" / "site-S1-abc", out / "site-S1")
    assert _contents(out / "site-S1") == {"report.html": "new", "tables/t.csv": "new\n"}
    assert list((out / ".staging").iterdir()) == []  # the old report, moved aside, is gone too


def test_a_first_report_is_published_without_a_swap(tmp_path):
    out = tmp_path / "reports"
    staged = _report(out / ".staging" / "study-x", "first")
    publish(staged, out / "study")
    assert _contents(out / "study") == {"report.html": "first", "tables/t.csv": "first\n"}


def test_a_kill_between_the_two_renames_leaves_the_old_report_whole_and_recover_puts_it_back(out):
    script = DIES_BETWEEN_THE_RENAMES + textwrap.dedent(
        f"""
        from pathlib import Path
        publishing.publish(Path({str(out / ".staging" / "site-S1-abc")!r}), Path({str(out / "site-S1")!r}))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert not (out / "site-S1").exists()
    aside = [p for p in (out / ".staging").iterdir() if p.name.startswith("site-S1.old-")]
    assert len(aside) == 1 and _contents(aside[0]) == {"report.html": "old", "tables/t.csv": "old\n"}

    assert recover(out) == ["site-S1"]
    assert _contents(out / "site-S1") == {"report.html": "old", "tables/t.csv": "old\n"}
    assert recover(out) == []  # nothing else to put back; the staged new report is left for the build to remove


def test_recover_never_replaces_a_report_that_is_in_place(out):
    aside = _report(out / ".staging" / "site-S1.old-12-34", "older")
    assert recover(out) == []
    assert _contents(out / "site-S1")["report.html"] == "old" and aside.is_dir()


@pytest.mark.kernel
@pytest.mark.integration
def test_a_build_killed_while_publishing_is_repaired_by_the_next(tmp_path):
    """A real build, killed between the two renames of the fallback publish: the next build puts
    the old report back, sees its manifest entry still replacing, and rebuilds it."""
    out = tmp_path / "reports"
    command = str(Path(sys.executable).parent / "peerimpact")
    build = [command, "build", "--only", "study", "--formats", "html", "--out", str(out)]
    first = subprocess.run(build, capture_output=True, text=True)
    assert first.returncode == 0, first.stdout + first.stderr
    before = _contents(out / "study")

    killer = DIES_BETWEEN_THE_RENAMES + textwrap.dedent(
        f"""
        import sys
        from peerimpact.cli import main
        sys.exit(main({build[1:] + ["--force"]!r}))
        """
    )
    killed = subprocess.run([sys.executable, "-c", killer], capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert not (out / "study").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["reports"]["study"]["status"] == "replacing"

    again = subprocess.run(build, capture_output=True, text=True)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "1 built" in again.stdout  # rebuilt, not taken as up to date
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["reports"]["study"]["status"] == "ok"
    assert _contents(out / "study").keys() == before.keys()
    assert not (out / ".staging").exists()
