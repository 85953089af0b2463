"""Small-number suppression: a disclosure policy's rules applied to a block's data.

A policy in ``params/disclosure/*.yml`` (:class:`~peerimpact.config.DisclosureRules`) becomes a
:class:`~peerimpact.report.policies.DisclosurePolicy` with :func:`rules_policy`. Applied to a
block, it works on the block's data, never on its formatted text, cell by cell:

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
  build (:func:`differencing_withheld`, computed by the planner across every shared report);
- participant IDs are taken off quotes, and a scope with too few interviewees shows none.

What a column is comes from its name (:data:`COLUMN_ROLES`), or from the block's ``roles``.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config import DisclosureRules, QuoteRules, ReportPolicy
from .blocks import SUPPRESSED, FigureBlock, Quotes, Suppression, Table, TextBlock
from .policies import Context, DisclosurePolicy


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
    data: str | None = None
    study: bool = False


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
    **{c: Role("statistic", "n") for c in ("mean", "sd", "median", "change", "std_difference", "difference")},
    **{c: Role("test", "n") for c in ("ci_low", "ci_high", "p", "es", "d_z", "p_wilcoxon", "p_holm", "p_fdr_bh")},
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
FIGURES = ("count", "percent", "statistic", "test", "extreme")  # what differencing withholds in a row
PROTECTED = ("sample", "service", "scores", "change")  # row keys of figures about people (differencing)

# The kind of data each block holds, by its name; a column's Role.data or COLUMN_DATA says otherwise.
BLOCK_DATA: dict[str, str] = {
    **dict.fromkeys(("table1", "sample_summary"), "characteristics"),
    "table2": "health",
    **dict.fromkeys(
        (
            "table3",
            "table3_study",
            "means",
            "table4",
            "forest",
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
COLUMN_DATA: dict[tuple[str, str], str] = {
    ("table5", "excerpts"): "qualitative",
    ("table5", "participants"): "qualitative",
    ("table5", "fewest_at_a_timepoint"): "qualitative",
}


STUDY_WIDE = "_study_wide"  # a block of the whole study's figures shown in a scoped report, by its name's end


def nothing_released(block) -> bool:
    """Whether a released block shows no figure at all: a table or figure wholly withheld."""
    if getattr(block, "withheld", None):
        return True
    return isinstance(block, Table) and _all_withheld(block.data, block.roles)


class UnknownFigure(ValueError):
    """A shared report would show a number whose role or kind of data the engine does not know:
    it is not shown (fail closed)."""


def data_kind(table: str, column: str, role: Role | None = None) -> str | None:
    """The kind of data a table's column holds (see :data:`BLOCK_DATA`)."""
    table = table.removesuffix(STUDY_WIDE)
    return (
        (role.data if role is not None and role.data else None)
        or COLUMN_DATA.get((table, column))
        or BLOCK_DATA.get(table)
    )


