"""Tables of the analyses beside Tables 3 and 4: change from all available data (the mixed models,
a sensitivity analysis for Table 4's complete pairs) and each scale's internal consistency
(Cronbach's α). Each is an unrounded frame for CSV and a formatted one for reading; the roles give
their columns' figures the people they rest on, so a policy withholds them with those people."""

from __future__ import annotations

from functools import partial

import pandas as pd

from ..analysis.models import MODEL_COLUMNS
from ..locales import current
from ..text import plural
from .blocks import SUPPRESSED, Table, is_missing, is_suppressed
from .formats import fmt_count, fmt_number, fmt_p
from .html import DASH
from .outcome_tables import ADJUSTED_HEADERS, ADJUSTMENT_WORDS, FOOTNOTE_MARKS, _by_subscale
from .roles import TABLE_ROLES

MODEL_NOTES = [
    "All available data: for each subscale, a linear mixed model of the score on timepoint with a random "
    "intercept per peer worker (REML), so that everyone with a score at any timepoint counts. A sensitivity "
    "analysis for Table 4, which uses complete pairs only.",
    "Estimated change is the later score minus the earlier one: a positive change is a rise, the opposite sign "
    "of Table 4's change. 95% CI and p from the Wald test; people and scores in the model.",
]


def _interval(estimate, low, high, digits: int) -> str:
    if is_suppressed(estimate):
        return SUPPRESSED
    ci = (
        ""
        if is_missing(low) or is_suppressed(low) or is_suppressed(high)
        else f" ({fmt_number(low, digits)}{current().separator} {fmt_number(high, digits)})"
    )
    return fmt_number(estimate, digits) + ci


def mixed_models_table(models: pd.DataFrame, labels: dict[tuple[str, str | None], str]) -> Table:
    """The mixed models of :func:`peerimpact.analysis.models.mixed_models` as a report shows them."""
    data = models.reindex(columns=[c for c in MODEL_COLUMNS if c in models.columns]).copy()
    return Table(
        "mixed_models",
        "Table 4b. Change in outcomes over time from all available data (linear mixed models)",
        data,
        partial(_models_display, labels=labels, adjust=models.attrs.get("adjust", "none")),
        list(MODEL_NOTES),
        row_headers=("Measure", "Subscale"),
        roles=TABLE_ROLES["mixed_models"],
    )


def _models_display(data: pd.DataFrame, *, labels: dict, adjust: str) -> tuple[pd.DataFrame, list[str]]:
    rows: list[dict] = []
    marks: dict[str, str] = {}
    for part, cells in _by_subscale(data, labels):
        for k, rec in enumerate(part.itertuples(index=False)):
            why = rec.note if _text(rec.note) else f"the fit warned: {rec.warning}" if _text(rec.warning) else ""
            mark = marks.setdefault(why, FOOTNOTE_MARKS[len(marks) % len(FOOTNOTE_MARKS)]) if _text(why) else ""
            row = {
                **cells,
                "Measure": cells["Measure"] if k == 0 else "",
                "Comparison": f"{rec.reference} − {rec.timepoint}",
                "People": fmt_count(rec.n_people),
                "Scores": fmt_count(rec.n_obs),
                "Estimated change (95% CI)": _interval(rec.estimate, rec.ci_low, rec.ci_high, 2) + mark,
                "p": fmt_p(rec.p),
            }
            if adjust in ADJUSTED_HEADERS:
                row[ADJUSTED_HEADERS[adjust]] = fmt_p(rec.p_adjusted)
            rows.append(row)
    notes = [f"{mark} {_sentence(why)}" for why, mark in marks.items()]
    tests = int(sum(not is_missing(p) for p in data["p"]))
    if adjust in ADJUSTED_HEADERS:
        notes.append(
            f"{ADJUSTED_HEADERS[adjust]}: p adjusted by {ADJUSTMENT_WORDS[adjust]}, across {plural(tests, 'test')}."
        )
    elif tests > 1:
        notes.append(f"p values are not adjusted for multiple comparisons across the {plural(tests, 'test')}.")
    return pd.DataFrame(rows), notes


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def reliability_table(alpha: pd.DataFrame, labels: dict[tuple[str, str | None], str], timepoints: list[str]) -> Table:
    """Cronbach's α of every subscale at every timepoint (:func:`peerimpact.analysis.reliability.reliability`),
    a column pair per timepoint: the people who answered every item, and α (95% CI)."""
    return Table(
        "reliability",
        "Internal consistency of each scale (Cronbach's α)",
        alpha.copy(),
        partial(_reliability_display, labels=labels, timepoints=timepoints),
        [
            "Cronbach's α from the peer workers who answered every item of the subscale at that timepoint (n), "
            "reverse-keyed items reversed first; 95% CI by Feldt's method. Scores allow a missing item, so n "
            "may be below Table 3's."
        ],
        row_headers=("Measure", "Subscale"),
        roles=TABLE_ROLES["reliability"],
    )


def _reliability_display(data: pd.DataFrame, *, labels: dict, timepoints: list[str]) -> tuple[pd.DataFrame, list[str]]:
    rows: list[dict] = []
    marks: dict[str, str] = {}
    for part, cells in _by_subscale(data, labels):
        row = {**cells, "Items": fmt_count(part["items"].iloc[0])}
        by_time = part.set_index(part["timepoint"].astype(str))
        for tp in timepoints:
            if tp not in by_time.index:
                row[f"{tp} n"], row[f"{tp} α (95% CI)"] = DASH, DASH
                continue
            rec = by_time.loc[tp]
            mark = (
                marks.setdefault(rec["note"], FOOTNOTE_MARKS[len(marks) % len(FOOTNOTE_MARKS)])
                if _text(rec["note"])
                else ""
            )
            row[f"{tp} n"] = fmt_count(rec["n"])
            row[f"{tp} α (95% CI)"] = _interval(rec["alpha"], rec["ci_low"], rec["ci_high"], 2) + mark
        rows.append(row)
    return pd.DataFrame(rows), [f"{mark} {_sentence(why)}" for why, mark in marks.items()]
