"""Blocks of a progress report for a funder: the flow of participants, recruitment and retention
against targets, data completeness, activity over time and milestones.

Every count here is data a disclosure policy sees (``count``/``n`` columns, or ``roles``), so
a funder's report is rounded and suppressed like any other shared report; figures are drawn
from what the policy returned, a withheld count printed as ``*`` and not plotted.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd

from ..analysis.progress import ALL_SITES
from ..analysis.stats import change_over_time, compare_to_norms, summarise_scores
from ..config.study import RecruitmentTarget, StatusRule, StatusRules
from ..text import plural
from .blocks import SUPPRESSED, FigureBlock, Table, is_suppressed
from .formats import fmt_count, fmt_number
from .meta import TargetShare
from .outcome_tables import table3, table4
from .plots import TIME_PALETTE, Figure, empty_figure, figure_style, to_figure

if TYPE_CHECKING:
    from .extract import Extract

OUTCOME_LABELS = {"returned": "Returned", "left_post": "Left post", "withdrawn": "Withdrew", "no_reply": "No reply"}


def _shown(value) -> str:
    """A count as the flow diagram prints it: withheld (NaN once drawn) as *."""
    number = pd.to_numeric(value, errors="coerce")
    return SUPPRESSED if pd.isna(number) else str(int(number))


# ------------------------------------------------------------------------------------------ flow


def flow(follow: pd.DataFrame, timepoints: Iterable[str]) -> FigureBlock:
    """CONSORT-style flow of participants (from :func:`peerimpact.analysis.progress.follow_up`)."""
    return FigureBlock(
        "flow",
        follow,
        partial(_draw_flow, timepoints=list(timepoints)),
        marks_withheld=True,
        note="Later timepoints are counted among the people who returned the first questionnaire, "
        "so a person who missed one timepoint and returned the next is counted at both.",
    )


def _box(ax, x: float, y: float, text: str, width: float, height: float, *, fill: str = "#eef3f8") -> None:
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.01",
            linewidth=0.8,
            edgecolor="#2f5d8a",
            facecolor=fill,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=8)


def _arrow(ax, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="-|>", color="#444444", linewidth=0.8))


def _draw_flow(follow: pd.DataFrame, *, timepoints: list[str]) -> Figure:
    import matplotlib.pyplot as plt

    if follow.empty:
        return empty_figure("No participants in this report.", "flow")
    boxes = {box: dict(zip(part["outcome"], part["count"])) for box, part in follow.groupby("box", sort=False)}
    totals = {box: part["n"].iloc[0] for box, part in follow.groupby("box", sort=False)}
    later = [tp for tp in timepoints[1:] if tp in boxes]
    rows = 2 + len(later)
    with figure_style("white"):
        fig, ax = plt.subplots(figsize=(6.8, 1.05 * rows + 0.2))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, rows)
        ax.axis("off")
        main_x, side_x, w, h = 0.3, 0.76, 0.36, 0.62
        y = [rows - 0.5 - i for i in range(rows)]
        _box(ax, main_x, y[0], f"Consented\nn = {_shown(totals['consented'])}", w, h)
        _box(ax, main_x, y[1], f"Returned {timepoints[0]}\nn = {_shown(boxes['consented']['returned'])}", w, h)
        _arrow(ax, (main_x, y[0] - h / 2), (main_x, y[1] + h / 2))
        _box(
            ax,
            side_x,
            (y[0] + y[1]) / 2,
            f"No {timepoints[0]} questionnaire\nn = {_shown(boxes['consented']['no_reply'])}",
            0.34,
            0.5,
            fill="#f7f7f7",
        )
        _arrow(ax, (main_x, (y[0] + y[1]) / 2), (side_x - 0.17, (y[0] + y[1]) / 2))
        spine = main_x - w / 2 - 0.05
        ax.plot([main_x - w / 2, spine, spine], [y[1], y[1], y[-1]], color="#444444", linewidth=0.8)
        for tp, yy in zip(later, y[2:]):
            parts = boxes[tp]
            _arrow(ax, (spine, yy), (main_x - w / 2, yy))
            _box(ax, main_x, yy, f"Returned {tp}\nn = {_shown(parts['returned'])}", w, h)
            lines = "\n".join(f"{OUTCOME_LABELS[o]} {_shown(parts[o])}" for o in ("left_post", "withdrawn", "no_reply"))
            _box(ax, side_x, yy, f"Not returned at {tp}\n{lines}", 0.34, h + 0.12, fill="#f7f7f7")
            _arrow(ax, (main_x + w / 2, yy), (side_x - 0.17, yy))
    alt = (
        f"Flow of participants: {_shown(totals['consented'])} consented, "
        f"{_shown(boxes['consented']['returned'])} returned {timepoints[0]}; "
        + "; ".join(f"{_shown(boxes[tp]['returned'])} returned {tp}" for tp in later)
        + "."
    )
    return to_figure(fig, "flow", alt)


# ----------------------------------------------------------------------------- recruitment table


def recruitment_table(
    data: pd.DataFrame,
    timepoints: Iterable[str],
    retention: dict[str, float],
    status: pd.DataFrame | None = None,
    retained: pd.DataFrame | None = None,
    rules: StatusRules | None = None,
) -> Table:
    """Recruitment and retention by site against targets (from
    :func:`peerimpact.analysis.progress.recruitment`): a row per site, then a row of all sites
    when there are several; each later timepoint's heading gives its retention target.

    With ``status`` (:func:`peerimpact.analysis.progress.recruitment_status`) the consented are
    set against the target due at the data cut, and with ``retained``
    (:func:`peerimpact.analysis.progress.retention_status`) each later timepoint against its
    retention target, each with its status in words beside the figure (``rules`` say what each
    word means), and in the CSV: ``expected``, ``percent_of_expected`` and ``status`` on a site's
    consented row; ``retained``, ``returned_first``, ``percent_retained``, ``target_percent`` and
    ``retention_status`` on its later timepoints' rows; the same of all the report's sites in
    ``all_`` columns (``all_target`` the whole recruitment target).
    """
    timepoints = list(timepoints)
    notes = [
        f"{timepoints[0]} onwards: people who returned each questionnaire; percentages of those who "
        f"returned {timepoints[0]}."
    ]
    if retention:
        notes.append(
            f"Retention target (in a timepoint's heading): the percentage of those who returned "
            f"{timepoints[0]} who return that questionnaire."
        )
    rules = rules or StatusRules()
    if status is not None or retained is not None:
        data = _with_status(data, status, retained)
    return Table(
        "recruitment",
        "Recruitment and retention by site, against targets",
        data,
        partial(_recruitment_display, timepoints=timepoints, retention=retention, rules=rules),
        notes,
        row_headers=("Site",),
    )


STATUS_OF_ROW = {
    "consented": ("expected", "percent_of_expected", "status"),
    "later": ("retained", "returned_first", "percent_retained", "target_percent", "retention_status"),
}


def _with_status(data: pd.DataFrame, status: pd.DataFrame | None, retained: pd.DataFrame | None) -> pd.DataFrame:
    """The recruitment frame with each site's and all sites' status columns on the rows they are about."""
    out = data.copy()
    if status is not None:
        mine = status.set_index("site")
        every = mine.loc[ALL_SITES]
        consented = out["stage"] == "consented"
        for column in ("expected", "percent_of_expected", "status"):
            out[column] = out["site"].map(mine[column]).where(consented)
        out["all_target"] = pd.Series(every["target"], index=out.index).where(consented).astype("Int64")
        for column in ("expected", "percent_of_expected", "status"):
            out[f"all_{column}"] = pd.Series(every[column], index=out.index, dtype=object).where(consented)
    if retained is not None:
        mine = retained.set_index(["timepoint", "site"])
        renamed = {
            "returned": "retained",
            "returned_first": "returned_first",
            "percent": "percent_retained",
            "target_percent": "target_percent",
            "status": "retention_status",
        }
        for source, column in renamed.items():
            keys = list(zip(out["stage"].astype(str), out["site"].astype(str)))
            out[column] = [mine[source].get(k) for k in keys]
            if column != "target_percent":
                out[f"all_{column}"] = [mine[source].get((stage, ALL_SITES)) for stage, _ in keys]
    counts = {"retained", "returned_first", "all_retained", "all_returned_first", "all_target"}
    numbers = {
        "expected",
        "percent_of_expected",
        "percent_retained",
        "target_percent",
        "all_expected",
        "all_percent_of_expected",
        "all_percent_retained",
    }
    for column in counts & set(out.columns):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    for column in numbers & set(out.columns):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    mine = [c for c in out.columns if c in data.columns or not c.startswith("all_")]
    return out[mine + [c for c in out.columns if c not in mine]]  # each site's columns, then all sites'


def _rule_words(rule: StatusRule, of: str) -> str:
    """``on track at 100% of the target or more, at risk at 80% or more, behind below``."""
    return (
        f"on track at {fmt_number(rule.on_track, 0)}% {of} or more, at risk at {fmt_number(rule.at_risk, 0)}% "
        "or more, behind below"
    )


def _percent(count, base) -> str:
    c, b = pd.to_numeric(count, errors="coerce"), pd.to_numeric(base, errors="coerce")
    if pd.isna(c) or pd.isna(b) or not b or is_suppressed(count) or is_suppressed(base):
        return ""
    return f" ({fmt_number(100.0 * c / b, 0)}%)"


def _shown_percent(percent) -> str:
    """`` (84%)`` from a percentage a policy returned; nothing where it is missing or withheld."""
    value = pd.to_numeric(percent, errors="coerce")
    return "" if is_suppressed(percent) or pd.isna(value) else f" ({fmt_number(float(value), 0)}%)"


def _word(status) -> str:
    """``, on track`` beside a figure: nothing where there is no status or a policy withheld it."""
    return f", {status}" if isinstance(status, str) and status and not is_suppressed(status) else ""


def _timepoint_heading(tp: str, retention: dict[str, float]) -> str:
    return f"{tp} (target {fmt_number(retention[tp], 0)}%)" if tp in retention else tp


def _whole(value) -> str:
    """A number of people due, whole where it is whole, else to one decimal."""
    if is_suppressed(value) or pd.isna(pd.to_numeric(value, errors="coerce")):
        return fmt_number(value)
    return str(int(value)) if float(value).is_integer() else fmt_number(float(value), 1)


def _recruitment_display(
    data: pd.DataFrame, *, timepoints: list[str], retention: dict[str, float], rules: StatusRules | None = None
) -> tuple[pd.DataFrame, list[str]]:
    rules = rules or StatusRules()
    sites = list(dict.fromkeys(data["site"]))
    rows_of = {(r["stage"], r["site"]): r for r in data.to_dict("records")}
    total = {r["stage"]: r["n"] for r in rows_of.values()}
    targets = {r["site"]: r["target"] for r in rows_of.values() if r["stage"] == "consented"}
    target_total = sum(int(t) for t in targets.values() if not pd.isna(t)) if targets else None
    first_row = next(iter(r for r in rows_of.values() if r["stage"] == "consented"), {})
    if "all_target" in data.columns and not pd.isna(first_row.get("all_target")):
        target_total = int(first_row["all_target"])
    has_status = "status" in data.columns
    due = has_status and any(
        not pd.isna(pd.to_numeric(r.get("expected"), errors="coerce"))
        and pd.to_numeric(r.get("expected"), errors="coerce") != r.get("target")
        for r in rows_of.values()
        if r["stage"] == "consented"
    )
    rows = []
    for site in [*sites, ALL_SITES] if len(sites) > 1 else sites:  # one site's row is its total
        every = site == ALL_SITES

        def get(stage: str, column: str, site=site, every=every):
            row = rows_of.get((stage, sites[0] if every else site), {})
            if every and column in ("count",):
                return total.get(stage)
            return row.get(f"all_{column}" if every else column)

        target = target_total if every else targets.get(site)
        has_target = target is not None and not pd.isna(target)
        row = {"Site": site, "Target": str(int(target)) if has_target else "–"}
        if due:
            row["Due by the cut"] = _whole(get("consented", "expected"))
        consented = get("consented", "count")
        if has_status:
            row["Consented"] = (
                fmt_count(consented)
                + _shown_percent(get("consented", "percent_of_expected"))
                + _word(get("consented", "status"))
            )
        else:
            row["Consented"] = fmt_count(consented) + (_percent(consented, target) if has_target else "")
        for tp in timepoints:
            shown = fmt_count(get(tp, "count"))
            if tp != timepoints[0]:
                if "percent_retained" in data.columns:
                    shown += _shown_percent(get(tp, "percent_retained")) + _word(get(tp, "retention_status"))
                else:
                    shown += _percent(get(tp, "count"), get(timepoints[0], "count"))
            row[_timepoint_heading(tp, retention)] = shown
        row["Left post"], row["Withdrew"] = fmt_count(get("left_post", "count")), fmt_count(get("withdrawn", "count"))
        rows.append(row)
    notes = []
    if has_status and target_total:
        when = "due at the data cut" if due else "the recruitment target"
        notes.append(
            f"Consented: the number (% of {when}) and its status: {_rule_words(rules.recruitment, 'of the target')}."
        )
        consented_rows = [r for r in rows_of.values() if r["stage"] == "consented"]
        if any(
            r.get(status) == "behind" and (pd.to_numeric(r.get(pct), errors="coerce") or 0) >= rules.recruitment.at_risk
            for r in consented_rows
            for status, pct in (("status", "percent_of_expected"), ("all_status", "all_percent_of_expected"))
        ):
            notes.append(
                "The recruitment target's date has passed before the data cut, so a shortfall is behind "
                "whatever its percentage: it can no longer be made up."
            )
        if due:
            notes.append(
                "Due by the cut: the recruitment target pro rata, from none at its start to all of it "
                "on its due date, in a straight line (Figure F2's)."
            )
    elif target_total:
        notes.append("Consented (% of the recruitment target).")
    if "retention_status" in data.columns and data["retention_status"].map(lambda v: isinstance(v, str)).any():
        notes.append(
            f"Beside each later timepoint, its status against the retention target: "
            f"{_rule_words(rules.retention, 'of the target')}."
        )
    return pd.DataFrame(rows), notes


# ------------------------------------------------------------------------------ over-time figures


def recruitment_over_time(
    cumulative: pd.DataFrame,
    goal: RecruitmentTarget | None = None,
    share: TargetShare | None = None,
    sites: Iterable[str] = (),
) -> FigureBlock:
    """People consented by the end of each month, with the target line (from
    :func:`peerimpact.analysis.progress.cumulative_recruitment`), and a note saying whose target
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