def _is_numeric(values: Iterable[Any]) -> bool:
    return any(_number(v) is not None and not isinstance(v, (bool, np.bool_)) for v in values)


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


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA or isinstance(value, str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def rounded(value: float, base: int) -> int:
    """``value`` to the nearest multiple of ``base``, halves up (NHS Digital: 12.5 → 15)."""
    return int(math.floor(value / base + 0.5) * base)


def row_key(row: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The figure a row reports, as the planner names it for differencing: a sample
    characteristic, a service at a timepoint, a subscale at a timepoint, or a change."""

    def text(name: str) -> str | None:
        value = row.get(name)
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)

    if text("variable"):
        return ("sample", text("variable"))
    if text("service"):
        return ("service", text("service"), text("timepoint") or "")
    if text("instrument") and text("subscale"):
        comparison = text("comparison")
        if comparison and comparison != "norm":
            return ("change", text("instrument"), text("subscale"), comparison)
        if text("timepoint"):
            return ("scores", text("instrument"), text("subscale"), text("timepoint"))
    return None


@dataclass
class _Cells:
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
            values = self._numbers[column] = [_number(v) for v in self.frame[column].tolist()]
        return values[i]

    def columns(self, *kinds: str) -> list[str]:
        return [c for c, r in self.roles.items() if r.kind in kinds]


def _roles(columns: Iterable[str], extra: Mapping[str, Role]) -> dict[str, Role]:
    return {c: r for c in columns if (r := extra.get(c) or COLUMN_ROLES.get(c)) is not None}


def _counts(cells: _Cells) -> None:
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


def _protect(
    cells: _Cells, members: list[tuple[int, str]], total: list[tuple[int, str]], true_total: float | None
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


def _groups(cells: _Cells, groups: Iterable[Group]) -> None:
    frame = cells.frame
    for g in groups:
        if not {*g.by, g.cells, g.total} <= set(frame.columns):
            continue
        rows = frame.reset_index(drop=True)
        if g.only:
            rows = rows[rows[g.only].notna()]
        for _, part in rows.groupby(list(g.by), sort=False, dropna=False, observed=True):
            index = list(part.index)
            total = _number(frame[g.total].iat[index[0]])
            _protect(cells, [(i, g.cells) for i in index], [(i, g.total) for i in index], total)


def _differencing(cells: _Cells, withheld: frozenset[tuple[str, ...]]) -> None:
    if not withheld:
        return
    figures = [c for c in cells.columns(*FIGURES) if not cells.roles[c].study]
    for i, row in enumerate(cells.frame.to_dict("records")):
        if row_key(row) in withheld:
            for column in figures:
                if cells.value(i, column) is not None:
                    cells.hide(i, column, "could be found by subtracting another report of this build", "secondary")


def _statistics(cells: _Cells) -> None:
    rules = cells.rules
    chained = [(c, r) for c, r in cells.roles.items() if r.kind == "count" and r.base in cells.roles]
    for _ in chained:  # a count withheld with the count it rests on, along a chain of them
        for column, role in chained:
            for i in range(len(cells.frame)):
                if cells.hidden(i, role.base) and cells.value(i, column) is not None:
                    cells.hide(i, column, f"its {role.base} is withheld", "secondary")
    for column, role in cells.roles.items():
        if role.kind not in ("statistic", "test", "extreme", "comparator"):
            continue
        need = {"test": rules.tests_min_n, "extreme": rules.threshold}.get(role.kind, rules.statistics_min_n)
        for i in range(len(cells.frame)):
            if cells.value(i, column) is None or cells.hidden(i, column):
                continue
            n = cells.value(i, role.base) if role.base in cells.frame.columns else None
            if role.kind == "extreme" and rules.extremes == "hide":
                cells.hide(i, column, "one person's value: not shown in a shared report", "primary")
            elif n is None or n < need:
                cells.hide(i, column, f"based on fewer than {need} people", "primary")
            elif cells.hidden(i, role.base):
                cells.hide(i, column, "its n is withheld", "secondary")


def _percentages(cells: _Cells, out: pd.DataFrame) -> None:
    for column in cells.columns("percent"):
        role = cells.roles[column]
        for i in range(len(cells.frame)):
            if cells.value(i, column) is None:
                continue
            if cells.rules.percentages == "hide":
                cells.hide(i, column, "percentages not shown", "primary")
                continue
            if any(c not in cells.frame.columns or cells.hidden(i, c) for c in (role.base, role.of)):
                cells.hide(i, column, "its count is withheld", "secondary")
                continue
            count, of = out[role.base].iat[i], out[role.of].iat[i]
            out.iat[i, out.columns.get_loc(column)] = 100.0 * float(count) / float(of) if float(of) else np.nan


def _derived(cells: _Cells, rounded: dict[tuple[int, str], int]) -> None:
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


def _identifiers(cells: _Cells, out: pd.DataFrame) -> None:
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


def _rounded_counts(cells: _Cells) -> dict[tuple[int, str], int]:
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
    found = _roles(frame.columns, roles)
    if only is not None:
        keep = set(only)
        found = {c: r for c, r in found.items() if c in keep}
    cells = _Cells(frame, found, rules)
    _counts(cells)
    if rules.secondary:
        _groups(cells, groups)
    if rules.differencing:
        _differencing(cells, withheld)
    _statistics(cells)
    out = frame.astype(object)
    changes = _rounded_counts(cells)
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


def _all_withheld(data: pd.DataFrame, roles: Mapping[str, Role]) -> bool:
    """Whether a table shows no figure at all once suppressed (every one withheld or missing)."""
    figures = [c for c in data.columns if (r := roles.get(c) or COLUMN_ROLES.get(c)) and r.kind in FIGURES]
    # a zero says only that nobody is counted there: it does not keep a table worth its rows
    values = [v for c in figures for v in data[c] if _number(v) or isinstance(v, str)]
    return bool(values) and all(isinstance(v, str) and v == SUPPRESSED for v in values)


Parts = list[tuple[DisclosureRules, "set[str] | None"]]  # rules, and the columns they apply to (None: all)


def _strictest(parts: Parts) -> DisclosureRules:
    """The rules of a block's parts that say most about it (its notes, a figure that is not drawn)."""
    return max((rules for rules, _ in parts), key=lambda r: (r.threshold, r.rounding))


def _suppress_parts(
    frame: pd.DataFrame, parts: Parts, *, name: str, roles: Mapping[str, Role], withheld: frozenset[tuple[str, ...]]
) -> tuple[pd.DataFrame, tuple[Suppression, ...], bool]:
    """``frame`` with each part's rules applied to its columns (a table holding two kinds of data)."""
    groups = GROUPS.get(name.removesuffix(STUDY_WIDE), ())
    out = frame.reset_index(drop=True).astype(object)
    log: list[Suppression] = []
    changed = False
    for rules, only in parts:
        data, found, did = suppress_frame(
            frame, rules, name=name, roles=roles, groups=groups, withheld=withheld, only=only
        )
        for column in only or data.columns:
            out[column] = data[column]
        log += found
        changed = changed or did
    return out, tuple(sorted(log, key=lambda s: (s.row, s.column))), changed


def _display_withholds(block: Table) -> bool:
    return any(isinstance(v, str) and SUPPRESSED in v for v in block.display.to_numpy().ravel())


def _table(block: Table, parts: Parts, context: Context) -> Table:
    data, log, changed = _suppress_parts(
        block.data, parts, name=block.name, roles=block.roles, withheld=context.withheld
    )
    if not changed:
        return block
    if isinstance(block.format, pd.DataFrame):
        raise TypeError(
            f"table {block.name!r} shows figures a policy changes but has a fixed display: "
            "give it a format function that makes the display from its data"
        )
    kinds = {r.kind for r in _roles(data.columns, block.roles).values()}
    rules = _strictest(parts)
    k = rules.threshold
    withheld = (
        f"Every figure of this table rests on fewer than {k} people (or would let such a figure be worked "
        f"out), so none is shown: tables/{block.name}.csv lists its rows."
        if block.collapse and _all_withheld(data, block.roles)
        else None
    )
    released = dataclasses.replace(block, data=data, suppressed=log, withheld=withheld)
    rounded = any(r.rounding > 1 for r, _ in parts) and "count" in kinds
    note = policy_note(rules, kinds, withheld=not withheld and _display_withholds(released), rounded=rounded)
    return dataclasses.replace(released, notes=[*block.notes, note]) if note and not withheld else released


def _figure(block: FigureBlock, parts: Parts, context: Context) -> FigureBlock:
    data, log, changed = _suppress_parts(
        block.data, parts, name=block.name, roles=block.roles, withheld=context.withheld
    )
    if not changed:
        return block
    rules = _strictest(parts)
    drawn = data.copy()
    figures = [
        c
        for c in drawn.columns
        if (block.roles.get(c) or COLUMN_ROLES.get(c, Role("label"))).kind in (*FIGURES, "comparator")
    ]
    for column in figures:  # a withheld value is not drawn
        drawn[column] = pd.to_numeric(drawn[column].where(drawn[column] != SUPPRESSED), errors="coerce")
    withheld = any(s.column in figures for s in log)
    if withheld and not drawn[figures].notna().any().any():  # nothing left to draw: no empty box
        return dataclasses.replace(
            block,
            data=drawn,
            suppressed=log,
            withheld=(f"This figure is not drawn: every figure in it rests on fewer than {rules.threshold} people."),
        )
    count_columns = [c for c, r in _roles(data.columns, block.roles).items() if r.kind == "count"]
    # rounding is worth a word only where a count is still drawn
    counts = (
        rules.rounding > 1
        and (block.draws_counts or block.marks_withheld)
        and bool(count_columns)
        and drawn[count_columns].notna().any().any()
    )
    if block.marks_withheld:  # the figure prints its counts, a withheld one as *
        said = policy_note(rules, {"count"}, withheld=withheld, rounded=counts) or None
    else:
        said = (
            " ".join(
                filter(
                    None,
                    [
                        f"Groups resting on fewer than {rules.threshold} people are not drawn." if withheld else "",
                        f"Counts drawn are rounded to the nearest {rules.rounding}." if counts else "",
                    ],
                )
            )
            or None
        )
    note = " ".join(filter(None, [block.note, said])) or None
    return dataclasses.replace(block, data=drawn, note=note, suppressed=log)


POOL_LABEL = "Peer worker (study-wide)"


def _quotes(block: Quotes, parts: Parts, context: Context, quotes: QuoteRules | None = None) -> Quotes:
    rules = parts[0][0]
    quote_rules = quotes or rules.quotes
    least = quote_rules.min_interviewees
    if block.interviewees is not None and block.interviewees < least and len(block.quotes):
        log = tuple(
            Suppression(block.name, i + 1, "text", f"fewer than {least} people interviewed", "primary")
            for i in range(len(block.quotes))
        )
        pool = block.pool if quote_rules.pool and block.pool is not None else None
        if pool is not None and len(pool):
            shown = pd.DataFrame(
                {
                    "theme": pool["theme"],
                    "excerpt_id": "",
                    "label": POOL_LABEL,
                    "timepoint": "",
                    "text": pool["text"],
                    "pinned": True,
                }
            )
            return dataclasses.replace(
                block,
                quotes=shown.reset_index(drop=True),
                suppressed=log,
                note=(
                    f"Fewer than {least} peer workers were interviewed here, so none of their words are quoted. These "
                    "quotes are from the study's approved quotes, from peer workers at other sites."
                ),
            )
        return dataclasses.replace(
            block,
            quotes=block.quotes.iloc[0:0],
            suppressed=log,
            note=f"Quotes are not shown: fewer than {least} peer workers were interviewed here.",
        )
    if quote_rules.ids:
        return block
    data, log, changed = suppress_frame(block.quotes, rules.model_copy(update={"quotes": quote_rules}), name=block.name)
    if not changed:
        return block
    note = (
        "Quotes are labelled by timepoint only."
        if quote_rules.timepoints
        else "Quotes are not labelled: with few peer workers interviewed, a name or a timepoint could tell who spoke."
    )
    return dataclasses.replace(block, quotes=data, suppressed=log, note=note)


def _text(block: TextBlock, parts: Parts, context: Context) -> TextBlock:
    rules = parts[0][0]
    frame = pd.DataFrame([block.facts])
    cells = _Cells(frame, _roles(frame.columns, block.roles), rules)
    _counts(cells)
    if rules.secondary:
        for members, total in block.groups:
            _protect(cells, [(0, m) for m in members], [(0, total)], cells.value(0, total))
    _statistics(cells)
    facts = dict(block.facts)
    for (_, column), value in _rounded_counts(cells).items():
        facts[column] = value
    for _, column in cells.marks:
        facts[column] = SUPPRESSED
    facts["withheld_below"] = rules.threshold
    facts["rounded_to"] = rules.rounding
    log = tuple(Suppression(block.name, 1, column, rule, kind) for (_, column), (rule, kind) in cells.marks.items())
    return dataclasses.replace(block, facts=facts, suppressed=log)


_APPLY = {Table: _table, FigureBlock: _figure, Quotes: _quotes, TextBlock: _text}


def _frame(block) -> pd.DataFrame:
    if isinstance(block, TextBlock):
        return pd.DataFrame([block.facts])
    return block.quotes if isinstance(block, Quotes) else block.data


def rules_policy(rules: DisclosureRules) -> DisclosurePolicy:
    """The policy ``rules`` describe, for every kind of data alike."""
    if not rules.suppress:
        return DisclosurePolicy(rules.name, rules.description, lambda block, context: block, shared=False)

    def apply(block, context: Context):
        return _APPLY[type(block)](block, [(rules, None)], context)

    return DisclosurePolicy(rules.name, rules.description, apply, shared=True)


def report_policy(policy: ReportPolicy) -> DisclosurePolicy:
    """The policy of a report for ``policy.audience``: each column of a block under the rules of its
    kind of data (:func:`data_kind`). In a shared report, a number whose role or kind the engine
    does not know raises :class:`UnknownFigure`, naming the table and the column."""
    if not policy.shared:
        return DisclosurePolicy(policy.name, policy.describe(), lambda block, context: block, shared=False)

    def apply(block, context: Context):
        frame = _frame(block)
        roles = getattr(block, "roles", {})
        unknown = [] if isinstance(block, Quotes) else unknown_figures(block.name, frame, roles)
        if unknown:
            raise UnknownFigure(
                f"table {block.name!r}: column {', '.join(map(repr, unknown))} holds numbers whose "
                "role or kind of data the disclosure engine does not know, so a shared report cannot "
                "show it; give it a role (peerimpact.report.disclosure.COLUMN_ROLES or the block's "
                "roles) and a kind (BLOCK_DATA)"
            )
        if isinstance(block, Quotes):
            rules = policy.rules["qualitative"]
            return block if not rules.suppress else _quotes(block, [(rules, None)], context, policy.quotes)
        by_kind: dict[str, set[str]] = {}
        for column in frame.columns:
            kind = data_kind(block.name, column, roles.get(column) or COLUMN_ROLES.get(column))
            if kind is not None:
                by_kind.setdefault(kind, set()).add(column)
        parts = [(policy.rules[kind], columns) for kind, columns in by_kind.items() if policy.rules[kind].suppress]
        if not parts:
            return block
        if len(parts) > 1 and not isinstance(block, Table):  # only a table is suppressed column group by group
            parts = [(_strictest(parts), None)]
        return _APPLY[type(block)](block, parts, context)

    return DisclosurePolicy(policy.audience, policy.describe(), apply, shared=True)


# Differencing ------------------------------------------------------------------------------------

MAX_SMALL_ATOMS = 10  # beyond this many small parts, only single parts and pairs are tried
_IN_SPAN = 1e-9  # squared distance from the span below which an indicator lies in it


People = frozenset | np.ndarray  # who is behind a figure: IDs, or a mask over a study's people


def _size(people: People) -> int:
    return int(people.sum()) if isinstance(people, np.ndarray) else len(people)


def _atoms(sets: list[People]) -> dict[tuple[bool, ...], int]:
    """People split into parts by which of ``sets`` hold them: each part's pattern and size."""
    if sets and all(isinstance(s, np.ndarray) for s in sets):  # masks: one pass of numpy
        codes = sum(s.astype(np.int64) << i for i, s in enumerate(sets))
        found, counts = np.unique(codes[codes > 0], return_counts=True)
        return {tuple(bool(code >> i & 1) for i in range(len(sets))): int(n) for code, n in zip(found, counts)}
    everyone = frozenset().union(*sets) if sets else frozenset()
    parts = [everyone] if everyone else []
    for s in sets:  # split every part by each set, with set operations rather than person by person
        parts = [piece for part in parts for piece in (part & s, part - s) if piece]
    return {tuple(next(iter(part)) in s for s in sets): len(part) for part in parts}


def _disclosive(sets: list[People], threshold: int) -> list[int] | None:
    """The indexes of published sets from which a group of 1 to ``threshold − 1`` people
    can be found by adding and subtracting their figures; ``None`` if there is none."""
    found = _derivation(sets, threshold)
    return None if found is None else found[1]


def _derivation(sets: list[People], threshold: int) -> tuple[list[int], list[int]] | None:
    """How a group of 1 to ``threshold − 1`` people can be found from the published sets: the
    sets without any one of which it cannot be, and every set the arithmetic uses; ``None`` if
    no such group can be found.

    People are split into parts by which sets hold them; a union of parts can be derived
    exactly when its indicator lies in the span of the sets' indicators.
    """
    atoms = _atoms(sets)
    if not atoms:
        return None
    keys = sorted(atoms, reverse=True)
    matrix = np.array([[1.0 if key[i] else 0.0 for key in keys] for i in range(len(sets))])
    small = [j for j, key in enumerate(keys) if atoms[key] < threshold]
    if not small:
        return None
    # An orthonormal basis of the sets' span (the tolerance of numpy's matrix_rank). A union
    # of parts is derivable when its indicator t equals its projection: |t|² − |Bᵀt|² = 0,
    # and Bᵀt is the sum of the basis rows of its parts, so no decomposition per candidate.
    _, values, vt = np.linalg.svd(matrix, full_matrices=False)
    basis = vt[values > values.max() * max(matrix.shape) * np.finfo(float).eps].T[small]
    count = np.array([atoms[keys[j]] for j in small])  # every part holds someone: counts are 1 or more
    norms = (basis**2).sum(axis=1)

    def found(combo: tuple[int, ...]) -> tuple[list[int], list[int]]:
        """The sets without which the group cannot be derived (withholding one of them is enough),
        and every set the arithmetic used."""
        target = np.zeros(len(keys))
        target[[small[c] for c in combo]] = 1.0
        solution = np.linalg.lstsq(matrix.T, target, rcond=None)[0]
        involved = [i for i in range(len(sets)) if abs(solution[i]) > 1e-9]
        essential = []
        for i in involved:
            others = np.delete(matrix, i, axis=0)
            if not len(others):
                essential.append(i)
                continue
            x = np.linalg.lstsq(others.T, target, rcond=None)[0]
            if np.abs(others.T @ x - target).max() > 1e-6:
                essential.append(i)
        return essential, involved

    hits = np.flatnonzero(1 - norms < _IN_SPAN)
    if len(hits):
        return found((int(hits[0]),))
    if len(small) > 1:  # pairs, all at once from the Gram matrix, the first in the order of combinations
        residual = 2 - norms[:, None] - norms[None, :] - 2 * basis @ basis.T
        ok = np.triu((residual < _IN_SPAN) & (count[:, None] + count[None, :] < threshold), k=1)
        pairs = np.argwhere(ok)
        if len(pairs):
            return found((int(pairs[0][0]), int(pairs[0][1])))
    if len(small) > MAX_SMALL_ATOMS:
        return None
    for size in range(3, len(small) + 1):
        for combo in itertools.combinations(range(len(small)), size):
            if count[list(combo)].sum() < threshold and size - (basis[list(combo)].sum(axis=0) ** 2).sum() < _IN_SPAN:
                return found(combo)
    return None


def differencing_withheld(
    published: Mapping[str, Mapping[tuple[str, ...], People]], fixed: Mapping[tuple[str, ...], People], threshold: int
) -> dict[str, set[tuple[str, ...]]]:
    """Which figures each shared report must withhold so that no two reports can be subtracted.

    ``published`` maps a report to the people behind each figure it would show (only figures
    resting on at least ``threshold`` people), as sets of IDs or as boolean masks over one
    list of people; ``fixed`` holds figures every report shows and
    that are never withheld (the study-wide comparators). For each figure, while some
    combination of the published ones reveals a group of 1 to ``threshold − 1`` people, the
    smallest report's figure taking part is withheld.
    """
    out: dict[str, set[tuple[str, ...]]] = {report: set() for report in published}
    keys = {key for figures in published.values() for key in figures}
    for key in sorted(keys):
        reports = [r for r in published if key in published[r]]
        while True:
            sets = [published[r][key] for r in reports] + ([fixed[key]] if key in fixed else [])
            derivation = _derivation(sets, threshold)
            if derivation is None:
                break
            essential, involved = derivation
            # withhold a figure without which the group cannot be found, in the smallest report
            candidates = [i for i in essential if i < len(reports)] or [i for i in involved if i < len(reports)]
            if not candidates:
                break  # only study-wide figures: nothing a report can withhold
            drop = min(candidates, key=lambda i: (_size(sets[i]), reports[i]))
            out[reports[drop]].add(key)
            reports.pop(drop)
    return out
