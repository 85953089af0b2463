"""Where the package finds its own files: the analysis params and the embedded example study."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def params_dir() -> Path:
    """The default ``params/`` folder: a wheel carries it inside the package, a checkout beside it."""
    packaged = _HERE / "_params"
    return packaged if packaged.is_dir() else _HERE.parent / "params"


def example_study_dir() -> Path:
    """The embedded example study (synthetic; see :mod:`peerimpact.synthetic`)."""
    return _HERE / "data" / "example"
