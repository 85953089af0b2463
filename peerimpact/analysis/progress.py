"""Progress against targets: recruitment, retention and completed contacts at each site and at
all of a report's sites, each with its status (on track, at risk or behind), and the whole
programme's figures in one frame; computed from the programme's record
(:mod:`peerimpact.analysis.programme`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TypeGuard

import numpy as np
import pandas as pd

from ..schema import ID
from .programme import ALL_SITES, completed_contacts, returned_at
from .terms import Goal, Rule

ON_TRACK, AT_RISK, BEHIND = "on track", "at risk", "behind"
STATUS_COLUMNS = {
    "recruitment": ["site", "consented", "target", "expected", "percent_of_expected", "status"],
    "retention": ["timepoint", "site", "returned", "returned_first", "percent", "target_percent", "status"],
    "activity": [
        "site",
        "completed",
        "months",
        "per_month",
        "target_per_month",
        "expected_contacts",
        "percent_of_target",
        "status",
    ],
}


def _given(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a number: not None, NA or NaN."""
    return value is not None and value is not pd.NA and not (isinstance(value, float) and np.isnan(value))


def percent_of(value: float | None, target: float | None) -> float | None:
    """``value`` as a percent of ``target``; None where either is missing or the target is not above 0.

    Examples
    --------
    >>> percent_of(30, 40), percent_of(3, 0), percent_of(None, 40)
    (75.0, None, None)
    """
    if not _given(value) or not _given(target) or float(target) <= 0:
        return None
    return 100.0 * float(value) / float(target)


def status_of(value: float | None, target: float | None, rule: Rule) -> str | None:
    """``on track``, ``at risk`` or ``behind``: ``value`` as a percent of ``target`` at or above
    ``rule.on_track`` is on track, at or above ``rule.at_risk`` at risk, below it behind.

    A target of 0 (nothing due yet) is on track whatever the value; a missing value or target has
    no status (None). A percent within 1e-9 of a boundary counts as on it, so that 7 of a target
    of 10 is 70% whatever the floating point makes of it.

    Examples
    --------
    >>> from peerimpact.analysis.terms import StatusRule
    >>> rule = StatusRule(on_track=100, at_risk=80)
    >>> status_of(38, 38, rule), status_of(31, 38, rule), status_of(30, 38, rule), status_of(0, 0, rule)
    ('on track', 'at risk', 'behind', 'on track')
    """
    if not _given(value) or not _given(target):
        return None
    if float(target) <= 0:
        return ON_TRACK
    percent = 100.0 * float(value) / float(target)
    if percent >= rule.on_track - 1e-9:
        return ON_TRACK
    return AT_RISK if percent >= rule.at_risk - 1e-9 else BEHIND


def share_due(cut: dt.date | str | None, start: dt.date, by: dt.date) -> float:
    """The share of a recruitment target due by ``cut``: 0 at ``start``, 1 at ``by``, in a straight
    line by days between (the line of Figure F2,
    :func:`~peerimpact.analysis.programme.cumulative_recruitment`), 1 after ``by`` and without a cut.

    Examples
    --------
    >>> share_due(dt.date(2019, 1, 1), dt.date(2018, 10, 1), dt.date(2019, 8, 31))   # 92 of 334 days
    0.2754491017964072
    >>> share_due(dt.date(2021, 3, 31), dt.date(2018, 10, 1), dt.date(2019, 8, 31))
    1.0
    """
    if cut is None:
        return 1.0
    span = (pd.Timestamp(by) - pd.Timestamp(start)).days
    if span <= 0:
        return 1.0 if pd.Timestamp(cut) >= pd.Timestamp(by) else 0.0
    return float(min(max((pd.Timestamp(cut) - pd.Timestamp(start)).days / span, 0.0), 1.0))


