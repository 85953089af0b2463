"""Publishing: a staged report swapped into place, the manifest and the index written.

Only the build that submitted the jobs does this, so the output folder changes in one
process, one report at a time, with the manifest marking a report as being replaced
before its folder changes and as built after.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..resources import templates_dir
from ..version import __version__
from .folders import write_atomic
from .formats import FORMATS
from .kinds import KINDS


@dataclass(frozen=True)
class ManifestEntry:
    """What the manifest says of one report: what it is, what it was built from, and how it went."""

    kind: str
    title: str
    scope: str | None
    scope_label: str
    formats: tuple[str, ...]
    sections: tuple[str, ...]
    disclosure: str
    params: dict
    hashes: dict
    cache_key: str | None
    peerimpact_version: str
    seconds: dict
    status: str  # ok | replacing | failed
    built_at: str | None = None
    error: str | None = None
    overrides: dict = field(default_factory=dict)  # --set values this report was built with

    @classmethod
    def from_json(cls, data: dict) -> ManifestEntry | None:
        """An entry as read back; ``None`` for one this version cannot read (it is then rebuilt)."""
        try:
            known = {f.name for f in dataclasses.fields(cls)}
            entry = cls(**{k: v for k, v in data.items() if k in known})
        except TypeError:
            return None
        return dataclasses.replace(entry, formats=tuple(entry.formats), sections=tuple(entry.sections))


@dataclass
class Manifest:
    study_name: str = ""
    data_cut: str | None = None
    study_path: str = ""  # the study folder it was built from: another study's build refuses this folder
    peerimpact_version: str = __version__
    updated: str | None = None
    reports: dict[str, ManifestEntry] = field(default_factory=dict)

    def to_json(self) -> str:
        ordered = dict(sorted(self.reports.items(), key=lambda item: report_order(item[0], item[1].kind)))
        data = {**dataclasses.asdict(self), "reports": {rid: dataclasses.asdict(e) for rid, e in ordered.items()}}
        return json.dumps(data, indent=2, default=str)


def read_manifest(out: Path) -> Manifest:
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Manifest()
    if not isinstance(data, dict) or not isinstance(data.get("reports"), dict):
        return Manifest()
    entries = {rid: ManifestEntry.from_json(e) for rid, e in data["reports"].items() if isinstance(e, dict)}
    return Manifest(
        data.get("study_name", ""),
        data.get("data_cut"),
        str(data.get("study_path") or ""),
        data.get("peerimpact_version", ""),
        data.get("updated"),
        {rid: e for rid, e in entries.items() if e is not None},
    )


def write_manifest_and_index(out: Path, manifest: Manifest) -> None:
    write_atomic(out / "manifest.json", manifest.to_json())
    write_index(out, manifest)


def report_order(rid: str, kind: str | None) -> tuple:
    """Study first, then sites, cohorts and funder reports (registry order); S2 before S10."""
    natural = [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", rid) if part]
    order = list(KINDS)
    return (order.index(kind) if kind in order else len(order), natural)


def is_current(entry: ManifestEntry | None, key: str, out: Path, rid: str, formats: list[str]) -> bool:
    """Whether the published report ``rid`` was built from inputs with this cache key, and is all there."""
    if entry is None or entry.status != "ok" or entry.cache_key != key:
        return False
    return all((out / rid / FORMATS[f].file).is_file() for f in formats)


def write_index(out: Path, manifest: Manifest) -> None:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())), autoescape=True)
    rows = []
    for rid, entry in sorted(manifest.reports.items(), key=lambda item: report_order(item[0], item[1].kind)):
        files = [FORMATS[f].file for f in entry.formats if f in FORMATS and (out / rid / FORMATS[f].file).is_file()]
        tables = [t.name for t in sorted((out / rid / "tables").glob("*.csv"))]
        rows.append(
            {**dataclasses.asdict(entry), "id": rid, "files": files, "tables": tables, "has_previous": bool(files)}
        )
    html = env.get_template("index.html.j2").render(
        reports=rows,
        study_name=manifest.study_name,
        data_cut=manifest.data_cut,
        version=__version__,
        updated=manifest.updated,
    )
    write_atomic(out / "index.html", html)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2``); ``False`` where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


OLD = re.compile(r"(?P<rid>.+)\.old-[0-9]+-[0-9]+")  # a report moved aside by publish's two-step swap


def recover(out: Path) -> list[str]:
    """Put back each report a killed build had moved aside to publish its replacement, where the
    system has no one-step swap and the kill came between the two renames; its manifest entry
    still says ``replacing``, so this build rebuilds it. Returns the reports put back."""
    staging = out / ".staging"
    restored = []
    for path in sorted(staging.iterdir()) if staging.is_dir() else []:
        found = OLD.fullmatch(path.name)
        if found and path.is_dir() and not path.is_symlink() and not os.path.lexists(out / found["rid"]):
            os.replace(path, out / found["rid"])
            restored.append(found["rid"])
    return restored


def publish(staging: Path, final: Path) -> None:
    """Swap a staged report folder into place; the old one is removed only after the swap.

    Where the system can, the two folders are exchanged in one step, so that no reader and
    no kill ever finds the report missing. Elsewhere the old folder is moved aside first; a kill
    before the new one takes its place leaves it aside, whole, for :func:`recover`.
    """
    if final.exists() and _exchange(staging, final):
        shutil.rmtree(staging, ignore_errors=True)  # now the old report
        return
    old = None
    if final.exists():
        old = staging.parent / f"{final.name}.old-{os.getpid()}-{time.time_ns()}"
        os.replace(final, old)
    os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
