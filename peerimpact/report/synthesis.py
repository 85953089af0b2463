"""The joint display (the paper's Table 5): propositions with live quantitative and qualitative evidence.

Quantitative cells are written from the report's own results each time it is built, so
the display follows the data; evidence that is missing or not estimable says so.
"""

from __future__ import annotations

import pandas as pd

from ..analysis.qualitative import codings, quote_label
from ..config import QualEvidence, QuantEvidence, SynthesisConfig
from ..text import plural
from .tables import DASH, Table, fmt_norm, fmt_number, fmt_p


def _num(value: float, digits: int = 2) -> str:
    return fmt_number(value, digits)


def quantitative_cell(ev: QuantEvidence, change: pd.DataFrame, outcomes: pd.DataFrame,
                      labels: dict, min_n: int = 2) -> tuple[str, dict, bool]:
    """A sentence from the live results, the numbers it was written from, and whether the
    report holds the evidence: a tested change, or means of at least ``min_n`` peer workers
    at every timepoint beside a norm."""
    label = labels.get((ev.instrument, ev.subscale), ev.subscale)
    record = {"instrument": ev.instrument, "subscale": ev.subscale, "comparison": ev.comparison or "norm"}
    if ev.comparison:
        first, later = ev.comparison.split("-", 1)
        rows = change[(change["instrument"] == ev.instrument) & (change["subscale"] == ev.subscale)
                      & (change["comparison"] == ev.comparison)]
        if rows.empty:
            return f"{label}, {first} − {later}: no data in this report", record, False
        r = rows.iloc[0]
        record.update({k: r[k] for k in ("n", "change", "ci_low", "ci_high", "p", "es")})
        if not bool(r["estimable"]):
            reason = str(r["note"]).split(":")[0]
            return f"{label}, {first} − {later}: not tested ({reason}; n = {int(r['n'])})", record, False
        p = fmt_p(r["p"])
        p_text = f"p {p}" if p.startswith("<") else f"p = {p}"
        return (f"{label}: {first} − {later} change {_num(r['change'])} (95% CI {_num(r['ci_low'])} to "
                f"{_num(r['ci_high'])}), {p_text}, ES {_num(r['es'])}, n = {int(r['n'])}"), record, True
    rows = outcomes[(outcomes["instrument"] == ev.instrument) & (outcomes["subscale"] == ev.subscale)]
    if rows.empty:
        return f"{label}: no data in this report", record, False
    norm_mean, norm_sd = rows["norm_mean"].iloc[0], rows["norm_sd"].iloc[0]
    if pd.isna(norm_mean):
        means = ", ".join(f"{_num(m, 1)} at {tp}" for tp, m in zip(rows["timepoint"], rows["mean"]))
        return f"{label}: mean {means}; no published norm", record, False
    record.update({"norm_mean": norm_mean, "norm_sd": norm_sd})
    means = ", ".join(f"{_num(m, 1)} at {tp} ({_num(d)} SD)"
                      for tp, m, d in zip(rows["timepoint"], rows["mean"], rows["std_difference"]))
    return f"{label}: norm {fmt_norm(norm_mean, norm_sd)}; mean {means}", record, bool((rows["n"] >= min_n).all())


def qualitative_cell(ev: QualEvidence, excerpts: pd.DataFrame, codebook: pd.DataFrame) -> tuple[str, bool]:
    """Counts of excerpts and peer workers per theme and code, and the chosen quotes; and
    whether any of that evidence is in the report."""
    coded = codings(excerpts).merge(codebook[["code_id", "code", "theme"]], on="code_id")
    parts, found = [], False
    named = [(theme, coded[coded["theme"] == theme]) for theme in ev.themes]
    for code in ev.codes:
        name = codebook.loc[codebook["code_id"] == code, "code"]
        named.append((name.iloc[0] if len(name) else code, coded[coded["code_id"] == code]))
    for name, sub in named:
        excerpts_n, people_n = sub["excerpt_id"].nunique(), sub["participant_id"].nunique()
        found = found or excerpts_n > 0
        parts.append(f"{name}: {plural(excerpts_n, 'excerpt')} from {plural(people_n, 'peer worker')}")
    by_id = excerpts.set_index("excerpt_id") if len(excerpts) else None
    for quote in ev.quotes:
        if by_id is not None and quote in by_id.index:
            r = by_id.loc[quote]
            parts.append(f"“{r['text']}” ({quote_label(r['participant_id'], r['timepoint'])})")
            found = True
    return ("\n".join(parts) if parts else DASH), found


NOT_ASSESSED = "not assessed: the evidence is not available at this scope"


def joint_display(config: SynthesisConfig, change: pd.DataFrame, outcomes: pd.DataFrame, excerpts: pd.DataFrame,
                  codebook: pd.DataFrame, labels: dict, *, min_n: int = 2) -> Table:
    """Table 5: each proposition beside its quantitative and qualitative evidence and their fit.

    ``change`` is the Table 4 frame (:func:`peerimpact.analysis.stats.change_over_time`) and
    ``outcomes`` the Table 3 frame (:func:`peerimpact.analysis.stats.compare_to_norms`). The fit
    the study team judged is shown only where this report holds every piece of the
    quantitative evidence and some of the qualitative; otherwise the cell says so. A
    comparison with a norm counts as evidence when every timepoint has ``min_n`` peer
    workers (pass the report's ``min_pairs``, so that both kinds of evidence rest on as
    many people as a test of change does).
    """
    display_rows, data_rows = [], []
    for number, prop in enumerate(config.propositions, start=1):
        sentences, records, available = [], [], []
        for ev in prop.quantitative:
            text, record, present = quantitative_cell(ev, change, outcomes, labels, min_n)
            sentences.append(text)
            records.append({**record, "text": text})
            available.append(present)
        qual_text, qual_found = qualitative_cell(prop.qualitative, excerpts, codebook)
        assessed = all(available) and (qual_found or prop.qualitative == QualEvidence())
        data_rows += [{"proposition": prop.id, "fit": prop.fit, "fit_shown": assessed, **r} for r in records]
        display_rows.append({
            "Proposition": f"{number}. {prop.text}",
            "Quantitative evidence": "\n".join(sentences) if sentences else DASH,
            "Qualitative evidence": qual_text,
            "Fit": prop.fit if assessed else NOT_ASSESSED,
        })
    columns = ["proposition", "fit", "fit_shown", "instrument", "subscale", "comparison", "n", "change", "ci_low",
               "ci_high", "p", "es", "norm_mean", "norm_sd", "text"]
    notes = ["Quantitative evidence is computed from this report's data each time it is built; SD from the norm: "
             "(mean − norm mean) ÷ norm SD. Fit, as the study team judged it: confirmation (the two kinds of "
             "evidence agree), expansion (one extends the other), discordance (they disagree). It is shown where "
             f"this report holds the evidence: every change tested, every mean beside a norm from at least {min_n} "
             "peer workers, and coded excerpts."]
    return Table("table5", "Table 5. Joint display of quantitative and qualitative findings",
                 pd.DataFrame(data_rows, columns=columns), pd.DataFrame(display_rows), notes,
                 row_headers=("Proposition",))
