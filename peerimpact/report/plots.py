"""Figures of the quantitative sections, drawn with seaborn and kept as SVG with real text.

Every function returns a :class:`Figure`: the SVG (text as text, so it can be selected,
searched and read aloud, in the fonts the report embeds) with its alternative text. The
style is applied with context managers around the drawing, never set globally.
"""

from __future__ import annotations

import contextlib
import html
import io
import math
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from ..locales import current, spellings
from .blocks import FigureBlock

if TYPE_CHECKING:
    import matplotlib.figure
    from matplotlib.typing import RcKeyType

TIME_PALETTE = ["#2f5d8a", "#c0504d", "#5b8c3a", "#8064a2"]
FONT = "DejaVu Sans"
# Text stays text; ids and metadata are fixed so the same figure gives the same bytes.
# Labels are literal text: a code named "cost $$" must not be read as math.
RC: dict[RcKeyType, object] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "peerimpact",
    "font.family": FONT,
    "text.parse_math": False,
}


@dataclass(frozen=True)
class Figure:
    """A drawn figure: inline SVG and the alternative text a screen reader gives for it."""

    name: str
    svg: str
    alt: str
    png: bytes = b""  # the same figure as a picture, for documents that take no SVG (Word)
    message: str | None = None  # nothing to draw: this sentence says why, in place of an empty box

    def to_html(self) -> str:
        if self.message is not None:
            return f'<p class="pi-withheld" id="figure-{html.escape(self.name)}">{html.escape(self.message)}</p>'
        return f'<div class="pi-figure" id="figure-{html.escape(self.name)}">{self.svg}</div>'

    def _repr_html_(self) -> str:
        return self.to_html()


@contextlib.contextmanager
def figure_style(style: str = "whitegrid") -> Iterator[None]:
    """The report's figure style, for the drawing inside the ``with`` block only."""
    import matplotlib as mpl
    import seaborn as sns

    with sns.axes_style(style), sns.plotting_context("paper"), mpl.rc_context(RC):  # RC last: it wins
        yield


def respelled(fig: matplotlib.figure.Figure) -> None:
    """Every word drawn in ``fig`` (titles, labels, legends, tick labels) in the spelling of the
    locale in force (:func:`peerimpact.locales.current`)."""
    import matplotlib.text
    from matplotlib.ticker import Formatter

    locale = current()
    if not spellings.get(locale.spelling):
        return

    class Respelled(Formatter):
        """A tick formatter's labels, respelled: its labels are made afresh at each draw."""

        def __init__(self, inner: Formatter) -> None:
            self.inner = inner

        def __call__(self, x: float, pos: int | None = None) -> str:
            return locale.spell(self.inner(x, pos))

        def format_ticks(self, values: list[float]) -> list[str]:
            return [locale.spell(t) for t in self.inner.format_ticks(values)]

        def get_offset(self) -> str:
            return self.inner.get_offset()

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(Respelled(axis.get_major_formatter()))
    for text in fig.findobj(matplotlib.text.Text):
        text.set_text(locale.spell(text.get_text()))


