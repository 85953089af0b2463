"""Differencing across a build: the figures each shared report withholds so that no two reports of
the same build can be subtracted from each other.

A site report shows its mean beside the study-wide one (Table 3a); two cohorts can overlap;
a cohort and the study differ by a few people. For every figure a report would show (a
sample characteristic, a service at a timepoint, a subscale at a timepoint, a change), the
planner knows who is behind it in every shared report, and asks
:func:`peerimpact.report.differencing.differencing_withheld` which reports must withhold it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..config import ReportDef, ReportPolicy
from ..ingest.study import Study
from ..report.differencing import differencing_withheld
from ..report.disclosure import PROTECTED
from ..report.extract import Scope
from ..report.tables import sample_frame
from .definitions import report_id
from .kinds import KINDS


def figures_of(study: Study) -> dict[tuple[str, ...], np.ndarray]:
    """Who is behind every figure a report could show, as a mask over ``study.participants``,
    keyed as :func:`peerimpact.report.disclosure.row_key` keys a row: a sample characteristic (a
    participants column, or a contact-log figure per peer worker),
    a service at a timepoint, a subscale at a timepoint, a change, a subscale's mixed model (everyone
    with a score of it) and its α at a timepoint (the people who answered every item)."""
    ids = study.participants["participant_id"].astype(str).to_numpy()
    position = pd.Index(ids)

    def mask(people) -> np.ndarray:
        out = np.zeros(len(ids), dtype=bool)
        found = position.get_indexer(pd.unique(np.asarray(people, dtype=object)))
        out[found[found >= 0]] = True
        return out

    out: dict[tuple[str, ...], np.ndarray] = {}
    # Table 1's rows: the participants' columns and the contact log's per peer worker (people
    # supported, completed face-to-face contacts), whose n are the workers who recorded contacts
    people = sample_frame(study.participants, study.contacts)
    for column in people.columns:
        if column != "participant_id":
            out[("sample", column)] = people[column].notna().to_numpy()
    use = study.service_use.dropna(subset=["contact"])
    for (service, tp), part in use.groupby(["service", "timepoint"], observed=True):
        out[("service", str(service), str(tp))] = mask(part["participant_id"].astype(str))
    scores = study.scores.dropna(subset=["score"])
    for (inst, sub, tp), part in scores.groupby(["instrument", "subscale", "timepoint"], observed=True):
        out[("scores", str(inst), str(sub), str(tp))] = mask(part["participant_id"].astype(str))
    for first, later in study.config.comparisons or []:
        for key in [k for k in out if k[0] == "scores" and k[3] == first]:
            then = ("scores", key[1], key[2], later)
            if then in out:
                out[("change", key[1], key[2], f"{first}-{later}")] = out[key] & out[then]
    for (inst, sub), part in scores.groupby(["instrument", "subscale"], observed=True):
        out[("model", str(inst), str(sub))] = mask(part["participant_id"].astype(str))
    answers = study.questionnaires
    for name, instrument in study.instruments.items():
        for sub, scale in instrument.subscales.items():
            complete = answers.reindex(columns=[instrument.column(i) for i in scale.items]).notna().all(axis=1)
            for tp, part in answers[complete].groupby("timepoint", observed=True):
                out[("alpha", name, sub, str(tp))] = mask(part["participant_id"].astype(str))
    return {key: m for key, m in out.items() if m.any()}


def withheld_by_report(
    study: Study, scopes: dict[str, set[str]], threshold: int, comparators: bool
) -> dict[str, set[tuple[str, ...]]]:
    """For each shared report (id → its participants), the figures it withholds so that no
    combination of shared reports, and of the study-wide figures they show when ``comparators``
    (beside their own, or in their place as context), reveals fewer than ``threshold`` people.

    Only figures about people (:data:`~peerimpact.report.disclosure.PROTECTED` kinds: sample
    characteristics, services, scores and changes) are protected; a study-wide figure is never
    withheld for this, the figure of the smaller report is."""
    ids = study.participants["participant_id"].astype(str)
    study_wide = {k: v for k, v in figures_of(study).items() if k[0] in PROTECTED}
    published = {}
    for rid, keep in scopes.items():
        inside = ids.isin(keep).to_numpy()
        if inside.all():  # a whole-study report shows the study-wide figures: never withheld for this
            continue
        published[rid] = {k: shown for k, v in study_wide.items() if (shown := v & inside).sum() >= threshold}
    fixed = {k: v for k, v in study_wide.items() if v.sum() >= threshold} if comparators else {}
    return differencing_withheld(published, fixed, threshold)


def differencing_threshold(policy: ReportPolicy) -> int | None:
    """The threshold a report holds its figures about people to against the other reports of its
    build (its highest where kinds differ), or ``None`` if it does not: programme facts are exact."""
    protecting = [r for kind, r in policy.rules.items() if kind != "programme" and r.suppress and r.differencing]
    return max(r.threshold for r in protecting) if protecting else None


def withheld_in_build(
    study: Study,
    every: list[tuple[ReportDef, Path, list[Path | None], list[Scope]]],
    policies: dict[str, ReportPolicy | None],
) -> dict[str, set[tuple[str, ...]]]:
    """What each shared report withholds against the others of the build: every shared report
    the definitions describe counts, whether or not this build makes it, so that a report
    says the same whichever others are built beside it."""
    scopes: dict[str, set[str]] = {}
    thresholds, comparators = [], False
    for report, _, _, report_scopes in every:
        chosen = policies.get(report.id)
        threshold = differencing_threshold(chosen) if chosen else None
        if threshold is None:
            continue
        thresholds.append(threshold)
        comparators = comparators or KINDS[report.kind].compares_with_study
        for scope in report_scopes:
            if scope.participants:
                scopes[report_id(report, scope.key)] = set(map(str, scope.participants))
    if not scopes:
        return {}
    return withheld_by_report(study, scopes, max(thresholds), comparators)
