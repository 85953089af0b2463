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
    back = set(returned)
    person = people.set_index(ID).reindex(wanted[ID].astype(str))
    windows = config.windows
    ends = [windows[tp].end if tp in windows else None for tp in wanted["timepoint"].astype(str)]
    consent = pd.to_datetime(person["consent_date"], errors="coerce")
    due = pd.Series(
        [c + pd.Timedelta(days=e) if e is not None and pd.notna(c) else pd.NaT for c, e in zip(consent, ends)],
        dtype="datetime64[ns]",
    )
    cut = pd.Timestamp(config.data_cut) if config.data_cut is not None else pd.NaT
    reasons: list[str | None] = []
    for i, (pid, tp) in enumerate(zip(wanted[ID].astype(str), wanted["timepoint"].astype(str))):
        if (pid, tp) in back:
            reasons.append(None)
            continue
        by = due.iloc[i]
        left, out = person["left_post_date"].iloc[i], person["withdrawn_date"].iloc[i]
        if pd.notna(left) and (pd.isna(by) or pd.Timestamp(left) <= by):
            reasons.append("left_post")
        elif pd.notna(out) and (pd.isna(by) or pd.Timestamp(out) <= by):
            reasons.append("withdrawn")
        elif pd.notna(by) and pd.notna(cut) and by >= cut:
            reasons.append("not_due")
        else:
            reasons.append("not_returned")
    return pd.Series(reasons, index=wanted.index, dtype=object)
