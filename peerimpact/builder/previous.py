"""An earlier build's reports, for the change since the last report (``build --previous DIR``).

Only what the earlier build published is read: its ``manifest.json`` (which study, which data
cut, each report's audience) and each report's released ``tables/`` (its programme facts). Its
work folder, which holds row-level data, is never looked at. A build of another study, or a
report built for another audience, or one whose data cut is not earlier, is refused with the reason.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..problems import Problems
from ..report.facts import read_facts
from ..report.meta import PreviousReport
from .publish import read_manifest

# the facts a progress report compares with its last build's: counts and milestones, not outcomes
PROGRAMME = ("recruitment.", "retention.", "activity.", "milestones.")


def previous_reports(
    folder: Path, study_name: str, data_cut: dt.date | None, reports: dict[str, str], problems: Problems
) -> dict[str, PreviousReport]:
    """The earlier build's programme facts of each report of ``reports`` (id → its audience), where
    it built one; every reason to refuse the folder is added to ``problems``."""
    where = "--previous"
    if not (folder / "manifest.json").is_file():
        problems.add(
            where,
            value=str(folder),
            rule="previous",
            message="not a reports folder of an earlier build (it has no manifest.json)",
        )
        return {}
    manifest = read_manifest(folder)
    if manifest.study_name != study_name:
        problems.add(
            where,
            value=str(folder),
            rule="previous",
            message=f"built from another study ({manifest.study_name or 'unnamed'!r}, not {study_name!r})",
        )
        return {}
    cut = dt.date.fromisoformat(manifest.data_cut) if manifest.data_cut else None
    if cut is None or (data_cut is not None and cut >= data_cut):
        problems.add(
            where,
            value=str(folder),
            rule="previous",
            message=f"its data cut ({cut or 'not stated'}) is not earlier than this build's ({data_cut})",
        )
        return {}
    out = {}
    for rid, audience in reports.items():
        entry = manifest.reports.get(rid)
        if entry is None or entry.status != "ok" or not (folder / rid / "tables").is_dir():
            continue
        if entry.disclosure != audience:
            problems.add(
                where,
                value=str(folder / rid),
                rule="previous",
                message=f"{rid} was built for another audience or rules ({entry.disclosure!r}, now "
                f"{audience!r}), so its figures may not be comparable",
            )
            continue
        facts = read_facts(folder / rid / "tables")
        kept = {
            f.name: f.value for f in facts if f.name.startswith(PROGRAMME) and not f.withheld and f.value is not None
        }
        out[rid] = PreviousReport(data_cut=cut.isoformat(), built_at=entry.built_at, facts=kept)
    return out
