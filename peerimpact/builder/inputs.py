"""The no-op check: has anything a build reads changed since the last build that left every report
up to date? Decided from the hashes of the files alone, before the study is loaded or a heavy module
imported, so that ``peerimpact build`` with nothing to do answers in well under a second.

The fingerprint covers the study folder (and any file its ``study.yml`` names outside it), the
params, the report definitions, the section notebooks, the templates, the package's own code, the
versions of the libraries that compute and render, and the build's options. Any difference, or a
report folder that is gone, sends the build down its usual path, which decides report by report.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from importlib import metadata
from pathlib import Path

import yaml

from ..resources import example_study_dir, notebooks_dir, params_dir, templates_dir
from ..version import __version__
from .folders import read_json, write_atomic

RECORD = ".inputs.json"
PACKAGE = Path(__file__).resolve().parents[1]
# what computes and renders a report: a new version of any may change what it shows
LIBRARIES = (
    "pandas",
    "numpy",
    "scipy",
    "pingouin",
    "matplotlib",
    "seaborn",
    "nbconvert",
    "nbclient",
    "typst",
    "mistune",
    "openpyxl",
    "python-docx",
    "pydantic",
    "jinja2",
)


def _tree(h: hashlib._Hash, root: Path, skip: Path | None = None) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and d != "__pycache__" and (skip is None or Path(dirpath, d) != skip)
        )
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith(".pyc"):
                continue
            path = Path(dirpath, name)
            h.update(str(path.relative_to(root)).encode() + b"\0")
            if not path.is_file():  # a FIFO or device would never end; loading the study reports it
                h.update(b"not a regular file\0")
                continue
            h.update(hashlib.sha256(path.read_bytes()).digest())


def _study_dir(study: str | Path | None) -> Path:
    path = Path(study) if study is not None else example_study_dir()
    return path if path.is_dir() else path.parent


def _named_outside(folder: Path) -> list[Path]:
    """Files study.yml names outside its folder (under a data root): they are inputs too."""
    if not (folder / "study.yml").is_file():
        return []
    try:
        config = yaml.safe_load((folder / "study.yml").read_text(encoding="utf-8")) or {}
        files = config.get("files") or {}
        redcap = config.get("redcap") or {}
        template = config.get("word_template")
    except (OSError, yaml.YAMLError, AttributeError):
        return []
    out = []
    exports = (
        [redcap.get(k) for k in ("records", "dictionary", "events", "project", "odm")]
        if isinstance(redcap, dict)
        else []
    )
    named = [
        *(files.values() if isinstance(files, dict) else []),
        *(v for v in exports if isinstance(v, str)),
        *([template] if template else []),
    ]
    for value in named:
        out += [p for v in (value if isinstance(value, list) else [value]) if (p := _outside(folder, v))]
    return sorted(out)


def _outside(folder: Path, name: object) -> Path | None:
    """The file ``name`` when it is one and lies outside ``folder``."""
    path = (folder / str(name)).resolve()
    return path if path.is_file() and not path.is_relative_to(folder.resolve()) else None


def _notebooks_named(reports: Path) -> list[Path]:
    """Section notebooks that report definitions name by path (``../mine.ipynb``), outside ``notebooks/``."""
    found = set()
    for definition in sorted(reports.glob("*.yml")) if reports.is_dir() else []:
        try:
            text = definition.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for name in re.findall(r"[^\s\[\],'\"]+\.ipynb", text):
            path = (definition.parent / name).resolve()
            if path.is_file():
                found.add(path)
    return sorted(found)


def fingerprint(request) -> str:
    """One hash of everything a build of ``request`` (a :class:`~peerimpact.builder.request.BuildRequest`)
    reads."""
    h = hashlib.sha256()
    options: dict[str, object] = {
        name: [str(v) for v in value] if isinstance(value, tuple) else (None if value is None else str(value))
        for name, value in (
            (n, getattr(request, n))
            for n in ("study", "out", "params", "reports_dir", "kinds", "only", "formats", "roots", "previous")
        )
    }
    options["overrides"] = [list(pair) for pair in request.overrides]
    versions: dict[str, str | None] = {}
    for lib in LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = None
    h.update(
        json.dumps(
            {"options": options, "versions": versions, "python": sys.version, "peerimpact": __version__}, sort_keys=True
        ).encode()
    )
    study = _study_dir(request.study)
    params = Path(request.params) if request.params else params_dir()
    for label, root in (
        ("study", study),
        ("params", params),
        ("notebooks", notebooks_dir()),
        ("templates", templates_dir()),
    ):
        h.update(f"\0{label}\0".encode())
        _tree(h, root)
    if request.reports_dir is not None:
        h.update(b"\0reports\0")
        _tree(h, Path(request.reports_dir))
    for path in _notebooks_named(Path(request.reports_dir) if request.reports_dir else params / "reports"):
        h.update(str(path).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    h.update(b"\0package\0")
    _tree(h, PACKAGE, skip=PACKAGE / "data")  # the example study is hashed as a study when it is one
    previous = getattr(request, "previous", None)
    if previous is not None and (Path(previous) / "manifest.json").is_file():  # a rebuilt earlier report changes it
        h.update(b"\0previous\0" + hashlib.sha256((Path(previous) / "manifest.json").read_bytes()).digest())
    for path in _named_outside(study):
        h.update(str(path).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def unchanged(request, key: str | None = None) -> dict | None:
    """The record of the last complete build when nothing it read has changed and every report it
    left is still in place; ``None`` otherwise (the build must look report by report)."""
    out = Path(request.out)
    record, manifest = read_json(out / RECORD), (read_json(out / "manifest.json") or {}).get("reports")
    if record is None or record.get("fingerprint") != (key or fingerprint(request)):
        return None
    for report in record.get("reports", []):
        entry = manifest.get(report.get("id")) if isinstance(manifest, dict) else None
        if not isinstance(entry, dict) or entry.get("status") != "ok" or not (out / report["id"]).is_dir():
            return None
    return record


def remember(out: Path, key: str, reports: list[dict], warnings: list[dict]) -> None:
    """Record a build that left every planned report up to date (written last, replaced whole)."""
    write_atomic(
        Path(out) / RECORD, json.dumps({"fingerprint": key, "reports": reports, "warnings": warnings}, indent=1)
    )


def forget(out: Path) -> None:
    """A build is under way: until it ends well, nothing may be taken as unchanged."""
    (Path(out) / RECORD).unlink(missing_ok=True)
