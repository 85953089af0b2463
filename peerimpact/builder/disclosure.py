"""Disclosure across a build: the policies of ``params/disclosure/``, and the figures each shared
report withholds so that no two reports of the same build can be subtracted from each other.

A site report shows its mean beside the study-wide one (Table 3a); two cohorts can overlap;
a cohort and the study differ by a few people. For every figure a report would show (a
sample characteristic, a service at a timepoint, a subscale at a timepoint, a change), the
planner knows who is behind it in every shared report, and asks
:func:`peerimpact.report.disclosure.differencing_withheld` which reports must withhold it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..config import DisclosureRules, parse_named
from ..ingest.study import Study
from ..problems import Problems
from ..report.disclosure import differencing_withheld, rules_policy
from ..report.policies import register_policy
from ..resources import params_dir


def load_policies(params: Path | None, problems: Problems) -> dict[str, DisclosureRules]:
    """Every policy in ``<params>/disclosure/*.yml`` (the shipped ones where a study has none),
    registered so that report definitions can name them."""
    folder = params / "disclosure" if params is not None and (params / "disclosure").is_dir() else \
        params_dir() / "disclosure"
    found: dict[str, DisclosureRules] = {}
    for rules, _ in parse_named(DisclosureRules, folder, "name", problems):
        found[rules.name] = rules
        register_policy(rules_policy(rules))
    return found


def figures_of(study: Study) -> dict[tuple[str, ...], np.ndarray]:
    """Who is behind every figure a report could show, as a mask over ``study.participants``,
    keyed as :func:`peerimpact.report.disclosure.row_key` keys a row: a sample characteristic,
    a service at a timepoint, a subscale at a timepoint, a change."""
    ids = study.participants["participant_id"].astype(str).to_numpy()
    position = pd.Index(ids)

    def mask(people) -> np.ndarray:
        out = np.zeros(len(ids), dtype=bool)
        found = position.get_indexer(pd.unique(np.asarray(people, dtype=object)))
        out[found[found >= 0]] = True
        return out

    out: dict[tuple[str, ...], np.ndarray] = {}
    people = study.participants
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
    return {key: m for key, m in out.items() if m.any()}


def withheld_by_report(study: Study, scopes: dict[str, set[str]], threshold: int,
                       comparators: bool) -> dict[str, set[tuple[str, ...]]]:
    """For each shared report (id → its participants), the figures it withholds so that no
    combination of shared reports, and of the study-wide comparators they show when
    ``comparators``, reveals fewer than ``threshold`` people."""
    ids = study.participants["participant_id"].astype(str)
    study_wide = figures_of(study)
    published = {}
    for rid, keep in scopes.items():
        inside = ids.isin(keep).to_numpy()
        published[rid] = {k: shown for k, v in study_wide.items() if (shown := v & inside).sum() >= threshold}
    fixed = {k: v for k, v in study_wide.items() if k[0] == "scores"} if comparators else {}
    return differencing_withheld(published, fixed, threshold)
