"""Data-quality alerts about questionnaires: overdue at the data cut, completed outside their
timepoint's window, and instruments with more of their items left blank than a study allows."""

from __future__ import annotations

import math
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
    said,
    site_by_id,
    site_order,
    taking_part,
)
from .terms import DueWindow


def _window_words(window: DueWindow) -> str:
    return f"{window.start} to {window.end} days after consent"


def overdue(
    participants: pd.DataFrame,
    returns: pd.DataFrame,
    windows: Mapping[str, DueWindow] | None,
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
    >>> from peerimpact.analysis.terms import Window
    >>> people = pd.DataFrame({"participant_id": ["a", "b"], "site": ["S1", "S1"],
    ...                        "consent_date": ["2020-01-01", "2020-01-01"]})
    >>> returns = pd.DataFrame({"participant_id": ["a"], "timepoint": ["T2"], "completed_date": ["2020-05-01"]})
    >>> overdue(people, returns, {"T2": Window(start=80, end=164)}, data_cut="2021-03-31")[["site", "count"]]
      site  count
    0   S1      1
    """
    cut = as_day(data_cut)
    if not windows or cut is None or participants.empty:
        return alert_frame([])
    people = participants[taking_part(participants, cut)]
    consent = as_days(people["consent_date"])
    back = first_returns(returns)
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
        for site in site_order(participants, sites):
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
                        "message": f"{plural(n, f'{tp} questionnaire')} at {site} "
                        f"{'is' if n == 1 else 'are'} overdue: {'its' if n == 1 else 'their'} window "
                        f"({_window_words(window)}) closed before the data cut ({said(cut)}) "
                        f"and nothing was returned.{also}",
                        "check": f"Check whether {site}'s {tp} questionnaires have been returned but not "
                        f"entered in {file}" + (", and follow up those still out." if gone < n else "."),
                    }
                )
    return alert_frame(rows)


def outside_window(
    participants: pd.DataFrame,
    returns: pd.DataFrame,
    windows: Mapping[str, DueWindow] | None,
    *,
    sites: Iterable[str] | None = None,
    file: str = DEFAULT_FILES["questionnaires"],
    fields: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Questionnaires completed outside their timepoint's window, per site and timepoint. A
    questionnaire completed on either edge of its window is inside it. ``fields`` names the
    ``completed_date`` and ``consent_date`` the check asks for as the study's data name them.

    Returns
    -------
    DataFrame
        :data:`ALERT_COLUMNS`; ``count`` is the questionnaires outside the window (the message
        says how many were early and how many late). Empty without windows.

    Examples
    --------
    >>> from peerimpact.analysis.terms import Window
    >>> people = pd.DataFrame({"participant_id": ["a", "b"], "site": ["S1", "S1"],
    ...                        "consent_date": ["2020-01-01", "2020-01-01"]})
    >>> returns = pd.DataFrame({"participant_id": ["a", "b"], "timepoint": ["T1", "T1"],
    ...                         "completed_date": ["2020-03-01", "2020-03-02"]})   # days 60 and 61
    >>> outside_window(people, returns, {"T1": Window(start=0, end=60)})[["site", "count"]]
      site  count
    0   S1      1
    """
    named = fields or {}
    if not windows or participants.empty or returns.empty:
        return alert_frame([])
    back = first_returns(returns)
    consent = dict(zip(participants[ID].astype(str), as_days(participants["consent_date"])))
    site_of = site_by_id(participants)
    back = back.assign(
        site=back[ID].astype(str).map(site_of),
        days=(back["completed_date"] - back[ID].astype(str).map(consent)).dt.days,
    )
    rows = []
    for tp, window in windows.items():
        mine = back[(back["timepoint"] == tp) & back["days"].notna()]
        for site in site_order(participants, sites):
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
                        "message": f"{plural(n, f'{tp} questionnaire')} at {site} "
                        f"{'was' if n == 1 else 'were'} completed outside the window "
                        f"({_window_words(window)}): {' and '.join(parts)}.",
                        "check": f"Check the {named.get('completed_date', 'completed_date')} of {site}'s {tp} "
                        f"questionnaires in {file} and the {named.get('consent_date', 'consent_date')} of the "
                        "people who returned them.",
                    }
                )
    return alert_frame(rows)


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
        return alert_frame([])
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
                    f"items in {plural(int(row['people']), 'questionnaire')}.",
                    "check": f"Check the {name} answers at {tp} in {file}: blanks entered for answers given, "
                    "or a page of the questionnaire not entered.",
                }
            )
    return alert_frame(rows)
