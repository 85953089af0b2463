"""Small-number suppression: a disclosure policy's rules applied to the cells of a block's data.

A policy works on a block's data, never on its formatted text, cell by cell (:func:`suppress_frame`):

- counts of people (``n``, ``count``, ``participants``) from 1 to threshold − 1 are withheld
  (primary), others rounded; percentages are computed again from the rounded counts;
- statistics (means, SDs, changes) resting on fewer people than the policy asks for are
  withheld, as are tests and effect sizes on too few pairs; a minimum or maximum (one
  person's value) is withheld in a shared report unless the policy allows it;
- secondary suppression: where counts add up to a total shown beside them (Table 1's levels
  to their ``n``; Table 2's users and non-users to theirs; facts of a sentence), more cells
  are withheld until the withheld ones cannot be found by subtraction, and no two of them
  add up to a small number;
- cells withheld so that this report cannot be subtracted from another report of the same
  build (keyed by :func:`row_key`: the figures
  :func:`~peerimpact.report.differencing.differencing_withheld` names across every shared report);
- participant IDs are taken off quotes.

What a column is comes from its role (:mod:`peerimpact.report.roles`); the policies that apply
these rules to each kind of block are made in :mod:`peerimpact.report.rule_policies`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config import DisclosureRules
from .blocks import SUPPRESSED, Suppression
from .roles import COLUMN_ROLES, FIGURES, Role, number_or_none, roles_of

PROTECTED = (
    "sample",
    "service",
    "scores",
    "change",
    "model",
    "alpha",
)  # row keys of figures about people (differencing)


@dataclass(frozen=True)
class Group:
    """Rows of a table whose ``cells`` add up to the ``total`` each of them shows.

    Rows are grouped ``by`` columns, only those where ``only`` is not missing. What the cells
    leave of the total (Table 2's non-users; the one level of a yes/no characteristic a table
    does not list) is a count nobody sees that must stay unseen.
    """

    by: tuple[str, ...]
    cells: str
    total: str
    only: str | None = None


GROUPS: dict[str, tuple[Group, ...]] = {
    "table1": (Group(("variable",), "count", "n", only="level"),),
    "table2": (Group(("service", "timepoint"), "count", "n"),),
    "activity": (Group(("scope",), "contacts", "all_contacts"), Group(("mode",), "completed", "contacts")),
    "recruitment": (
        Group(("stage",), "count", "n"),
        Group(("stage",), "retained", "all_retained"),
        Group(("stage",), "returned_first", "all_returned_first"),
    ),
    "flow": (Group(("box",), "count", "n"),),
    "activity_by_site": tuple(
        Group(("scope",), c, f"all_{c}") for c in ("face_to_face", "telephone", "people_supported", "completed")
    ),
}


def rounded(value: float, base: int) -> int:
    """``value`` to the nearest multiple of ``base``, halves up (NHS Digital: 12.5 → 15)."""
    return int(math.floor(value / base + 0.5) * base)


def row_key(row: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The figure a row reports, as the planner names it for differencing: a sample
    characteristic, a service at a timepoint, a subscale at a timepoint, a change, a subscale's
    mixed model or its α at a timepoint."""

    def text(name: str) -> str | None:
        value = row.get(name)
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)

    variable, service, timepoint = text("variable"), text("service"), text("timepoint")
    instrument, subscale, comparison = text("instrument"), text("subscale"), text("comparison")
    if variable:
        return ("sample", variable)
    if service:
        return ("service", service, timepoint or "")
    if instrument and subscale:
        if text("reference"):  # a mixed model rests on everyone with a score of the subscale
            return ("model", instrument, subscale)
        if "alpha" in row and timepoint:  # α rests on the people who answered every item
            return ("alpha", instrument, subscale, timepoint)
        if comparison and comparison != "norm":
            return ("change", instrument, subscale, comparison)
        if timepoint:
            return ("scores", instrument, subscale, timepoint)
    return None


