"""Labels and headings of a table's sheet in the workbook: a CSV column's heading in words, text as a
cell holds it, and which CSV column each of the display's labelling columns labels (a measure's name
beside the ``instrument`` code the CSV holds), read from a table record's display strings."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

import pandas as pd

from ..report.records import TableRecord
from ..text import neutralise
from .workbook_display import Display, label_rows, printed_digits

# a CSV column's heading; any other is its name in words (people_supported: People supported)
HEADINGS = {
    "n": "n",
    "sd": "SD",
    "min": "Minimum",
    "max": "Maximum",
    "percent": "Percentage (%)",
    "norm_mean": "Norm mean",
    "norm_sd": "Norm SD",
    "range_min": "Lowest possible score",
    "range_max": "Highest possible score",
    "higher": "A higher score means",
    "ci_low": "95% CI lower",
    "ci_high": "95% CI upper",
    "p": "p",
    "es": "ES",
    "d_z": "d_z",
    "p_wilcoxon": "Wilcoxon p",
    "p_adjusted": "Adjusted p",
    "std_difference": "Difference from the norm (SDs)",
    "expected": "Expected by the data cut",
    "percent_of_expected": "Percentage of expected (%)",
    "returned_first": "Returned T1",
    "percent_retained": "Percentage retained (%)",
    "target_percent": "Retention target (%)",
    "percent_of_target": "Percentage of target (%)",
    "percent_of_goal": "Percentage of goal (%)",
    "percent_items_missing": "Items missing (%)",
    "participants": "Peer workers",
    "code_id": "Code ID",
    "excerpt_id": "Excerpt ID",
    "all_contacts": "All modes: contacts",
    "within": "Within rounding",
}


def heading(column: str, sites: Collection[str] = ()) -> str:
    """A CSV column's heading: ``norm_sd`` is ``Norm SD``, ``all_status`` ``All the report's sites:
    status``, the figure of all the sites the report is of together (``sites``, its CSV's; one
    site's report's are that site's own, and say so).

    >>> heading("people_supported"), heading("all_percent_retained"), heading("ci_low")
    ('People supported', "All the report's sites: percentage retained (%)", '95% CI lower')
    >>> heading("all_target", ["S7"])
    "All the report's sites (S7 alone): target"
    """
    if column in HEADINGS:
        return HEADINGS[column]
    if column.startswith("all_") and len(column) > 4:
        inner = heading(column[4:])
        every = "All the report's sites" + (f" ({next(iter(sites))} alone)" if len(sites) == 1 else "")
        return f"{every}: {inner[:1].lower()}{inner[1:]}" if inner[1:2].islower() else f"{every}: {inner}"
    words = column.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Column"


def cell_text(value: str) -> str:
    """Text as a cell holds it: never a formula, never a gptables note reference (``$$``)."""
    return neutralise(value.replace("$$", "$ $"))


def _distinct(items: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return list(dict.fromkeys(items))


def match_labels(
    record: TableRecord, frame: pd.DataFrame, kinds: Mapping[str, str]
) -> tuple[list[tuple[str, str, dict[tuple[str, ...], str]]], list[list[int]] | None]:
    """Which CSV column each labelling display column labels, level by level (``instrument`` under
    ``Measure``, then ``subscale`` under ``Subscale``), and for each CSV row the display rows that
    show it.

    The codes of a CSV column (within the codes of the levels above) and the labels of a display
    column (within theirs) are matched in the order they first appear, when there are as many of
    each (a CSV column whose codes are the labels first, then one named as the display column is);
    the match is kept only if every display row prints a number its CSV rows hold. A level that
    does not match ends the search: its rows keep their codes alone."""
    headers, labels = label_rows(record)
    display = Display.of(record)
    levels: list[tuple[str, str, dict[tuple[str, ...], str]]] = []
    chosen: list[str] = []
    rows_of: list[list[int]] | None = None
    candidates = [c for c in frame.columns if kinds[c] == "text"]
    for depth, header in enumerate(headers):
        shown = _distinct(label[: depth + 1] for label in labels)
        at_depth = {label[depth] for label in labels}
        likeness = {c: _likeness(frame[c], c, header, at_depth) for c in candidates if c not in chosen}
        for column in sorted(likeness, key=likeness.__getitem__):
            keys = [tuple(frame[c].iat[r] for c in [*chosen, column]) for r in range(len(frame))]
            codes = _distinct(k for k in keys if k[-1] != "")
            # as many codes as labels; a single code is a match only by its name or its value
            if len(codes) != len(shown) or (len(codes) < 2 and likeness[column] == 2):
                continue
            label_of = dict(zip(codes, shown))
            rows = [
                [d for d, label in enumerate(labels) if label[: depth + 1] == label_of[k]] if k in label_of else []
                for k in keys
            ]
            if _numbers_agree(display, frame, kinds, rows):
                chosen.append(column)
                levels.append((header, column, {k: v[-1] for k, v in label_of.items()}))
                rows_of = rows
                break
        else:
            break
    return levels, rows_of


def _likeness(codes: Iterable[str], column: str, header: str, labels: Collection[str]) -> int:
    """How likely a CSV column is the one a display column labels: 0, its codes are the labels
    themselves; 1, it is named as the display column is (``instrument``, ``Instrument``); 2, neither."""
    if {v for v in codes if v} <= {cell_text(label) for label in labels} | set(labels):
        return 0
    named = set(re.findall(r"\w+", header.casefold()))
    return 1 if column.casefold() in named or heading(column).casefold() == header.casefold() else 2


def pivoted(record: TableRecord, frame: pd.DataFrame, kinds: Mapping[str, str]) -> list[set[int]]:
    """For each CSV row, the display columns that may show it: a display column headed by one of a
    CSV column's codes (``T1 n``, ``T2 mean (SD)``: a long CSV shown wide) shows only the rows with
    that code; every other display column may show any row."""
    width = len(record.columns)
    allowed = [set(range(width)) for _ in range(len(frame))]
    words = [set(re.findall(r"\w+", h.casefold())) for h in record.columns]
    for column in (c for c in frame.columns if kinds[c] == "text"):
        codes = {v for v in frame[column] if v}
        heads = {}
        for j in range(width):
            named = [v for v in codes if v.casefold() in words[j]]
            if len(named) == 1:
                heads[j] = named[0]
        if len(set(heads.values())) < 2:
            continue
        for r in range(len(frame)):
            allowed[r] -= {j for j, code in heads.items() if code != frame[column].iat[r]}
    return allowed


def _numbers_agree(display: Display, frame: pd.DataFrame, kinds: Mapping[str, str], rows: list[list[int]]) -> bool:
    """Whether every display row that prints a number prints one its matched CSV rows hold."""
    numeric = [c for c in frame.columns if kinds[c] == "number"]
    for d in range(len(display.numbers)):
        printed = display.row_numbers(d)
        if not printed:
            continue
        mine = [r for r, ds in enumerate(rows) if d in ds]
        values = [frame[c].iat[r] for r in mine for c in numeric if frame[c].iat[r] not in ("", "*")]
        if values and not any(printed_digits(float(v), v, printed) is not None for v in values):
            return False
    return True
