"""When things happened in the example: consent, questionnaires completed, leaving post and
withdrawal, and the contact log's dates spread over each peer worker's time in post."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from .design import CONTACT_DAYS, CONTACTS_START, DATA_CUT, LEAVERS, LOG_STOPS, TIMEPOINTS, WITHDRAWN
from .qualitative import interviewees


def _day(d: dt.date, days: float | np.integer) -> dt.date:
    return d + dt.timedelta(days=int(days))


def dates(rng: np.random.Generator, people: pd.DataFrame, quest: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Consent, completion, leaving-post and withdrawal dates (their own random stream, so that adding
    them left every other value of the example as it was).

    The first wave consented from October 2018 to January 2019, the second from March to August
    2019; T2 came four to five months after T1 and T3 about a year after. Six of those without T3
    left post after their last questionnaire, and two withdrew.
    """
    people, quest = people.copy(), quest.copy()
    consent = [
        _day(dt.date(2018, 10, 1) if wave == "1" else dt.date(2019, 3, 1), rng.integers(0, 120))
        for wave in people["wave"]
    ]
    people["consent_date"] = consent
    first = dict(zip(people["participant_id"], consent))
    t1 = {pid: _day(c, rng.integers(0, 28)) for pid, c in first.items()}
    after_t1 = {"T1": (0, 1), "T2": (120, 150), "T3": (330, 380)}
    quest.insert(
        3,
        "completed_date",
        [_day(t1[pid], rng.integers(*after_t1[tp])) for pid, tp in zip(quest["participant_id"], quest["timepoint"])],
    )
    last = quest.groupby("participant_id")["completed_date"].max()
    # Those who leave or withdraw are among those without T3, and never interviewed after their last questionnaire.
    order = {tp: i for i, tp in enumerate(TIMEPOINTS)}
    last_tp = quest.groupby("participant_id")["timepoint"].agg(lambda tps: max(order[t] for t in tps))
    interviewed = interviewees()
    interviewed_last = {
        pid: max(order[tp] for tp, who in interviewed.items() if pid in who)
        for pid in people["participant_id"]
        if any(pid in who for who in interviewed.values())
    }
    no_t3 = sorted(set(people["participant_id"]) - set(quest.loc[quest["timepoint"] == "T3", "participant_id"]))
    free = [pid for pid in no_t3 if interviewed_last.get(pid, 0) <= last_tp[pid]]
    chosen = [free[i] for i in rng.permutation(len(free))[: len(LEAVERS) + WITHDRAWN]]
    people["left_post_date"], people["left_post_reason"], people["withdrawn_date"] = None, None, None
    for i, pid in enumerate(chosen):
        row = people.index[people["participant_id"] == pid][0]
        when = _day(last[pid], rng.integers(20, 90))
        if i < len(LEAVERS):
            people.loc[row, ["left_post_date", "left_post_reason"]] = [when, LEAVERS[i]]
        else:
            people.loc[row, "withdrawn_date"] = when
    return people, quest


def over_time_in_post(log: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """The contact log's dates spread over each peer worker's time in the log (same contacts, same order).

    A worker logs from consent (or from :data:`~peerimpact.example.design.CONTACTS_START`, when the log began, if later) up to
    the data cut, or up to the day they left post; a site in :data:`~peerimpact.example.design.LOG_STOPS` has entered nothing
    since its date. A worker who withdrew from the study's questionnaires is still in post and keeps
    the log. Contacts grow steadily over a worker's time in the log, from none, as referrals build
    up a caseload: a contact drawn a share ``s`` of the way through :data:`~peerimpact.example.design.CONTACT_DAYS` is put a
    share ``sqrt(s)`` of the way through the worker's time (a rate rising in a straight line reaches
    the share ``s`` of its contacts there). Only the dates change, not who was seen, how or for how
    long, so the counts of Table 1 stay as they were.
    """
    consent = dict(zip(people["participant_id"], people["consent_date"]))
    left = dict(zip(people["participant_id"], people["left_post_date"]))
    out = log.copy()
    dates = []
    for pid, day in zip(log["participant_id"], log["date"]):
        start = max(CONTACTS_START, consent[pid])
        stop = LOG_STOPS.get(pid.split("-")[0], DATA_CUT + dt.timedelta(days=1))  # the first day not logged
        if left.get(pid) is not None:
            stop = min(stop, left[pid])
        share = ((dt.date.fromisoformat(day) - CONTACTS_START).days + 0.5) / CONTACT_DAYS
        dates.append(_day(start, (stop - start).days * math.sqrt(share)).isoformat())
    out["date"] = dates
    return out
