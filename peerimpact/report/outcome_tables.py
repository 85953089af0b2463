"""Paper-style tables of outcomes: Table 3 (every outcome at every timepoint beside its norm),
Table 3a (beside the whole study) and Table 4 (paired change over time), and the rows of Tables 3
and 4 a report's headline names; each an unrounded DataFrame for CSV and a formatted one for
reading."""

from __future__ import annotations

import dataclasses
from collections.abc import Set as AbstractSet
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd

from ..analysis.stats import ADJUSTED, ADJUSTMENTS
from ..locales import current
from ..text import plural
from .blocks import SUPPRESSED, Table, is_missing, is_suppressed
from .formats import extremes_withheld, fmt_count, fmt_mean_sd_range, fmt_norm, fmt_number, fmt_p, fmt_range
from .html import DASH

if TYPE_CHECKING:
    from .extract import Extract


def _by_subscale(frame: pd.DataFrame, labels: dict[tuple[str, str | None], str]):
    """Each instrument and subscale in order, with its rows and the first display cells of its
    first row (the measure is named once, on its first subscale)."""
    previous = None
    for instrument, subscale in frame[["instrument", "subscale"]].drop_duplicates().itertuples(index=False):
        part = frame[(frame["instrument"] == instrument) & (frame["subscale"] == subscale)]
        cells = {
            "Measure": labels.get((instrument, None), instrument) if instrument != previous else "",
            "Subscale": labels.get((instrument, subscale), subscale),
        }
        previous = instrument
        yield part, cells


def table3(
    summary: pd.DataFrame,
    labels: dict[tuple[str, str | None], str],
    timepoints: list[str],
    scales: pd.DataFrame | None = None,
) -> Table:
    """Table 3: n and mean (SD) min–max of every outcome at every timepoint, beside its norm.

    ``summary`` comes from :func:`peerimpact.analysis.descriptive.compare_to_norms`; ``scales`` (as
    ``Extract.scales``) adds each subscale's possible range and what a higher score means,
    under its name and as ``range_min, range_max, higher`` in the data.
    """
    columns = ["instrument", "subscale", "timepoint", "n", "mean", "sd", "min", "max", "norm_mean", "norm_sd"]
    data = summary[columns].copy()
    if scales is not None:
        data = data.merge(scales, on=["instrument", "subscale"], how="left")
    notes = [
        "Under each subscale: the range of possible scores and what a higher score means. "
        "SD uses n − 1. Norms are compared by inspection, not tested. A dash: no data, or no published norm."
    ]
    if "norm_source" in summary.columns:
        for instrument, source in summary[["instrument", "norm_source"]].drop_duplicates().itertuples(index=False):
            if isinstance(source, str):
                notes.append(f"{labels.get((instrument, None), instrument)} norm: {source}.")
    return Table(
        "table3",
        "Table 3. Outcomes over time and population norms",
        data,
        partial(_table3_display, labels=labels, timepoints=timepoints, scaled=scales is not None),
        notes,
        row_headers=("Measure", "Subscale"),
    )


def _table3_display(data: pd.DataFrame, *, labels: dict, timepoints: list[str], scaled: bool) -> pd.DataFrame:
    summary = "mean (SD)" + ("" if extremes_withheld(data) else " min–max")
    rows = []
    for part, row in _by_subscale(data, labels):
        first = part.iloc[0]
        if scaled and pd.notna(first["range_min"]):
            scale = fmt_range(first["range_min"], first["range_max"])
            if isinstance(first["higher"], str):
                scale += f"; higher: {first['higher']}"
            row["Subscale"] += f"\n({scale})"
        by_tp = part.set_index("timepoint")
        for tp in timepoints:
            if tp in by_tp.index:
                r = by_tp.loc[tp]
                row[f"{tp} n"] = fmt_count(r["n"])
                row[f"{tp} {summary}"] = fmt_mean_sd_range(r["mean"], r["sd"], r["min"], r["max"], 1, 2)
            else:
                row[f"{tp} n"], row[f"{tp} {summary}"] = "0", DASH
        row["Norm mean (SD)"] = fmt_norm(first["norm_mean"], first["norm_sd"])
        rows.append(row)
    return pd.DataFrame(rows)


FOOTNOTE_MARKS = "ᵃᵇᶜᵈᵉᶠᵍʰ"


