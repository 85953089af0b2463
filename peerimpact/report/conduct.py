"""Blocks of a progress report on how the study ran: the flow of participants through its
questionnaires, data completeness by instrument and timepoint, and milestones as of the data cut.

Every count here is data a disclosure policy sees (``count``/``n`` columns), so the flow diagram
is drawn from what the policy returned, a withheld count printed as ``*``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial

import pandas as pd

from .blocks import SUPPRESSED, FigureBlock, Table, is_suppressed
from .formats import fmt_count, fmt_number, fmt_short_date
from .plots import Figure, empty_figure, figure_style, to_figure

OUTCOME_LABELS = {"returned": "Returned", "left_post": "Left post", "withdrawn": "Withdrew", "no_reply": "No reply"}


def _shown(value) -> str:
    """A count as the flow diagram prints it: withheld (NaN once drawn) as *."""
    number = pd.to_numeric(value, errors="coerce")
    return SUPPRESSED if pd.isna(number) else fmt_count(number)


# ------------------------------------------------------------------------------------------ flow


def flow(follow: pd.DataFrame, timepoints: Iterable[str]) -> FigureBlock:
    """CONSORT-style flow of participants (from :func:`peerimpact.analysis.programme.follow_up`)."""
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


def completeness_table(data: pd.DataFrame, labels: dict[tuple[str, str | None], str]) -> Table:
    """Questionnaires returned, items missing and scores lost, per instrument and timepoint (from
    :func:`peerimpact.analysis.programme.completeness`)."""
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
    """Milestones as of the data cut (from :func:`peerimpact.analysis.programme.milestones`): what
    shows each met is written from its ``count`` and ``target`` as the policy returns them."""
    out = data.assign(
        due=pd.to_datetime(data["due"]).dt.strftime("%Y-%m-%d"),
        met_on=pd.to_datetime(data["met_on"]).dt.strftime("%Y-%m-%d"),
    )
    note = (
        f"Status as of the data cut ({fmt_short_date(dt.date.fromisoformat(str(data_cut)[:10]))})."
        if data_cut
        else "Status as of the build."
    )
    return Table("milestones", "Milestones", out, _milestones_display, [note], row_headers=("Milestone",))


def _shown_by(row) -> str:
    """``32 consented (38 needed)``, ``21 questionnaires returned at T3 (21 needed)``, or how it is recorded."""
    if row.target is None or pd.isna(row.target):
        return str(row.evidence)
    what = f"questionnaires returned at {row.timepoint}" if row.evidence == "returned" else row.evidence
    return f"{fmt_count(row.count)} {what} ({fmt_count(row.target)} needed)"


def status_word(row) -> str:
    """``Met``, ``Met late`` (after its due date), ``Due`` or ``Late``."""
    met_late = row.status == "met" and not pd.isna(row.met_on) and pd.Timestamp(row.met_on) > pd.Timestamp(row.due)
    return "Met late" if met_late else STATUS.get(row.status, row.status)


def _milestones_display(data: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Milestone": data["milestone"],
            "Due": [fmt_short_date(d) for d in pd.to_datetime(data["due"])],
            "Status": [status_word(r) for r in data.itertuples()],
            "Met on": ["–" if pd.isna(d) else fmt_short_date(d) for d in pd.to_datetime(data["met_on"])],
            "Shown by": [_shown_by(r) for r in data.itertuples()],
        }
    )
