import shutil
from pathlib import Path

import pytest

from peerimpact.resources import example_study_dir


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A writable copy of the embedded example study."""
    dest = tmp_path / "study"
    shutil.copytree(example_study_dir(), dest)
    return dest


def write_bytes(path: Path, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    data = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path
