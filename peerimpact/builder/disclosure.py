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

from ..config import DATA_KINDS, Audience, DisclosureRules, ReportDef, ReportPolicy, key_line, parse_named
from ..ingest.study import Study
from ..problems import Problems
from ..report.differencing import differencing_withheld
from ..report.disclosure import PROTECTED
from ..report.policies import POLICIES, register_policy
from ..report.rule_policies import rules_policy
from ..resources import params_dir


def load_policies(params: Path | None, problems: Problems) -> dict[str, DisclosureRules]:
    """Every policy in ``<params>/disclosure/*.yml`` (the shipped ones where a study has none),
    registered so that report definitions can name them."""
    folder = (
        params / "disclosure"
        if params is not None and (params / "disclosure").is_dir()
        else params_dir() / "disclosure"
    )
    found: dict[str, DisclosureRules] = {}
    for rules, _ in parse_named(DisclosureRules, folder, "name", problems):
        found[rules.name] = rules
        register_policy(rules_policy(rules))
    return found


def load_audiences(params: Path | None, rules: dict[str, DisclosureRules], problems: Problems) -> dict[str, Audience]:
    """Every audience in ``<params>/disclosure/audiences/*.yml`` (the shipped ones where a study has
    none), each naming rules that exist."""
    folder = (
        params / "disclosure" / "audiences"
        if params is not None and (params / "disclosure" / "audiences").is_dir()
        else params_dir() / "disclosure" / "audiences"
    )
    found: dict[str, Audience] = {}
    for audience, path in parse_named(Audience, folder, "name", problems):
        # a rules file that is there but has problems of its own is not also "no such rules"
        unknown = [
            (kind, name)
            for kind, name in audience.kinds.items()
            if name not in rules and not (folder.parent / f"{name}.yml").is_file()
        ]
        for kind, name in unknown:
            problems.add(
                path,
                line=key_line(path, ("kinds", kind)),
                column=f"kinds.{kind}",
                value=name,
                rule="params",
                message=f"no such rules in params/disclosure/; rules are {', '.join(rules)}",
            )
        if not unknown and all(name in rules for name in audience.kinds.values()):
            found[audience.name] = audience
    return found


def audience_policy(audience: Audience, rules: dict[str, DisclosureRules]) -> ReportPolicy:
    """What ``audience`` sees: the rules it names for each kind of data, and its quote rules."""
    by_kind = {kind: rules[name] for kind, name in audience.kinds.items()}
    return ReportPolicy(
        audience=audience.name,
        label=audience.label,
        rules=by_kind,
        quotes=audience.quotes or by_kind["qualitative"].quotes,
    )


def uniform_policy(one: DisclosureRules, audience: str, label: str) -> ReportPolicy:
    """One rules file for every kind of data (a definition's ``disclosure:``)."""
    return ReportPolicy(audience=audience, label=label, rules=dict.fromkeys(DATA_KINDS, one), quotes=one.quotes)


def policy_of_report(
    report: ReportDef, audience: str, rules: dict[str, DisclosureRules], audiences: dict[str, Audience]
) -> ReportPolicy | None:
    """The rules a report applies, kind of data by kind: its audience's, or the one policy its
    definition names in ``disclosure:`` for every kind. ``None`` for a policy written in code
    (registered, with no rules file)."""
    chosen = audiences[audience]
    if report.disclosure is None:
        return audience_policy(chosen, rules)
    one = rules.get(report.disclosure)
    return None if one is None else uniform_policy(one, chosen.name, chosen.label)


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


def disclosure_words(report) -> tuple[str, str, bool]:
    """A planned report's disclosure for its title page: the policy's name (for the notes and the
    workbook's About sheet), what its reader sees in plain words, and whether it may be shared."""
    meta = report.extract.meta
    policy = meta.policy
    if policy is None:
        registered = POLICIES[meta.disclosure]
        return registered.name, registered.description, registered.shared
    if not policy.shared:
        return policy.audience, "every figure as computed, for the study team only", False
    words = f"Written for {policy.label}. " + _plain(policy) + f" (rules: {policy.name})"
    return policy.audience, words, True


_KIND_WORDS = {
    "programme": "recruitment, questionnaire returns and activity",
    "characteristics": "who the peer workers are",
    "health": "their use of health services",
    "outcomes": "their scores and changes",
    "qualitative": "their interviews",
}


def _plain(policy: ReportPolicy) -> str:
    said = []
    by_rules: dict[str, list[str]] = {}
    for kind, rules in policy.rules.items():
        by_rules.setdefault(rules.name, []).append(kind)
    for kinds in by_rules.values():
        rules = policy.rules[kinds[0]]
        what = " and ".join(_KIND_WORDS[k] for k in kinds)
        if rules.exact:
            said.append(f"figures about {what} are shown exactly")
        else:
            text = f"figures about {what} are not shown where fewer than {rules.threshold} people are behind them"
            if rules.rounding > 1:
                text += f", and other counts are rounded to the nearest {rules.rounding}"
            said.append(text)
    text = "; ".join(said)
    return text[:1].upper() + text[1:]


def small_scope_notice(report) -> str:
    """The first page's word, once, on what a report too small for its own figures shows instead."""
    meta = report.extract.meta
    policy = meta.policy
    if policy is None or not policy.shared or meta.scope is None:
        return ""
    people = len(report.extract.participants)
    protected = [r for kind, r in policy.rules.items() if kind != "programme" and r.suppress]
    if not protected:
        return ""
    k = max(r.threshold for r in protected)
    if people >= k:
        return ""
    said = [f"{meta.scope_label} has {people} peer worker{'s' if people != 1 else ''} in the study."]
    if policy.rules["programme"].exact:
        said.append("Its recruitment, questionnaire returns, activity and data completeness are shown exactly.")
    said.append(
        f"Figures about who its peer workers are, their health, their scores and their interviews would "
        f"rest on fewer than {k} people, so they are not shown for it: the whole study's figures are "
        "shown in their place, marked \u201cwhole study\u201d."
    )
    if policy.quotes.pool:
        said.append(
            f"Quotes come from peer workers at other sites unless at least {policy.quotes.min_interviewees} "
            "of its own were interviewed."
        )
    return " ".join(said)
