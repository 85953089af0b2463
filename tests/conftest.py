import functools
import shutil
from pathlib import Path

import pytest

from peerimpact.resources import example_study_dir

# every report of the example, in the order of the index: the study, each site, each cohort, the funder's
COHORTS = ("bank", "contracted", "early_starters", "late_starters")
BUILT = ["study", *(f"site-S{i}" for i in range(1, 8)), *(f"cohort-{c}" for c in COHORTS), "funder"]
SECTIONED = [rid for rid in BUILT if rid != "funder"]  # the reports made of sections 01 to 06
# the reports whose tables are committed in tests/golden/<id>/ (python -m tests.golden update): one
# of each audience, the smallest site's among them
GOLDEN_REPORTS = ["study", "site-S7", "cohort-bank", "funder"]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The example's reports, built once for every test that reads them (do not change them)."""
    from peerimpact.builder.pipeline import build

    out = tmp_path_factory.mktemp("built") / "reports"
    result = build(out=out, jobs=2, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed] + [p.format() for p in result.problems]
    assert sorted(o.id for o in result.outcomes) == sorted(BUILT)
    return out


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A writable copy of the embedded example study."""
    dest = tmp_path / "study"
    shutil.copytree(example_study_dir(), dest)
    return dest


def move_contacts_outside(study: Path, folder: Path) -> Path:
    """Move a study's contact log into ``folder`` beside it and name it there in study.yml."""
    folder.mkdir()
    (study / "contacts.csv").rename(folder / "contacts.csv")
    yml = study / "study.yml"
    yml.write_text(yml.read_text().replace("contacts: contacts.csv", f"contacts: ../{folder.name}/contacts.csv"))
    return folder


def write_bytes(path: Path, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    data = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


def pdf_pages(path: Path) -> tuple[str, ...]:
    """The text of each page of a PDF, read once per file and version (tests read the same reports)."""
    return _pdf_pages(str(path), path.stat().st_mtime_ns)


@functools.cache
def _pdf_pages(path: str, mtime: int) -> tuple[str, ...]:
    from pypdf import PdfReader

    return tuple(page.extract_text() for page in PdfReader(path).pages)


def pdf_text(path: Path) -> str:
    return "\n".join(pdf_pages(path))


# Fixtures that build reports: a test that asks for one runs notebooks in a kernel
# (``earlier``: test_previous.py's funder report at an earlier cut).
KERNEL_FIXTURES = {"built", "earlier"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = KERNEL_FIXTURES & set(getattr(item, "fixturenames", ()))
        if used:
            item.add_marker(pytest.mark.kernel)
            # under --dist loadgroup, the tests of one built fixture share a worker: it is built once
            item.add_marker(pytest.mark.xdist_group(sorted(used)[0]))
