"""Data-quality alerts: what in a study's data a study team should look at before it trusts a report.

One function per kind of alert, each a tidy frame with the columns of
:data:`~peerimpact.analysis.alert_frames.ALERT_COLUMNS`:

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

The kinds are in :mod:`peerimpact.analysis.gap_alerts` and :mod:`peerimpact.analysis.questionnaire_alerts`;
:func:`data_alerts` runs them all. Messages go into shared reports, so they give counts and sites,
never a participant's ID. Dates are read with :func:`pandas.to_datetime`, so the frames may hold
dates or ``YYYY-MM-DD`` text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from .alert_frames import DEFAULT_FILES, Day, alert_frame
from .gap_alerts import contacts_stop, period_outside_data, quiet_sites
from .questionnaire_alerts import items_missing, outside_window, overdue
from .terms import Alerts, AlertSettings, DueWindow, Span


def data_alerts(
    participants: pd.DataFrame,
    returns: pd.DataFrame,
    contacts: pd.DataFrame,
    *,
    data_cut: Day | None,
    period: Span | None = None,
    windows: Mapping[str, DueWindow] | None = None,
    settings: AlertSettings | None = None,
    sites: Iterable[str] | None = None,
    files: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    timepoints: Iterable[str] | None = None,
    fields: Mapping[str, str] | None = None,
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
        ``study.yml``'s ``alerts`` (default :class:`~peerimpact.analysis.terms.Alerts`: study.yml's defaults).
    sites, timepoints
        The order of the rows (default: the participants' sites, the returns' timepoints).
    files
        The study's file names by kind (``participants``, ``questionnaires``, ``contacts``,
        ``study``), which the alerts name; default :data:`DEFAULT_FILES`.
    names
        Display names of instruments, for the items-missing alert.
    fields
        What the study's data call a column an alert asks to check, where it is not the column's
        own name (a REDCap project's ``completed_date`` is its surveys' timestamps).

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
        outside_window(participants, returns, windows, sites=sites, file=files["questionnaires"], fields=fields),
        items_missing(
            returns,
            percent=settings.items_missing_percent,
            names=names,
            timepoints=timepoints,
            file=files["questionnaires"],
        ),
    ]
    return alert_frame([row for part in parts for row in part.to_dict("records")])
