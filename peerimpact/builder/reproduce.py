"""``peerimpact reproduce``: a built study report beside the published figures it should reproduce.

Every target cell (``params/targets/<name>.yml``) is looked up in the report's CSV tables and
compared at the precision it was printed with: counts and n exactly, p by its side of 0.05,
every other figure when it rounds to the printed one (within half a unit of the last printed
decimal). A published erratum is compared with what is aimed at instead and never fails.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pandas as pd

from ..config import TargetCell, Targets

EXACT = {"n", "count"}
COLUMNS = ["table", "row", "column", "published", "target", "reproduced", "difference", "within", "erratum"]


def _decimals(printed: str) -> int:
    exponent = Decimal(printed).as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def within(column: str, printed: str, value: float) -> bool:
    """Whether ``value`` reproduces a figure printed as ``printed`` in ``column``.

    >>> within("mean", "49.8", 49.84), within("mean", "49.8", 49.86), within("p", "0.020", 0.03)
    (True, False, True)
    """
    target = float(printed)
    if column in EXACT:
        return value == target
    if column == "p":
        return (value < 0.05) == (target < 0.05)
    return abs(value - target) <= 0.5 * 10 ** -_decimals(printed) + 1e-9


def _value(tables: Path, cell: TargetCell, cache: dict[str, pd.DataFrame | None]) -> float | None:
    if cell.table not in cache:
        path = tables / f"{cell.table}.csv"
        cache[cell.table] = pd.read_csv(path, dtype=str, keep_default_na=False) if path.is_file() else None
    frame = cache[cell.table]
    if frame is None or cell.column not in frame.columns or not set(cell.row) <= set(frame.columns):
        return None
    rows = frame
    for key, wanted in cell.row.items():
        rows = rows[rows[key] == wanted]
    if cell.table == "table1" and "level" not in cell.row and "level" in frame.columns:
        rows = rows[rows["level"] == ""]  # a continuous characteristic's one row
    if len(rows) != 1:
        return None
    try:
        value = float(rows[cell.column].iloc[0])
    except ValueError:
        return None
    return None if math.isnan(value) else value


def reproduction(report: Path, targets: Targets) -> pd.DataFrame:
    """One row per target cell: published, aimed at, reproduced, the difference and whether it is
    within the printed precision (``within``: yes, no, or missing when the report lacks the cell)."""
    cache: dict[str, pd.DataFrame | None] = {}
    rows = []
    for cell in targets.cells:
        value = _value(report / "tables", cell, cache)
        target = cell.target
        rows.append({
            "table": cell.table, "row": " / ".join(cell.row.values()), "column": cell.column,
            "published": cell.published, "target": target,
            "reproduced": "" if value is None else f"{value:.6g}",
            "difference": "" if value is None else f"{value - float(target):+.4g}",
            "within": "missing" if value is None else "yes" if within(cell.column, target, value) else "no",
            "erratum": cell.erratum or "",
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def failures(checked: pd.DataFrame) -> pd.DataFrame:
    """The cells that fail the check: outside the printed precision or missing, erratum or not aside."""
    return checked[(checked["within"] != "yes") & (checked["erratum"] == "")]
