"""``peerimpact reproduce``: a built study report beside the published figures it should reproduce.

Every target cell (``params/targets/<name>.yml``) is looked up in the report's CSV tables and
compared at the precision it was printed with: counts and n exactly, every other figure (p
among them) when it rounds to the printed one (to the printed decimals, a half away from zero
as SPSS rounds: 18.75 reproduces 18.8, 4.75 does not reproduce 4.7; a p of 0.0204 reproduces
0.020, 0.0206 does not). A published erratum
is compared with what is aimed at instead and never fails. The same check, as report tables, is
the study report's appendix (``notebooks/12_reproduction.ipynb``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pandas as pd

from ..config import PublishedFigures, TargetCell
from ..text import rounded
from .blocks import Table

EXACT = {"n", "count"}
COLUMNS = ["table", "row", "column", "published", "target", "reproduced", "difference", "within", "erratum"]


def _decimals(printed: str) -> int:
    exponent = Decimal(printed).as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def within(column: str, printed: str, value: float) -> bool:
    """Whether ``value`` reproduces a figure printed as ``printed`` in ``column``.

    >>> within("mean", "49.8", 49.84), within("mean", "49.8", 49.86), within("max", "4.7", 4.75)
    (True, False, False)
    >>> within("p", "0.020", 0.0204), within("p", "0.020", 0.0206), within("n", "29", 29.0)
    (True, False, True)
    """
    target = float(printed)
    if column in EXACT:
        return value == target
    # Rounded as the report and the paper print it: a half away from zero (4.75 prints 4.8, not 4.7).
    return Decimal(rounded(value, _decimals(printed))) == Decimal(printed)


class _Table:
    """A report table read once, its rows found by the values of the key columns a cell names."""

    def __init__(self, path: Path):
        self.frame = pd.read_csv(path, dtype=str, keep_default_na=False) if path.is_file() else None
        self._index: dict[tuple[str, ...], dict[tuple[str, ...], list[int]]] = {}

    def rows(self, row: dict[str, str]) -> list[int]:
        keys = tuple(row)
        if keys not in self._index:
            frame = self.frame
            assert frame is not None, "rows asked of a table that was not written"  # _value checks first
            index: dict[tuple[str, ...], list[int]] = {}
            for i, values in enumerate(zip(*(frame[k] for k in keys))):
                index.setdefault(tuple(values), []).append(i)
            self._index[keys] = index
        return self._index[keys].get(tuple(row.values()), [])


def _value(tables: Path, cell: TargetCell, cache: dict[str, _Table]) -> float | None:
    if cell.table not in cache:
        cache[cell.table] = _Table(tables / f"{cell.table}.csv")
    table = cache[cell.table]
    frame = table.frame
    if frame is None or cell.column not in frame.columns or not set(cell.row) <= set(frame.columns):
        return None
    rows = table.rows(cell.row)
    if cell.table == "table1" and "level" not in cell.row and "level" in frame.columns:
        rows = [i for i in rows if frame["level"].iat[i] == ""]  # a continuous characteristic's one row
    if len(rows) != 1:
        return None
    try:
        value = float(frame[cell.column].iat[rows[0]])
    except ValueError:
        return None
    return None if math.isnan(value) else value


def reproduction(report: Path, targets: PublishedFigures) -> pd.DataFrame:
    """One row per target cell: published, aimed at, reproduced, the difference and whether it is
    within the printed precision (``within``: yes, no, or missing when the report lacks the cell)."""
    return check(targets, Path(report) / "tables")


def check(targets: PublishedFigures | None, tables_dir: str | Path) -> pd.DataFrame:
    """:func:`reproduction` of the tables written so far to ``tables_dir`` (a report's appendix
    section, run after the sections whose tables it checks)."""
    if targets is None:
        raise ValueError("this study names no published figures to check against (study.yml: reproduces)")
    tables = Path(tables_dir)
    cache: dict[str, _Table] = {}
    rows = []
    for cell in targets.cells:
        value = _value(tables, cell, cache)
        target = cell.target
        rows.append(
            {
                "table": cell.table,
                "row": " / ".join(cell.row.values()),
                "column": cell.column,
                "published": cell.published,
                "target": target,
                "reproduced": "" if value is None else f"{value:.6g}",
                "difference": "" if value is None else f"{value - float(target):+.4g}",
                "within": "missing" if value is None else "yes" if within(cell.column, target, value) else "no",
                "erratum": cell.erratum or "",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def failures(checked: pd.DataFrame) -> pd.DataFrame:
    """The cells that fail the check: outside the printed precision or missing, erratum or not aside."""
    return checked[(checked["within"] != "yes") & (checked["erratum"] == "")]


TABLE_NAMES = {"table1": "Table 1", "table2": "Table 2", "table3": "Table 3", "table4": "Table 4"}


def _summary_display(data: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for table, part in data.groupby("table", sort=False):
        errata = part["erratum"] != ""
        rows.append(
            {
                "Published table": TABLE_NAMES.get(table, table),
                "Figures": str(len(part)),
                "Reproduced": str(int((part["within"] == "yes").sum())),
                "Not reproduced": str(int(((part["within"] != "yes") & ~errata).sum())),
                "Errata (at their aim)": f"{int(errata.sum())} ({int((errata & (part['within'] == 'yes')).sum())})",
            }
        )
    return pd.DataFrame(rows)


def check_table(checked: pd.DataFrame, source: str) -> Table:
    """The reproduction check as a report table: a line per published table on the page, every
    figure in ``tables/reproduction.csv`` (published, aimed at, reproduced, difference, within)."""
    failed = failures(checked)
    notes = [
        f"Published figures: {source}.",
        "A figure is reproduced when it rounds to the printed one, a half away from zero as SPSS rounds "
        "(n and counts exactly). Every figure, with its reproduced value and "
        "the difference, is in tables/reproduction.csv.",
    ]
    if len(failed):
        notes.append(
            "Not reproduced: "
            + "; ".join(
                f"{TABLE_NAMES.get(t, t)} {r} {c}"
                for t, r, c in failed[["table", "row", "column"]].itertuples(index=False)
            )
        )
    return Table(
        name="reproduction",
        title="Reproduction check: the published tables beside this report's",
        data=checked,
        format=_summary_display,
        notes=notes,
        collapse=False,
    )


COLUMN_NAMES = {
    "n": "n",
    "count": "count",
    "percent": "%",
    "mean": "mean",
    "sd": "SD",
    "min": "minimum",
    "max": "maximum",
    "change": "change",
    "ci_low": "CI lower bound",
    "ci_high": "CI upper bound",
    "es": "ES",
    "p": "p",
}


def _figure_name(cell: dict, labels: Mapping[tuple[str, str | None], str]) -> str:
    """A target cell as a reader names it: "Table 3: Wellbeing, T2, SD"."""
    parts = [p for p in cell["row"].split(" / ")]
    if cell["table"] in ("table3", "table4") and len(parts) >= 3:
        parts = [labels.get((parts[0], parts[1]), parts[1]), *parts[2:]]
    else:
        parts = [p.replace("_", " ") for p in parts]
    return (
        f"{TABLE_NAMES.get(cell['table'], cell['table'])}: {', '.join(parts)}, "
        f"{COLUMN_NAMES.get(cell['column'], cell['column'])}"
    )


def errata_table(checked: pd.DataFrame, labels: Mapping[tuple[str, str | None], str] | None = None) -> Table:
    """The published figures no data can give as printed, what was aimed at instead, and why."""
    errata = checked[checked["erratum"] != ""].reset_index(drop=True)
    display = pd.DataFrame(
        {
            "Figure": [_figure_name(cell, labels or {}) for cell in errata.to_dict("records")],
            "Printed": errata["published"],
            "Aimed at": errata["target"],
            "This report": [
                f"{float(v):.{_decimals(t)}f}" if v != "" else ""
                for v, t in zip(errata["reproduced"], errata["target"])
            ],
            "Why": errata["erratum"],
        }
    )
    return Table(
        name="reproduction_errata",
        title="Errata: published figures that cannot be reproduced as printed",
        data=errata,
        format=display,
        collapse=False,
    )
