"""Progress of a study for its funder: recruitment and retention, data completeness, activity
and milestones, as tidy frames computed from the participants' dates, the questionnaires
returned and the contact log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..config.study import RecruitmentTarget, StatusRule
from ..schema import ID

ALL_SITES = "All sites"
STAGES = ("consented", "left_post", "withdrawn")  # besides one stage per timepoint
OUTCOMES = ("returned", "left_post", "withdrawn", "no_reply")


def _returned(returns: pd.DataFrame, timepoint: str) -> set[str]:
    return set(returns.loc[returns["timepoint"].astype(str) == timepoint, ID])


def recruitment(
    participants: pd.DataFrame,
    returns: pd.DataFrame,
    sites: Iterable[str],
    timepoints: Iterable[str],
    targets: dict[str, int] | None = None,
) -> pd.DataFrame:
    """People at each stage, by site: consented, returned each timepoint, left post, withdrew.

    Returns
    -------
    DataFrame
        ``stage, site, count, n, target``: one row per stage and site, ``n`` the stage's count
        over all sites and ``target`` the site's recruitment target (consented rows only).

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"participant_id": ["a", "b"], "site": ["S1", "S2"],
    ...                        "left_post_date": [pd.NaT, pd.Timestamp("2020-01-01")],
    ...                        "withdrawn_date": [pd.NaT, pd.NaT]})
    >>> returns = pd.DataFrame({"participant_id": ["a", "b", "a"], "timepoint": ["T1", "T1", "T2"]})
    >>> recruitment(people, returns, ["S1", "S2"], ["T1", "T2"]).query("site == 'S1'")[["stage", "count", "n"]]
           stage  count  n
    0  consented      1  2
    2         T1      1  2
    4         T2      1  1
    6  left_post      0  1
    8  withdrawn      0  0
    """
    sites, timepoints, targets = list(sites), list(timepoints), targets or {}
    site_of = dict(zip(participants[ID], participants["site"].astype(str)))
    members = {"consented": set(participants[ID])}
    members.update({tp: _returned(returns, tp) & members["consented"] for tp in timepoints})
    members["left_post"] = set(participants.loc[participants["left_post_date"].notna(), ID])
    members["withdrawn"] = set(participants.loc[participants["withdrawn_date"].notna(), ID])
    rows = []
    for stage in ("consented", *timepoints, "left_post", "withdrawn"):
        for site in sites:
            rows.append(
                {
                    "stage": stage,
                    "site": site,
                    "count": sum(site_of.get(p) == site for p in members[stage]),
                    "n": len(members[stage]),
                    "target": targets.get(site) if stage == "consented" else None,
                }
            )
    out = pd.DataFrame(rows, columns=["stage", "site", "count", "n", "target"])
    out["target"] = out["target"].astype("Int64")
    return out


def follow_up(participants: pd.DataFrame, returns: pd.DataFrame, timepoints: Iterable[str]) -> pd.DataFrame:
    """What became of the people who returned the first questionnaire, at each later timepoint.

    Returns
    -------
    DataFrame
        ``box, outcome, count, n``: the ``consented`` box (``returned`` is those who returned the
        first timepoint; ``no_reply`` the rest), then per later timepoint the people who returned
        the first one split into ``returned``, ``left_post``, ``withdrawn`` and ``no_reply``
        (leaving post comes before withdrawing when both are recorded). Each box's counts add
        up to its ``n``.
    """
    timepoints = list(timepoints)
    consented = set(participants[ID])
    first = _returned(returns, timepoints[0]) & consented
    left = set(participants.loc[participants["left_post_date"].notna(), ID])
    withdrawn = set(participants.loc[participants["withdrawn_date"].notna(), ID])
    rows = [
        {"box": "consented", "outcome": "returned", "count": len(first), "n": len(consented)},
        {"box": "consented", "outcome": "no_reply", "count": len(consented - first), "n": len(consented)},
    ]
    for tp in timepoints[1:]:
        back = _returned(returns, tp) & first
        gone = (first - back) & left
        out = (first - back - left) & withdrawn
        rows += [
            {"box": tp, "outcome": "returned", "count": len(back), "n": len(first)},
            {"box": tp, "outcome": "left_post", "count": len(gone), "n": len(first)},
            {"box": tp, "outcome": "withdrawn", "count": len(out), "n": len(first)},
            {"box": tp, "outcome": "no_reply", "count": len(first - back - gone - out), "n": len(first)},
        ]
    return pd.DataFrame(rows, columns=["box", "outcome", "count", "n"])


def cumulative_recruitment(
    participants: pd.DataFrame,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    total: int | None = None,
    by: dt.date | None = None,
) -> pd.DataFrame:
    """People consented by the end of each month, beside a straight target line.

    Returns
    -------
    DataFrame
        ``month`` (the month's last day), ``n`` (consented by then) and ``target`` (the line
        from 0 at ``start`` to ``total`` at ``by``, flat after; missing without a target).
    """
    dates = pd.to_datetime(participants["consent_date"]).dropna().sort_values()
    first = pd.Timestamp(start) if start else (dates.min() if len(dates) else None)
    last = pd.Timestamp(end) if end else (dates.max() if len(dates) else None)
    if first is None or last is None:
        return pd.DataFrame(columns=["month", "n", "target"])
    months = pd.date_range(
        first.to_period("M").to_timestamp(how="end").normalize(),
        last.to_period("M").to_timestamp(how="end").normalize(),
        freq="ME",
    )
    n = np.searchsorted(
        dates.to_numpy(), months.to_numpy() + np.timedelta64(1, "D") - np.timedelta64(1, "s"), side="right"
    )
    out = pd.DataFrame({"month": months, "n": n.astype(int)})
    if total and by and start:
        span = (pd.Timestamp(by) - pd.Timestamp(start)).days
        done = ((out["month"] - pd.Timestamp(start)).dt.days / span).clip(0, 1) if span > 0 else 1.0
        out["target"] = np.round(total * done, 1)
    else:
        out["target"] = np.nan
    return out


def completeness(
    returns: pd.DataFrame, scores: pd.DataFrame, instruments: Iterable[str], timepoints: Iterable[str]
) -> pd.DataFrame:
    """Per instrument and timepoint: questionnaires returned, items missing and scores lost.

    Returns
    -------
    DataFrame
        ``instrument, timepoint, returned`` (people returning any item), ``items_missing``
        (items left blank among them), ``percent_items_missing`` (of the items they were asked),
        ``scores`` (subscale scores computed) and ``scores_lost`` (subscale scores the
        missing-item rule left uncomputed for people who returned the instrument).
    """
    rows = []
    scores = scores.assign(instrument=scores["instrument"].astype(str), timepoint=scores["timepoint"].astype(str))
    returns = returns.assign(instrument=returns["instrument"].astype(str), timepoint=returns["timepoint"].astype(str))
    for inst in instruments:
        for tp in timepoints:
            mine = returns[(returns["instrument"] == inst) & (returns["timepoint"] == tp)]
            people = set(mine[ID])
            scored = scores[(scores["instrument"] == inst) & (scores["timepoint"] == tp) & scores[ID].isin(people)]
            asked = int(mine["items"].sum())
            missing = int(mine["items_missing"].sum())
            rows.append(
                {
                    "instrument": inst,
                    "timepoint": tp,
                    "returned": len(people),
                    "items_missing": missing,
                    "percent_items_missing": 100.0 * missing / asked if asked else np.nan,
                    "scores": int(scored["score"].notna().sum()),
                    "scores_lost": int(scored["score"].isna().sum()),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "instrument",
            "timepoint",
            "returned",
            "items_missing",
            "percent_items_missing",
            "scores",
            "scores_lost",
        ],
    )


def _completed(contacts: pd.DataFrame, participants: pd.DataFrame | None = None) -> pd.DataFrame:
    """The completed contacts of the log, each with its peer worker's site when ``participants`` is given."""
    done = contacts[contacts["completed"].fillna(False).astype(bool)].copy()
    if participants is not None:
        done["site"] = done[ID].map(dict(zip(participants[ID], participants["site"].astype(str))))
    return done


