"""Data-quality alerts: what in a study's data a study team should look at before it trusts a report.

One function per kind of alert, each a tidy frame with the columns of :data:`ALERT_COLUMNS`:

``alert``
    a short id: ``contacts_stop``, ``period_outside_data``, ``overdue``, ``outside_window``,
    ``quiet_site``, ``items_missing``;
``site``
    the site the alert is about, or ``None`` when it is about the whole study;
``timepoint``
    the questionnaire's timepoint, for the alerts about questionnaires (else ``None``);
``file``
    the study file to look at (``contacts.csv``, ``questionnaires.csv``, ``study.yml``);
``count``
    a whole number: months, questionnaires or a percentage (rounded), whichever the alert counts;
``message``
    one plain sentence with the figures;
``check``
    what to check.

:func:`data_alerts` runs them all. Messages go into shared reports, so they give counts and sites,
never a participant's ID. Dates are read with :func:`pandas.to_datetime`, so the frames may hold
dates or ``YYYY-MM-DD`` text.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ..config.study import Alerts, Period, Window
from ..schema import ID

ALERT_COLUMNS = ["alert", "site", "timepoint", "file", "count", "message", "check"]
DEFAULT_FILES = {
    "participants": "participants.csv",
    "questionnaires": "questionnaires.csv",
    "contacts": "contacts.csv",
    "study": "study.yml",
}

Day = dt.date | pd.Timestamp | str


# --------------------------------------------------------------------------------------------- helpers


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    out["count"] = out["count"].astype("int64")
    out["site"] = out["site"].astype(object).where(out["site"].notna(), None)
    return out


def _ts(value: Day | None) -> pd.Timestamp | None:
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.normalize()


def _dates(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column, errors="coerce").dt.normalize()


def said(day: Day) -> str:
    """A date as a report writes it: ``31 Dec 2020``.

    Examples
    --------
    >>> said("2020-12-31")
    '31 Dec 2020'
    """
    stamp = pd.Timestamp(day)
    return f"{stamp.day} {stamp:%b %Y}"


def whole_months(earlier: Day, later: Day) -> int:
    """Whole calendar months from ``earlier`` to ``later``: the most months that can be added to
    ``earlier`` (the day kept, or the month's last day where the month is shorter) without passing
    ``later``; 0 when ``later`` is not after ``earlier``.

    Examples
    --------
    >>> whole_months("2020-12-15", "2021-03-31"), whole_months("2020-12-20", "2021-03-15")
    (3, 2)
    >>> whole_months("2021-01-31", "2021-02-28")
    1
    """
    start, end = pd.Timestamp(earlier), pd.Timestamp(later)
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and start + pd.DateOffset(months=months) > end:
        months -= 1
    return months


def _months_touched(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Calendar months from ``start``'s month to ``end``'s, both counted (a part month is a month)."""
    return max((end.year - start.year) * 12 + end.month - start.month + 1, 0)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _site_of(participants: pd.DataFrame) -> dict[str, str]:
    return dict(zip(participants[ID].astype(str), participants["site"].astype(str)))


def _site_order(participants: pd.DataFrame, sites: Iterable[str] | None) -> list[str]:
    if sites is not None:
        return [str(s) for s in sites]
    column = participants["site"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(s) for s in column.cat.categories]
    return [str(s) for s in pd.unique(column.astype(str))]


def _active(participants: pd.DataFrame, on: pd.Timestamp) -> pd.Series:
    """Who was in post and taking part on ``on``: consented by then, not yet left post or withdrawn."""
    consent = _dates(participants["consent_date"]) if "consent_date" in participants else None
    left = _dates(participants["left_post_date"]) if "left_post_date" in participants else None
    withdrawn = _dates(participants["withdrawn_date"]) if "withdrawn_date" in participants else None
    active = pd.Series(True, index=participants.index)
    if consent is not None:
        active &= consent.isna() | (consent <= on)
    for gone in (left, withdrawn):
        if gone is not None:
            active &= gone.isna() | (gone > on)
    return active


def _first_returns(returns: pd.DataFrame) -> pd.DataFrame:
    """One row per participant and timepoint returned: the questionnaire's (earliest) completion date."""
    if returns.empty:
        return pd.DataFrame(columns=[ID, "timepoint", "completed_date"])
    out = returns.assign(timepoint=returns["timepoint"].astype(str), completed_date=_dates(returns["completed_date"]))
    return out.groupby([ID, "timepoint"], as_index=False, sort=False)["completed_date"].min()


# ----------------------------------------------------------------------------------------------- alerts


def contacts_stop(
    contacts: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    data_cut: Day | None = None,
    period: Period | None = None,
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
    cut, period_end = _ts(data_cut), _ts(period.end) if period is not None else None
    if contacts.empty or participants.empty:
        return _frame([])
    when = _dates(contacts["date"])
    ends = [
        (day, what)
        for day, what in ((cut, "the data cut"), (period_end, "the reporting period's end"))
        if day is not None
    ]
    end, what = min(ends, key=lambda e: e[0]) if ends else (when.max(), "the log's last date")
    if pd.isna(end):
        return _frame([])
    site_of = _site_of(participants)
    last = when.groupby(contacts[ID].astype(str).map(site_of)).max()
    expected = set(participants.loc[_active(participants, end), "site"].astype(str))
    rows = []
    for site in _site_order(participants, sites):
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
                    "message": f"{site}'s contact log stops on {said(stop)}, {_plural(months, 'month')} "
                    f"before {what} ({said(end)}).",
                    "check": f"Check that {site}'s contacts after {said(stop)} have been entered in {file}.",
                }
            )
    return _frame(rows)


