"""The roles of a table's columns and the kinds of data they hold, as the disclosure rules read them.

A column's :class:`Role` (by its name, :data:`COLUMN_ROLES`, or from its block's ``roles``) says
what its figures are: counts of people, percentages of them, statistics resting on a count, and so
on. Its kind of data (:func:`data_kind`: ``programme``, ``characteristics``, ``health``,
``outcomes`` or ``qualitative``) says which of an audience's rules apply to it. A number with no
role or no kind is one a shared report does not show (:func:`unknown_figures`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from ..config.disclosure import DATA_KINDS, DataKind


@dataclass(frozen=True)
class Role:
    """What a column holds: ``count`` (of people), ``percent`` (of ``base`` over ``of``),
    ``statistic`` or ``test`` (resting on the people counted in ``base``), ``extreme`` (one
    person's value), ``comparator`` (a study-wide figure), ``reference`` (a published norm or
    a scale's range: nobody's data), ``index`` (a position, not a figure) or ``identifier``
    (a participant ID), or ``derived`` (a rate or a word read from the figures of its row, such as
    a status against a target: withheld wherever a figure of its row is withheld or rounded, since
    it would tell them). A count with a ``base`` is withheld with it (excerpts with the people
    they come from).

    ``data`` is the kind of data (``programme``, ``characteristics``, ``health``,
    ``outcomes``, ``qualitative``), where it is not the table's (:data:`BLOCK_DATA`);
    ``study`` marks a study-wide figure, which is never withheld so that a smaller report
    cannot be subtracted from it (the smaller report's figure is)."""

    kind: str
    base: str | None = None
    of: str | None = None
    data: DataKind | None = None
    study: bool = False


# every kind of role a column may have, as Role's docstring says
ROLE_KINDS = (
    "count",
    "percent",
    "statistic",
    "test",
    "extreme",
    "comparator",
    "reference",
    "index",
    "identifier",
    "derived",
    "label",
)
_ROLE_TEXT = re.compile(r"(\w+)(?: of (\w+)(?: over (\w+))?)?(?: in (\w+))?")


def as_role(value: Role | str) -> Role:
    """A role as a section may write it: a :class:`Role`, or a few words, ``"<kind>"``,
    ``"<kind> of <base>"``, ``"percent of <count> over <n>"``, each optionally ``"… in <kind of
    data>"`` (what a statistician's own table needs: a model's coefficient resting on ``n``
    people's outcomes).

    >>> as_role("statistic of n in outcomes")
    Role(kind='statistic', base='n', of=None, data='outcomes', study=False)
    >>> as_role("mean of n")
    Traceback (most recent call last):
    ...
    ValueError: role 'mean of n': 'mean' is not a kind of role; kinds are count, percent, statistic, test, extreme, comparator, reference, index, identifier, derived, label
    """
    if isinstance(value, Role):
        return value
    found = _ROLE_TEXT.fullmatch(str(value).strip())
    if found is None:
        raise ValueError(
            f"role {value!r}: write it as '<kind>', '<kind> of <column>', optionally '… in <kind of data>'"
        )
    kind, base, of, data = found.groups()
    if kind not in ROLE_KINDS:
        raise ValueError(f"role {value!r}: {kind!r} is not a kind of role; kinds are {', '.join(ROLE_KINDS)}")
    if data is not None and data not in DATA_KINDS:
        raise ValueError(f"role {value!r}: {data!r} is not a kind of data; kinds are {', '.join(DATA_KINDS)}")
    return Role(kind, base, of, cast(DataKind | None, data))


def with_kind(table: str, columns: Iterable[Any], roles: Mapping[str, Role]) -> dict[str, Role]:
    """A table's roles, where it is one the package does not know (a study's own section's) and
    its roles name one kind of data: that kind for its other columns too, so that its ``n``
    beside a ``"statistic of n in outcomes"`` is a count of outcomes, not a figure of no kind.

    >>> sorted(with_kind("my_model", ["subscale", "n", "coef"], {"coef": as_role("statistic of n in outcomes")}))
    ['coef', 'n']
    """
    kinds = {r.data for r in roles.values() if r.data is not None}
    if table.removesuffix(STUDY_WIDE) in BLOCK_DATA or len(kinds) != 1:
        return dict(roles)
    [kind] = kinds
    out = dict(roles)
    for column in map(str, columns):
        role = COLUMN_ROLES.get(column)
        if column not in out and role is not None and role.data is None and (table, column) not in COLUMN_DATA:
            out[column] = Role(role.kind, role.base, role.of, kind, role.study)
    return out


COUNT = Role("count")
COLUMN_ROLES: dict[str, Role] = {
    "n": COUNT,
    "count": COUNT,
    "participants": COUNT,
    "study_n": Role("count", study=True),
    "contacts": COUNT,
    "people_supported": COUNT,
    "peer_workers": COUNT,
    "completed": COUNT,
    "all_contacts": COUNT,
    "percent": Role("percent", "count", "n"),
    **{c: Role("statistic", "n") for c in ("mean", "sd", "se", "median", "change", "std_difference", "difference")},
    # quartiles of a handful of scores are near the scores themselves: ruled as the extremes are
    "q1": Role("extreme", "n"),
    "q3": Role("extreme", "n"),
    **{c: Role("test", "n") for c in ("ci_low", "ci_high", "p", "es", "d_z", "p_wilcoxon", "p_adjusted")},
    "min": Role("extreme", "n"),
    "max": Role("extreme", "n"),
    "study_mean": Role("comparator", "study_n", study=True),
    "study_sd": Role("comparator", "study_n", study=True),
    "excerpts": Role("count", "participants"),
    "item": Role("index"),
    "fewest_at_a_timepoint": COUNT,
    # the reproduction check (a whole-study report's appendix): published figures beside computed ones
    "published": Role("reference"),
    "reproduced": Role("statistic", "n"),
    "row": Role("index"),
    **{c: Role("reference") for c in ("norm_mean", "norm_sd", "range_min", "range_max")},
    "label": Role("identifier"),
    "excerpt_id": Role("identifier"),
    "participant_id": Role("identifier"),
    # progress reports: people returning a questionnaire, scores computed and lost, contacts by mode
    **{
        c: COUNT
        for c in (
            "returned",
            "scores",
            "scores_lost",
            "face_to_face",
            "telephone",
            "all_face_to_face",
            "all_telephone",
            "all_people_supported",
        )
    },
    "items_missing": Role("statistic", "returned"),
    "percent_items_missing": Role("statistic", "returned"),
    "target": Role("reference"),
    # status against targets: what a target expects (nobody's data), the figures set against it, and
    # the rate and the status word read from them (``derived``: withheld with the figures of their row)
    **{
        c: Role("reference")
        for c in (
            "expected",
            "all_expected",
            "all_target",
            "target_percent",
            "months",
            "target_per_month",
            "all_target_per_month",
            "expected_contacts",
            "all_expected_contacts",
        )
    },
    "percent_of_expected": Role("percent", "count", "expected"),
    "all_percent_of_expected": Role("percent", "n", "all_expected"),
    **{c: COUNT for c in ("retained", "returned_first", "all_retained", "all_returned_first", "all_completed")},
    "percent_retained": Role("percent", "retained", "returned_first"),
    "all_percent_retained": Role("percent", "all_retained", "all_returned_first"),
    "percent_of_target": Role("percent", "completed", "expected_contacts"),
    "all_percent_of_target": Role("percent", "all_completed", "all_expected_contacts"),
    **{
        c: Role("derived")
        for c in (
            "status",
            "all_status",
            "retention_status",
            "all_retention_status",
            "per_month",
            "all_per_month",
            "percent_of_goal",
        )
    },
    # the whole study's programme beside a site's own (programme_study_wide): the same in every report
    "people": Role("count", study=True),
    "of_people": Role("count", study=True),
}
# Columns whose role in one table is not the one their name has elsewhere, by table: the mixed models'
# figures rest on everyone with a score of the subscale (``n_people``), not on Table 4's pairs (``n``),
# and α on the people who answered every item; the audit reads them by table name as a block does.
TABLE_ROLES: dict[str, dict[str, Role]] = {
    "mixed_models": {
        "n_people": COUNT,
        "n_obs": Role("count", "n_people"),
        "estimate": Role("statistic", "n_people"),
        **{c: Role("test", "n_people") for c in ("se", "ci_low", "ci_high", "p", "p_adjusted")},
    },
    "reliability": {"alpha": Role("test", "n"), "items": Role("reference")},
}
FIGURES = ("count", "percent", "statistic", "test", "extreme")  # what differencing withholds in a row

# The kind of data each block holds, by its name; a column's Role.data or COLUMN_DATA says otherwise.
BLOCK_DATA: dict[str, DataKind] = {
    **dict.fromkeys(("table1", "sample_summary"), "characteristics"),
    "table2": "health",
    **dict.fromkeys(
        (
            "table3",
            "table3_study",
            "means",
            "table4",
            "forest",
            "mixed_models",
            "reliability",
            "headline_table3",
            "headline_table4",
            "table5",
            "reproduction",
            "reproduction_errata",
        ),
        "outcomes",
    ),
    **dict.fromkeys(("coding_framework", "codes_by_timepoint", "codes_by_site", "heatmap", "quotes"), "qualitative"),
    **dict.fromkeys(
        (
            "activity",
            "recruitment",
            "flow",
            "recruitment_over_time",
            "activity_over_time",
            "activity_by_site",
            "completeness",
            "milestones",
            "recruitment_summary",
            "programme",
        ),
        "programme",
    ),
}
COLUMN_DATA: dict[tuple[str, str], DataKind] = {
    ("table5", "excerpts"): "qualitative",
    ("table5", "participants"): "qualitative",
    ("table5", "fewest_at_a_timepoint"): "qualitative",
}


STUDY_WIDE = "_study_wide"  # a block of the whole study's figures shown in a scoped report, by its name's end


class UnknownFigure(ValueError):
    """A shared report would show a number whose role or kind of data the engine does not know:
    it is not shown (fail closed)."""


def data_kind(table: str, column: str, role: Role | None = None) -> DataKind | None:
    """The kind of data a table's column holds (see :data:`BLOCK_DATA`)."""
    table = table.removesuffix(STUDY_WIDE)
    return (
        (role.data if role is not None and role.data else None)
        or COLUMN_DATA.get((table, column))
        or BLOCK_DATA.get(table)
    )


def _is_numeric(values: Iterable[Any]) -> bool:
    return any(number_or_none(v) is not None and not isinstance(v, (bool, np.bool_)) for v in values)


def unknown_figures(name: str, frame: pd.DataFrame, roles: Mapping[str, Role] = {}) -> list[str]:
    """The numeric columns of table ``name`` with no role or no kind of data: a shared report must
    not show them (:class:`UnknownFigure`)."""
    out = []
    for column in frame.columns:
        role = roles.get(column) or COLUMN_ROLES.get(column)
        if role is not None and role.kind in ("identifier", "reference", "index"):
            continue
        if (role is None or data_kind(name, column, role) is None) and _is_numeric(frame[column].tolist()):
            out.append(str(column))
    return out


def number_or_none(value: Any) -> float | None:
    """A cell's value as a number; None where it is missing, NaN or text."""
    if value is None or value is pd.NA or isinstance(value, str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def table_role(table: str, column: str) -> Role | None:
    """The role of ``column`` in table ``table`` (or its whole-study block): :data:`TABLE_ROLES`, else by its name."""
    return TABLE_ROLES.get(table.removesuffix(STUDY_WIDE), {}).get(column) or COLUMN_ROLES.get(column)


def roles_of(columns: Iterable[str], extra: Mapping[str, Role]) -> dict[str, Role]:
    """The role of each of ``columns`` that has one: from ``extra`` (a block's ``roles``), else by its name."""
    return {c: r for c in columns if (r := extra.get(c) or COLUMN_ROLES.get(c)) is not None}