def expected_by(cut: dt.date | str | None, target: float, start: dt.date, by: dt.date) -> float:
    """The people a recruitment ``target`` expects consented by the data ``cut``, to one decimal as
    Figure F2's target line prints it: ``target`` × :func:`share_due`.

    Examples
    --------
    >>> expected_by(dt.date(2019, 1, 1), 38, dt.date(2018, 10, 1), dt.date(2019, 8, 31))
    10.5
    """
    return round(float(target) * share_due(cut, start, by), 1)


def recruitment_status(
    participants: pd.DataFrame,
    sites: Iterable[str],
    goal: Goal | None,
    cut: dt.date | str | None,
    rule: Rule,
) -> pd.DataFrame:
    """People consented at each site and at all the report's sites against the recruitment
    target due at the data cut.

    The target due at ``cut`` is pro rata: 0 at ``goal.start``, ``goal.total`` at ``goal.by``,
    straight in between (the line of Figure F2) and the whole target after ``by`` or without a
    cut; each site's is the same share of its own target (``goal.sites``).

    Returns
    -------
    DataFrame
        ``site, consented, target, expected, percent_of_expected, status``: a row per site, then
        :data:`ALL_SITES` (its target ``goal.total``). ``expected`` is the target due at the cut,
        ``percent_of_expected`` the consented as a percent of it and ``status`` (:func:`status_of`)
        ``on track``, ``at risk`` or ``behind`` by ``rule``; after ``goal.by`` a shortfall is
        ``behind`` (too late to be at risk); a site with no target has none of them.

    Examples
    --------
    >>> import datetime as dt
    >>> from peerimpact.analysis.terms import RecruitmentTarget, StatusRule
    >>> people = pd.DataFrame({"participant_id": list("abcde"), "site": ["S1", "S1", "S1", "S2", "S2"]})
    >>> goal = RecruitmentTarget(sites={"S1": 4, "S2": 6}, total=10, start=dt.date(2020, 1, 1),
    ...                          by=dt.date(2020, 12, 31))
    >>> recruitment_status(people, ["S1", "S2"], goal, dt.date(2020, 7, 1), StatusRule()).round(1)
            site  consented  target  expected  percent_of_expected    status
    0         S1          3       4       2.0                150.0  on track
    1         S2          2       6       3.0                 66.7    behind
    2  All sites          5      10       5.0                100.0  on track
    """
    sites = list(sites)
    site_of = participants["site"].astype(str)
    share = share_due(cut, goal.start, goal.by) if goal is not None else None
    # once the target's date has passed, a shortfall can no longer be made up: it is behind, not at risk
    closed = goal is not None and cut is not None and pd.Timestamp(cut) > pd.Timestamp(goal.by)
    targets = dict(goal.sites) if goal is not None else {}
    rows = []
    for site in [*sites, ALL_SITES]:
        consented = int(len(participants)) if site == ALL_SITES else int((site_of == site).sum())
        target = (goal.total if goal is not None else None) if site == ALL_SITES else targets.get(site)
        expected = round(float(target) * share, 1) if target is not None and share is not None else None
        rows.append(
            {
                "site": site,
                "consented": consented,
                "target": target,
                "expected": expected,
                "percent_of_expected": percent_of(consented, expected),
                "status": _closed(status_of(consented, expected, rule), closed),
            }
        )
    out = pd.DataFrame(rows, columns=STATUS_COLUMNS["recruitment"])
    out["target"] = out["target"].astype("Int64")
    out["expected"] = out["expected"].astype(float)
    out["percent_of_expected"] = out["percent_of_expected"].astype(float)
    return out


def _closed(status: str | None, closed: bool) -> str | None:
    return BEHIND if closed and status == AT_RISK else status


