"""Disclosure policies made from rules, applied block by block.

A policy in ``params/disclosure/*.yml`` (:class:`~peerimpact.config.DisclosureRules`) becomes a
:class:`~peerimpact.report.policies.DisclosurePolicy` with :func:`rules_policy`; an audience's
rules for each kind of data (:class:`~peerimpact.config.ReportPolicy`) with :func:`report_policy`.
Applied to a block, a table or a figure has each group of its columns suppressed under the rules
of their kind of data (:mod:`peerimpact.report.disclosure`), a sentence's facts are one row, and a
scope with too few interviewees shows none of its quotes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from ..config import DisclosureRules, QuoteRules, ReportPolicy
from ..config.disclosure import DataKind
from .blocks import SUPPRESSED, FigureBlock, Quotes, Suppression, Table, TextBlock
from .disclosure import (
    GROUPS,
    WithheldCells,
    all_withheld,
    policy_note,
    protect_from_total,
    rounded_counts,
    suppress_frame,
    withhold_small_counts,
    withhold_statistics,
)
from .policies import Context, DisclosurePolicy
from .roles import COLUMN_ROLES, FIGURES, STUDY_WIDE, Role, UnknownFigure, data_kind, roles_of, unknown_figures


def nothing_released(block) -> bool:
    """Whether a released block shows no figure at all: a table or figure wholly withheld."""
    if getattr(block, "withheld", None):
        return True
    return isinstance(block, Table) and all_withheld(block.data, block.roles)


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
    kinds = {r.kind for r in roles_of(data.columns, block.roles).values()}
    rules = _strictest(parts)
    k = rules.threshold
    withheld = (
        f"Every figure of this table rests on fewer than {k} people (or would let such a figure be worked "
        f"out), so none is shown: tables/{block.name}.csv lists its rows."
        if block.collapse and all_withheld(data, block.roles)
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
    count_columns = [c for c, r in roles_of(data.columns, block.roles).items() if r.kind == "count"]
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
    cells = WithheldCells(frame, roles_of(frame.columns, block.roles), rules)
    withhold_small_counts(cells)
    if rules.secondary:
        for members, total in block.groups:
            protect_from_total(cells, [(0, m) for m in members], [(0, total)], cells.value(0, total))
    withhold_statistics(cells)
    facts = dict(block.facts)
    for (_, column), value in rounded_counts(cells).items():
        facts[column] = value
    for _, column in cells.marks:
        facts[column] = SUPPRESSED
    facts["withheld_below"] = rules.threshold
    facts["rounded_to"] = rules.rounding
    log = tuple(Suppression(block.name, 1, column, rule, kind) for (_, column), (rule, kind) in cells.marks.items())
    return dataclasses.replace(block, facts=facts, suppressed=log)


# each block's type to how its parts' rules are applied to it; a block of any other type cannot be released
_APPLY: dict[type, Callable[[Any, Parts, Context], Any]] = {
    Table: _table,
    FigureBlock: _figure,
    Quotes: _quotes,
    TextBlock: _text,
}


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
                "show it; give each a role and a kind of data where the table is made, e.g. "
                f"roles={{{unknown[0]!r}: 'statistic of n in outcomes'}}"
            )
        if isinstance(block, Quotes):
            rules = policy.rules["qualitative"]
            return block if not rules.suppress else _quotes(block, [(rules, None)], context, policy.quotes)
        by_kind: dict[DataKind, set[str]] = {}
        for column in frame.columns:
            kind = data_kind(block.name, column, roles.get(column) or COLUMN_ROLES.get(column))
            if kind is not None:
                by_kind.setdefault(kind, set()).add(column)
        parts: Parts = [
            (policy.rules[kind], columns) for kind, columns in by_kind.items() if policy.rules[kind].suppress
        ]
        if not parts:
            return block
        if len(parts) > 1 and not isinstance(block, Table):  # only a table is suppressed column group by group
            parts = [(_strictest(parts), None)]
        return _APPLY[type(block)](block, parts, context)

    return DisclosurePolicy(policy.audience, policy.describe(), apply, shared=True)
