"""The joint display (the paper's Table 5): propositions with live quantitative and qualitative evidence.

Quantitative cells are written from the report's own results each time it is built, so
the display follows the data; evidence that is missing or not estimable says so.
"""

from __future__ import annotations

import math
from typing import Literal

import pandas as pd
from pydantic import Field, model_validator

from .config import _Strict
from .qualitative import codings, quote_label
from .tables import DASH, Table, fmt_number, fmt_p


class QuantEvidence(_Strict):
    """One outcome: its paired change for a ``comparison`` (``T1-T2``), or its standing against the norm."""

    instrument: str
    subscale: str
    comparison: str | None = None
    norm: bool = False

    @model_validator(mode="after")
    def _one(self) -> "QuantEvidence":
        if (self.comparison is None) == (not self.norm):
            raise ValueError("give either comparison (e.g. T1-T2) or norm: true")
        return self


class QualEvidence(_Strict):
    themes: list[str] = []
    codes: list[str] = []
    quotes: list[str] = []


class Proposition(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str
    fit: Literal["confirmation", "expansion", "discordance"]
    quantitative: list[QuantEvidence] = []
    qualitative: QualEvidence = QualEvidence()


class SynthesisConfig(_Strict):
    """``params/synthesis.yml``: the propositions of the joint display."""

    propositions: list[Proposition]


class QualitativeConfig(_Strict):
    """``params/qualitative.yml``: quotes the team chose per theme, and how many to show."""

    quotes_per_theme: int = Field(3, ge=0)
    pinned: dict[str, list[str]] = {}


def _num(value: float, digits: int = 2) -> str:
    return fmt_number(value, digits)


def quantitative_cell(ev: QuantEvidence, change: pd.DataFrame, outcomes: pd.DataFrame,
                      labels: dict) -> tuple[str, dict]:
    """A sentence from the live results, and the numbers it was written from."""
    label = labels.get((ev.instrument, ev.subscale), ev.subscale)
    record = {"instrument": ev.instrument, "subscale": ev.subscale, "comparison": ev.comparison or "norm"}
    if ev.comparison:
        first, later = ev.comparison.split("-", 1)
        rows = change[(change["instrument"] == ev.instrument) & (change["subscale"] == ev.subscale)
                      & (change["comparison"] == ev.comparison)]
        if rows.empty:
            return f"{label}, {first} − {later}: no data in this report", record
        r = rows.iloc[0]
        record.update({k: r[k] for k in ("n", "change", "ci_low", "ci_high", "p", "es")})
        if not bool(r["estimable"]):
            return f"{label}, {first} − {later}: not estimable ({r['note']})", record
        p = fmt_p(r["p"])
        p_text = f"p {p}" if p.startswith("<") else f"p = {p}"
        return (f"{label}: {first} − {later} change {_num(r['change'])} (95% CI {_num(r['ci_low'])} to "
                f"{_num(r['ci_high'])}), {p_text}, ES {_num(r['es'])}, n = {int(r['n'])}"), record
    rows = outcomes[(outcomes["instrument"] == ev.instrument) & (outcomes["subscale"] == ev.subscale)]
    if rows.empty:
        return f"{label}: no data in this report", record
    means = ", ".join(f"{_num(m, 1)} at {tp}" for tp, m in zip(rows["timepoint"], rows["mean"]))
    norm_mean, norm_sd = rows["norm_mean"].iloc[0], rows["norm_sd"].iloc[0]
    if norm_mean is None or (isinstance(norm_mean, float) and math.isnan(norm_mean)):
        return f"{label}: mean {means}; no published norm", record
    gaps = ", ".join(f"{_num(d)}" for d in rows["std_difference"])
    record.update({"norm_mean": norm_mean, "norm_sd": norm_sd})
    return (f"{label}: mean {means}; norm {norm_mean:g} (SD {norm_sd:g}); distance from the norm in norm SDs: "
            f"{gaps}"), record


def qualitative_cell(ev: QualEvidence, excerpts: pd.DataFrame, codebook: pd.DataFrame) -> str:
    coded = codings(excerpts).merge(codebook[["code_id", "code", "theme"]], on="code_id")
    parts = []
    for theme in ev.themes:
        sub = coded[coded["theme"] == theme]
        parts.append(f"{theme}: {sub['excerpt_id'].nunique()} excerpts from "
                     f"{sub['participant_id'].nunique()} peer workers")
    for code in ev.codes:
        sub = coded[coded["code_id"] == code]
        name = codebook.loc[codebook["code_id"] == code, "code"]
        parts.append(f"{name.iloc[0] if len(name) else code}: {sub['excerpt_id'].nunique()} excerpts from "
                     f"{sub['participant_id'].nunique()} peer workers")
    by_id = excerpts.set_index("excerpt_id") if len(excerpts) else None
    for quote in ev.quotes:
        if by_id is not None and quote in by_id.index:
            r = by_id.loc[quote]
            parts.append(f"“{r['text']}” ({quote_label(r['participant_id'], r['timepoint'])})")
    return "\n".join(parts) if parts else DASH


def joint_display(config: SynthesisConfig, change: pd.DataFrame, outcomes: pd.DataFrame, excerpts: pd.DataFrame,
                  codebook: pd.DataFrame, labels: dict) -> Table:
    """Table 5: each proposition beside its quantitative and qualitative evidence and their fit.

    ``change`` is the Table 4 frame (:func:`peerimpact.stats.change_over_time`) and
    ``outcomes`` the Table 3 frame (:func:`peerimpact.stats.compare_to_norms`).
    """
    display_rows, data_rows = [], []
    for number, prop in enumerate(config.propositions, start=1):
        sentences = []
        for ev in prop.quantitative:
            text, record = quantitative_cell(ev, change, outcomes, labels)
            sentences.append(text)
            data_rows.append({"proposition": prop.id, "fit": prop.fit, **record, "text": text})
        display_rows.append({
            "Proposition": f"{number}. {prop.text}",
            "Quantitative evidence": "\n".join(sentences) if sentences else DASH,
            "Qualitative evidence": qualitative_cell(prop.qualitative, excerpts, codebook),
            "Fit": prop.fit,
        })
    columns = ["proposition", "fit", "instrument", "subscale", "comparison", "n", "change", "ci_low", "ci_high",
               "p", "es", "norm_mean", "norm_sd", "text"]
    notes = ["Quantitative evidence is computed from this report's data each time it is built. "
             "Fit: confirmation (the two kinds of evidence agree), expansion (one extends the other), "
             "discordance (they disagree)."]
    return Table("table5", "Table 5. Joint display of quantitative and qualitative findings",
                 pd.DataFrame(data_rows, columns=columns), pd.DataFrame(display_rows), notes)