def retention_status(
    participants: pd.DataFrame,
    returns: pd.DataFrame,
    sites: Iterable[str],
    timepoints: Iterable[str],
    targets: dict[str, float],
    rule: Rule,
) -> pd.DataFrame:
    """Of the people who returned the first questionnaire, those who returned each later one, at
    each site and at all the report's sites, against the retention target.

    Counted as :func:`~peerimpact.analysis.programme.follow_up` counts a later timepoint (people
    consented who returned the first questionnaire and that one), so that the flow diagram and this
    give one figure.

    Returns
    -------
    DataFrame
        ``timepoint, site, returned, returned_first, percent, target_percent, status``: a row per
        later timepoint and site, then :data:`ALL_SITES`; ``returned`` of the ``returned_first``
        people who returned the first, ``percent`` of them, ``target_percent`` the timepoint's
        retention target (missing without one) and ``status`` (:func:`status_of` of ``percent``
        against ``target_percent``) ``on track``, ``at risk`` or ``behind`` by ``rule``.

    Examples
    --------
    >>> from peerimpact.analysis.terms import RetentionRule
    >>> people = pd.DataFrame({"participant_id": list("abcde"), "site": "S1"})
    >>> returns = pd.DataFrame({"participant_id": list("abcde") + list("abc"), "timepoint": ["T1"] * 5 + ["T2"] * 3})
    >>> found = retention_status(people, returns, ["S1"], ["T1", "T2"], {"T2": 70}, RetentionRule())
    >>> found[["site", "returned", "returned_first", "percent", "target_percent", "status"]]
            site  returned  returned_first  percent  target_percent  status
    0         S1         3               5     60.0            70.0  behind
    1  All sites         3               5     60.0            70.0  behind
    """
    sites, timepoints = list(sites), list(timepoints)
    site_of = dict(zip(participants[ID], participants["site"].astype(str)))
    first = returned_at(returns, timepoints[0]) & set(participants[ID]) if timepoints else set()
    rows = []
    for tp in timepoints[1:]:
        back = returned_at(returns, tp) & first
        target = targets.get(tp)
        for site in [*sites, ALL_SITES]:
            mine = (
                (lambda people: people)
                if site == ALL_SITES
                else (lambda people, site=site: {p for p in people if site_of.get(p) == site})
            )
            returned, base = len(mine(back)), len(mine(first))
            percent = percent_of(returned, base)
            rows.append(
                {
                    "timepoint": tp,
                    "site": site,
                    "returned": returned,
                    "returned_first": base,
                    "percent": percent,
                    "target_percent": target,
                    "status": status_of(percent, target, rule) if percent is not None else None,
                }
            )
    out = pd.DataFrame(rows, columns=STATUS_COLUMNS["retention"])
    return out.astype({"percent": float, "target_percent": float})


def months_counted(start: dt.date, end: dt.date) -> float:
    """The months from ``start`` to ``end`` (both days included), each calendar month counted in
    the share of its days that fall between them: April to March is 12, 15 to 30 April is 0.53
    (16 of 30 days), and nothing before ``start`` is 0.

    Examples
    --------
    >>> months_counted(dt.date(2020, 4, 1), dt.date(2021, 3, 31))
    12.0
    >>> round(months_counted(dt.date(2020, 4, 15), dt.date(2020, 5, 31)), 4)
    1.5333
    """
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    if last < first:
        return 0.0
    total = 0.0
    for month in pd.period_range(first.to_period("M"), last.to_period("M"), freq="M"):
        days = month.days_in_month
        since = max(first, month.start_time.normalize())
        until = min(last, month.end_time.normalize())
        total += ((until - since).days + 1) / days
    return total


def counted_span(start: dt.date | str, end: dt.date | str, cut: dt.date | str | None) -> tuple[dt.date, dt.date]:
    """The days of a reporting period that activity is counted over: from its ``start`` to the
    earlier of its ``end`` and the data ``cut``.

    Examples
    --------
    >>> counted_span(dt.date(2020, 4, 1), dt.date(2021, 3, 31), "2020-12-31")
    (datetime.date(2020, 4, 1), datetime.date(2020, 12, 31))
    """
    last = min(pd.Timestamp(end), pd.Timestamp(cut)) if cut else pd.Timestamp(end)
    return pd.Timestamp(start).date(), last.date()


