"""The Methods section: how a report's figures were made, written from its meta.

Every number in it comes from the report's :class:`~peerimpact.report.meta.ReportMeta` (the
instruments' scoring, the analysis settings, the multiplicity setting, the disclosure rules)
or from the code that does the work (:mod:`peerimpact.analysis.stats`'s conventions), never
from a hand-typed figure, so that changing a setting changes what the report says it did. A
report kept within the study team has the full section; a shared one a short appendix.
"""

from __future__ import annotations

import html
import platform
import re
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ..analysis.stats import CONFIDENCE, WILCOXON_EXACT_BELOW
from ..text import plural
from ..version import __version__
from .blocks import TextBlock
from .meta import InstrumentMeta, ReportMeta, Scale
from .outcome_tables import ADJUSTED_HEADERS, ADJUSTMENT_WORDS
from .policies import POLICIES
from .roles import Role

REFERENCE = Role("reference")  # a setting or a convention: nobody's data, never withheld
# the libraries whose versions the section names, beside peerimpact and Python
LIBRARIES = ("pandas", "numpy", "scipy", "pingouin")


def methods(meta: ReportMeta) -> list[TextBlock]:
    """The Methods blocks of a report: the full section for a report kept within the study team,
    a short appendix for a shared one (:func:`shared`)."""
    return brief(meta) if shared(meta) else full(meta)


def shared(meta: ReportMeta) -> bool:
    """Whether the report may leave the study team: its rules withhold something."""
    if meta.policy is not None:
        return meta.policy.shared
    policy = POLICIES.get(meta.disclosure, None)
    return policy is None or policy.shared  # a policy the kernel does not know: say less, not more


def full(meta: ReportMeta) -> list[TextBlock]:
    """Every block of the full section: instruments, tests, minimum pairs, multiplicity,
    the settings changed for this build, disclosure and versions."""
    return [
        *(instrument(name, info) for name, info in meta.instruments.items()),
        tests(meta),
        minimum_pairs(meta),
        multiplicity(meta),
        *overridden(meta),
        disclosure(meta),
        versions(),
    ]


def settings_in_words(overrides: dict[str, Any]) -> str:
    """``analysis.min_pairs = 8; study.multiplicity = fdr_bh``: settings as ``--set`` changed them."""
    return "; ".join(f"{name} = {value}" for name, value in overrides.items())


def overridden(meta: ReportMeta) -> list[TextBlock]:
    """The settings this build changed with ``--set``, where it changed any: a reader of the report
    must know its figures were not made with the study's own settings."""
    if not meta.overrides:
        return []
    facts = {"settings": settings_in_words(meta.overrides), "count": len(meta.overrides)}
    return [_block("methods_overrides", facts, _overrides_text)]


def _overrides_text(facts: dict[str, Any]) -> str:
    these = "this setting" if facts["count"] == 1 else "these settings"
    return (
        f"This build changed {these} from the study's own for its reports (`--set`): "
        f"{_plain(facts['settings'])}. The report's figures are made with the changed values."
    )


# ------------------------------------------------------------------------------ pieces


