"""Who is in a cohort of ``study.yml``: the participants matching every condition of its ``where``,
a category's value matched by its code or its label, as the participants file may hold either."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ..config.cohorts import Between, Cohort, During
from ..schema import ID
from .cells import NO, YES


def rule_values(values: Sequence[str], levels: Mapping[str, str] | None) -> list[str]:
    """The values a rule matches, as the participants frame holds them.

    A column with levels in study.yml's ``categories`` holds each level's label, whichever the
    file gave (:meth:`~peerimpact.ingest.cells.CellReader.level`), so a code or a label of the rule
    (ignoring case, as the file is read) is that label; any other value is kept as written.

    >>> rule_values(["F", "male", "Other"], {"M": "Male", "F": "Female"})
    ['Female', 'Male', 'Other']
    """
    if not levels:
        return list(values)
    options = {**{c.casefold(): label for c, label in levels.items()}, **{v.casefold(): v for v in levels.values()}}
    return [options.get(v.casefold(), v) for v in values]


def cohort_members(
    participants: pd.DataFrame, cohort: Cohort, categories: Mapping[str, Mapping[str, str]] | None = None
) -> pd.Series:
    """IDs of the participants matching every ``where`` rule of ``cohort``.

    Parameters
    ----------
    participants : DataFrame
        ``Study.participants``.
    cohort : Cohort
        A cohort of ``study.yml`` (``Study.config.cohorts[name]``).
    categories : mapping, optional
        study.yml's ``categories`` (column → code → label): a rule on such a column matches a
        level by its code or its label.

    Returns
    -------
    Series
        The IDs, in the participants' order: a value or a set of values (compared as text), a
        numeric range or a date range (ends included); a missing value matches no rule.

    Examples
    --------
    >>> import pandas as pd
    >>> from peerimpact.config.cohorts import Cohort
    >>> people = pd.DataFrame({"participant_id": ["a", "b", "c"], "gender": ["Female", "Male", "Female"]})
    >>> cohort_members(people, Cohort(label="Women", where={"gender": "F"}), {"gender": {"F": "Female"}}).tolist()
    ['a', 'c']
    """
    categories = categories or {}
    mask = pd.Series(True, index=participants.index)
    for column, rule in cohort.where.items():
        values = participants[column]
        if isinstance(rule, Between):
            numbers = pd.to_numeric(values, errors="coerce")
            hit = numbers.notna()
            hit &= numbers >= rule.min if rule.min is not None else True
            hit &= numbers <= rule.max if rule.max is not None else True
        elif isinstance(rule, During):
            when = pd.to_datetime(values, errors="coerce")
            hit = when.notna()
            hit &= when >= pd.Timestamp(rule.start) if rule.start is not None else True
            hit &= when <= pd.Timestamp(rule.end) if rule.end is not None else True
        else:
            hit = value_hits(values, rule, categories.get(column))
        mask &= hit.astype(bool)
    return participants.loc[mask, ID].reset_index(drop=True)


def value_hits(values: pd.Series, rule: Sequence[str], levels: Mapping[str, str] | None = None) -> pd.Series:
    """Which of ``values`` (a participants column) a rule's values match: as text, a category by its
    code or label, and a yes/no column by yes or no (true/false, 1/0), as the file is read."""
    if pd.api.types.is_bool_dtype(values):
        wanted = [v.casefold() in YES for v in rule if v.casefold() in YES | NO]
        return values.astype("boolean").isin(wanted).fillna(False).astype(bool)
    return values.astype("string").isin(rule_values(rule, levels)).fillna(False).astype(bool)