def activity_status(
    contacts: pd.DataFrame,
    participants: pd.DataFrame,
    sites: Iterable[str],
    *,
    per_month: float | None,
    goal: Goal | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    cut: dt.date | str | None = None,
    rule: Rule,
) -> pd.DataFrame:
    """Completed contacts per month in the reporting period, up to the data cut, at each site and
    at all the report's sites, against the monthly target.

    The months counted run from ``start`` to the earlier of ``end`` and ``cut``, each calendar
    month in the share of its days inside them (:func:`months_counted`); without ``start`` from the
    first day of the log's first month, without ``end`` or ``cut`` to the log's last contact.
    ``per_month`` is the report's monthly target for all its sites (``ReportTargets.contacts_per_month``)
    and ``goal`` its recruitment target; a site's monthly target is its share in proportion to its
    recruitment target, ``per_month`` × the site's target / ``goal.total``, as a site report's own
    share of the study's is worked out (``TargetShare``), so that a site's target is one figure in
    the funder's report and in its own.

    Returns
    -------
    DataFrame
        ``site, completed, months, per_month, target_per_month, expected_contacts,
        percent_of_target, status``: a row per site, then :data:`ALL_SITES`; ``completed``
        contacts in the months counted, ``per_month`` = completed / months, ``expected_contacts``
        = target_per_month × months, ``percent_of_target`` = completed as a percent of
        expected_contacts, and ``status`` (:func:`status_of`) ``on track``, ``at risk`` or
        ``behind`` by ``rule``; a site with no share of the target has none of these four.

    Examples
    --------
    >>> import datetime as dt
    >>> from peerimpact.analysis.terms import RecruitmentTarget, StatusRule
    >>> people = pd.DataFrame({"participant_id": ["a", "b"], "site": ["S1", "S2"]})
    >>> log = pd.DataFrame({"participant_id": ["a"] * 4 + ["b"], "person_id": list("pqrst"),
    ...                     "date": pd.to_datetime(["2020-04-02", "2020-05-02", "2020-06-02", "2020-07-02",
    ...                                             "2020-04-10"]),
    ...                     "mode": "telephone", "completed": True})
    >>> goal = RecruitmentTarget(sites={"S1": 2, "S2": 1}, total=3, start=dt.date(2019, 1, 1), by=dt.date(2019, 12, 31))
    >>> activity_status(log, people, ["S1", "S2"], per_month=3, goal=goal,
    ...                 start=dt.date(2020, 4, 1), end=dt.date(2021, 3, 31), cut=dt.date(2020, 5, 31),
    ...                 rule=StatusRule())[["site", "completed", "months", "per_month", "target_per_month", "status"]]
            site  completed  months  per_month  target_per_month  status
    0         S1          2     2.0        1.0               2.0  behind
    1         S2          1     2.0        0.5               1.0  behind
    2  All sites          3     2.0        1.5               3.0  behind
    """
    sites = list(sites)
    done = completed_contacts(contacts, participants)
    when = pd.to_datetime(done["date"])
    first = pd.Timestamp(start) if start else (when.min().to_period("M").start_time if len(when) else None)
    ends = [pd.Timestamp(d) for d in (end, cut) if d]  # the earlier of the period's end and the cut
    last = min(ends) if ends else (when.max() if len(when) else None)
    months = months_counted(first, last) if first is not None and last is not None else 0.0
    inside = done[(when >= first) & (when <= last)] if months else done.iloc[0:0]
    own = dict(goal.sites) if goal is not None else {}
    # a reporting period that ended by the cut is over: a shortfall in it is behind, not at risk
    over = end is not None and cut is not None and pd.Timestamp(end) <= pd.Timestamp(cut)
    rows = []
    for site in [*sites, ALL_SITES]:
        completed = len(inside) if site == ALL_SITES else int((inside["site"] == site).sum())
        if site == ALL_SITES:
            target = per_month
        else:
            target = per_month * own[site] / goal.total if per_month and goal is not None and site in own else None
        expected = target * months if target is not None and months else None
        rows.append(
            {
                "site": site,
                "completed": completed,
                "months": months,
                "per_month": completed / months if months else None,
                "target_per_month": target,
                "expected_contacts": expected,
                "percent_of_target": percent_of(completed, expected),
                "status": _closed(status_of(completed, expected, rule), over) if expected is not None else None,
            }
        )
    out = pd.DataFrame(rows, columns=STATUS_COLUMNS["activity"])
    return out.astype(
        {c: float for c in ("months", "per_month", "target_per_month", "expected_contacts", "percent_of_target")}
    )