def _change_row(rec, cells: dict, adjusted: str, marks: dict[str, str]) -> dict:
    """One displayed row of Table 4; a row with a note carries the footnote mark of its reason."""
    first, later = rec.comparison.split("-", 1)
    row = {**cells, "Comparison": f"{first} − {later}", "n": fmt_count(rec.n)}
    mark = ""
    if isinstance(rec.note, str) and rec.note and not is_suppressed(rec.change):
        mark = marks.setdefault(rec.note, FOOTNOTE_MARKS[len(marks) % len(FOOTNOTE_MARKS)])
    if rec.estimable and not is_suppressed(rec.change):
        ci = (
            ""
            if is_suppressed(rec.ci_low) or is_suppressed(rec.ci_high)
            else f" ({fmt_number(rec.ci_low, 2)}{current().separator} {fmt_number(rec.ci_high, 2)})"
        )
        row["Change (95% CI)"] = fmt_number(rec.change, 2) + ci
        row["p"] = fmt_p(rec.p)
        row["ES"] = fmt_number(rec.es, 2) + (mark if is_missing(rec.es) else "")
        row["d_z"] = fmt_number(rec.d_z, 2)
        row["Wilcoxon p"] = fmt_p(rec.p_wilcoxon)
    elif is_suppressed(rec.change):
        row.update({c: SUPPRESSED for c in ("Change (95% CI)", "p", "ES", "d_z", "Wilcoxon p")})
    else:
        row.update(
            {
                "Change (95% CI)": fmt_number(rec.change, 2) + mark,
                "p": DASH,
                "ES": DASH,
                "d_z": DASH,
                "Wilcoxon p": DASH,
            }
        )
    if adjusted != "none":
        row[ADJUSTED_HEADERS[adjusted]] = fmt_p(getattr(rec, ADJUSTED))
    return row


CHANGE_NOTES = [
    "Change is the earlier score minus the later one, as in the paper: a positive change is a decrease. "
    "Complete pairs only; n is the number of pairs.",
    "ES: change ÷ SD of the earlier score among the pairs (the paper's effect size). "
    "d_z: change ÷ SD of the differences. Wilcoxon p: signed-rank test, a small-sample sensitivity check.",
]


# Table 4's column of adjusted p values, and the adjustment in words (for its note and the Methods).
ADJUSTED_HEADERS = {"holm": "Holm p", "fdr_bh": "FDR-adjusted p (Benjamini–Hochberg)"}
ADJUSTMENT_WORDS = {
    "holm": "Holm's step-down method, which controls the chance of any false positive among the tests "
    "(the family-wise error rate)",
    "fdr_bh": "the Benjamini–Hochberg method, which controls the expected share of false positives among the "
    "tests that reach significance (the false discovery rate)",
}


def adjustment_of(change: pd.DataFrame) -> str:
    """Which adjustment a frame of :func:`~peerimpact.analysis.stats.change_over_time` carries:
    ``none``, ``holm`` or ``fdr_bh``: its ``attrs["adjust"]``, where it has a ``p_adjusted`` column."""
    method = change.attrs.get("adjust")
    if ADJUSTED not in change.columns:
        return "none"
    if method not in ADJUSTMENTS:
        raise ValueError(f"a column {ADJUSTED!r} without the adjustment that made it (attrs['adjust']: {method!r})")
    return str(method)


def table4(change: pd.DataFrame, labels: dict[tuple[str, str | None], str]) -> Table:
    """Table 4: paired change for each comparison; change is earlier − later.

    A row without a test shows its n and mean change; each reason for a missing figure is
    one footnote, whatever the number of rows it applies to. A note says how the p values are
    adjusted across the tests, and across how many: those the adjustment ran across (the
    frame's ``attrs["tests"]``, which a table of some of its rows keeps), else the table's own.
    """
    return Table(
        "table4",
        "Table 4. Change in outcomes over time (paired t-tests)",
        change.copy(),
        partial(_table4_display, labels=labels, tests=change.attrs.get("tests"), adjusted=adjustment_of(change)),
        list(CHANGE_NOTES),
        row_headers=("Measure", "Subscale"),
    )


