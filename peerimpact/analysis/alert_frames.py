"""What every data-quality alert shares: the columns of its frame (:data:`ALERT_COLUMNS`), the
study files it names, and how it reads a study's dates, its sites, who is taking part on a day and
the questionnaires returned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypeAlias

import pandas as pd

from ..locales import current
from ..schema import ID

ALERT_COLUMNS = ["alert", "site", "timepoint", "file", "count", "message", "check"]
DEFAULT_FILES = {
    "participants": "participants.csv",
    "questionnaires": "questionnaires.csv",
    "contacts": "contacts.csv",
    "study": "study.yml",
}

Day: TypeAlias = dt.date | pd.Timestamp | str


def alert_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Alerts as a frame of :data:`ALERT_COLUMNS`: whole-number counts, no site as ``None``."""
    out = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    out["count"] = out["count"].astype("int64")
    out["site"] = out["site"].astype(object).where(out["site"].notna(), None)
    return out


def as_day(value: Day | None) -> pd.Timestamp | None:
    """A day as a timestamp at midnight; None where there is none."""
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.normalize()


def as_days(column: pd.Series) -> pd.Series:
    """A column of dates as timestamps at midnight; what is not a date is missing."""
    return pd.to_datetime(column, errors="coerce").dt.normalize()


def said(day: Day) -> str:
    """A date as a report writes it, in the locale in force (:func:`peerimpact.locales.current`):
    ``31 Dec 2020`` in en-GB.

    Examples
    --------
    >>> said("2020-12-31")
    '31 Dec 2020'
    """
    return current().short_day(pd.Timestamp(day).date())


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


def months_touched(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Calendar months from ``start``'s month to ``end``'s, both counted (a part month is a month)."""
    return max((end.year - start.year) * 12 + end.month - start.month + 1, 0)


def site_by_id(participants: pd.DataFrame) -> dict[str, str]:
    """Each participant's site, by ID."""
    return dict(zip(participants[ID].astype(str), participants["site"].astype(str)))


def site_order(participants: pd.DataFrame, sites: Iterable[str] | None) -> list[str]:
    """The order alerts list sites in: ``sites`` where given, else the participants' (a category's own order)."""
    if sites is not None:
        return [str(s) for s in sites]
    column = participants["site"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(s) for s in column.cat.categories]
    return [str(s) for s in pd.unique(column.astype(str))]


def taking_part(participants: pd.DataFrame, on: pd.Timestamp) -> pd.Series:
    """Who was in post and taking part on ``on``: consented by then, not yet left post or withdrawn."""
    consent = as_days(participants["consent_date"]) if "consent_date" in participants else None
    left = as_days(participants["left_post_date"]) if "left_post_date" in participants else None
    withdrawn = as_days(participants["withdrawn_date"]) if "withdrawn_date" in participants else None
    active = pd.Series(True, index=participants.index)
    if consent is not None:
        active &= consent.isna() | (consent <= on)
    for gone in (left, withdrawn):
        if gone is not None:
            active &= gone.isna() | (gone > on)
    return active


def first_returns(returns: pd.DataFrame) -> pd.DataFrame:
    """One row per participant and timepoint returned: the questionnaire's (earliest) completion date."""
    if returns.empty:
        return pd.DataFrame(columns=[ID, "timepoint", "completed_date"])
    out = returns.assign(timepoint=returns["timepoint"].astype(str), completed_date=as_days(returns["completed_date"]))
    return out.groupby([ID, "timepoint"], as_index=False, sort=False)["completed_date"].min()
