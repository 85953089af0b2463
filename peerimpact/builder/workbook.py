"""``tables.xlsx``: a report's tables as an Excel workbook.

Written from what the report released: each sheet from a CSV under ``tables/`` (the blocks'
data as the disclosure policy let it out), its title from the report's records, the first
sheet from the title block. Nothing here sees data the CSVs and the records do not hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ..ingest.writers import string_cells
from ..text import neutralise
from .document import ReportDocument

ABOUT = "About"
MAX_SHEET = 31  # Excel's limit on a sheet name


NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")


# the sheets that are records of the report rather than its tables
RECORDS = {
    "_suppression": "record of withheld cells",
    "_released": "record of every figure shown, keyed by population, measure, statistic and timepoint",
}


def _value(text: str) -> Any:
    """A CSV cell as Excel should hold it: a number where it is written as one, else the text (so
    that a code with a leading zero, ``029``, stays text), never a formula."""
    if text == "":
        return None
    if not NUMBER.fullmatch(text):
        return neutralise(text)
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def sheet_names(tables: Iterable[str]) -> dict[str, str]:
    """A sheet name for every table: Excel's 31 characters, unique ignoring case."""
    names: dict[str, str] = {}
    taken = {ABOUT.casefold()}
    for table in tables:
        base = re.sub(r"[\[\]:*?/\\]", "_", table)[:MAX_SHEET]
        name, i = base, 1
        while name.casefold() in taken:
            i += 1
            name = f"{base[: MAX_SHEET - len(str(i)) - 1]}~{i}"
        taken.add(name.casefold())
        names[table] = name
    return names


def write_workbook(document: ReportDocument, folder: Path) -> Path:
    """``tables.xlsx``: a first sheet describing the report, then one sheet per CSV in ``tables/``
    with the CSV's columns and values. Every text cell is text: a study's own words (a cohort's
    label, a code's name) that start like a formula get a leading ``'``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    csvs = sorted((folder / "tables").glob("*.csv"), key=lambda p: (p.name.startswith("_"), p.name))
    titles = {t.name: t.caption for t in document.tables()}
    report = document.title
    names = sheet_names(p.stem for p in csvs)
    book = Workbook()
    about = book.active
    about.title = ABOUT
    facts = [
        ("Report", report.get("title")),
        ("Scope", report.get("scope_label")),
        ("Study", report.get("study_name")),
        *report.get("facts", ()),
        ("Data cut", report.get("data_cut") or "not stated"),
        ("Built", report.get("built_at")),
        ("peerimpact", report.get("version")),
        ("Disclosure policy", report.get("disclosure")),
        (
            "What the policy does",
            "none: every figure as computed, for the study team only"
            if report.get("internal")
            else report.get("disclosure_statement"),
        ),
        (
            "Withheld cells",
            "* in a sheet; the sheet _suppression lists each one and why" if not report.get("internal") else "none",
        ),
    ]
    if report.get("notice"):
        facts.insert(3, ("About this report", report.get("notice")))
    for label, value in facts:
        about.append([neutralise(label), neutralise(value)])
        about.cell(about.max_row, 1).font = Font(bold=True)
    about.append([])
    about.append(["Sheet", "Table"])
    for cell in about[about.max_row]:
        cell.font = Font(bold=True)
    for path in csvs:
        about.append(
            [neutralise(names[path.stem]), neutralise(titles.get(path.stem, RECORDS.get(path.stem, path.stem)))]
        )
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 90
    for path in csvs:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        sheet = book.create_sheet(names[path.stem])
        sheet.append([neutralise(c) for c in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_value(v) for v in row])
    string_cells(book)
    target = folder / "tables.xlsx"
    book.save(target)
    return target
