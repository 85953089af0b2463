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

import pandas as pd

from ..config import DisclosureRules, parse_named
from ..ingest.study import Study
from ..problems import Problems
from ..report.disclosure import differencing_withheld, rules_policy
from ..report.policies import register_policy
from ..resources import params_dir

Figures = dict[tuple[str, ...], frozenset[str]]


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


def _people(frame: pd.DataFrame, keep: set[str]) -> frozenset[str]:
    return frozenset(frame.loc[frame["participant_id"].isin(keep), "participant_id"].astype(str))


def figures_of(study: Study, keep: set[str]) -> Figures:
    """The people behind every figure a report of ``keep`` would show, by the key
    :func:`peerimpact.report.disclosure.row_key` gives its row."""
    out: Figures = {}
    people = study.participants[study.participants["participant_id"].isin(keep)]
    for column in people.columns:
        if column != "participant_id":
            out[("sample", column)] = frozenset(people.loc[people[column].notna(), "participant_id"].astype(str))
    use = study.service_use[study.service_use["participant_id"].isin(keep)]
    for (service, tp), part in use.dropna(subset=["contact"]).groupby(["service", "timepoint"], observed=True):
        out[("service", str(service), str(tp))] = _people(part, keep)
    scores = study.scores[study.scores["participant_id"].isin(keep)].dropna(subset=["score"])
    who: dict[tuple[str, str, str], set[str]] = {}
    for (inst, sub, tp), part in scores.groupby(["instrument", "subscale", "timepoint"], observed=True):
        who[(str(inst), str(sub), str(tp))] = set(part["participant_id"].astype(str))
        out[("scores", str(inst), str(sub), str(tp))] = frozenset(who[(str(inst), str(sub), str(tp))])
    for first, later in study.config.comparisons or []:
        for (inst, sub, tp), ids in who.items():
            if tp == first and (inst, sub, later) in who:
                out[("change", inst, sub, f"{first}-{later}")] = frozenset(ids & who[(inst, sub, later)])
    return {key: ids for key, ids in out.items() if ids}


def withheld_by_report(study: Study, scopes: dict[str, set[str]], threshold: int,
                       comparators: bool) -> dict[str, set[tuple[str, ...]]]:
    """For each shared report (id → its participants), the figures it withholds so that no
    combination of shared reports, and of the study-wide comparators they show when
    ``comparators``, reveals fewer than ``threshold`` people."""
    published = {rid: {k: v for k, v in figures_of(study, keep).items() if len(v) >= threshold}
                 for rid, keep in scopes.items()}
    everyone = set(study.participants["participant_id"].astype(str))
    fixed = {k: v for k, v in figures_of(study, everyone).items() if k[0] == "scores"} if comparators else {}
    return differencing_withheld(published, fixed, threshold)
