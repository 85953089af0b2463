"""Codes a table's CSV holds that its report shows as words, and CSV columns a sheet heads by what
they hold rather than by their names: a recruitment stage ``left_post`` is ``Left post``, a milestone
met after its due date ``Met late``, each the word the report's own display uses (from the report's
modules, never written again here); ``all_`` columns and the recruitment table's ``n`` hold the
figures of all the report's sites together, which for a site's report is that site's own."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from ..report.conduct import status_word
from ..report.progress import SCOPE_WORDS, STAGE_WORDS


def _mapped(words: Mapping[str, str]) -> Callable[[pd.DataFrame, str], list[str | None]]:
    def words_of(frame: pd.DataFrame, column: str) -> list[str | None]:
        return [words.get(code, code) if code not in ("", "*") else None for code in frame[column]]

    return words_of


def _milestone_status(frame: pd.DataFrame, column: str) -> list[str | None]:
    """The status the report prints (``Met late`` where a milestone was met after its due date)."""
    if not {"due", "met_on"} <= set(frame.columns):
        return _mapped({})(frame, column)
    rows = pd.DataFrame(
        {
            "status": frame[column],
            "due": pd.to_datetime(frame["due"].where(~frame["due"].isin(["", "*"])), errors="coerce"),
            "met_on": pd.to_datetime(frame["met_on"].where(~frame["met_on"].isin(["", "*"])), errors="coerce"),
        }
    )
    return [
        None if r.status in ("", "*") else status_word(r) if not pd.isna(r.due) or pd.isna(r.met_on) else r.status
        for r in rows.itertuples()
    ]


# (table, CSV column): the words a reader sees for each of its codes
WORDS: dict[tuple[str, str], Callable[[pd.DataFrame, str], list[str | None]]] = {
    ("recruitment", "stage"): _mapped(STAGE_WORDS),
    ("activity_by_site", "scope"): _mapped(SCOPE_WORDS),
    ("milestones", "status"): _milestone_status,
}


def coded_words(table: str, frame: pd.DataFrame) -> list[tuple[str, list[str | None]]]:
    """Each CSV column of ``table`` whose codes the report shows as words, with each row's word
    (None where the cell is empty or withheld); a column whose words are its codes is none."""
    found = []
    for (name, column), words_of in WORDS.items():
        if name == table and column in frame.columns:
            words = words_of(frame, column)
            if any(w is not None and w != code for w, code in zip(words, frame[column])):
                found.append((column, words))
    return found


# the CSV columns a table's sheet heads as another column, by what they hold (the recruitment table's
# n is each stage's count over all the report's sites, as its display's row of all sites shows it)
SAME_AS = {("recruitment", "n"): "all_count"}