@dataclass
class WithheldCells:
    """A frame being suppressed: its true values, the withheld cells and why."""

    frame: pd.DataFrame
    roles: dict[str, Role]
    rules: DisclosureRules
    marks: dict[tuple[int, str], tuple[str, str]] = dataclasses.field(default_factory=dict)
    _numbers: dict[str, list[float | None]] = dataclasses.field(default_factory=dict)

    def hide(self, i: int, column: str, rule: str, kind: str) -> None:
        self.marks.setdefault((i, column), (rule, kind))

    def hidden(self, i: int, column: str) -> bool:
        return (i, column) in self.marks

    def value(self, i: int, column: str) -> float | None:
        values = self._numbers.get(column)
        if values is None:  # a column's numbers read once: pandas costs a lookup per cell otherwise
            values = self._numbers[column] = [number_or_none(v) for v in self.frame[column].tolist()]
        return values[i]

    def columns(self, *kinds: str) -> list[str]:
        return [c for c, r in self.roles.items() if r.kind in kinds]


def withhold_small_counts(cells: WithheldCells) -> None:
    """Withhold each count of people below the threshold (and each zero, where the rules say so)."""
    k, zeros = cells.rules.threshold, cells.rules.zeros
    for column in cells.columns("count"):
        for i in range(len(cells.frame)):
            v = cells.value(i, column)
            if v is None:
                continue
            if v == 0 and zeros == "suppress":
                cells.hide(i, column, "zero", "primary")
            elif 0 < v < k:
                cells.hide(i, column, f"count below {k}", "primary")


def protect_from_total(
    cells: WithheldCells, members: list[tuple[int, str]], total: list[tuple[int, str]], true_total: float | None
) -> None:
    """Withhold more of ``members`` (or the ``total``) until the withheld ones cannot be
    recovered from the total and the members shown, nor add up to a small number."""
    k = cells.rules.threshold
    while true_total is not None and not any(cells.hidden(*t) for t in total):
        values = {m: cells.value(*m) or 0.0 for m in members}
        hidden = [m for m in members if cells.hidden(*m)]
        remainder = max(true_total - sum(values.values()), 0.0)
        unseen = sum(values[m] for m in hidden) + remainder
        if not hidden and not (0 < remainder < k):
            return
        zero_hidden = unseen == 0 and hidden and cells.rules.zeros == "suppress"
        if not (0 < unseen < k or zero_hidden):
            return
        shown = sorted((values[m], m) for m in members if not cells.hidden(*m) and values[m] > 0)
        if shown:
            cells.hide(*shown[0][1], "protects a withheld cell from its total", "secondary")
        else:
            for t in total:
                cells.hide(*t, "protects a withheld cell from its total", "secondary")
    if any(cells.hidden(*t) for t in total):
        # the total rests on too few people (or is withheld to protect a part): so does every
        # part, a zero included (a zero beside the one level shown says what everyone shares)
        for m in members:
            if cells.value(*m) is not None:
                cells.hide(*m, "its total is withheld", "secondary")


def _groups(cells: WithheldCells, groups: Iterable[Group]) -> None:
    frame = cells.frame
    for g in groups:
        if not {*g.by, g.cells, g.total} <= set(frame.columns):
            continue
        rows = frame.reset_index(drop=True)
        if g.only:
            rows = rows[rows[g.only].notna()]
        for _, part in rows.groupby(list(g.by), sort=False, dropna=False, observed=True):
            index = list(part.index)
            total = number_or_none(frame[g.total].iat[index[0]])
            protect_from_total(cells, [(i, g.cells) for i in index], [(i, g.total) for i in index], total)


def _differencing(cells: WithheldCells, withheld: frozenset[tuple[str, ...]]) -> None:
    if not withheld:
        return
    figures = [c for c in cells.columns(*FIGURES) if not cells.roles[c].study]
    for i, row in enumerate(cells.frame.to_dict("records")):
        if row_key(row) in withheld:
            for column in figures:
                if cells.value(i, column) is not None:
                    cells.hide(i, column, "could be found by subtracting another report of this build", "secondary")


