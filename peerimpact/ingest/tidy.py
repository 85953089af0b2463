"""A study's scores as one tidy frame for a statistician's own analyses (``Study.tidy()``): a row per
participant, timepoint and subscale, the participant's attributes, time since baseline and cohort
membership joined, the study's orders as ordered categories and its labels in ``attrs``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pandas as pd

from ..schema import ID

if TYPE_CHECKING:
    from .study import Study

# The columns the filters of :func:`tidy_scores` select on; a filtered frame keeps only the
# categories of these that are left, so that a model's design has no empty level.
FILTERS = ("instrument", "subscale", "site", "timepoint")

BASELINE = "consent_date"  # the day the days since baseline count from


def days_since_baseline(frame: pd.DataFrame) -> pd.Series:
    """Days from each row's participant's consent (:data:`BASELINE`) to its ``completed_date``, as
    floats; missing where either date is."""
    completed = pd.to_datetime(frame["completed_date"], errors="coerce")
    consented = pd.to_datetime(frame[BASELINE], errors="coerce") if BASELINE in frame else pd.NaT
    return (completed - consented).dt.days.astype(float)


def with_cohorts(frame: pd.DataFrame, study: Study) -> pd.DataFrame:
    """``frame`` with a ``cohort_<name>`` column (True or False) for each cohort of study.yml."""
    for name in study.config.cohorts:
        frame[f"cohort_{name}"] = frame[ID].astype(str).isin({str(i) for i in study.cohort_ids(name)})
    return frame


def tidy_scores(
    study: Study,
    *,
    instrument: str | Iterable[str] | None = None,
    subscale: str | Iterable[str] | None = None,
    site: str | Iterable[str] | None = None,
    timepoint: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """One row per participant, timepoint and subscale, with the participant's attributes joined.

    Parameters
    ----------
    study : Study
        A loaded study.
    instrument, subscale, site, timepoint : str or list of str, optional
        Keep only these (each a value or a list of values of that column). A frame filtered so
        keeps only the categories of those four columns that are left, so that
        ``C(subscale)`` or ``C(timepoint)`` in a model has no empty level.

    Returns
    -------
    DataFrame
        ``participant_id, site, timepoint, instrument, subscale, instrument_label,
        subscale_label, score, items_answered, items_missing, prorated, completed_date,
        days_since_baseline``, then every participants column (``gender``, ``contract_type``,
        ``consent_date`` …) once, with ``_participants`` after the name of one the scores have
        too, then a ``cohort_<name>`` column (True or False) for each cohort of ``study.yml``.

        ``site``, ``instrument`` and ``subscale`` are categories in the study's order and
        ``timepoint`` an *ordered* one (``T1 < T2 < T3``); yes/no columns are nullable booleans,
        dates are datetimes, numbers are floats. ``days_since_baseline`` is the days from the
        participant's ``consent_date`` to ``completed_date`` (the study's day 0, from which its
        questionnaire windows count; NaN where either date is missing).

        ``attrs`` holds the labels: ``instruments`` (name → display name), ``subscales``
        (instrument → subscale → label), ``timepoints`` and ``sites`` (the study's orders),
        ``cohorts`` (name → label) and ``baseline`` (the column days are counted from).

    Raises
    ------
    ValueError
        A filter names a value the study does not have (the message names those it has).

    Examples
    --------
    >>> import peerimpact
    >>> study = peerimpact.load_study()
    >>> tidy = study.tidy()
    >>> tidy.groupby(["contract_type", "timepoint"], observed=True)["score"].size().loc["bank", "T1"]
    np.int64(40)
    >>> tidy["timepoint"].cat.ordered, list(tidy["timepoint"].cat.categories)
    (True, ['T1', 'T2', 'T3'])
    >>> wemwbs = study.tidy(instrument="wemwbs", site=["S1", "S2"])
    >>> list(wemwbs["subscale"].cat.categories), list(wemwbs["site"].cat.categories)
    (['total'], ['S1', 'S2'])
    >>> wemwbs.attrs["instruments"]
    {'wemwbs': 'Warwick-Edinburgh Mental Wellbeing Scale'}
    """
    scores = study.scores.copy()
    scores["site"] = pd.Categorical(scores["site"].astype(str), categories=study.sites)
    labels = study.labels
    scores.insert(5, "instrument_label", [labels.get((i, None), i) for i in scores["instrument"]])
    scores.insert(
        6, "subscale_label", [labels.get((i, s), s) for i, s in zip(scores["instrument"], scores["subscale"])]
    )
    scores["score"] = scores["score"].astype(float)
    for column in ("items_answered", "items_missing"):
        scores[column] = scores[column].astype("Int64")
    scores["prorated"] = scores["prorated"].astype("boolean")
    dates = study.questionnaires[[ID, "timepoint", "completed_date"]].astype({"timepoint": str})
    scores = scores.astype({"timepoint": str}).merge(dates, on=[ID, "timepoint"], how="left")
    scores["timepoint"] = pd.Categorical(scores["timepoint"], categories=study.timepoints, ordered=True)
    people = study.participants.drop(columns=["site"])
    # a participants column named like one of the scores' (``score``, ``timepoint``) is kept as
    # ``score_participants``: the scores' own columns keep their names
    out = scores.merge(people, on=ID, how="left", validate="many_to_one", suffixes=("", "_participants"))
    out.insert(out.columns.get_loc("completed_date") + 1, "days_since_baseline", days_since_baseline(out))
    out = with_cohorts(out, study)
    out = _filtered(out, {"instrument": instrument, "subscale": subscale, "site": site, "timepoint": timepoint})
    out.attrs = _labels(study, out)
    return out


def _filtered(frame: pd.DataFrame, wanted: dict[str, str | Iterable[str] | None]) -> pd.DataFrame:
    """Rows whose values are those asked for, and only the categories left of the filtered columns."""
    asked = {column: [value] if isinstance(value, str) else list(value) for column, value in wanted.items() if value}
    if not asked:
        return frame
    keep = pd.Series(True, index=frame.index)
    for column, values in asked.items():
        known = [str(c) for c in frame[column].cat.categories]
        unknown = [v for v in values if v not in known]
        if unknown:
            raise ValueError(
                f"{column}={unknown[0]!r} is not a {column} of this study; its {column}s are {', '.join(known)}"
            )
        keep &= frame[column].isin(values)
    out = frame[keep].reset_index(drop=True)
    for column in FILTERS:
        out[column] = out[column].cat.remove_unused_categories()
    return out


def _labels(study: Study, frame: pd.DataFrame) -> dict:
    """The display names of what ``frame`` holds, as plain values (a Parquet file keeps them)."""
    instruments = [str(i) for i in frame["instrument"].cat.categories]
    subscales = {str(s) for s in frame["subscale"].cat.categories}
    return {
        "instruments": {name: study.instruments[name].name for name in instruments},
        "subscales": {
            name: {sub: s.label for sub, s in study.instruments[name].subscales.items() if sub in subscales}
            for name in instruments
        },
        "timepoints": [str(t) for t in frame["timepoint"].cat.categories],
        "sites": [str(s) for s in frame["site"].cat.categories],
        "cohorts": {name: cohort.label for name, cohort in study.config.cohorts.items()},
        "baseline": BASELINE,
    }
