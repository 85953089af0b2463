"""A table's rows as its sheet lays them out, where the report shows them otherwise than its CSV
holds them: a registry of shapes by table name. The CSV stays as it is for machines; a sheet is
for a reader, who should find on it the rows the report showed them.

The recruitment table's CSV has a row per stage and site (46 rows for seven sites, most of their
cells not applicable to their stage) and repeats the figures of all sites on every row; the
report shows a row per site and one of all sites, with a stage's figures side by side. Its sheet
does the same: one row per site, then all sites, and a column per stage and figure that applies.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..analysis.programme import ALL_SITES
from ..registry import Registry
from ..report.progress import STAGE_WORDS
from ..report.records import TableRecord
from .workbook_labels import heading

Shape = Callable[[pd.DataFrame, TableRecord], pd.DataFrame]

#: how a table's CSV (read as text, empty cells ``""``) is laid out on its sheet, by table name
SHAPES: Registry[Shape] = Registry("sheet shape")

# a recruitment stage's figures, in the report's order; ``count`` is the stage's own column
STAGE_FIGURES = (
    "count",
    "target",
    "expected",
    "percent_of_expected",
    "status",
    "retained",
    "returned_first",
    "percent_retained",
    "target_percent",
    "retention_status",
)


def shaped(record: TableRecord, frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """``frame``, the CSV of ``record``, as its sheet lays it out: reshaped where a shape is
    registered for the table."""
    if frame is None or record.name not in SHAPES or frame.empty:
        return frame
    return SHAPES.get(record.name)(frame, record)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


@SHAPES.register("recruitment")
def by_site(frame: pd.DataFrame, record: TableRecord | None = None) -> pd.DataFrame:
    """A row per site, then one of all the report's sites (from the CSV's ``all_`` columns and
    ``n``, or the figure every site shares) where it has more than one; a column per stage and
    figure, where any site has one.

    >>> csv = pd.DataFrame({"stage": ["consented", "consented", "T2", "T2"], "site": ["S1", "S2"] * 2,
    ...     "count": ["5", "7", "3", "4"], "n": ["12", "12", "7", "7"], "target": ["6", "8", "", ""],
    ...     "all_target": ["14", "14", "", ""]})
    >>> by_site(csv).to_dict("list")
    {'site': ['S1', 'S2', 'All sites'], 'Consented': ['5', '7', '12'], 'Consented: target': ['6', '8', '14'], 'T2': ['3', '4', '7']}
    """
    sites = list(dict.fromkeys(frame["site"]))
    several = len(sites) > 1
    out: dict[str, list[str]] = {"site": [*sites, *([ALL_SITES] if several else [])]}
    for stage in dict.fromkeys(frame["stage"]):
        rows = frame[frame["stage"] == stage].set_index("site")
        word = STAGE_WORDS.get(stage, stage)
        for figure in STAGE_FIGURES:
            if figure not in rows.columns:
                continue
            values = [str(rows[figure].get(site, "")) for site in sites]
            if not any(values):
                continue
            total_column = "n" if figure == "count" else f"all_{figure}"
            if total_column in rows.columns:
                total = str(rows[total_column].iloc[0])
            else:  # a figure every site shares (a retention target) is all the sites' too
                total = values[0] if len(set(values)) == 1 else ""
            name = word if figure == "count" else f"{word}: {_lower_first(heading(figure))}"
            out[name] = [*values, *([total] if several else [])]
    return pd.DataFrame(out, dtype=str)


# the label a codes table shows in its code column for a theme's own row (the CSV's code is empty)
ANY_CODE = "(any code of the theme)"


def in_display_order(frame: pd.DataFrame, record: TableRecord | None = None) -> pd.DataFrame:
    """A codes table's rows (a theme or code at a site or timepoint) in the order the report
    shows its themes and codes, each theme's or code's rows together; its CSV is by site.

    >>> csv = pd.DataFrame({"theme": ["B", "A", "B", "A"], "code": ["", "x", "", "x"], "site": ["S1", "S1", "S2", "S2"]})
    >>> shown = TableRecord("codes_by_site", "Codes", ("Theme", "Code"), (("A", "x"), ("B", ANY_CODE)))
    >>> in_display_order(csv, shown)[["theme", "site"]].values.tolist()
    [['A', 'S1'], ['A', 'S2'], ['B', 'S1'], ['B', 'S2']]
    """
    if record is None or not {"theme", "code"} <= set(frame.columns):
        return frame
    order: dict[tuple[str, str], int] = {}
    theme = ""
    for row in record.rows:
        theme = row[0] or theme
        code = "" if (row[1] or "") == ANY_CODE else row[1] or ""
        order.setdefault((theme, code), len(order))
    keys = [order.get((t, c), len(order)) for t, c in zip(frame["theme"], frame["code"])]
    return frame.iloc[sorted(range(len(frame)), key=lambda i: keys[i])].reset_index(drop=True)


SHAPES.register("codes_by_site", in_display_order)
SHAPES.register("codes_by_timepoint", in_display_order)