def period_outside_data(
    period: Period | None,
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
    >>> from peerimpact.config.study import Period
    >>> none = pd.DataFrame(columns=["participant_id", "consent_date", "completed_date", "date"])
    >>> period = Period(start="2020-07-01", end="2021-06-30")
    >>> period_outside_data(period, data_cut="2021-03-31", participants=none, returns=none,
    ...                     contacts=none)["count"].tolist()
    [3]
    """
    if period is None:
        return _frame([])
    start, end, cut = _ts(period.start), _ts(period.end), _ts(data_cut)
    span = f"The reporting period ({said(start)} to {said(end)})"
    row = None
    if cut is not None and start > cut:
        months = _months_touched(start, end)
        row = (
            months,
            f"{span} starts after the data cut ({said(cut)}): none of its {_plural(months, 'month')} has data.",
        )
    elif cut is not None and end > cut:
        months = _months_touched(cut + pd.Timedelta(days=1), end)
        last = "its last month has" if months == 1 else f"its last {months} months have"
        row = (
            months,
            f"{span} ends {_plural((end - cut).days, 'day')} after the data cut ({said(cut)}): {last} "
            "no data, so its figures per month are too low.",
        )
    else:
        dates = [
            _dates(frame[column]).min()
            for frame, column in ((participants, "consent_date"), (returns, "completed_date"), (contacts, "date"))
            if column in frame and not frame.empty
        ]
        first = min((d for d in dates if not pd.isna(d)), default=None)
        if first is not None and end < first:
            months = _months_touched(start, end)
            row = (
                months,
                f"{span} ends before the first record ({said(first)}): none of its "
                f"{_plural(months, 'month')} has data.",
            )
    if row is None:
        return _frame([])
    return _frame(
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


def _window_words(window: Window) -> str:
    return f"{window.start} to {window.end} days after consent"


def overdue(
    participants: pd.DataFrame,
    returns: pd.DataFrame,
    windows: Mapping[str, Window] | None,
    *,
    data_cut: Day | None,
    sites: Iterable[str] | None = None,
    file: str = DEFAULT_FILES["questionnaires"],
) -> pd.DataFrame:
    """Follow-up questionnaires overdue at the data cut, per site and timepoint: people in post and
    taking part at the cut whose window for the timepoint closed before it (its last day before
    the cut) and who returned nothing for that timepoint.

    Returns
    -------
    DataFrame
        :data:`ALERT_COLUMNS`; ``count`` is the questionnaires overdue. Empty without windows or
        a data cut.

    Examples
    --------
    >>> from peerimpact.config.study import Window
    >>> people = pd.DataFrame({"participant_id": ["a", "b"], "site": ["S1", "S1"],
    ...                        "consent_date": ["2020-01-01", "2020-01-01"]})
    >>> returns = pd.DataFrame({"participant_id": ["a"], "timepoint": ["T2"], "completed_date": ["2020-05-01"]})
    >>> overdue(people, returns, {"T2": Window(start=80, end=164)}, data_cut="2021-03-31")[["site", "count"]]
      site  count
    0   S1      1
    """
    cut = _ts(data_cut)
    if not windows or cut is None or participants.empty:
        return _frame([])
    people = participants[_active(participants, cut)]
    consent = _dates(people["consent_date"])
    back = _first_returns(returns)
    rows = []
    order = list(windows)
    for i, (tp, window) in enumerate(windows.items()):
        returned = set(back.loc[back["timepoint"] == tp, ID].astype(str))
        # someone whose later questionnaire is in has missed this one: there is nothing left to chase
        later = set(back.loc[back["timepoint"].isin(order[i + 1 :]), ID].astype(str))
        closes = consent + pd.Timedelta(days=window.end)
        late = people[(closes < cut).fillna(False) & ~people[ID].astype(str).isin(returned)]
        counts = late["site"].astype(str).value_counts()
        missed = late[late[ID].astype(str).isin(later)]["site"].astype(str).value_counts()
        for site in _site_order(participants, sites):
            n, gone = int(counts.get(site, 0)), int(missed.get(site, 0))
            if n:
                also = (
                    f" {'It was' if n == 1 else 'All were' if gone == n else f'{gone} of them ' + ('was' if gone == 1 else 'were')}"
                    " missed: "
                    "a later questionnaire is in."
                    if gone
                    else ""
                )
                rows.append(
                    {
                        "alert": "overdue",
                        "site": site,
                        "timepoint": tp,
                        "file": file,
                        "count": n,
                        "message": f"{_plural(n, f'{tp} questionnaire')} at {site} "
                        f"{'is' if n == 1 else 'are'} overdue: {'its' if n == 1 else 'their'} window "
                        f"({_window_words(window)}) closed before the data cut ({said(cut)}) "
                        f"and nothing was returned.{also}",
                        "check": f"Check whether {site}'s {tp} questionnaires have been returned but not "
                        f"entered in {file}" + (", and follow up those still out." if gone < n else "."),
                    }
                )
    return _frame(rows)


def outside_window(
    participants: pd.DataFrame,
    returns: pd.DataFrame,
    windows: Mapping[str, Window] | None,
    *,
    sites: Iterable[str] | None = None,
    file: str = DEFAULT_FILES["questionnaires"],
) -> pd.DataFrame:
    """Questionnaires completed outside their timepoint's window, per site and timepoint. A
    questionnaire completed on either edge of its window is inside it.

    Returns
    -------
    DataFrame
        :data:`ALERT_COLUMNS`; ``count`` is the questionnaires outside the window (the message
        says how many were early and how many late). Empty without windows.

    Examples
    --------
    >>> from peerimpact.config.study import Window
    >>> people = pd.DataFrame({"participant_id": ["a", "b"], "site": ["S1", "S1"],
    ...                        "consent_date": ["2020-01-01", "2020-01-01"]})
    >>> returns = pd.DataFrame({"participant_id": ["a", "b"], "timepoint": ["T1", "T1"],
    ...                         "completed_date": ["2020-03-01", "2020-03-02"]})   # days 60 and 61
    >>> outside_window(people, returns, {"T1": Window(start=0, end=60)})[["site", "count"]]
      site  count
    0   S1      1
    """
    if not windows or participants.empty or returns.empty:
        return _frame([])
    back = _first_returns(returns)
    consent = dict(zip(participants[ID].astype(str), _dates(participants["consent_date"])))
    site_of = _site_of(participants)
    back = back.assign(
        site=back[ID].astype(str).map(site_of),
        days=(back["completed_date"] - back[ID].astype(str).map(consent)).dt.days,
    )
    rows = []
    for tp, window in windows.items():
        mine = back[(back["timepoint"] == tp) & back["days"].notna()]
        for site in _site_order(participants, sites):
            here = mine[mine["site"] == site]
            early, late = int((here["days"] < window.start).sum()), int((here["days"] > window.end).sum())
            if early + late:
                parts = [f"{n} {word}" for n, word in ((early, "early"), (late, "late")) if n]
                n = early + late
                rows.append(
                    {
                        "alert": "outside_window",
                        "site": site,
                        "timepoint": tp,
                        "file": file,
                        "count": n,
                        "message": f"{_plural(n, f'{tp} questionnaire')} at {site} "
                        f"{'was' if n == 1 else 'were'} completed outside the window "
                        f"({_window_words(window)}): {' and '.join(parts)}.",
                        "check": f"Check the completed_date of {site}'s {tp} questionnaires in {file} and "
                        "the consent_date of the people who returned them.",
                    }
                )
    return _frame(rows)


def quiet_sites(
    participants: pd.DataFrame,
    returns: pd.DataFrame,
    contacts: pd.DataFrame,
    *,
    data_cut: Day | None,
    months: int = 2,
    log_stopped: Iterable[str] = (),
    windows: Mapping[str, Window] | None = None,
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
    cut = _ts(data_cut)
    if cut is None or participants.empty:
        return _frame([])
    site_of = _site_of(participants)
    records = []
    if not contacts.empty:
        records.append(pd.DataFrame({"site": contacts[ID].astype(str).map(site_of), "date": _dates(contacts["date"])}))
    back = _first_returns(returns)
    if not back.empty:
        records.append(pd.DataFrame({"site": back[ID].astype(str).map(site_of), "date": back["completed_date"]}))
    last = pd.concat(records).groupby("site")["date"].max() if records else pd.Series(dtype="datetime64[ns]")
    active = participants[_active(participants, cut)]
    first_consent = _dates(participants["consent_date"]).groupby(participants["site"].astype(str)).min()
    stopped = {str(s) for s in log_stopped}
    rows = []
    for site in _site_order(participants, sites):
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
                f"{site} has no contact or questionnaire on record, {_plural(quiet, 'month')} after its first "
                f"consent ({said(start)}), at the data cut ({said(cut)})."
            )
        else:
            message = (
                f"{site} has no contact or questionnaire on record since {said(start)}, "
                f"{_plural(quiet, 'month')} before the data cut ({said(cut)})."
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
    return _frame(rows)


def _questionnaires_missed(
    people: pd.DataFrame,
    back: pd.DataFrame,
    windows: Mapping[str, Window] | None,
    *,
    after: pd.Timestamp,
    cut: pd.Timestamp,
) -> bool:
    """Whether any of ``people`` had a window open after ``after`` and by ``cut`` and returned nothing for it."""
    if not windows:
        return False
    consent = _dates(people["consent_date"])
    for tp, window in windows.items():
        returned = set(back.loc[back["timepoint"] == tp, ID].astype(str))
        opens, closes = consent + pd.Timedelta(days=window.start), consent + pd.Timedelta(days=window.end)
        due = (opens <= cut) & (closes > after) & ~people[ID].astype(str).isin(returned)
        if due.fillna(False).any():
            return True
    return False


def items_missing(
    returns: pd.DataFrame,
    *,
    percent: float = 10.0,
    names: Mapping[str, str] | None = None,
    timepoints: Iterable[str] | None = None,
    file: str = DEFAULT_FILES["questionnaires"],
) -> pd.DataFrame:
    """Instruments with more than ``percent`` of their items left blank at a timepoint, study-wide,
    among the questionnaires that returned the instrument (as the completeness table counts them).

    Returns
    -------
    DataFrame
        :data:`ALERT_COLUMNS`; ``count`` is the percentage of items missing, rounded to a whole number
        (half up); the comparison with ``percent`` is made before rounding.

    Examples
    --------
    >>> returns = pd.DataFrame({"participant_id": ["a", "b"], "timepoint": ["T1", "T1"],
    ...                         "instrument": ["wemwbs", "wemwbs"], "items": [14, 14], "items_missing": [3, 0]})
    >>> alerts = items_missing(returns)
    >>> int(alerts.loc[0, "count"]), alerts.loc[0, "message"]
    (11, '11% of the wemwbs items at T1 were left blank: 3 of 28 items in 2 questionnaires.')
    """
    if returns.empty:
        return _frame([])
    names = names or {}
    frame = returns.assign(instrument=returns["instrument"].astype(str), timepoint=returns["timepoint"].astype(str))
    totals = frame.groupby(["instrument", "timepoint"], sort=False).agg(
        asked=("items", "sum"), missing=("items_missing", "sum"), people=(ID, "nunique")
    )
    order = {tp: i for i, tp in enumerate(timepoints or [])}
    rows = []
    for (inst, tp), row in sorted(totals.iterrows(), key=lambda r: order.get(r[0][1], len(order))):
        asked, missing = int(row["asked"]), int(row["missing"])
        share = 100.0 * missing / asked if asked else 0.0
        if share > percent:
            shown = int(math.floor(share + 0.5))
            name = names.get(inst, inst)
            rows.append(
                {
                    "alert": "items_missing",
                    "site": None,
                    "timepoint": tp,
                    "file": file,
                    "count": shown,
                    "message": f"{shown}% of the {name} items at {tp} were left blank: {missing} of {asked} "
                    f"items in {_plural(int(row['people']), 'questionnaire')}.",
                    "check": f"Check the {name} answers at {tp} in {file}: blanks entered for answers given, "
                    "or a page of the questionnaire not entered.",
                }
            )
    return _frame(rows)


def data_alerts(
    participants: pd.DataFrame,
    returns: pd.DataFrame,
    contacts: pd.DataFrame,
    *,
    data_cut: Day | None,
    period: Period | None = None,
    windows: Mapping[str, Window] | None = None,
    settings: Alerts | None = None,
    sites: Iterable[str] | None = None,
    files: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    timepoints: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every data-quality alert of a study's (or a report's) data, in one frame.

    Parameters
    ----------
    participants, returns, contacts
        The frames of :class:`peerimpact.report.extract.Extract` (or of a loaded study):
        participants with ``site``, ``consent_date``, ``left_post_date``, ``withdrawn_date``;
        questionnaire returns with ``timepoint``, ``instrument``, ``completed_date``, ``items``,
        ``items_missing``; the contact log with ``date``.
    data_cut, period
        ``study.yml``'s ``data_cut`` and ``reporting_period``.
    windows
        ``study.yml``'s ``windows``; without them the overdue and out-of-window alerts are not
        computed.
    settings
        ``study.yml``'s ``alerts`` (default :class:`peerimpact.config.study.Alerts`).
    sites, timepoints
        The order of the rows (default: the participants' sites, the returns' timepoints).
    files
        The study's file names by kind (``participants``, ``questionnaires``, ``contacts``,
        ``study``), which the alerts name; default :data:`DEFAULT_FILES`.
    names
        Display names of instruments, for the items-missing alert.

    Returns
    -------
    DataFrame
        :data:`ALERT_COLUMNS`, in this order: ``period_outside_data``, ``contacts_stop``,
        ``quiet_site``, ``overdue``, ``outside_window``, ``items_missing``.

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["a"], "site": ["S1"], "consent_date": ["2019-01-01"]})
    >>> log = pd.DataFrame({"participant_id": ["a"], "date": ["2020-12-15"]})
    >>> none = pd.DataFrame(columns=["participant_id", "timepoint", "instrument", "completed_date", "items",
    ...                              "items_missing"])
    >>> data_alerts(people, none, log, data_cut="2021-03-31")["alert"].tolist()
    ['contacts_stop']
    """
    settings = settings or Alerts()
    files = {**DEFAULT_FILES, **(files or {})}
    stop = contacts_stop(contacts, participants, data_cut=data_cut, period=period, sites=sites, file=files["contacts"])
    parts = [
        period_outside_data(
            period,
            data_cut=data_cut,
            participants=participants,
            returns=returns,
            contacts=contacts,
            file=files["study"],
        ),
        stop,
        quiet_sites(
            participants,
            returns,
            contacts,
            data_cut=data_cut,
            months=settings.quiet_months,
            log_stopped=stop["site"],
            windows=windows,
            sites=sites,
            file=files["contacts"],
            questionnaires_file=files["questionnaires"],
        ),
        overdue(participants, returns, windows, data_cut=data_cut, sites=sites, file=files["questionnaires"]),
        outside_window(participants, returns, windows, sites=sites, file=files["questionnaires"]),
        items_missing(
            returns,
            percent=settings.items_missing_percent,
            names=names,
            timepoints=timepoints,
            file=files["questionnaires"],
        ),
    ]
    return _frame([row for part in parts for row in part.to_dict("records")])