PROGRAMME_COLUMNS = [
    "measure",
    "timepoint",
    "people",
    "of_people",
    "per_month",
    "months",
    "percent_of_goal",
    "target",
    "status",
]


def programme_summary(recruited: pd.DataFrame, retained: pd.DataFrame, activity: pd.DataFrame) -> pd.DataFrame:
    """The programme's figures for all the sites together, one row a measure, from
    :func:`recruitment_status`, :func:`retention_status` and :func:`activity_status`: what a site's
    report sets its own figures beside.

    Returns
    -------
    DataFrame
        ``measure, timepoint, people, of_people, per_month, months, percent_of_goal, target,
        status``:
        ``consented`` (``people``, ``percent_of_goal`` of the ``target`` due at the cut),
        ``retained_<timepoint>`` (``people`` of the ``of_people`` who returned the first questionnaire,
        against the ``target`` percent) and ``contacts_per_month`` (completed contacts ``per_month``
        over the ``months`` of the reporting period counted, against the monthly ``target``).

    Examples
    --------
    >>> recruited = pd.DataFrame({"site": [ALL_SITES], "consented": [32], "expected": [38.0],
    ...                           "percent_of_expected": [84.2], "status": ["behind"]})
    >>> retained = pd.DataFrame({"timepoint": ["T2"], "site": [ALL_SITES], "returned": [20], "returned_first": [32],
    ...                          "percent": [62.5], "target_percent": [70.0], "status": ["behind"]})
    >>> activity = pd.DataFrame({"site": [ALL_SITES], "per_month": [88.6], "months": [12.0],
    ...                          "percent_of_target": [88.6], "target_per_month": [100.0], "status": ["at risk"]})
    >>> programme_summary(recruited, retained, activity)[["measure", "people", "per_month", "target", "status"]]
                  measure  people  per_month  target   status
    0           consented      32        NaN    38.0   behind
    1         retained_T2      20        NaN    70.0   behind
    2  contacts_per_month    <NA>       88.6   100.0  at risk
    """
    rows = []
    for r in recruited[recruited["site"] == ALL_SITES].to_dict("records"):
        rows.append(
            {
                "measure": "consented",
                "timepoint": "",
                "people": r["consented"],
                "percent_of_goal": r["percent_of_expected"],
                "target": r["expected"],
                "status": r["status"],
            }
        )
    for r in retained[retained["site"] == ALL_SITES].to_dict("records"):
        rows.append(
            {
                "measure": f"retained_{r['timepoint']}",
                "timepoint": r["timepoint"],
                "people": r["returned"],
                "of_people": r["returned_first"],
                "percent_of_goal": r["percent"],
                "target": r["target_percent"],
                "status": r["status"],
            }
        )
    for r in activity[activity["site"] == ALL_SITES].to_dict("records"):
        rows.append(
            {
                "measure": "contacts_per_month",
                "timepoint": "",
                "per_month": r["per_month"],
                "months": r["months"],
                "percent_of_goal": r["percent_of_target"],
                "target": r["target_per_month"],
                "status": r["status"],
            }
        )
    out = pd.DataFrame(rows, columns=PROGRAMME_COLUMNS)
    out[["people", "of_people"]] = out[["people", "of_people"]].apply(pd.to_numeric).astype("Int64")
    return out.astype({c: float for c in ("per_month", "months", "percent_of_goal", "target")})