def _day(date) -> str:
    return f"{date.day} {date:%B %Y}"


def _recruitment_note(goal: RecruitmentTarget | None, share: TargetShare | None, sites: list[str]) -> str | None:
    if share is None:
        return (
            None
            if goal is None
            else (
                f"Dashed line: the study's recruitment target, {plural(goal.total, 'person', 'people')} "
                f"from {_day(goal.start)} to {_day(goal.by)}."
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
        f"from {_day(goal.start)} to {_day(goal.by)} (the study's is {share.study_recruitment})."
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
        f"Cumulative recruitment by month: {int(last.iloc[-1])} consented by {month.iloc[-1]:%B %Y}"
        if len(last)
        else "Cumulative recruitment by month: every count withheld"
    )
    return to_figure(
        fig,
        "recruitment_over_time",
        alt + (f", against a target of {int(target.max())}." if target.notna().any() else "."),
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
    :func:`peerimpact.analysis.progress.monthly_activity`).

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


def _per_month(value: float) -> str:
    """A monthly target as the figure's note prints it: whole, or to one decimal."""
    return str(int(value)) if float(value).is_integer() else fmt_number(value, 1)


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
        f"{_per_month(target)} a month."
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
        f"from {int(logged.min())} to {int(logged.max())} a month"
        if done.notna().any()
        else "Completed contacts per month: every count withheld"
    )
    gaps = _log_gaps(data, sites)
    return to_figure(
        fig,
        "activity_over_time",
        alt
        + (f" ({gaps})" if gaps else "")
        + (f", against a target of {_per_month(target)} a month." if target else "."),
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
            ends[site] = f"{pd.Timestamp(part['month'].iloc[last - 1]):%b %Y}"
        elif not last and len(own) > 1 and site in own and len(done) and (done == 0).all():
            ends[site] = ""
    return ends


# -------------------------------------------------------------------------------------- tables


def period_activity_table(
    monthly_by_site: pd.DataFrame,
    status: pd.DataFrame | None = None,
    rule: StatusRule | None = None,
    span: tuple | None = None,
) -> Table:
    """Completed contacts and people supported in the reporting period, by site, with totals
    (shown when there are several sites).

    ``monthly_by_site`` holds ``site, face_to_face, telephone, people_supported`` for the
    period (people supported counted once per site over the period). With ``status``
    (:func:`peerimpact.analysis.progress.activity_status`, over the months of ``span``, the
    period to the data cut) each site's completed contacts per month are set against its share
    of the monthly target, with its status in words (``rule`` says what each word means), and
    the CSV carries ``completed, months, per_month, target_per_month, expected_contacts,
    percent_of_target, status`` for each site and the same of all sites in ``all_`` columns.
    """
    data = monthly_by_site[monthly_by_site["site"] != ALL_SITES].copy()
    data.insert(0, "scope", "period")
    for column in ("face_to_face", "telephone", "people_supported"):
        data[f"all_{column}"] = data[column].sum()
    notes = ["People supported: people with at least one completed contact in the period."]
    if status is not None:
        mine = status.set_index("site")
        every = mine.loc[ALL_SITES]
        data["months"] = every["months"]
        columns = ("completed", "per_month", "target_per_month", "expected_contacts", "percent_of_target", "status")
        for column in columns:
            data[column] = data["site"].map(mine[column])
        for column in columns:  # all sites' after each site's own
            data[f"all_{column}"] = every[column]
        notes.append(_activity_status_note(float(every["months"]), rule or StatusRule(), span, several=len(data) > 1))
        rule = rule or StatusRule()
        if any(
            r["status"] == "behind" and (pd.to_numeric(r["percent_of_target"], errors="coerce") or 0) >= rule.at_risk
            for _, r in status.iterrows()
        ):
            notes.append(
                "The reporting period has ended, so a shortfall in it is behind whatever its percentage: "
                "it can no longer be made up."
            )
    return Table(
        "activity_by_site",
        "Completed contacts and people supported in the reporting period, by site",
        data.reset_index(drop=True),
        _period_display,
        row_headers=("Site",),
        notes=notes,
    )


def _activity_status_note(months: float, rule: StatusRule, span: tuple | None, several: bool) -> str:
    counted = f"{_per_month(round(months, 2))} {'month' if months == 1 else 'months'}"
    when = f"from {_day(span[0])} to {_day(span[1])}, {counted}" if span else counted
    share = " (a site's target is its share of the study's, in proportion to its recruitment target)" if several else ""
    return (
        f"Per month: completed contacts in the reporting period up to the data cut ({when}; a month partly "
        f"in it counts in proportion to its days) against the monthly target{share}. Status: "
        f"{_rule_words(rule, 'of the target')}."
    )


def _period_display(data: pd.DataFrame) -> pd.DataFrame:
    status = "status" in data.columns
    columns = [
        "Site",
        *(["Completed"] if status else []),
        "Face to face",
        "Telephone",
        "People supported",
        *(["Per month", "Target per month", "Status"] if status else []),
    ]

    def row(r: dict, prefix: str = "") -> dict:
        out = {
            "Site": r["site"] if not prefix else ALL_SITES,
            "Face to face": fmt_count(r[f"{prefix}face_to_face"]),
            "Telephone": fmt_count(r[f"{prefix}telephone"]),
            "People supported": fmt_count(r[f"{prefix}people_supported"]),
        }
        if status:
            target = r[f"{prefix}target_per_month"]
            word = r[f"{prefix}status"]
            out.update(
                {
                    "Completed": fmt_count(r[f"{prefix}completed"]),
                    "Per month": fmt_number(r[f"{prefix}per_month"], 1),
                    "Target per month": fmt_number(target, 1),
                    "Status": (
                        word + _shown_percent(r[f"{prefix}percent_of_target"])
                        if isinstance(word, str) and word and not is_suppressed(word)
                        else fmt_number(word if is_suppressed(word) else None)
                    ),
                }
            )
        return out

    records = data.to_dict("records")
    rows = [row(r) for r in records]
    if len(data) > 1:  # one site's row is its total
        rows.append(row(records[0], "all_"))
    return pd.DataFrame(rows, columns=columns)


def completeness_table(data: pd.DataFrame, labels: dict[tuple[str, str | None], str]) -> Table:
    """Questionnaires returned, items missing and scores lost, per instrument and timepoint (from
    :func:`peerimpact.analysis.progress.completeness`)."""
    notes = [
        "Items missing: items left blank on the questionnaires returned, and their share of the items asked. "
        "Scores lost: subscale scores not computed because too many of their items were missing."
    ]
    return Table(
        "completeness",
        "Data completeness by instrument and timepoint",
        data,
        partial(_completeness_display, labels=labels),
        notes,
        row_headers=("Instrument",),
    )


def _completeness_display(data: pd.DataFrame, *, labels: dict) -> pd.DataFrame:
    rows = []
    for r in data.itertuples():
        pct = r.percent_items_missing
        missing = fmt_count(r.items_missing)
        if not is_suppressed(pct) and not pd.isna(pct):
            missing += f" ({fmt_number(float(pct), 1)}%)"
        rows.append(
            {
                "Instrument": labels.get((r.instrument, None), r.instrument),
                "Timepoint": r.timepoint,
                "Returned": fmt_count(r.returned),
                "Items missing": missing,
                "Scores": fmt_count(r.scores),
                "Scores lost": fmt_count(r.scores_lost),
            }
        )
    return pd.DataFrame(rows, columns=["Instrument", "Timepoint", "Returned", "Items missing", "Scores", "Scores lost"])


STATUS = {"met": "Met", "due": "Due", "late": "Late"}


def milestones_table(data: pd.DataFrame, data_cut: str | None) -> Table:
    """Milestones as of the data cut (from :func:`peerimpact.analysis.progress.milestones`): what
    shows each met is written from its ``count`` and ``target`` as the policy returns them."""
    out = data.assign(
        due=pd.to_datetime(data["due"]).dt.strftime("%Y-%m-%d"),
        met_on=pd.to_datetime(data["met_on"]).dt.strftime("%Y-%m-%d"),
    )
    note = f"Status as of the data cut ({data_cut})." if data_cut else "Status as of the build."
    return Table("milestones", "Milestones", out, _milestones_display, [note], row_headers=("Milestone",))


def _shown_by(row) -> str:
    """``32 consented (38 needed)``, ``21 questionnaires returned at T3 (21 needed)``, or how it is recorded."""
    if row.target is None or pd.isna(row.target):
        return str(row.evidence)
    what = f"questionnaires returned at {row.timepoint}" if row.evidence == "returned" else row.evidence
    return f"{fmt_count(row.count)} {what} ({fmt_count(row.target)} needed)"


def _status_word(row) -> str:
    """``Met``, ``Met late`` (after its due date), ``Due`` or ``Late``."""
    met_late = row.status == "met" and not pd.isna(row.met_on) and pd.Timestamp(row.met_on) > pd.Timestamp(row.due)
    return "Met late" if met_late else STATUS.get(row.status, row.status)


def _milestones_display(data: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Milestone": data["milestone"],
            "Due": [f"{d:%d %b %Y}" for d in pd.to_datetime(data["due"])],
            "Status": [_status_word(r) for r in data.itertuples()],
            "Met on": ["–" if pd.isna(d) else f"{d:%d %b %Y}" for d in pd.to_datetime(data["met_on"])],
            "Shown by": [_shown_by(r) for r in data.itertuples()],
        }
    )


