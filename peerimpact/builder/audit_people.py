"""The audit's exact differencing check, for the study team: who is behind every figure about
people the audited reports released, and whether any combination of them gives a group of fewer
people than the threshold away (:func:`peerimpact.report.differencing.derivable_group`).

Released files name no one, so the audit alone can only compare the n's of two reports. Given the
study (``peerimpact audit --study``), it knows each report's people (its manifest's kind and
scope) and who is behind each figure a row shows (the row's figure, keyed as the planner keys
it), and searches what was actually released, whatever the planner decided: a figure a report
should have withheld, or one put back by hand, is found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from ..config import ReportDef, ReportPolicy
from ..ingest.study import Study
from ..problems import Problems
from ..report.blocks import SUPPRESSED
from ..report.differencing import derivable_group
from ..report.disclosure import PROTECTED, row_key
from ..report.ledger import FIGURE_KINDS
from ..report.roles import STUDY_WIDE, table_role
from .differencing import differencing_threshold, figures_of
from .kinds import KINDS
from .publish import ManifestEntry, read_manifest
from .table_audit import TableAudit

# a table as the audit read it: its file, its cells as text and the line each row starts on
ReadTable = tuple[Path, pd.DataFrame, Sequence[int]]


@dataclass(frozen=True)
class Shown:
    """Where a report shows a figure first: its table and the line of the row."""

    report: str
    path: Path
    line: int


def _is_figure(value: str) -> bool:
    try:
        return value not in ("", SUPPRESSED) and np.isfinite(float(value))
    except ValueError:
        return False


def released(tables: Sequence[ReadTable]) -> tuple[dict[tuple[str, ...], tuple[Path, int]], set[tuple[str, ...]]]:
    """The figures about people ``tables`` show of the report's own people (the first table and
    line of each) and those they show of the whole study (a ``_study_wide`` table, or a study-wide
    column beside the report's own)."""
    own: dict[tuple[str, ...], tuple[Path, int]] = {}
    whole: set[tuple[str, ...]] = set()
    for path, frame, lines in tables:
        name = path.stem.casefold()
        roles = {c: r for c in frame.columns if (r := table_role(name, c)) is not None and r.kind in FIGURE_KINDS}
        study_cols = [c for c, r in roles.items() if r.kind == "comparator" or r.study]
        own_cols = [c for c in roles if c not in study_cols]
        of_study = name.endswith(STUDY_WIDE)
        for i, row in enumerate(frame.to_dict("records")):
            key = row_key({k: (v if v != "" else None) for k, v in row.items()})
            if key is None or key[0] not in PROTECTED:
                continue
            if any(_is_figure(row[c]) for c in (own_cols + study_cols if of_study else study_cols)):
                whole.add(key)
            if not of_study and any(_is_figure(row[c]) for c in own_cols):
                own.setdefault(key, (path, lines[i]))
    return own, whole


def _members(study: Study, entry: ManifestEntry, folder: Path) -> np.ndarray | None:
    """The report's people, as its kind names the scope its manifest records (``None`` for a kind,
    definition or scope this study does not have: nothing of the report can be placed)."""
    kind = KINDS.get(entry.kind, None)
    try:
        # a key the manifest wrote as null is the definition's default (every site, every cohort)
        definition = ReportDef.model_validate({k: v for k, v in entry.params.items() if v is not None})
    except ValidationError:
        return None
    if kind is None:
        return None
    scopes = {s.key: s.participants for s in kind.scopes(definition, study, folder, Problems())}
    if entry.scope not in scopes:
        return None
    return study.participants["participant_id"].astype(str).isin(scopes[entry.scope]).to_numpy()


def derivable_across_reports(
    study: Study,
    tables: Mapping[Path, Sequence[ReadTable]],
    policies: Mapping[Path, ReportPolicy],
    audits: list[TableAudit],
    problems: Problems,
) -> set[tuple[Path, tuple[str, ...]]]:
    """Search every figure about people the shared reports ``tables`` (a folder's tables, as the
    audit read them) released,
    build by build, for a group of fewer people than the reports' threshold that some combination
    of them gives away; each place such a figure is shown fails. Returns the figures searched, by
    build (its folder) and key."""
    figures = figures_of(study)
    ids = study.participants["participant_id"].astype(str).to_numpy()
    builds: dict[Path, list[Path]] = {}
    for folder in tables:
        builds.setdefault(folder.parent.resolve(), []).append(folder)
    by_id = {(a.report, a.table): a for a in audits}
    searched: set[tuple[Path, tuple[str, ...]]] = set()
    for root, folders in builds.items():
        manifest = read_manifest(root)
        own: dict[tuple[str, ...], list[tuple[Shown, set[str]]]] = {}
        whole: set[tuple[str, ...]] = set()
        thresholds = []
        for folder in folders:
            entry, threshold = manifest.reports.get(folder.name), differencing_threshold(policies[folder])
            if threshold is None:
                continue
            inside = None if entry is None else _members(study, entry, folder)
            if inside is None:
                problems.add(
                    folder,
                    rule="report",
                    message="not searched for groups of people: its build's manifest names no scope of this study",
                    severity="warning",
                )
                continue
            thresholds.append(threshold)
            shown, study_wide = released(tables[folder])
            whole |= study_wide
            everyone = bool(inside.all())
            for key, (path, line) in shown.items():
                if key not in figures:
                    continue
                if everyone:  # a report of the whole study shows the study-wide figure
                    whole.add(key)
                else:
                    own.setdefault(key, []).append((Shown(folder.name, path, line), set(ids[figures[key] & inside])))
        if not thresholds:
            continue
        threshold = max(thresholds)
        for key in sorted(own):
            populations = [people for _, people in own[key]]
            if key in whole:
                populations.append(set(ids[figures[key]]))
            searched.add((root, key))
            group = derivable_group(populations, threshold)
            if group is None:
                continue
            names = sorted({where.report for where, _ in own[key]})
            shown_in = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
            beside = ", with the whole study's," if key in whole else ""
            message = (
                f"{'/'.join(key)}: what {shown_in} show{beside} gives away a group of {len(group)} "
                f"{'person' if len(group) == 1 else 'people'}, fewer than {threshold}"
            )
            for where, _ in own[key]:
                audit = by_id.get((where.report, where.path.stem))
                if audit is not None:
                    audit.fail.append(message)
                problems.add(where.path, line=where.line, rule="disclosure", message=message)
    return searched
