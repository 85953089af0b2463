"""Data-quality alerts about gaps in time: a site's contact log that stops before the data cut, a
reporting period the data do not cover, and a site with no record at all for months."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from ..schema import ID
from ..text import plural
from .alert_frames import (
    DEFAULT_FILES,
    Day,
    alert_frame,
    as_day,
    as_days,
    first_returns,
    months_touched,
    said,
    site_by_id,
    site_order,
    taking_part,
    whole_months,
)
from .terms import DueWindow, Span


def contacts_stop(
    contacts: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    data_cut: Day | None = None,
    period: Span | None = None,
    sites: Iterable[str] | None = None,
    file: str = DEFAULT_FILES["contacts"],
) -> pd.DataFrame:
    """Sites whose contact log stops a whole month or more before the data cut, or before the
    reporting period's end when that comes first.

    A site's log stops on its last contact, completed or not. Only a site with a peer worker
    still in post and taking part at that end date is expected to log up to it (a site whose
    workers have all left or withdrawn is not); a site with no contact at all is left to
    :func:`quiet_sites`. Without a data cut or a reporting period, the end is the log's own last
    date, so a site that stopped well before the others is still found.

    Returns
    -------
    DataFrame
        :data:`ALERT_COLUMNS`; ``count`` is the whole months (:func:`whole_months`) from the
        site's last contact to the end.

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["a", "b"], "site": ["S1", "S2"],
    ...                        "consent_date": ["2019-01-01", "2019-01-01"]})
    >>> log = pd.DataFrame({"participant_id": ["a", "b"], "date": ["2021-03-20", "2020-12-15"]})
    >>> contacts_stop(log, people, data_cut="2021-03-31")[["site", "count"]]
      site  count
    0   S2      3
    """
    cut, period_end = as_day(data_cut), as_day(period.end) if period is not None else None
    if contacts.empty or participants.empty:
        return alert_frame([])
    when = as_days(contacts["date"])
    ends = [
        (day, what)
        for day, what in ((cut, "the data cut"), (period_end, "the reporting period's end"))
        if day is not None
    ]
    end, what = min(ends, key=lambda e: e[0]) if ends else (when.max(), "the log's last date")
    if pd.isna(end):
        return alert_frame([])
    site_of = site_by_id(participants)
    last = when.groupby(contacts[ID].astype(str).map(site_of)).max()
    expected = set(participants.loc[taking_part(participants, end), "site"].astype(str))
    rows = []
    for site in site_order(participants, sites):
        stop = last.get(site)
        if stop is None or pd.isna(stop) or site not in expected:
            continue
        months = whole_months(stop, end)
        if months >= 1:
            rows.append(
                {
                    "alert": "contacts_stop",
                    "site": site,
                    "file": file,
                    "count": months,
                    "message": f"{site}'s contact log stops on {said(stop)}, {plural(months, 'month')} "
                    f"before {what} ({said(end)}).",
                    "check": f"Check that {site}'s contacts after {said(stop)} have been entered in {file}.",
                }
            )
    return alert_frame(rows)


def period_outside_data(
    period: Span | None,
    *,
    data_cut: Day | None,
    participants: pd.DataFrame,
    returns: pd.DataFrame,
    contacts: pd.DataFrame,
    file: str = DEFAULT_FILES["study"],
) -> pd.DataFrame:
    """A reporting period the data do not cover: one that starts after the data cut, ends after
    it, or lies wholly before the first record (a consent, a questionnaire or a contact).

    Returns
    -------
    DataFrame
        :data:`ALERT_COLUMNS`, at most one row, study-wide; ``count`` is the calendar months of
        the period (a part month counted whole) that lie outside the data.

    Examples
    --------
    >>> from peerimpact.analysis.terms import Period
    >>> none = pd.DataFrame(columns=["participant_id", "consent_date", "completed_date", "date"])
    >>> period = Period(start="2020-07-01", end="2021-06-30")
    >>> period_outside_data(period, data_cut="2021-03-31", participants=none, returns=none,
    ...                     contacts=none)["count"].tolist()
    [3]
    """
    if period is None:
        return alert_frame([])
    start, end, cut = as_day(period.start), as_day(period.end), as_day(data_cut)
    span = f"The reporting period ({said(start)} to {said(end)})"
    row = None
    if cut is not None and start > cut:
        months = months_touched(start, end)
        row = (
            months,
            f"{span} starts after the data cut ({said(cut)}): none of its {plural(months, 'month')} has data.",
        )
    elif cut is not None and end > cut:
        months = months_touched(cut + pd.Timedelta(days=1), end)
        last = "its last month has" if months == 1 else f"its last {months} months have"
        row = (
            months,
            f"{span} ends {plural((end - cut).days, 'day')} after the data cut ({said(cut)}): {last} "
            "no data, so its figures per month are too low.",
        )
    else:
        dates = [
            as_days(frame[column]).min()
            for frame, column in ((participants, "consent_date"), (returns, "completed_date"), (contacts, "date"))
            if column in frame and not frame.empty
        ]
        first = min((d for d in dates if not pd.isna(d)), default=None)
        if first is not None and end < first:
            months = months_touched(start, end)
            row = (
                months,
                f"{span} ends before the first record ({said(first)}): none of its {plural(months, 'month')} has data.",
            )
    if row is None:
        return alert_frame([])
    return alert_frame(
        [
            {
                "alert": "period_outside_data",
                "site": None,
                "file": file,
                "count": row[0],
                "message": row[1],
                "check": f"Check reporting_period and data_cut in {file}.",
            }
        ]
    )


def quiet_sites(
    participants: pd.DataFrame,
    returns: pd.DataFrame,
    contacts: pd.DataFrame,
    *,
    data_cut: Day | None,
    months: int = 2,
    log_stopped: Iterable[str] = (),
    windows: Mapping[str, DueWindow] | None = None,
    sites: Iterable[str] | None = None,
    file: str = DEFAULT_FILES["contacts"],
    questionnaires_file: str = DEFAULT_FILES["questionnaires"],
) -> pd.DataFrame:
    """Sites with no record, neither a contact nor a questionnaire, for ``months`` whole months or
    more before the data cut. Only a site with someone in post and taking part at the cut is
    expected to keep recording; a site with no record at all counts from its first consent.

    A site in ``log_stopped`` (already alerted by :func:`contacts_stop`) is alerted again only
    when its questionnaires stopped too: a questionnaire of someone taking part was due there
    (its window open at some time after the site's last record and by the cut) and none came.
    Without ``windows`` that cannot be told, and the contact log's alert says enough.

    Returns
    -------
    DataFrame
        :data:`ALERT_COLUMNS`; ``count`` is the whole months without a record.

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["a", "b"], "site": ["S1", "S2"],
    ...                        "consent_date": ["2019-01-01", "2019-01-01"]})
    >>> log = pd.DataFrame({"participant_id": ["a", "b"], "date": ["2021-03-20", "2021-01-15"]})
    >>> none = pd.DataFrame(columns=["participant_id", "timepoint", "completed_date"])
    >>> quiet_sites(people, none, log, data_cut="2021-03-31")[["site", "count"]]
      site  count
    0   S2      2
    """
    cut = as_day(data_cut)
    if cut is None or participants.empty:
        return alert_frame([])
    site_of = site_by_id(participants)
    records = []
    if not contacts.empty:
        records.append(pd.DataFrame({"site": contacts[ID].astype(str).map(site_of), "date": as_days(contacts["date"])}))
    back = first_returns(returns)
    if not back.empty:
        records.append(pd.DataFrame({"site": back[ID].astype(str).map(site_of), "date": back["completed_date"]}))
    last = pd.concat(records).groupby("site")["date"].max() if records else pd.Series(dtype="datetime64[ns]")
    active = participants[taking_part(participants, cut)]
    first_consent = as_days(participants["consent_date"]).groupby(participants["site"].astype(str)).min()
    stopped = {str(s) for s in log_stopped}
    rows = []
    for site in site_order(participants, sites):
        if not (active["site"].astype(str) == site).any():
            continue
        since = last.get(site)
        nothing = since is None or pd.isna(since)
        start = first_consent.get(site) if nothing else since
        if start is None or pd.isna(start):
            continue
        quiet = whole_months(start, cut)
        if quiet < months:
            continue
        if site in stopped and not _questionnaires_missed(
            active[active["site"].astype(str) == site], back, windows, after=start, cut=cut
        ):
            continue
        if nothing:
            message = (
                f"{site} has no contact or questionnaire on record, {plural(quiet, 'month')} after its first "
                f"consent ({said(start)}), at the data cut ({said(cut)})."
            )
        else:
            message = (
                f"{site} has no contact or questionnaire on record since {said(start)}, "
                f"{plural(quiet, 'month')} before the data cut ({said(cut)})."
            )
        rows.append(
            {
                "alert": "quiet_site",
                "site": site,
                "file": f"{file} and {questionnaires_file}",
                "count": quiet,
                "message": message,
                "check": f"Check that {site}'s contacts and questionnaires since {said(start)} have been entered "
                f"in {file} and {questionnaires_file}.",
            }
        )
    return alert_frame(rows)


def _questionnaires_missed(
    people: pd.DataFrame,
    back: pd.DataFrame,
    windows: Mapping[str, DueWindow] | None,
    *,
    after: pd.Timestamp,
    cut: pd.Timestamp,
) -> bool:
    """Whether any of ``people`` had a window open after ``after`` and by ``cut`` and returned nothing for it."""
    if not windows:
        return False
    consent = as_days(people["consent_date"])
    for tp, window in windows.items():
        returned = set(back.loc[back["timepoint"] == tp, ID].astype(str))
        opens, closes = consent + pd.Timedelta(days=window.start), consent + pd.Timedelta(days=window.end)
        due = (opens <= cut) & (closes > after) & ~people[ID].astype(str).isin(returned)
        if due.fillna(False).any():
            return True
    return False