def _named(frame: pd.DataFrame, keys: set[tuple[str, ...]], columns: tuple[str, ...]) -> pd.DataFrame:
    wanted = [tuple(str(v) for v in row) in keys for row in frame[list(columns)].itertuples(index=False)]
    return frame[wanted].reset_index(drop=True)


def headline_norms(data: Extract) -> Table:
    """Table 3's rows (every timepoint) of the outcomes a report's ``headline`` compares with norms."""
    keys = {(h.instrument, h.subscale) for h in data.meta.headline if h.norm}
    summary = compare_to_norms(summarise_scores(data.scores), data.norms)
    table = table3(_named(summary, keys, ("instrument", "subscale")), data.labels, data.timepoints, data.scales)
    return dataclasses.replace(table, name="headline_table3", title="Headline outcomes against population norms")


def headline_change(data: Extract) -> Table:
    """Table 4's rows of the outcomes and comparisons a report's ``headline`` names."""
    keys = {(h.instrument, h.subscale, h.comparison) for h in data.meta.headline if h.comparison}
    change = change_over_time(data.scores, data.comparisons, adjust=data.multiplicity, min_pairs=data.min_pairs)
    table = table4(_named(change, keys, ("instrument", "subscale", "comparison")), data.labels)
    return dataclasses.replace(table, name="headline_table4", title="Headline change over time (paired t-tests)")


