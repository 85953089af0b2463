"""The programme's record as tidy frames, from the participants' dates, the questionnaires
returned and the contact log: people at each stage by site and what became of them, people
consented month by month, data completeness, completed contacts by month and over a period, and
milestones as of the data cut."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..schema import ID

ALL_SITES = "All sites"
STAGES = ("consented", "left_post", "withdrawn")  # besides one stage per timepoint
OUTCOMES = ("returned", "left_post", "withdrawn", "no_reply")


def returned_at(returns: pd.DataFrame, timepoint: str) -> set[str]:
    """The IDs of the people who returned the ``timepoint`` questionnaire (any instrument)."""
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
    members.update({tp: returned_at(returns, tp) & members["consented"] for tp in timepoints})
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
    first = returned_at(returns, timepoints[0]) & consented
    left = set(participants.loc[participants["left_post_date"].notna(), ID])
    withdrawn = set(participants.loc[participants["withdrawn_date"].notna(), ID])
    rows = [
        {"box": "consented", "outcome": "returned", "count": len(first), "n": len(consented)},
        {"box": "consented", "outcome": "no_reply", "count": len(consented - first), "n": len(consented)},
    ]
    for tp in timepoints[1:]:
        back = returned_at(returns, tp) & first
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


def completed_contacts(contacts: pd.DataFrame, participants: pd.DataFrame | None = None) -> pd.DataFrame:
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
    done = completed_contacts(contacts, participants)
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
    done = completed_contacts(contacts, participants)
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
                count = len(returned_at(returns, timepoint) & consented)
            else:
                done = completed_contacts(contacts)
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
