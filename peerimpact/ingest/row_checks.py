"""Checks across a table's rows, once their cells are read: one record per key, and rows of
participants the participants file names."""

from __future__ import annotations

import math
from collections.abc import Callable

from ..schema import ID
from .cells import CellReader
from .vocabulary import Roster


def _same(a: dict, b: dict) -> bool:
    for k in a.keys() | b.keys():
        x, y = a.get(k), b.get(k)
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if x != y:
            return False
    return True


def dedupe_records(
    cells: CellReader, records: list[tuple[tuple, dict, int, list]], describe: Callable[[tuple], str]
) -> dict[tuple, tuple[dict, int]]:
    """Keep one record per key: identical repeats are dropped (warning), conflicting ones are errors."""
    kept: dict[tuple, tuple[dict, int, list]] = {}
    conflicted: set[tuple] = set()
    warned: set[int] = set()  # a wide row holds several records: one warning per line is enough
    for key, values, line, raw in records:
        if key not in kept:
            kept[key] = (values, line, raw)
            continue
        first_values, first_line, first_raw = kept[key]
        if _same(values, first_values):
            if line not in warned:
                how = "identical to" if raw == first_raw else "same values as"
                cells.add(
                    line,
                    cells.header(ID),
                    key[0],
                    "duplicate-row",
                    f"row is {how} line {first_line}; dropped",
                    "warning",
                )
                warned.add(line)
        else:
            differing = sorted(k for k in values if not _same({k: values.get(k)}, {k: first_values.get(k)}))
            cells.add(
                line,
                cells.header(ID),
                key[0],
                "duplicate-conflict",
                f"{describe(key)} appears again (first at line {first_line}) with different values "
                f"in {', '.join(differing[:5])}{' …' if len(differing) > 5 else ''}",
            )
            conflicted.add(key)
    return {k: (v, line) for k, (v, line, _) in kept.items() if k not in conflicted}


def check_known_participant(cells: CellReader, pid: str | None, line: int, roster: Roster | None) -> bool:
    """Whether the row of ``pid`` belongs to a valid participant (always, without a roster).

    An ID the participants file does not name is an error at its first row in this file;
    one it names but left out (for an error reported there) leaves the row out silently,
    so one bad participants row is one error, not one per row of every other file.
    """
    if pid is None:
        return False
    if roster is None or pid in roster.kept:
        return True
    if pid not in roster.withheld and pid not in cells.unknown_ids:
        cells.unknown_ids.add(pid)
        cells.add(line, cells.header(ID), pid, "unknown-participant", roster.unknown(pid))
    return False