def programme_context(summary: pd.DataFrame, first: str | None = None) -> Table:
    """The whole study's recruitment, retention and activity against its targets (from
    :func:`peerimpact.analysis.progress.programme_summary`), for a site or cohort report to set
    its own beside. Every figure is the whole study's, the same in every report of a build."""
    return Table(
        "programme_study_wide",
        "The whole study's recruitment, retention and activity, for comparison",
        summary,
        partial(_programme_display, first=first),
        [
            "Each figure is for all the study's sites together, against the study's own targets, with the "
            "status its own rules give."
        ],
        row_headers=("Figure",),
    )


def _programme_display(data: pd.DataFrame, *, first: str | None) -> pd.DataFrame:
    rows = []
    for r in data.itertuples(index=False):
        if r.measure == "consented":
            label = "Consented"
            shown = f"{fmt_count(r.people)} of {_whole(r.target)} due{_shown_percent(r.percent_of_goal)}"
        elif r.measure == "contacts_per_month":
            label = f"Completed contacts a month ({_whole(r.months)} months of the reporting period)"
            shown = f"{_rate(r.per_month)} against {_whole(r.target)}{_shown_percent(r.percent_of_goal)}"
        else:
            label = f"Returned {r.timepoint}" + (f", of those who returned {first}" if first else "")
            shown = (
                f"{fmt_count(r.people)} of {fmt_count(r.of_people)}{_shown_percent(r.percent_of_goal)}, "
                f"target {_whole(r.target)}%"
            )
        status = r.status if isinstance(r.status, str) and r.status else "–"
        rows.append({"Figure": label, "Whole study": shown, "Status": status})
    return pd.DataFrame(rows, columns=["Figure", "Whole study", "Status"])


def _rate(value) -> str:
    if is_suppressed(value) or pd.isna(pd.to_numeric(value, errors="coerce")):
        return fmt_number(value)
    return fmt_number(float(value), 1)