def _block(name: str, facts: dict[str, Any], write) -> TextBlock:
    """A block whose numeric facts are settings (references): a policy leaves them as they are."""
    roles = {k: REFERENCE for k, v in facts.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return TextBlock(name, facts, write, roles=roles)


def _plain(text: str) -> str:
    """Text from a params file as markdown shows it literally: no HTML, no emphasis, no links."""
    return re.sub(r"([\\`*_\[\]#|])", r"\\\1", html.escape(text, quote=False))


def _num(value: float) -> str:
    """A setting as written: ``3``, ``2.5``."""
    return f"{value:g}"


def _items(ids: tuple[str, ...] | list[str]) -> str:
    """``item 32``, ``items 32 and 35``, ``items 1, 4 and 9``."""
    ids = list(ids)
    if len(ids) == 1:
        return f"item {ids[0]}"
    return f"items {', '.join(ids[:-1])} and {ids[-1]}"


def _missing_rule(method: str | None, max_missing: int, prorate: bool) -> str:
    """The missing-item rule of a subscale in words."""
    if max_missing == 0:
        return "a score needs every one of its items answered, otherwise it is missing"
    allowed = f"a score is computed with up to {plural(max_missing, 'item')} missing, and is missing with more"
    if method == "mean":
        return f"{allowed}; a mean is of the items answered"
    if prorate:
        return f"{allowed}; a sum with items missing is prorated (the mean of the items answered × the number of items)"
    return f"{allowed}; a sum with items missing is the sum of the items answered, not prorated"


def instrument(name: str, info: InstrumentMeta) -> TextBlock:
    """One instrument: items and answers, each subscale's scoring and missing-item rule, whether
    its item layout is confirmed or assumed, and its minimal important difference where declared."""
    facts: dict[str, Any] = {
        "name": info.name,
        "source": info.source,
        "confirmed": info.layout.confirmed,
        "layout_note": info.layout.note,
        "mid": info.mid.value if info.mid else None,
        "mid_source": info.mid.source if info.mid else None,
    }
    if info.item_range is not None:
        facts.update(item_min=info.item_range[0], item_max=info.item_range[1])
    for sub, scale in info.scales.items():
        facts.update(
            {
                f"{sub}.low": scale.range[0],
                f"{sub}.high": scale.range[1],
                f"{sub}.items": scale.items,
                f"{sub}.max_missing": scale.max_missing,
            }
        )
    return _block(f"methods_{name}", facts, partial(_instrument_text, info=info))


def _instrument_text(facts: dict[str, Any], *, info: InstrumentMeta) -> str:
    scales = info.scales
    higher = {scale.higher for scale in scales.values()}
    direction = next(iter(higher)) if len(higher) == 1 else None  # what a higher score means on every scale
    one_direction = direction is not None
    rules = {
        (scale.method, facts[f"{sub}.max_missing"], bool(scale.prorate))
        for sub, scale in scales.items()
        if scale.max_missing is not None
    }
    one_rule = len(rules) == 1 and all(scale.max_missing is not None for scale in scales.values())
    head = f"**{_plain(facts['name'])}**"
    if facts.get("source"):
        head += f" ({_plain(facts['source'].rstrip('.'))})"
    said = []
    if "item_min" in facts:
        said.append(f"each item is answered from {_num(facts['item_min'])} to {_num(facts['item_max'])}")
    if direction is not None:
        said.append(f"a higher score means {_plain(direction)}")
    lines = [head + (": " + "; ".join(said) if said else "") + "."]
    for sub, scale in scales.items():
        text = _subscale_text(
            info.subscales.get(sub, sub), sub, scale, facts, direction=not one_direction, rule=not one_rule
        )
        lines.append(f"- {text}")
    if one_rule:
        method, max_missing, prorate = next(iter(rules))
        rule = _missing_rule(method, max_missing, prorate)
        lines.append(f"- Missing items: {rule}.")
    if facts["confirmed"]:
        layout = "Item layout: as published"
    else:
        layout = (
            "Item layout: **assumed, not confirmed** from the published instrument; a study must check "
            "it against the version it administered"
        )
    note = f" ({_plain(facts['layout_note'])})" if facts.get("layout_note") else ""
    lines.append(f"- {layout}{note}.")
    if facts.get("mid") is not None:
        lines.append(f"- Minimal important difference: {_num(facts['mid'])} points ({_plain(facts['mid_source'])}).")
    return "\n".join(lines)


def _subscale_text(label: str, sub: str, scale: Scale, facts: dict[str, Any], *, direction: bool, rule: bool) -> str:
    what = "the sum" if scale.method == "sum" else "the mean" if scale.method == "mean" else "the score"
    items = facts.get(f"{sub}.items")
    text = f"{_plain(label)}: {what} of {plural(items, 'item')}" if items else f"{_plain(label)}: {what} of its items"
    text += f", from {_num(facts[f'{sub}.low'])} to {_num(facts[f'{sub}.high'])}"
    if direction and scale.higher:
        text += f" (higher: {_plain(scale.higher)})"
    if scale.reverse:
        text += f"; {_items(scale.reverse)} reverse-keyed"
    if rule and scale.max_missing is not None:
        text += f"; {_missing_rule(scale.method, facts[f'{sub}.max_missing'], bool(scale.prorate))}"
    return text + "."


def tests(meta: ReportMeta) -> TextBlock:
    """The tests and their conventions: paired t-test, effect sizes, the signed-rank check."""
    facts = {
        "confidence": round(CONFIDENCE * 100),
        "exact_below": WILCOXON_EXACT_BELOW,
        "comparisons": ", ".join(f"{a} − {b}" for a, b in meta.comparisons),
    }
    return _block("methods_tests", facts, _tests_text)


def _tests_text(facts: dict[str, Any]) -> str:
    compared = f" ({facts['comparisons']})" if facts["comparisons"] else ""
    return (
        f"**Change over time.** Each comparison{compared} uses the peer workers with a score at both "
        "timepoints (complete pairs). Change is the earlier score minus the later one, so a positive change "
        "is a fall. A paired t-test gives the mean change, its "
        f"{facts['confidence']}% confidence interval and a two-sided p value. Two effect sizes are shown: "
        "ES, the change divided by the SD of the earlier score among the pairs (the study paper's effect "
        "size), and d_z, the change divided by the SD of the differences. The Wilcoxon signed-rank test of "
        "the same differences is a sensitivity check, computed as R's wilcox.test does: differences of zero "
        f"are dropped; p is exact when fewer than {facts['exact_below']} differences are left with no ties "
        "and no zeros, and otherwise comes from the normal approximation with a continuity correction. "
        "One departure from R: differences that differ only by floating-point error (means of items, "
        "prorated sums) count as ties, where R would rank them apart; R gives the same p once the "
        "differences are rounded to 10 significant digits, those of floating-point size set to zero."
    )


def minimum_pairs(meta: ReportMeta) -> TextBlock:
    """The fewest complete pairs a comparison needs before it is tested (``analysis.min_pairs``)."""
    return _block("methods_min_pairs", {"min_pairs": meta.params.analysis.min_pairs}, _min_pairs_text)


def _min_pairs_text(facts: dict[str, Any]) -> str:
    return (
        f"**Fewest pairs tested.** A comparison with fewer than {facts['min_pairs']} complete pairs shows "
        "its number of pairs and mean change only: no confidence interval, p value or effect size."
    )


def tests_in_table4(meta: ReportMeta) -> tuple[int, int, int]:
    """Table 4's largest number of tests: comparisons × subscales, and each of the two."""
    comparisons = len(meta.comparisons)
    subscales = sum(len(info.subscales) for info in meta.instruments.values())
    return comparisons * subscales, comparisons, subscales


def multiplicity(meta: ReportMeta) -> TextBlock:
    """The adjustment of Table 4's p values for the number of tests, or that there is none."""
    most, comparisons, subscales = tests_in_table4(meta)
    facts = {"method": meta.multiplicity, "tests": most, "comparisons": comparisons, "subscales": subscales}
    return _block("methods_multiplicity", facts, _multiplicity_text)


def _multiplicity_text(facts: dict[str, Any]) -> str:
    family = (
        f"up to {plural(facts['tests'], 'test')} ({plural(facts['comparisons'], 'comparison')} of "
        f"{plural(facts['subscales'], 'subscale')}; a comparison with too few pairs is not tested)"
    )
    if facts["method"] == "none":
        return (
            f"**Multiple comparisons.** Table 4 reports {family}. Their p values are not adjusted for "
            "multiple comparisons, so some small p values are to be expected by chance alone: read them "
            "as a guide, beside the size of each change."
        )
    return (
        f"**Multiple comparisons.** Table 4 reports {family}. Their p values are adjusted across every "
        f"test of the table by {ADJUSTMENT_WORDS[facts['method']]}; the table shows them as "
        f"“{ADJUSTED_HEADERS[facts['method']]}” beside the unadjusted p."
    )


def disclosure(meta: ReportMeta) -> TextBlock:
    """What the report's audience may see, in the words of its disclosure rules."""
    facts: dict[str, str | None]
    if meta.policy is not None:
        facts = {"audience": meta.policy.label, "rules": meta.policy.describe()}
    else:
        policy = POLICIES.get(meta.disclosure, None)
        facts = {"audience": None, "rules": policy.description if policy else meta.disclosure}
    return _block("methods_disclosure", facts, _disclosure_text)


def _disclosure_text(facts: dict[str, Any]) -> str:
    who = f"This report is written for {_plain(facts['audience'])}. " if facts.get("audience") else ""
    return f"**What this report shows.** {who}{_upper_first(_plain(facts['rules']))}."


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _version_of(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def versions() -> TextBlock:
    """The versions of peerimpact, Python and the libraries that computed the figures."""
    facts = {
        "peerimpact": __version__,
        "Python": platform.python_version(),
        **{name: _version_of(name) for name in LIBRARIES},
    }
    return TextBlock("methods_versions", facts, _versions_text)


def _versions_text(facts: dict[str, Any]) -> str:
    return "**Software.** " + ", ".join(f"{name} {v}" for name, v in facts.items()) + "."


def brief(meta: ReportMeta) -> list[TextBlock]:
    """The short appendix of a shared report: a few sentences on scoring, tests, multiplicity,
    what the reader sees and the software."""
    most, comparisons, subscales = tests_in_table4(meta)
    assumed = [info.name for info in meta.instruments.values() if not info.layout.confirmed]
    mids = {info.name: (info.mid.value, info.mid.source) for info in meta.instruments.values() if info.mid}
    facts: dict[str, Any] = {
        "confidence": round(CONFIDENCE * 100),
        "min_pairs": meta.params.analysis.min_pairs,
        "method": meta.multiplicity,
        "tests": most,
        "assumed": " and ".join(filter(None, [", ".join(assumed[:-1]), assumed[-1]])) if assumed else "",
        "layouts": len(assumed),
    }
    for i, (name, (value, source)) in enumerate(mids.items()):
        facts.update({f"mid{i}": value, f"mid{i}_name": name, f"mid{i}_source": source})
    policy = disclosure(meta).facts
    facts.update(audience=policy["audience"], rules=policy["rules"])
    return [_block("methods_brief", facts, _brief_text), *overridden(meta)]


def _brief_text(facts: dict[str, Any]) -> str:
    scoring = "Scores follow each instrument's published scoring, with its missing-item rule."
    if facts["assumed"]:
        layout, be = ("item layout", "is") if facts["layouts"] == 1 else ("item layouts", "are")
        scoring += (
            f" The {layout} of {_plain(facts['assumed'])} {be} assumed, not confirmed from the published instruments."
        )
    change = (
        "Change between timepoints (earlier minus later, so a positive change is a fall) is tested with "
        f"paired t-tests on complete pairs, with {facts['confidence']}% confidence intervals, two effect "
        "sizes and a Wilcoxon signed-rank check; a comparison with fewer than "
        f"{facts['min_pairs']} pairs shows its mean change without a test."
    )
    if facts["method"] == "none":
        adjusted = f"p values are not adjusted for the number of tests (up to {facts['tests']})."
    else:
        adjusted = (
            f"p values are adjusted across the tests (up to {facts['tests']}) by {ADJUSTMENT_WORDS[facts['method']]}."
        )
    mids = [
        f"{_num(facts[f'mid{i}'])} points for the {_plain(facts[f'mid{i}_name'])} ({_plain(facts[f'mid{i}_source'])})"
        for i in range(len(facts))
        if f"mid{i}" in facts
    ]
    important = f" The minimal important difference declared is {'; '.join(mids)}." if mids else ""
    who = (
        f"This report is written for {_plain(facts['audience'])}: "
        if facts.get("audience")
        else "What this report shows: "
    )
    return f"**Methods in brief.** {scoring} {change} {adjusted}{important} {who}{_plain(facts['rules'])}."
