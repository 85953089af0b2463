"""The disclosure policy each report of a build applies: the rules files and audiences of
``params/disclosure/``, loaded and checked; a report's policy, resolved from its audience or its
definition's ``disclosure:``; and that policy in plain words for the report's title page.
"""

from __future__ import annotations

from pathlib import Path

from ..config import DATA_KINDS, Audience, DisclosureRules, ReportDef, ReportPolicy, key_line, parse_named
from ..config.disclosure import DataKind
from ..problems import Problems
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
    words = f"Written for {policy.label}. " + _plain(policy)
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
    by_rules: dict[str, list[DataKind]] = {}
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