def withhold_statistics(cells: WithheldCells) -> None:
    """Withhold a count whose base is withheld, and a statistic, test or extreme resting on too few
    people or on a withheld count."""
    rules = cells.rules
    chained = [
        (c, r.base)
        for c, r in cells.roles.items()
        if r.kind == "count" and r.base is not None and r.base in cells.roles
    ]
    for _ in chained:  # a count withheld with the count it rests on, along a chain of them
        for column, base in chained:
            for i in range(len(cells.frame)):
                if cells.hidden(i, base) and cells.value(i, column) is not None:
                    cells.hide(i, column, f"its {base} is withheld", "secondary")
    for column, role in cells.roles.items():
        if role.kind not in ("statistic", "test", "extreme", "comparator"):
            continue
        need = {"test": rules.tests_min_n, "extreme": rules.threshold}.get(role.kind, rules.statistics_min_n)
        assert need is not None  # DisclosureRules sets both minimums to the threshold where not given
        counted = role.base if role.base is not None and role.base in cells.frame.columns else None
        for i in range(len(cells.frame)):
            if cells.value(i, column) is None or cells.hidden(i, column):
                continue
            n = cells.value(i, counted) if counted is not None else None
            if role.kind == "extreme" and rules.extremes == "hide":
                cells.hide(i, column, "one person's value: not shown in a shared report", "primary")
            elif counted is None or n is None or n < need:
                cells.hide(i, column, f"based on fewer than {need} people", "primary")
            elif cells.hidden(i, counted):
                cells.hide(i, column, "its n is withheld", "secondary")


def _percentages(cells: WithheldCells, out: pd.DataFrame) -> None:
    for column in cells.columns("percent"):
        role = cells.roles[column]
        for i in range(len(cells.frame)):
            if cells.value(i, column) is None:
                continue
            if cells.rules.percentages == "hide":
                cells.hide(i, column, "percentages not shown", "primary")
                continue
            base, whole = role.base, role.of
            if (
                base is None
                or whole is None
                or any(c not in cells.frame.columns or cells.hidden(i, c) for c in (base, whole))
            ):
                cells.hide(i, column, "its count is withheld", "secondary")
                continue
            count, of = out[base].iat[i], out[whole].iat[i]
            out.iat[i, out.columns.get_loc(column)] = 100.0 * float(count) / float(of) if float(of) else np.nan


def _derived(cells: WithheldCells, rounded: dict[tuple[int, str], int]) -> None:
    """A rate or a status read from a row's figures goes with them: withheld where any of them is
    withheld or rounded, since it was read from the exact figures and would tell them."""
    figures = cells.columns(*FIGURES)
    for column in cells.columns("derived"):
        values = cells.frame[column].tolist()
        for i, value in enumerate(values):
            if value is None or value is pd.NA or value == "" or (isinstance(value, float) and math.isnan(value)):
                continue
            if any(cells.hidden(i, c) or (i, c) in rounded for c in figures):
                cells.hide(i, column, "read from figures that are withheld or rounded", "secondary")


def _identifiers(cells: WithheldCells, out: pd.DataFrame) -> None:
    if cells.rules.quotes.ids:
        return
    for column in cells.columns("identifier"):
        for i in range(len(out)):
            value = out[column].iat[i]
            if not isinstance(value, str) or not value:
                continue
            if column == "label":
                timepoint = out["timepoint"].iat[i] if "timepoint" in out.columns else None
                labelled = cells.rules.quotes.timepoints and isinstance(timepoint, str) and timepoint
                replacement = f"Peer worker, {timepoint}" if labelled else "Peer worker"
            else:
                replacement = ""
            out.iat[i, out.columns.get_loc(column)] = replacement
            cells.hide(i, column, "participant IDs not shown", "primary")
    if not cells.rules.quotes.timepoints and "timepoint" in out.columns and "label" in cells.roles:
        out["timepoint"] = ""