def _activity(part: pd.DataFrame) -> dict:
    """Completed contacts in all, face to face and by telephone, and people supported (each once)."""
    mode = part["mode"].astype(str)
    return {
        "completed": len(part),
        "face_to_face": int((mode == "face_to_face").sum()),
        "telephone": int((mode == "telephone").sum()),
        "people_supported": part["person_id"].nunique(),
    }


def monthly_activity(
    contacts: pd.DataFrame,
    sites: Iterable[str],
    participants: pd.DataFrame,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Completed contacts by mode and people supported, per calendar month and site.

    Returns
    -------
    DataFrame
        ``month`` (first day), ``site`` (each site, then :data:`ALL_SITES` when there are
        several: one site's own rows are its total), ``completed`` (all modes), ``face_to_face``,
        ``telephone`` (completed contacts) and ``people_supported`` (people with any completed
        contact that month). Months without a contact are rows of zeros.
    """
    sites = list(sites)
    done = _completed(contacts, participants)
    done["month"] = pd.to_datetime(done["date"]).dt.to_period("M").dt.to_timestamp()
    first = pd.Timestamp(start).to_period("M").to_timestamp() if start else done["month"].min()
    last = pd.Timestamp(end).to_period("M").to_timestamp() if end else done["month"].max()
    columns = ["month", "site", "completed", "face_to_face", "telephone", "people_supported"]
    if pd.isna(first) or pd.isna(last):
        return pd.DataFrame(columns=columns)
    months = pd.date_range(first, last, freq="MS")
    rows = []
    for month in months:
        in_month = done[done["month"] == month]
        for site in [*sites, ALL_SITES] if len(sites) > 1 else sites:
            part = in_month if site == ALL_SITES else in_month[in_month["site"] == site]
            rows.append({"month": month, "site": site, **_activity(part)})
    return pd.DataFrame(rows, columns=columns)


def period_activity(
    contacts: pd.DataFrame,
    participants: pd.DataFrame,
    sites: Iterable[str],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Completed contacts by mode and people supported (each once) per site between ``start`` and
    ``end`` (both included; default: the whole log): ``site, face_to_face, telephone, people_supported``."""
    done = _completed(contacts, participants)
    when = pd.to_datetime(done["date"])
    keep = pd.Series(True, index=done.index)
    keep &= when >= pd.Timestamp(start) if start else True
    keep &= when <= pd.Timestamp(end) if end else True
    done = done[keep.astype(bool)]
    columns = ["site", "face_to_face", "telephone", "people_supported"]
    return pd.DataFrame([{"site": site, **_activity(done[done["site"] == site])} for site in sites])[columns]


def milestones(
    milestones: Iterable,
    *,
    data_cut: dt.date,
    participants: pd.DataFrame,
    returns: pd.DataFrame,
    contacts: pd.DataFrame,
) -> pd.DataFrame:
    """Each milestone's status as of the data cut: ``met`` (with the date the data show it met,
    or the date recorded as done), ``due`` (not met, due date still ahead) or ``late``.

    ``milestones`` are :class:`peerimpact.config.study.Milestone` values: ``evidence`` counts
    people consented, questionnaires returned at a timepoint, or completed contacts, and the
    milestone is met on the date the count reaches its number.

    Returns
    -------
    DataFrame
        ``milestone, due, met_on, status, evidence, timepoint, target, count``: ``evidence`` says
        what shows it met (``consented``, ``returned`` at ``timepoint``, ``completed contacts``,
        or ``recorded as done`` / ``recorded by the study team``), ``target`` the number the
        milestone needs and ``count`` the number the data hold at the cut, counted as the
        recruitment table and the flow diagram count it (:func:`recruitment`, :func:`follow_up`),
        so that one figure reads the same in all three.
    """
    cut = pd.Timestamp(data_cut)
    consented = set(participants[ID])
    rows = []
    for m in milestones:
        met_on, how = (pd.Timestamp(m.done), "recorded as done") if m.done else (None, "recorded by the study team")
        timepoint, need, count = None, None, None
        if m.evidence is not None:
            ev = m.evidence
            if ev.consented is not None:
                dates, need, how, count = participants["consent_date"], ev.consented, "consented", len(consented)
            elif ev.returned is not None:
                timepoint, need, how = ev.returned.timepoint, ev.returned.at_least, "returned"
                tp = returns["timepoint"].astype(str) == timepoint
                dates = returns.loc[tp].groupby(ID)["completed_date"].min()
                count = len(_returned(returns, timepoint) & consented)
            else:
                done = _completed(contacts)
                dates, need, how, count = done["date"], ev.contacts, "completed contacts", len(done)
            dates = pd.to_datetime(dates).dropna().sort_values()
            met_on = dates.iloc[need - 1] if len(dates) >= need else None
        if met_on is not None and met_on <= cut:
            status = "met"
        else:
            met_on = None
            status = "due" if pd.Timestamp(m.due) >= cut else "late"
        rows.append(
            {
                "milestone": m.name,
                "due": pd.Timestamp(m.due),
                "met_on": met_on,
                "status": status,
                "evidence": how,
                "timepoint": timepoint,
                "target": need,
                "count": count,
            }
        )
    out = pd.DataFrame(
        rows, columns=["milestone", "due", "met_on", "status", "evidence", "timepoint", "target", "count"]
    )
    out["met_on"] = pd.to_datetime(out["met_on"])
    out[["target", "count"]] = out[["target", "count"]].astype("Int64")
    return out


# ------------------------------------------------------------------------- status against targets

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


def _given(value) -> bool:
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


def status_of(value: float | None, target: float | None, rule: StatusRule) -> str | None:
    """``on track``, ``at risk`` or ``behind``: ``value`` as a percent of ``target`` at or above
    ``rule.on_track`` is on track, at or above ``rule.at_risk`` at risk, below it behind.

    A target of 0 (nothing due yet) is on track whatever the value; a missing value or target has
    no status (None). A percent within 1e-9 of a boundary counts as on it, so that 7 of a target
    of 10 is 70% whatever the floating point makes of it.

    Examples
    --------
    >>> from peerimpact.config.study import StatusRule
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
    line by days between (the line of Figure F2, :func:`cumulative_recruitment`), 1 after ``by`` and
    without a cut.

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
    goal: RecruitmentTarget | None,
    cut: dt.date | str | None,
    rule: StatusRule,
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
    >>> from peerimpact.config.study import RecruitmentTarget, StatusRule
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
    rule: StatusRule,
) -> pd.DataFrame:
    """Of the people who returned the first questionnaire, those who returned each later one, at
    each site and at all the report's sites, against the retention target.

    Counted as :func:`follow_up` counts a later timepoint (people consented who returned the first
    questionnaire and that one), so that the flow diagram and this give one figure.

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
    >>> from peerimpact.config.study import RetentionRule
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
    first = _returned(returns, timepoints[0]) & set(participants[ID]) if timepoints else set()
    rows = []
    for tp in timepoints[1:]:
        back = _returned(returns, tp) & first
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
    goal: RecruitmentTarget | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    cut: dt.date | str | None = None,
    rule: StatusRule,
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
    >>> from peerimpact.config.study import RecruitmentTarget, StatusRule
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
    done = _completed(contacts, participants)
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
