"""The HTML in a real browser: the report pages and the index pass axe-core's WCAG 2.2 AA rules in
headless Chromium at 100% zoom, 200% zoom and 320 CSS px wide (see ``EVERY_VIEW``), and never
scroll sideways there (WCAG 1.4.10: a wide table scrolls in its own region, not the page).

``tests/browser/check.mjs`` drives Chromium (Playwright's ``playwright-core`` on Debian's
``/usr/bin/chromium``) and also checks the contrast of the text inside SVG figures, which axe
leaves undecided. ``bash tasks.sh setup`` installs Chromium, Node.js and the npm packages; under
``tasks.sh`` a missing browser fails these tests, elsewhere it skips them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BUILT

BROWSER = Path(__file__).parent / "browser"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
REQUIRED = os.environ.get("PEERIMPACT_BROWSER_CHECK") == "required"  # set by tasks.sh


def _need_browser() -> None:
    """Skip without Chromium (fail under tasks.sh, which installs it); fail without the rest."""
    setup = "`bash tasks.sh setup` installs it"
    if not CHROMIUM.is_file():
        message = f"no Chromium at {CHROMIUM} (Debian's chromium package): {setup}"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    if shutil.which("node") is None:
        pytest.fail(f"the browser check runs on Node.js, and there is no `node`: {setup}")
    for package in ("axe-core", "playwright-core"):
        if not (BROWSER / "node_modules" / package / "package.json").is_file():
            pytest.fail(f"no {package} in {BROWSER / 'node_modules'}: {setup} (npm ci in tests/browser)")


def check_pages(pages: list[str], *, timeout: float = 900) -> list[dict]:
    """``check.mjs``'s results for ``pages`` (paths, each with any ``=VIEWS`` suffix)."""
    _need_browser()
    done = subprocess.run(
        ["node", str(BROWSER / "check.mjs"), *pages],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "CHROMIUM": str(CHROMIUM)},
    )
    assert done.returncode == 0, f"the browser check failed to run:\n{done.stderr}"
    return json.loads(done.stdout)


def problems(results: list[dict], root: Path) -> list[str]:
    """One block per page and view that fails: each violation's id, impact, help and targets, and
    a page that scrolls sideways with what sticks out."""
    found = []
    for r in results:
        page = Path(r["page"]).relative_to(root) if Path(r["page"]).is_relative_to(root) else r["page"]
        where = f"{page} at {r['view']}{'%' if r['view'] != '320' else ' CSS px wide'}"
        for v in r["violations"]:
            found.append(f"{where}: {v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"][:10]:
                summary = node["summary"].replace("\n", "\n        ")
                found.append(f"    {' '.join(map(str, node['target']))}: {summary}")
            if len(v["nodes"]) > 10:
                found.append(f"    … and {len(v['nodes']) - 10} more")
        if r["scrollWidth"] > r["clientWidth"]:
            found.append(f"{where}: the page scrolls sideways ({r['scrollWidth']} px wide in {r['clientWidth']} px)")
            found.extend(f"    {e}" for e in r["overflowing"])
    return found


# Axe runs on every page at 100% zoom, and at 200% and 320 px on these and the index (each of the
# other reports shares its template and layout with one of them: S1-S6 with S7, the cohorts with
# the study): axe in all three views of all 14 pages takes about 105 s of CPU against 67 s.
# Every page is loaded in every view for reflow, which the data can change (a long word, a wide table).
EVERY_VIEW = {"study", "site-S7", "funder"}


def test_reports_and_index_pass_axe_and_reflow(built: Path) -> None:
    pages = [str(built / rid / "report.html") + ("" if rid in EVERY_VIEW else "=100") for rid in BUILT]
    pages.append(str(built / "index.html"))
    started = time.monotonic()
    results = check_pages(pages)
    took = time.monotonic() - started
    assert len(results) == 3 * len(pages) and sum(r["axe"] for r in results) == len(pages) + 2 * 4
    found = problems(results, built)
    assert not found, f"{len(found)} lines of problems in the browser:\n" + "\n".join(found)
    print(f"{len(results)} page views checked in Chromium in {took:.0f} s")  # shown with pytest -s


BAD_PAGE = """<!DOCTYPE html>
<html><head><title>Bad</title></head><body>
<p style="color: #aaa">Pale text.</p>
<p style="width: 900px">A paragraph wider than a narrow window.</p>
<svg width="200" height="60"><rect width="200" height="60" style="fill: #539ecd"/>
<text x="20" y="40" style="fill: #ffffff; font-size: 12px">4</text></svg>
</body></html>
"""


@pytest.mark.browser
def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    """A page with no language, pale text, low-contrast text in a figure and a paragraph wider
    than a narrow window fails in the views where it should, and a good one passes."""
    (tmp_path / "bad.html").write_text(BAD_PAGE, encoding="utf-8")
    good = BAD_PAGE.replace("<html>", '<html lang="en">').replace("#aaa", "#555").replace("900px", "15rem")
    (tmp_path / "good.html").write_text(good.replace("#ffffff", "#000000"), encoding="utf-8")
    results = check_pages([f"{tmp_path / 'bad.html'}=100", f"{tmp_path / 'good.html'}=100,320"])
    found = {(r["page"], r["view"]): r for r in results}
    assert len(found) == 6 and [r["axe"] for r in results] == [True, False, False, True, False, True]
    wide, narrow = found[str(tmp_path / "bad.html"), "100"], found[str(tmp_path / "bad.html"), "320"]
    assert {v["id"] for v in wide["violations"]} == {"html-has-lang", "color-contrast", "svg-text-contrast"}
    assert wide["scrollWidth"] <= wide["clientWidth"] and narrow["scrollWidth"] > narrow["clientWidth"]
    assert any(e.startswith("p ") for e in narrow["overflowing"]), narrow["overflowing"]
    assert not problems([found[str(tmp_path / "good.html"), v] for v in ("100", "320")], tmp_path)
