"""The joint display (the paper's Table 5): propositions with live quantitative and qualitative evidence.

The evidence is gathered as data, one row per piece (a tested change, a mean beside its
norm at one timepoint, a theme's or a code's counts, a quote), and the sentences are
written from those rows when the table is shown: a figure a disclosure policy withholds is
withheld in the sentence too, and evidence that is missing or not estimable says so.
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from ..analysis.qualitative import codings, quote_label
from ..config import QualEvidence, SynthesisConfig
from ..text import plural
from .blocks import SUPPRESSED, Table, is_missing, is_suppressed
from .formats import fmt_count, fmt_norm, fmt_number, fmt_p
from .html import DASH
from .roles import Role

COLUMNS = [
    "proposition",
    "fit",
    "item",
    "evidence",
    "instrument",
    "subscale",
    "comparison",
    "timepoint",
    "n",
    "mean",
    "std_difference",
    "norm_mean",
    "norm_sd",
    "change",
    "ci_low",
    "ci_high",
    "p",
    "es",
    "estimable",
    "note",
    "name",
    "excerpts",
    "participants",
    "fewest_at_a_timepoint",
    "excerpt_id",
    "label",
    "text",
]
# a theme's counts over every timepoint add up the code table's counts by timepoint: they are shown
# only where every timepoint's are, so that none of those can be found by subtraction
ROLES = {"participants": Role("count", "fewest_at_a_timepoint")}
NOT_ASSESSED = "not assessed: the evidence is not available at this scope"
WITHHELD = "not shown under this report's disclosure rules"  # too few people, or a figure that would reveal one


def _evidence_rows(
    prop, change: pd.DataFrame, outcomes: pd.DataFrame, excerpts: pd.DataFrame, codebook: pd.DataFrame
) -> list[dict]:
    rows: list[dict] = []
    base = {"proposition": prop.id, "fit": prop.fit}
    for item, ev in enumerate(prop.quantitative):
        head = {**base, "item": item, "instrument": ev.instrument, "subscale": ev.subscale}
        if ev.comparison:
            head.update(evidence="change", comparison=ev.comparison)
            found = change[
                (change["instrument"] == ev.instrument)
                & (change["subscale"] == ev.subscale)
                & (change["comparison"] == ev.comparison)
            ]
            rows.append(
                {
                    **head,
                    **(
                        {
                            k: found.iloc[0][k]
                            for k in ("n", "change", "ci_low", "ci_high", "p", "es", "estimable", "note")
                        }
                        if len(found)
                        else {}
                    ),
                }
            )
            continue
        head.update(evidence="norm", comparison="norm")
        found = outcomes[(outcomes["instrument"] == ev.instrument) & (outcomes["subscale"] == ev.subscale)]
        rows += [
            {**head, **{k: r[k] for k in ("timepoint", "n", "mean", "std_difference", "norm_mean", "norm_sd")}}
            for r in found.to_dict("records")
        ] or [head]
    ev = prop.qualitative
    coded = codings(excerpts).merge(codebook[["code_id", "code", "theme"]], on="code_id")
    named = [("theme", theme, coded[coded["theme"] == theme]) for theme in ev.themes]
    for code in ev.codes:
        name = codebook.loc[codebook["code_id"] == code, "code"]
        named.append(("code", name.iloc[0] if len(name) else code, coded[coded["code_id"] == code]))
    for kind, name, sub in named:
        by_time = sub.groupby("timepoint", observed=True)["participant_id"].nunique()
        rows.append(
            {
                **base,
                "evidence": kind,
                "name": name,
                "excerpts": sub["excerpt_id"].nunique(),
                "participants": sub["participant_id"].nunique(),
                "fewest_at_a_timepoint": int(by_time[by_time > 0].min()) if (by_time > 0).any() else 0,
            }
        )
    by_id = excerpts.set_index("excerpt_id") if len(excerpts) else None
    for quote in ev.quotes:
        if by_id is not None and quote in by_id.index:
            r = by_id.loc[quote]
            rows.append(
                {
                    **base,
                    "evidence": "quote",
                    "excerpt_id": quote,
                    "timepoint": r["timepoint"],
                    "label": quote_label(r["participant_id"], r["timepoint"]),
                    "text": r["text"],
                }
            )
    return rows


def _change_sentence(r: dict, label: str) -> tuple[str, bool]:
    first, later = r["comparison"].split("-", 1)
    if is_missing(r.get("n")):
        return f"{label}, {first} − {later}: no data in this report", False
    if is_suppressed(r["change"]) or is_suppressed(r["n"]):
        return f"{label}, {first} − {later}: {WITHHELD}", False
    if not bool(r["estimable"]):
        reason = str(r["note"]).split(":")[0]
        return f"{label}, {first} − {later}: not tested ({reason}; n = {fmt_count(r['n'])})", False
    p = fmt_p(r["p"])
    p_text = f"p {p}" if p.startswith("<") else f"p = {p}"
    ci = (
        "" if is_suppressed(r["ci_low"]) else f" (95% CI {fmt_number(r['ci_low'], 2)} to {fmt_number(r['ci_high'], 2)})"
    )
    return (
        f"{label}: {first} − {later} change {fmt_number(r['change'], 2)}{ci}, {p_text}, "
        f"ES {fmt_number(r['es'], 2)}, n = {fmt_count(r['n'])}"
    ), True


def _norm_sentence(rows: list[dict], label: str, min_n: int) -> tuple[str, bool]:
    if is_missing(rows[0].get("timepoint")):
        return f"{label}: no data in this report", False
    norm_mean, norm_sd = rows[0]["norm_mean"], rows[0]["norm_sd"]
    if is_missing(norm_mean):
        means = ", ".join(f"{fmt_number(r['mean'], 1)} at {r['timepoint']}" for r in rows)
        return f"{label}: mean {means}; no published norm", False
    if all(is_suppressed(r["mean"]) for r in rows):
        return f"{label}: norm {fmt_norm(norm_mean, norm_sd)}; means {WITHHELD}", False
    parts = [
        f"{fmt_number(r['mean'], 1)} at {r['timepoint']}"
        if is_suppressed(r["mean"])
        else f"{fmt_number(r['mean'], 1)} at {r['timepoint']} ({fmt_number(r['std_difference'], 2)} SD)"
        for r in rows
    ]
    text = f"{label}: norm {fmt_norm(norm_mean, norm_sd)}; mean {', '.join(parts)}"
    if any(is_suppressed(r["mean"]) for r in rows):
        text += f" ({SUPPRESSED} {WITHHELD})"
    held = all(not is_suppressed(r["n"]) and not is_suppressed(r["mean"]) and r["n"] >= min_n for r in rows)
    return text, held


def _qualitative_text(rows: list[dict]) -> tuple[str, bool]:
    parts, found = [], False
    for r in rows:
        if r["evidence"] == "quote":
            parts.append(f"“{r['text']}” ({r['label']})")
            found = True
            continue
        excerpts, people = r["excerpts"], r["participants"]
        if is_suppressed(people) or is_suppressed(excerpts):
            parts.append(f"{r['name']}: coded; counts {WITHHELD}")
            found = True
            continue
        found = found or excerpts > 0
        parts.append(f"{r['name']}: {plural(int(excerpts), 'excerpt')} from {plural(int(people), 'peer worker')}")
    return ("\n".join(parts) if parts else DASH), found


def _joint_display(data: pd.DataFrame, *, config: SynthesisConfig, labels: dict, min_n: int) -> pd.DataFrame:
    display_rows = []
    for number, prop in enumerate(config.propositions, start=1):
        rows = data[data["proposition"] == prop.id].to_dict("records")
        sentences, available = [], []
        for item, ev in enumerate(prop.quantitative):
            part = [r for r in rows if r["item"] == item and r["evidence"] in ("change", "norm")]
            label = labels.get((ev.instrument, ev.subscale), ev.subscale)
            text, held = _change_sentence(part[0], label) if ev.comparison else _norm_sentence(part, label, min_n)
            sentences.append(text)
            available.append(held)
        qual_text, found = _qualitative_text([r for r in rows if r["evidence"] in ("theme", "code", "quote")])
        assessed = all(available) and (found or prop.qualitative == QualEvidence())
        display_rows.append(
            {
                "Proposition": f"{number}. {prop.text}",
                "Quantitative evidence": "\n".join(sentences) if sentences else DASH,
                "Qualitative evidence": qual_text,
                "Fit": prop.fit if assessed else NOT_ASSESSED,
            }
        )
    return pd.DataFrame(display_rows, columns=["Proposition", "Quantitative evidence", "Qualitative evidence", "Fit"])


def joint_display(
    config: SynthesisConfig,
    change: pd.DataFrame,
    outcomes: pd.DataFrame,
    excerpts: pd.DataFrame,
    codebook: pd.DataFrame,
    labels: dict,
    *,
    min_n: int = 2,
) -> Table:
    """Table 5: each proposition beside its quantitative and qualitative evidence and their fit.

    ``change`` is the Table 4 frame (:func:`peerimpact.analysis.stats.change_over_time`) and
    ``outcomes`` the Table 3 frame (:func:`peerimpact.analysis.descriptive.compare_to_norms`). The fit
    the study team judged is shown only where this report holds every piece of the
    quantitative evidence and some of the qualitative; otherwise the cell says so. A
    comparison with a norm counts as evidence when every timepoint has ``min_n`` peer
    workers (pass the report's ``min_pairs``, so that both kinds of evidence rest on as
    many people as a test of change does).

    The table's data has one row per piece of evidence (``evidence``: change, norm, theme,
    code or quote); its sentences are written from those rows when it is shown.
    """
    rows = [r for prop in config.propositions for r in _evidence_rows(prop, change, outcomes, excerpts, codebook)]
    data = pd.DataFrame(rows, columns=COLUMNS).astype(
        {c: "Int64" for c in ("item", "n", "excerpts", "participants", "fewest_at_a_timepoint")}
    )
    return table5_from(data, config, labels, min_n=min_n)


def table5_from(data: pd.DataFrame, config: SynthesisConfig, labels: dict, *, min_n: int = 2) -> Table:
    """Table 5 of evidence rows already gathered: the whole study's, in a report whose own are withheld."""
    notes = [
        "Quantitative evidence is computed each time the report is built, from the data of the peer workers "
        "the table covers; SD from the norm: (mean − norm mean) ÷ norm SD. Fit, as the study team judged it: "
        "confirmation (the two kinds of evidence agree), expansion (one extends the other), discordance (they "
        f"disagree). Evidence is listed where the analysis has it: a change tested (at least {min_n} pairs), a "
        f"mean beside a norm (at least {min_n} peer workers) and coded excerpts; a figure the report's "
        "disclosure rules withhold is not shown."
    ]
    data = data.reindex(columns=COLUMNS)
    return Table(
        "table5",
        "Table 5. Joint display of quantitative and qualitative findings",
        data,
        partial(_joint_display, config=config, labels=labels, min_n=min_n),
        notes,
        row_headers=("Proposition",),
        collapse=False,
        roles=ROLES,
    )
