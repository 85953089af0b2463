"""Figures of a progress report over time, against their targets: people consented by the end of
each month, and completed contacts and people supported per month, by site.

Every count here is data a disclosure policy sees (``count``/``n`` columns), so the figures are
drawn from what the policy returned, a withheld count not plotted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import partial

import pandas as pd

from ..analysis.programme import ALL_SITES
from ..config.study import RecruitmentTarget
from ..text import plural
from .blocks import FigureBlock
from .formats import fmt_count, fmt_date, fmt_month, fmt_per_month, fmt_short_month
from .meta import TargetShare
from .plots import TIME_PALETTE, Figure, empty_figure, figure_style, to_figure


def recruitment_over_time(
    cumulative: pd.DataFrame,
    goal: RecruitmentTarget | None = None,
    share: TargetShare | None = None,
    sites: Iterable[str] = (),
) -> FigureBlock:
    """People consented by the end of each month, with the target line (from
    :func:`peerimpact.analysis.programme.cumulative_recruitment`), and a note saying whose target
    the line is: the study's, or for a report of fewer sites (``share``) its ``sites``' own."""
    sites = list(sites)
    label = "Target" if share is None else f"{_names(sites)}'s target"
    return FigureBlock(
        "recruitment_over_time",
        cumulative,
        partial(_draw_recruitment, target_label=label),
        draws_counts=True,
        note=_recruitment_note(goal, share, sites),
    )


def _names(sites: list[str]) -> str:
    """``S7``, ``S1 and S2``, ``S1, S2 and S3``."""
    if len(sites) < 2:
        return sites[0] if sites else "these sites"
    return ", ".join(sites[:-1]) + f" and {sites[-1]}"


def _recruitment_note(goal: RecruitmentTarget | None, share: TargetShare | None, sites: list[str]) -> str | None:
    if share is None:
        return (
            None
            if goal is None
            else (
                f"Dashed line: the study's recruitment target, {plural(goal.total, 'person', 'people')} "
                f"from {fmt_date(goal.start)} to {fmt_date(goal.by)}."
            )
        )
    if share.study_recruitment is None:
        return None
    if goal is None:
        return (
            f"No target line: the study's recruitment target of {share.study_recruitment} people sets no "
            f"target for {_names(sites)}."
        )
    return (
        f"Dashed line: {_names(sites)}'s own recruitment target, {plural(goal.total, 'person', 'people')} "
        f"from {fmt_date(goal.start)} to {fmt_date(goal.by)} (the study's is {share.study_recruitment})."
    )


def _draw_recruitment(data: pd.DataFrame, *, target_label: str = "Target") -> Figure:
    import matplotlib.pyplot as plt

    if data.empty:
        return empty_figure("No consent dates recorded.", "recruitment_over_time")
    month = pd.to_datetime(data["month"])
    n = pd.to_numeric(data["n"], errors="coerce")
    target = pd.to_numeric(data["target"], errors="coerce")
    with figure_style():
        fig, ax = plt.subplots(figsize=(6.8, 2.6))
        ax.step(month, n, where="post", color=TIME_PALETTE[0], linewidth=1.6, label="Consented (cumulative)")
        if target.notna().any():
            ax.plot(month, target, color="#888888", linestyle="--", linewidth=1.0, label=target_label)
        ax.set_ylabel("People consented")
        ax.set_ylim(bottom=0)
        ax.legend(frameon=False, fontsize=7, loc="lower right")
        fig.autofmt_xdate()
        fig.tight_layout()
    last = n.dropna()
    alt = (
        f"Cumulative recruitment by month: {fmt_count(last.iloc[-1])} consented by {fmt_month(month.iloc[-1])}"
        if len(last)
        else "Cumulative recruitment by month: every count withheld"
    )
    return to_figure(
        fig,
        "recruitment_over_time",
        alt + (f", against a target of {fmt_count(target.max())}." if target.notna().any() else "."),
    )


def activity_over_time(
    monthly: pd.DataFrame,
    target: float | None,
    period: tuple | None = None,
    share: TargetShare | None = None,
    site_targets: Mapping[str, float] | None = None,
) -> FigureBlock:
    """Completed contacts per month (all modes, and face to face and telephone) and people supported,
    a panel for all sites with the monthly ``target`` and one per site (one panel for one site),
    the reporting ``period`` (start, end) shaded (from
    :func:`peerimpact.analysis.programme.monthly_activity`).

    With ``share`` (a report of fewer sites than the study's), ``target`` is their share of the
    study's target, and the note under the figure says so and how it was computed.
    ``site_targets`` (site -> completed contacts a month, as the activity table's
    ``target_per_month``) draws each site's share of the target in its panel. A site whose log
    stops before the figure's last month says so in its panel's title.
    """
    sites = [s for s in dict.fromkeys(monthly["site"]) if s != ALL_SITES]
    label = "Target (completed)" if share is None else f"{_names(sites)}'s share of the target"
    shares = {k: float(v) for k, v in (site_targets or {}).items() if k != ALL_SITES and not pd.isna(v)}
    return FigureBlock(
        "activity_over_time",
        monthly,
        partial(_draw_activity, target=target, period=period, target_label=label, site_targets=shares),
        draws_counts=True,
        note=_activity_note(target, share, sites),
    )


def _activity_note(target: float | None, share: TargetShare | None, sites: list[str]) -> str | None:
    if share is None or share.study_contacts_per_month is None:
        return None
    study = share.study_contacts_per_month
    if target is None:
        why = (
            "the study sets no recruitment targets to share it by"
            if share.sites_recruitment is None
            else f"{_names(sites)} {'has' if len(sites) == 1 else 'have'} no recruitment target to share it by"
        )
        return (
            f"No target line: the study's target of {study} completed contacts a month is for all its sites, and {why}."
        )
    return (
        f"Dashed line: {_names(sites)}'s share of the study's target of {study} completed contacts a month, "
        f"in proportion to {'its' if len(sites) == 1 else 'their'} recruitment target: {study} × "
        f"{share.sites_recruitment} / {share.study_recruitment} (the study's recruitment target) = "
        f"{fmt_per_month(target)} a month."
    )


ACTIVITY_LINES = (
    ("completed", "#1f2d3d", 1.6, "Completed contacts"),
    ("face_to_face", TIME_PALETTE[0], 0.9, "Face to face"),
    ("telephone", TIME_PALETTE[1], 0.9, "Telephone"),
    ("people_supported", TIME_PALETTE[2], 0.9, "People supported"),
)


def _draw_activity(
    data: pd.DataFrame,
    *,
    target: float | None,
    period: tuple | None,
    target_label: str = "Target (completed)",
    site_targets: Mapping[str, float] | None = None,
) -> Figure:
    import matplotlib.pyplot as plt

    if data.empty:
        return empty_figure("No contacts recorded.", "activity_over_time")
    own = [s for s in dict.fromkeys(data["site"]) if s != ALL_SITES]
    sites = own if len(own) == 1 else [ALL_SITES, *own]  # the first panel covers every site of the report
    cols = 2 if len(sites) > 1 else 1
    rows = math.ceil(len(sites) / cols)
    ends = _log_ends(data, sites)
    with figure_style():
        height = 1.7 * rows + 0.9
        fig, axes = plt.subplots(rows, cols, figsize=(6.8, height), sharex=True, squeeze=False)
        for ax, site in zip(axes.flat, sites):
            part = data[data["site"] == site]
            if ends.get(site):  # the log stops: the months after it are not drawn as months of no work
                part = part.iloc[: _logged_months(pd.to_numeric(part["completed"], errors="coerce"))]
            month = pd.to_datetime(part["month"])
            if period is not None:
                ax.axvspan(
                    pd.Timestamp(period[0]),
                    pd.Timestamp(period[1]),
                    color="#eeeeee",
                    zorder=0,
                    label="Reporting period",
                )
            for column, colour, width, label in ACTIVITY_LINES:
                ax.plot(
                    month,
                    pd.to_numeric(part[column], errors="coerce"),
                    color=colour,
                    linewidth=width,
                    marker="o",
                    markersize=1.8,
                    label=label,
                )
            line = target if site == sites[0] else (site_targets or {}).get(site)
            if line:
                ax.axhline(
                    line,
                    color="#888888",
                    linestyle="--",
                    linewidth=0.9,
                    label=target_label if site == sites[0] else None,
                )
            shown = part[[c for c, *_ in ACTIVITY_LINES]].apply(pd.to_numeric, errors="coerce")
            ax.set_ylim(bottom=0)
            if not (shown.fillna(0) > 0).any().any():  # nothing above zero left to draw
                ax.set_ylim(0, 1)
                ax.set_yticks([0])
                if shown.isna().any().any():
                    ax.text(
                        0.5,
                        0.5,
                        "counts withheld",
                        transform=ax.transAxes,
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="#555555",
                    )
            ended = ends.get(site) if site != ALL_SITES else None
            ax.set_title(
                site + (f" (none logged after {ended})" if ended else " (none logged)" if ended == "" else ""),
                fontsize=8,
            )
            ax.tick_params(labelsize=7)
            ax.set_ylabel("Per month", fontsize=7)
        for ax in list(axes.flat)[len(sites) :]:
            ax.axis("off")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=7)
        if period is not None:
            axes.flat[0].set_xlim(
                pd.to_datetime(data["month"]).min() - pd.Timedelta(days=15),
                max(pd.to_datetime(data["month"]).max(), pd.Timestamp(period[1])) + pd.Timedelta(days=15),
            )
        fig.autofmt_xdate()
        fig.tight_layout(rect=(0, 0.3 / height, 1, 1))  # the legend's two rows below the dates
    total = data[data["site"] == sites[0]]
    done = pd.to_numeric(total["completed"], errors="coerce")
    where = f"at {sites[0]}" if len(sites) == 1 else "all sites and by site; across all sites"
    logged = done.iloc[: _logged_months(done)] if _logged_months(done) else done
    alt = (
        f"Completed contacts per month over {len(total)} months, {where} "
        f"from {fmt_count(logged.min())} to {fmt_count(logged.max())} a month"
        if done.notna().any()
        else "Completed contacts per month: every count withheld"
    )
    gaps = _log_gaps(data, sites)
    return to_figure(
        fig,
        "activity_over_time",
        alt
        + (f" ({gaps})" if gaps else "")
        + (f", against a target of {fmt_per_month(target)} a month." if target else "."),
    )


def _logged_months(done: pd.Series) -> int:
    """How many of a panel's months run up to its last month with a completed contact shown."""
    above = [i for i, v in enumerate(done.tolist()) if not pd.isna(v) and v > 0]
    return above[-1] + 1 if above else 0


def _log_gaps(data: pd.DataFrame, sites: list[str]) -> str:
    """Where the log ends before the figure does: ``no completed contacts logged after Dec 2020``,
    ``at S3`` or everywhere, and a site of several that logged none at all. Only months shown as
    zero count (a withheld month says nothing)."""
    own = [s for s in sites if s != ALL_SITES]
    ends = _log_ends(data, sites)
    if not ends:
        return ""
    if set(own) <= set(ends) and len({ends[s] for s in own}) == 1 and ends[own[0]]:
        return f"no completed contacts logged after {ends[own[0]]}"
    by_month: dict[str, list[str]] = {}
    for site in own:
        if site in ends:
            by_month.setdefault(ends[site], []).append(site)
    return "; ".join(
        f"no completed contacts logged after {month} at {_names(names)}"
        if month
        else f"no completed contacts logged at {_names(names)}"
        for month, names in by_month.items()
    )


def _log_ends(data: pd.DataFrame, sites: list[str]) -> dict[str, str]:
    """Each site whose panel ends in months of zero: its last month with a completed contact
    (``Dec 2020``), or ``""`` for a site of several with none at all."""
    own = [s for s in sites if s != ALL_SITES]
    ends: dict[str, str] = {}
    for site in sites:
        part = data[data["site"] == site]
        done = pd.to_numeric(part["completed"], errors="coerce")
        last = _logged_months(done)
        if last and len(done) > last and (done.iloc[last:] == 0).all():
            ends[site] = fmt_short_month(pd.Timestamp(part["month"].iloc[last - 1]))
        elif not last and len(own) > 1 and site in own and len(done) and (done == 0).all():
            ends[site] = ""
    return ends
