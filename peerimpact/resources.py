"""Where the package finds its own files: the analysis params and the embedded example study."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    """A top-level folder of the project: a wheel carries it inside the package, a checkout beside it."""
    packaged = _HERE / f"_{name}"
    return packaged if packaged.is_dir() else _HERE.parent / name


def params_dir() -> Path:
    """The default ``params/`` folder (instruments, reports, norms)."""
    return _shipped("params")


def notebooks_dir() -> Path:
    """The section notebooks."""
    return _shipped("notebooks")


def templates_dir() -> Path:
    """The nbconvert report template and the index page template."""
    return _shipped("templates")


def example_study_dir() -> Path:
    """The embedded example study (synthetic; see :mod:`peerimpact.example.generator`)."""
    return _HERE / "data" / "example"