def rounded_counts(cells: WithheldCells) -> dict[tuple[int, str], int]:
    """The counts shown that rounding changes, with their rounded values."""
    base = cells.rules.rounding
    return {
        (i, column): rounded(v, base)
        for column in cells.columns("count")
        for i in range(len(cells.frame))
        if base > 1
        and (v := cells.value(i, column)) is not None
        and not cells.hidden(i, column)
        and rounded(v, base) != v
    }


def suppress_frame(
    frame: pd.DataFrame,
    rules: DisclosureRules,
    *,
    name: str,
    roles: Mapping[str, Role] = {},
    groups: Iterable[Group] = (),
    withheld: frozenset[tuple[str, ...]] = frozenset(),
    only: Iterable[str] | None = None,
) -> tuple[pd.DataFrame, tuple[Suppression, ...], bool]:
    """``frame`` as ``rules`` let it be shown: withheld cells are :data:`SUPPRESSED`, counts
    rounded, percentages recomputed; ``only`` limits the rules to these columns (the columns
    of one kind of data). Returns the frame, every withheld cell and whether any shown value
    changed (rounding)."""
    frame = frame.reset_index(drop=True)
    found = roles_of(frame.columns, roles)
    if only is not None:
        keep = set(only)
        found = {c: r for c, r in found.items() if c in keep}
    cells = WithheldCells(frame, found, rules)
    withhold_small_counts(cells)
    if rules.secondary:
        _groups(cells, groups)
    if rules.differencing:
        _differencing(cells, withheld)
    withhold_statistics(cells)
    out = frame.astype(object)
    changes = rounded_counts(cells)
    for (i, column), value in changes.items():
        out.iat[i, out.columns.get_loc(column)] = value
    _percentages(cells, out)
    _derived(cells, changes)
    _identifiers(cells, out)
    for (i, column), _ in cells.marks.items():
        if cells.roles[column].kind != "identifier":
            out.iat[i, out.columns.get_loc(column)] = SUPPRESSED
    log = tuple(
        Suppression(name, i + 1, column, rule, kind)
        for (i, column), (rule, kind) in sorted(cells.marks.items(), key=lambda m: (m[0][0], str(m[0][1])))
    )
    return out, log, bool(changes) or bool(log)


def policy_note(
    rules: DisclosureRules, kinds: Iterable[str] = FIGURES, *, withheld: bool = True, rounded: bool = True
) -> str:
    """The footnote of a table a policy changed, in plain words; ``kinds`` are the roles of its
    columns, so that it speaks of percentages or of minima only where the table has them, and
    ``withheld``/``rounded`` say whether it shows a ``*`` or a rounded count at all."""
    kinds = set(kinds)
    parts = []
    if withheld:
        parts.append(
            f"* not shown: fewer than {rules.threshold} people are behind the figure, or it would let "
            "one that is not shown be worked out"
        )
    if rounded and rules.rounding > 1 and "count" in kinds:
        parts.append(
            f"counts are rounded to the nearest {rules.rounding}"
            + (
                " and percentages are of the rounded counts"
                if rules.percentages == "from_rounded" and "percent" in kinds
                else ""
            )
        )
    if rules.extremes == "hide" and "extreme" in kinds:
        parts.append("minimum and maximum are not shown: each is one person's value")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "." if parts else ""


def all_withheld(data: pd.DataFrame, roles: Mapping[str, Role]) -> bool:
    """Whether a table shows no figure at all once suppressed (every one withheld or missing)."""
    figures = [c for c in data.columns if (r := roles.get(c) or COLUMN_ROLES.get(c)) and r.kind in FIGURES]
    # a zero says only that nobody is counted there: it does not keep a table worth its rows
    values = [v for c in figures for v in data[c] if number_or_none(v) or isinstance(v, str)]
    return bool(values) and all(isinstance(v, str) and v == SUPPRESSED for v in values)