def _table4_display(
    data: pd.DataFrame, *, labels: dict, tests: int | None = None, adjusted: str = "none"
) -> tuple[pd.DataFrame, list[str]]:
    rows: list[dict] = []
    marks: dict[str, str] = {}
    for part, cells in _by_subscale(data, labels):
        for k, rec in enumerate(part.itertuples(index=False)):
            rows.append(_change_row(rec, {**cells, "Measure": cells["Measure"] if k == 0 else ""}, adjusted, marks))
    notes = [f"{mark} {reason[0].upper()}{reason[1:]}." for reason, mark in marks.items()]
    shown = int(sum(not is_missing(p) for p in data["p"]))  # a withheld p is still a test made
    if adjusted != "none":
        notes.append(
            f"{ADJUSTED_HEADERS[adjusted]}: p adjusted by {ADJUSTMENT_WORDS[adjusted]}, across "
            f"{plural(shown if tests is None else tests, 'test')}: every outcome and comparison with "
            "enough pairs to test."
        )
    elif tests is not None and tests > shown:  # some rows of a larger set of tests, as a headline's
        notes.append(
            f"p values are not adjusted for multiple comparisons: these {plural(shown, 'test')} are among "
            f"the {tests} made of every outcome and comparison with enough pairs to test."
        )
    elif shown > 1:
        notes.append(
            f"p values are not adjusted for multiple comparisons across the {plural(shown, 'test')} in this table."
        )
    return pd.DataFrame(rows), notes


def against_study(
    summary: pd.DataFrame, comparators: pd.DataFrame, labels: dict[tuple[str, str | None], str], timepoints: list[str]
) -> Table:
    """This report's mean of every outcome beside the whole study's, for site and cohort reports.

    ``comparators`` holds the study-wide ``n, mean, sd`` per instrument, subscale and
    timepoint that the planner puts in every extract (aggregates only, never rows).
    """
    keys = ["instrument", "subscale", "timepoint"]
    study = comparators.rename(columns={"n": "study_n", "mean": "study_mean", "sd": "study_sd"})
    data = summary[keys + ["n", "mean"]].merge(study, on=keys, how="left")
    notes = [
        "Mean score in this report's peer workers ('here') and in the whole study ('study', every site "
        "included). Compare by inspection: the groups overlap, so no test is made."
    ]
    return Table(
        "table3_study",
        "Table 3a. Outcomes beside the whole study",
        data,
        partial(_against_study_display, labels=labels, timepoints=timepoints),
        notes,
        row_headers=("Measure", "Subscale"),
    )


def _against_study_display(data: pd.DataFrame, *, labels: dict, timepoints: list[str]) -> pd.DataFrame:
    rows = []
    for part, row in _by_subscale(data, labels):
        part = part.set_index("timepoint")
        for tp in timepoints:
            if tp in part.index:
                r = part.loc[tp]
                row[f"{tp} here"] = fmt_number(r["mean"], 1)
                row[f"{tp} study"] = fmt_number(r["study_mean"], 1)
            else:
                row[f"{tp} here"], row[f"{tp} study"] = DASH, DASH
        rows.append(row)
    return pd.DataFrame(rows)


def _named(frame: pd.DataFrame, keys: AbstractSet[tuple[str, ...]], columns: tuple[str, ...]) -> pd.DataFrame:
    wanted = [tuple(str(v) for v in row) in keys for row in frame[list(columns)].itertuples(index=False)]
    return frame[wanted].reset_index(drop=True)


def headline_norms(data: Extract) -> Table:
    """Table 3's rows (every timepoint) of the outcomes a report's ``headline`` compares with norms, from
    the report's Table 3 (``data.summary``)."""
    keys = {(h.instrument, h.subscale) for h in data.meta.headline if h.norm}
    table = table3(_named(data.summary, keys, ("instrument", "subscale")), data.labels, data.timepoints, data.scales)
    return dataclasses.replace(table, name="headline_table3", title="Headline outcomes against population norms")


def headline_change(data: Extract) -> Table:
    """Table 4's rows of the outcomes and comparisons a report's ``headline`` names, from the report's
    Table 4 (``data.change``)."""
    keys = {(h.instrument, h.subscale, h.comparison) for h in data.meta.headline if h.comparison}
    table = table4(_named(data.change, keys, ("instrument", "subscale", "comparison")), data.labels)
    return dataclasses.replace(table, name="headline_table4", title="Headline change over time (paired t-tests)")
