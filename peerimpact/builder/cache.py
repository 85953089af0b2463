"""Cache keys: a report is built again only when something it is made from has changed."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from ..report.extract import digest
from ..resources import templates_dir
from ..version import __version__
from .plan import PlannedReport

PACKAGE = Path(__file__).resolve().parents[1]  # every module of peerimpact, not only this layer's


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree_digest(root: Path, pattern: str) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob(pattern)):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def code_digests() -> tuple[str, str]:
    """(templates, package): what every report is rendered and computed with."""
    return tree_digest(templates_dir(), "*"), tree_digest(PACKAGE, "*.py") + __version__


def hashes_for(report: PlannedReport, extract_files: dict[str, bytes], templates: str, package: str) -> dict:
    params = json.dumps(
        {"report": report.definition.model_dump(mode="json"), "formats": report.formats, "scope": report.scope},
        sort_keys=True,
    )
    return {
        "notebooks": {p.stem: sha(p.read_bytes()) for p in report.sections},
        "extract": digest(extract_files),
        "params": sha(params.encode()),
        "templates": templates,
        "package": package,
        "commentary": sha(json.dumps([dataclasses.astuple(c) for c in report.commentary]).encode()),
        "word_template": sha(report.word_template) if report.word_template is not None else None,
    }


def cache_key(hashes: dict) -> str:
    return sha(json.dumps(hashes, sort_keys=True).encode())
