"""Tables of a progress report against its targets: recruitment and retention by site, completed
contacts in the reporting period by site, and the whole study's figures for a site's or cohort's
report to set its own beside.

Every count here is data a disclosure policy sees (``count``/``n`` columns, or ``roles``), so
a funder's report is rounded and suppressed like any other shared report.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

import pandas as pd

from ..analysis.programme import ALL_SITES
from ..config.study import StatusRule, StatusRules
from .blocks import Table, is_suppressed
from .formats import fmt_count, fmt_date, fmt_number, fmt_per_month

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
    :func:`peerimpact.analysis.programme.recruitment`): a row per site, then a row of all sites
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


# a stage's words, where the display heads its column with other than the CSV's code (T1 is T1)
STAGE_WORDS = {"consented": "Consented", "left_post": "Left post", "withdrawn": "Withdrew"}
# the activity table's scope: its counts are the reporting period's
SCOPE_WORDS = {"period": "Reporting period"}

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
    return fmt_count(value) if float(value).is_integer() else fmt_number(float(value), 1)


def _recruitment_display(
    data: pd.DataFrame, *, timepoints: list[str], retention: dict[str, float], rules: StatusRules | None = None
) -> tuple[pd.DataFrame, list[str]]:
    rules = rules or StatusRules()
    sites = list(dict.fromkeys(data["site"]))
    rows_of = {(r["stage"], r["site"]): r for r in data.to_dict("records")}
    total = {r["stage"]: r["n"] for r in rows_of.values()}
    targets = {r["site"]: r["target"] for r in rows_of.values() if r["stage"] == "consented"}
    target_total = sum(int(t) for t in targets.values() if not pd.isna(t)) if targets else None
    first_row: dict[str, Any] = next(iter(r for r in rows_of.values() if r["stage"] == "consented"), {})
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
        row = {"Site": site, "Target": fmt_count(target) if target is not None and has_target else "–"}
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
        for stage in ("left_post", "withdrawn"):
            row[STAGE_WORDS[stage]] = fmt_count(get(stage, "count"))
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
            f"{_rule_words(rules.retention, 'of the target')}. Retention is a rate with no due date, "
            "so it is never late; a milestone of the study for returns by a date is judged against that date."
        )
    return pd.DataFrame(rows), notes


# ------------------------------------------------------------ activity in the reporting period


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
    counted = f"{fmt_per_month(round(months, 2))} {'month' if months == 1 else 'months'}"
    when = f"from {fmt_date(span[0])} to {fmt_date(span[1])}, {counted}" if span else counted
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
            "status its own rules give. A shortfall once its target's date or the reporting period has passed "
            "is behind, not at risk, whatever its share of the target."
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