def to_figure(fig: matplotlib.figure.Figure, name: str, alt: str) -> Figure:
    """Render a matplotlib figure to accessible SVG and close it, its words in the locale's spelling."""
    import matplotlib.pyplot as plt

    buffer, picture = io.StringIO(), io.BytesIO()
    alt = current().spell(alt)
    with figure_style():
        respelled(fig)
        fig.savefig(buffer, format="svg", metadata={"Date": None})
        fig.savefig(picture, format="png", dpi=150, metadata={"Software": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # inline in HTML: no XML prolog or DOCTYPE
    label = html.escape(alt, quote=True)
    svg = re.sub(r"<svg\b", f'<svg role="img" aria-label="{label}"', svg, count=1)
    svg = re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + f"<title>{label}</title>", svg, count=1)
    return Figure(name, svg, alt, picture.getvalue())


def empty_figure(message: str, name: str = "empty") -> Figure:
    """No figure, only the sentence saying why there is nothing to draw (never an empty box)."""
    return Figure(name, "", message, message=message)


def _limits(values: list[float], lo: float | None, hi: float | None) -> tuple[float, float]:
    """Axis limits around the values, never beyond the scale's possible range."""
    finite = [v for v in values if np.isfinite(v)]
    vmin, vmax = (min(finite), max(finite)) if finite else (lo or 0.0, hi or 1.0)
    pad = max((vmax - vmin) * 0.12, 0.05 * ((hi - lo) if lo is not None and hi is not None else 1.0))
    bottom, top = vmin - pad, vmax + pad
    if lo is not None:
        bottom = max(bottom, lo)
    if hi is not None:
        top = min(top, hi)
    return bottom, top


def means_with_ci(
    summary: pd.DataFrame,
    labels: dict,
    timepoints: list[str],
    *,
    scales: pd.DataFrame | None = None,
    confidence: float = 0.95,
) -> FigureBlock:
    """Mean of every subscale at every timepoint with its t-based CI; the norm as a dashed line.

    ``summary`` holds ``instrument, subscale, timepoint, n, mean, sd, norm_mean`` (as from
    :func:`peerimpact.analysis.descriptive.compare_to_norms`); one small panel per subscale. With
    ``scales`` (as ``Extract.scales``) each panel stays within its scale's possible range,
    and an interval that runs beyond it is cut at the edge and marked with an arrowhead.
    The intervals are computed here, so that the figure is drawn from figures a disclosure
    policy has seen (``ci_low, ci_high``); a mean it withholds is not drawn.
    """
    # the figure's data as before summaries had quartiles: only what it draws and states
    data = summary.drop(columns=["se", "ci_low", "ci_high", "median", "q1", "q3"], errors="ignore")
    if len(data):
        n = data["n"].astype(float)
        crit = scipy_stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
        half = np.where(n > 1, crit * data["sd"].astype(float) / np.sqrt(n), np.nan)
        data["ci_low"], data["ci_high"] = data["mean"] - half, data["mean"] + half
    else:
        data["ci_low"], data["ci_high"] = [], []
    return FigureBlock(
        "means", data, partial(_draw_means, labels=labels, timepoints=timepoints, scales=scales, confidence=confidence)
    )


def _draw_means(
    summary: pd.DataFrame, *, labels: dict, timepoints: list[str], scales: pd.DataFrame | None, confidence: float
) -> Figure:
    import matplotlib.pyplot as plt

    data = summary[pd.to_numeric(summary["mean"], errors="coerce").notna()].copy() if len(summary) else summary
    if data.empty:
        return empty_figure(
            "No outcome data in this report."
            if summary.empty
            else "Every mean here is withheld under the report's disclosure policy.",
            "means",
        )
    data["low"], data["high"] = data["ci_low"].astype(float), data["ci_high"].astype(float)
    data["mean"] = data["mean"].astype(float)
    ranges = (
        {}
        if scales is None
        else {(r.instrument, r.subscale): (r.range_min, r.range_max) for r in scales.itertuples(index=False)}
    )
    keys = list(data[["instrument", "subscale"]].drop_duplicates().itertuples(index=False, name=None))
    cols = 4
    rows = max(1, math.ceil(len(keys) / cols))
    truncated = False
    with figure_style():
        fig, axes = plt.subplots(rows, cols, figsize=(7.2, 1.7 * rows + 0.45), squeeze=False)
        x = {tp: i for i, tp in enumerate(timepoints)}
        for ax, key in zip(axes.flat, keys):
            part = data[(data["instrument"] == key[0]) & (data["subscale"] == key[1])]
            lo, hi = ranges.get(key, (None, None))
            norm = part["norm_mean"].dropna()
            bottom, top = _limits([*part["low"], *part["high"], *part["mean"], *norm[:1]], lo, hi)
            low, high = part["low"].clip(lower=bottom), part["high"].clip(upper=top)
            xs = part["timepoint"].astype(str).map(x)
            ax.errorbar(
                xs,
                part["mean"],
                yerr=[part["mean"] - low, high - part["mean"]],
                fmt="o-",
                color=TIME_PALETTE[0],
                ecolor="#7a8ba0",
                capsize=2.5,
                markersize=3.5,
                linewidth=1,
            )
            cut_low, cut_high = part["low"] < bottom, part["high"] > top
            for cut, edge, marker in ((cut_high, top, "^"), (cut_low, bottom, "v")):
                if cut.any():  # an empty unclipped line would stretch the layout to the figure's corner
                    ax.plot(xs[cut], [edge] * int(cut.sum()), marker, color="#7a8ba0", markersize=4, clip_on=False)
            truncated = truncated or bool(cut_low.any() or cut_high.any())
            if len(norm):
                ax.axhline(norm.iloc[0], color="#c0504d", linestyle="--", linewidth=1)
            ax.set_ylim(bottom, top)
            ax.set_xticks(range(len(timepoints)), timepoints)
            ax.set_xlim(-0.4, len(timepoints) - 0.6)
            ax.set_title(textwrap.fill(labels.get(key, key[1]), 24), fontsize=7.5)
            ax.set_ylabel("Mean score", fontsize=7, labelpad=2)
            ax.tick_params(labelsize=7)
        for ax in list(axes.flat)[len(keys) :]:
            ax.set_visible(False)
        title = "Mean with 95% CI at each timepoint; dashed line: population norm"
        if truncated:
            title += "; ▲▼ interval cut at the end of the scale"
        fig.suptitle(title, fontsize=8.5)
        # Fixed margins in inches, room for a two-line panel title above each row and the
        # figure's title: tight_layout measured every tick label of every panel, a third of the time.
        height, top, bottom, gap = fig.get_figheight(), 0.68, 0.3, 0.62
        axes_height = (height - top - bottom - gap * (rows - 1)) / rows
        fig.subplots_adjust(
            left=0.085, right=0.98, top=1 - top / height, bottom=bottom / height, wspace=0.5, hspace=gap / axes_height
        )
    alt = (
        f"Small charts, one per subscale, of the mean score at {', '.join(timepoints)} with 95% confidence "
        "intervals and the population norm as a dashed line. The numbers are in Table 3."
    )
    return to_figure(fig, "means", alt)


def forest(change: pd.DataFrame, labels: dict) -> FigureBlock:
    """Effect size (change ÷ baseline SD) of every subscale and comparison, with the change's 95% CI
    on the same scale. Rows without a test are left out. Drawn from ``change`` when shown."""
    return FigureBlock("forest", change, partial(_draw_forest, labels=labels))


def _draw_forest(change: pd.DataFrame, *, labels: dict) -> Figure:
    import matplotlib.pyplot as plt

    data = change[change["estimable"].astype(bool) & np.isfinite(change["es"].astype(float))].copy()
    if data.empty:
        return empty_figure("No change could be tested with this report's data.", "forest")
    scale = data["change"] / data["es"]  # the baseline SD each ES was computed with
    with np.errstate(divide="ignore", invalid="ignore"):
        data["low"], data["high"] = data["ci_low"] / scale, data["ci_high"] / scale
    data.loc[data["es"] == 0, ["low", "high"]] = np.nan  # no change: the scale is unknown
    keys = list(dict.fromkeys(data[["instrument", "subscale"]].itertuples(index=False, name=None)))
    comparisons = list(dict.fromkeys(data["comparison"]))
    with figure_style():
        fig, ax = plt.subplots(figsize=(6.8, 0.28 * max(len(keys), 1) + 1.2))
        offsets = np.linspace(-0.15, 0.15, len(comparisons)) if len(comparisons) > 1 else [0.0]
        for colour, offset, comparison in zip(TIME_PALETTE, offsets, comparisons):
            part = data[data["comparison"] == comparison]
            y = [keys.index(k) + offset for k in part[["instrument", "subscale"]].itertuples(index=False, name=None)]
            ax.errorbar(
                part["es"],
                y,
                xerr=[part["es"] - part["low"], part["high"] - part["es"]],
                fmt="o",
                color=colour,
                markersize=3.5,
                capsize=2,
                linewidth=1,
                label=comparison.replace("-", " − "),
            )
        ax.axvline(0, color="#1d2430", linewidth=0.8)
        ax.set_yticks(range(len(keys)), [labels.get(k, k[1]) for k in keys], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(
            "Effect size (positive: the score fell); bars: 95% CI of the change in baseline-SD units", fontsize=7.5
        )
        ax.tick_params(axis="x", labelsize=7)
        ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(comparisons), frameon=False)
        fig.tight_layout()
    alt = (
        "Forest plot of the effect size of each tested change, one row per subscale and one marker per "
        "comparison, with 95% confidence intervals. The numbers are in Table 4."
    )
    return to_figure(fig, "forest", alt)
