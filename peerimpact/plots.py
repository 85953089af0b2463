"""Figures of the quantitative sections, drawn with seaborn; each returns a matplotlib Figure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

TIME_PALETTE = ["#2f5d8a", "#c0504d", "#5b8c3a", "#8064a2"]


def _style():
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="paper", font="DejaVu Sans")
    return sns


def empty_figure(message: str):
    """A figure that only says why there is nothing to draw."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.8, 0.8))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=8.5)
    return fig


def means_with_ci(summary: pd.DataFrame, labels: dict, timepoints: list[str], *, confidence: float = 0.95):
    """Mean of every subscale at every timepoint with its t-based CI; the norm as a dashed line.

    ``summary`` holds ``instrument, subscale, timepoint, n, mean, sd, norm_mean`` (as from
    :func:`peerimpact.stats.compare_to_norms`); one small panel per subscale.
    """
    import matplotlib.pyplot as plt

    _style()
    if summary.empty:
        return empty_figure("No outcome data in this report.")
    data = summary.copy()
    crit = scipy_stats.t.ppf(0.5 + confidence / 2, np.maximum(data["n"].astype(float) - 1, 1))
    half = np.where(data["n"] > 1, crit * data["sd"] / np.sqrt(data["n"].astype(float)), np.nan)
    data["low"], data["high"] = data["mean"] - half, data["mean"] + half
    keys = list(data[["instrument", "subscale"]].drop_duplicates().itertuples(index=False, name=None))
    cols = 4
    rows = max(1, math.ceil(len(keys) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(7.2, 1.75 * rows + 0.4), squeeze=False)
    x = {tp: i for i, tp in enumerate(timepoints)}
    for ax, (instrument, subscale) in zip(axes.flat, keys):
        part = data[(data["instrument"] == instrument) & (data["subscale"] == subscale)]
        xs = part["timepoint"].astype(str).map(x)
        ax.errorbar(xs, part["mean"], yerr=[part["mean"] - part["low"], part["high"] - part["mean"]],
                    fmt="o-", color=TIME_PALETTE[0], ecolor="#7a8ba0", capsize=2.5, markersize=3.5, linewidth=1)
        norm = part["norm_mean"].dropna()
        if len(norm):
            ax.axhline(norm.iloc[0], color="#c0504d", linestyle="--", linewidth=1)
        ax.set_xticks(range(len(timepoints)), timepoints)
        ax.set_xlim(-0.4, len(timepoints) - 0.6)
        ax.set_title(labels.get((instrument, subscale), subscale), fontsize=7.5)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(keys):]:
        ax.set_visible(False)
    fig.suptitle("Mean with 95% CI at each timepoint; dashed line: population norm", fontsize=8.5)
    fig.tight_layout()
    return fig


def forest(change: pd.DataFrame, labels: dict):
    """Effect size (change ÷ baseline SD) of every subscale and comparison, with the change's 95% CI
    on the same scale. Not estimable rows are left out."""
    import matplotlib.pyplot as plt

    _style()
    data = change[change["estimable"].astype(bool) & np.isfinite(change["es"].astype(float))].copy()
    if data.empty:
        return empty_figure("No change could be estimated from this report's data.")
    scale = data["change"] / data["es"]  # the baseline SD each ES was computed with
    with np.errstate(divide="ignore", invalid="ignore"):
        data["low"], data["high"] = data["ci_low"] / scale, data["ci_high"] / scale
    data.loc[data["es"] == 0, ["low", "high"]] = np.nan  # no change: the scale is unknown
    keys = list(dict.fromkeys(data[["instrument", "subscale"]].itertuples(index=False, name=None)))
    comparisons = list(dict.fromkeys(data["comparison"]))
    fig, ax = plt.subplots(figsize=(6.8, 0.28 * max(len(keys), 1) + 1.2))
    offsets = np.linspace(-0.15, 0.15, len(comparisons)) if len(comparisons) > 1 else [0.0]
    for colour, offset, comparison in zip(TIME_PALETTE, offsets, comparisons):
        part = data[data["comparison"] == comparison]
        y = [keys.index(k) + offset for k in part[["instrument", "subscale"]].itertuples(index=False, name=None)]
        ax.errorbar(part["es"], y, xerr=[part["es"] - part["low"], part["high"] - part["es"]], fmt="o",
                    color=colour, markersize=3.5, capsize=2, linewidth=1, label=comparison.replace("-", " − "))
    ax.axvline(0, color="#1d2430", linewidth=0.8)
    ax.set_yticks(range(len(keys)), [labels.get(k, k[1]) for k in keys], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("Effect size (positive: the score fell); bars: 95% CI of the change in baseline-SD units",
                  fontsize=7.5)
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(comparisons), frameon=False)
    fig.tight_layout()
    return fig
