"""Why a score is missing, and how each format says it.

A score is missing because its questionnaire was never returned (the participant had left post
or withdrawn by the time it was due, it was not yet due at the data cut, or it just did not come
back), or because it came back with more of the subscale's items blank than the instrument
allows. SPSS holds the reason as a negative code declared user-missing, Stata as an extended
missing value (``.a``, ``.b`` …), both labelled; CSV, Excel and Parquet leave the score empty
and say why in words in a column of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config.study import StudyConfig
from ..schema import ID


@dataclass(frozen=True)
class Reason:
    key: str
    words: str  # the label and the text column's value
    letter: str  # Stata's extended missing value


# In the order of their codes: -1, -2, … in SPSS; .a, .b, … in Stata.
REASONS = (
    Reason("not_returned", "not returned", "a"),
    Reason("too_many_missing", "too many items missing", "b"),
    Reason("left_post", "left post", "c"),
    Reason("withdrawn", "withdrawn", "d"),
    Reason("not_due", "not yet due", "e"),
)
WORDS = {r.key: r.words for r in REASONS}


def spss_codes(lowest: float) -> dict[str, int]:
    """Reason → its SPSS code: -1, -2 … where no score can be below 0, else codes well below
    ``lowest``, the lowest score possible, so that no score is ever read as a reason.

    >>> spss_codes(0)["too_many_missing"], spss_codes(-3)["too_many_missing"]
    (-2, -12)
    """
    shift = 0
    if lowest <= -1:
        shift = 10
        while shift < -lowest + len(REASONS):
            shift *= 10
    return {r.key: -shift - i for i, r in enumerate(REASONS, start=1)}


def unreturned(
    people: pd.DataFrame, wanted: pd.DataFrame, config: StudyConfig, returned: Iterable[tuple[str, str]]
) -> pd.Series:
    """The reason (a :data:`REASONS` key) for each row of ``wanted`` (``participant_id,
    timepoint``): ``None`` for a questionnaire that was returned. A questionnaire is due by the
    end of its timepoint's window (``windows`` in study.yml) counted from consent; one that
    was not returned is put down to leaving post, then to withdrawing, when either happened by
    then (or at all, where the study sets no window), to the window being still open at the
    data cut, and otherwise to it not being returned."""
    ids, timepoints = wanted[ID].astype(str).to_numpy(), wanted["timepoint"].astype(str).to_numpy()
    person = people.set_index(ID).reindex(ids)

    def day(column: str) -> pd.Series:
        return pd.Series(pd.to_datetime(person[column], errors="coerce").to_numpy(), dtype="datetime64[ns]")

    ends = pd.Series([w.end if (w := config.windows.get(tp)) else None for tp in timepoints], dtype="float64")
    due = day("consent_date") + pd.to_timedelta(ends, unit="D")  # NaT without a window
    left, out = day("left_post_date"), day("withdrawn_date")
    cut = pd.Timestamp(config.data_cut) if config.data_cut is not None else pd.NaT
    back = set(returned)
    choices = [
        pd.Series([(p, t) in back for p, t in zip(ids, timepoints)]),
        left.notna() & (due.isna() | (left <= due)),
        out.notna() & (due.isna() | (out <= due)),
        due.notna() & (due >= cut) if pd.notna(cut) else pd.Series(False, index=due.index),
    ]
    reasons = np.select(
        [c.to_numpy(dtype=bool) for c in choices], ["", "left_post", "withdrawn", "not_due"], "not_returned"
    )
    return pd.Series([str(r) if r else None for r in reasons], index=wanted.index, dtype=object)
