"""``tables.xlsx``: a report's tables as a spreadsheet, laid out after the Government Statistical
Service's good practice for releasing statistics in spreadsheets (written with ``gptables``).

A cover sheet (the title block: the report's title, scope, study, data cut, audience and its
disclosure rules in words), a contents sheet, a notes sheet, then one table a sheet, in the order
the report shows them. Nothing here sees data the report did not release: a sheet's rows and
numbers are its table's CSV under ``tables/``, as ``release`` wrote it, and its title, notes,
labels and decimals the table's record (``workbook_cells``: the typed cells; ``workbook_labels``:
headings and labels matched to codes; ``workbook_display``: what the record's display strings
print; ``workbook_layout``: widths, heights and pages). Each shorthand a sheet uses (``[c]``,
``[x]``, ``[z]``) and each note of its table is explained on the notes sheet, numbered in its title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..text import neutralise
from .document import ReportDocument
from .workbook_cells import NOT_APPLICABLE, NOT_AVAILABLE, SHORTHAND, WITHHELD, SheetTable, read_csv, table_sheet
from .workbook_labels import cell_text
from .workbook_layout import COVER_WIDTH, MAX_WIDTH, lay_out, lay_out_cover
from .workbook_shapes import shaped

COVER, CONTENTS, NOTES = "Cover", "Contents", "Notes"
MAX_SHEET = 31  # Excel's limit on a sheet name
PRECISION = (
    "Numbers are shown with the decimal places the report prints them with; each cell holds the figure "
    "as the report reads it before rounding, to 10 significant digits (select a cell to see it; the "
    "report's CSV files hold every digit). A figure the report does not print takes the decimal places "
    "of those it prints in the same column, where they all have the same; otherwise it is shown as its "
    "CSV file writes it, to at most 4 decimal places, or to 2 in a column the CSV file writes to more."
)


def sheet_names(tables: Iterable[str]) -> dict[str, str]:
    """A sheet name for every table: Excel's 31 characters, unique ignoring case and apart from the
    cover, contents and notes sheets."""
    names: dict[str, str] = {}
    taken = {COVER.casefold(), CONTENTS.casefold(), NOTES.casefold()}
    for table in tables:
        base = re.sub(r"[\[\]:*?/\\']", "_", table)[:MAX_SHEET] or "table"
        name, i = base, 1
        while name.casefold() in taken:
            i += 1
            name = f"{base[: MAX_SHEET - len(str(i)) - 1]}~{i}"
        taken.add(name.casefold())
        names[table] = name
    return names


def cover_lines(title: Mapping[str, Any], sheets: Sequence[SheetTable]) -> dict[str, list[str]]:
    """The cover's text, part by part: what the report is (``intro``), how to read its figures
    (``about``) and whom to ask (``contact``, only where the title block names someone)."""
    internal = bool(title.get("internal"))
    intro = [
        f"Scope: {neutralise(title.get('scope_label') or 'not stated')}",
        f"Study: {neutralise(title.get('study_name') or 'not stated')}",
        *(f"{neutralise(label)}: {neutralise(value)}" for label, value in title.get("facts", ())),
        f"Data cut: {title.get('data_cut') or 'not stated'}",
    ]
    if internal:
        intro.append("Audience: the study team only. Internal: not for sharing outside the study team.")
    elif title.get("disclosure_statement"):
        intro.append(f"Audience and disclosure rules: {neutralise(title['disclosure_statement'])}.")
    if title.get("notice"):
        intro.append(neutralise(title["notice"]))
    intro.append(
        f"Built {title.get('built_at') or 'at an unrecorded time'} by peerimpact {title.get('version') or ''}".rstrip()
        + f" (report {neutralise(title.get('report_id') or '')})."
    )
    used = set().union(*(s.shorthand for s in sheets)) if sheets else set()
    about = [
        "One table a sheet, in the order the report shows them; the Contents sheet links to each. "
        "A table's notes are numbered in its title and listed on the Notes sheet.",
        "Each sheet holds the rows of its table's CSV file in the report's tables folder, one for one, with "
        "the labels the report shows beside the codes the CSV file holds.",
        PRECISION,
    ]
    if internal:
        about.append("Every figure is shown as computed: nothing is withheld or rounded.")
    rounding = sorted({s.rounded_to for s in sheets if s.rounded_to})
    if rounding:
        about.append(_rounding_note(rounding[0]))
    about += [SHORTHAND[k] for k in (WITHHELD, NOT_AVAILABLE, NOT_APPLICABLE) if k in used]
    contact = [neutralise(str(title["contact"]))] if title.get("contact") else []
    return {"intro": intro, "about": about, "contact": contact}


def _rounding_note(base: int) -> str:
    """Why a rounded n and a mean beside it need not agree, and what the sheets hold."""
    return (
        f"Counts are rounded to the nearest {base} by the disclosure rules, as the report shows them, and "
        "the sheets hold the rounded counts only, never the counts they were rounded from. A mean, SD or "
        "test is computed from everyone it is about and is not rounded, so it need not agree with the "
        "rounded n beside it: a mean of 32 people's scores can stand beside an n of 30. A percentage is of "
        "the rounded counts where the rules say so."
    )


def write_workbook(document: ReportDocument, folder: Path) -> Path:
    """``tables.xlsx`` in ``folder``: a cover, contents and notes sheet, then a sheet for each of the
    document's tables in its order, from the table's record and the CSV ``release`` wrote."""
    import warnings

    records = document.tables()
    sheets = [table_sheet(r, shaped(r, read_csv(folder, r))) for r in records]
    names = sheet_names(r.name for r in records)
    internal = bool(document.title.get("internal"))

    # notes numbered in the order the tables refer to them, one number for one text
    numbers: dict[str, int] = {}

    def refs(texts: Iterable[str]) -> str:
        return "".join(f"[note {numbers.setdefault(t, len(numbers) + 1)}]" for t in texts)

    titles, legends = [], []
    for sheet in sheets:
        notes = [*sheet.notes, *([_rounding_note(sheet.rounded_to)] if sheet.rounded_to else [])]
        titles.append(f"{sheet.title} {refs(cell_text(n) for n in notes)}".rstrip())
        used = [k for k in (WITHHELD, NOT_AVAILABLE, NOT_APPLICABLE) if k in sheet.shorthand]
        legends.append([f"{SHORTHAND[k].split(':')[0]} {refs([SHORTHAND[k]])}" for k in used])
    if not numbers:
        refs([PRECISION])
    contents = _list_sheet(
        CONTENTS,
        ("Sheet name", "Table or notes"),
        [
            (NOTES, "Notes the tables' titles refer to, and the shorthand in their cells"),
            *((names[s.name], s.title) for s in sheets),
        ],
    )
    notes_sheet = _list_sheet(NOTES, ("Note number", "Note text"), [(n, t) for t, n in numbers.items()])
    lines = cover_lines(document.title, sheets)

    with warnings.catch_warnings():
        # gptables 2.0 still calls pandas in ways pandas 3 deprecates (they do not change what it writes)
        warnings.simplefilter("ignore")
        import gptables as gpt
        from gptables.core.gptable import FormatList

        def cell(value: Any) -> Any:
            """A cell as gptables writes it: text as it is (not read for links, nor refused for having
            no letter), a shorthand as plain text (so the column still counts as numbers)."""
            return FormatList([{}, value]) if isinstance(value, str) and value not in SHORTHAND else value

        def frame(sheet: SheetTable, link: bool = False) -> pd.DataFrame:
            rows = [
                [{v: f"internal:'{v}'!A1"} if link and i == 0 else cell(v) for i, v in enumerate(row)]
                for row in sheet.rows
            ]
            return pd.DataFrame(rows, columns=list(sheet.headings), dtype=object)

        def gptable(sheet: SheetTable, name: str, title: str, **options: Any) -> Any:
            return gpt.GPTable(
                table=frame(sheet, link=sheet is contents),
                table_name=name,
                title=_link_free(title),
                additional_formatting=[
                    {"column": {"columns": list(range(len(sheet.headings))), "format": {"valign": "top"}}},
                    # a column of figures to the right, its heading too, even if it holds only shorthand;
                    # text after the first column a little in from its left, clear of a figure before it
                    {
                        "column": {
                            "columns": [j for j, n in enumerate(sheet.numeric) if n],
                            "format": {"align": "right"},
                        }
                    },
                    {
                        "column": {
                            "columns": [j for j, n in enumerate(sheet.numeric) if j and not n],
                            "format": {"indent": 1},
                        }
                    },
                    *(
                        {"cell": {"cells": (r + 1, c), "format": {"num_format": fmt}}}
                        for r, formats in enumerate(sheet.formats)
                        for c, fmt in enumerate(formats)
                        if fmt
                    ),
                ],
                **options,
            )

        tables: dict[str, Any] = {
            CONTENTS: gptable(
                contents,
                "contents",
                "Contents",
                instructions="This worksheet contains one table: every other sheet, with a link to it.",
                index_columns={},
            ),
            NOTES: gptable(
                notes_sheet,
                "notes",
                "Notes",
                instructions="This worksheet contains one table: the notes the tables' titles refer to by number.",
                index_columns={},
            ),
        }
        for i, sheet in enumerate(sheets):
            tables[names[sheet.name]] = gptable(
                sheet,
                f"table{i + 1:02d}_{re.sub(r'[^A-Za-z0-9_]', '_', sheet.name)}"[:250],
                titles[i],
                subtitles=[*sheet.subtitles, *(["For the study team only: not for sharing."] if internal else [])],
                instructions=(
                    "This worksheet contains one table. Its notes are numbered in the title and listed on the "
                    "Notes worksheet."
                ),
                legend=legends[i],
                index_columns={level + 1: level for level in range(min(sheet.labels, 3))},
            )
        cover = gpt.Cover(
            title=_link_free(cell_text(str(document.title.get("title") or "Report"))),
            intro=[_link_free(x) for x in lines["intro"]],
            about=[_link_free(x) for x in lines["about"]],
            contact=[_link_free(x) for x in lines["contact"]] or None,
            width=COVER_WIDTH,
        )
        target = folder / "tables.xlsx"
        book = gpt.produce_workbook(
            filename=str(target),
            sheets=tables,
            cover=cover,
            contentsheet_label=None,  # the contents and notes sheets above: they list the notes sheet
            notes_table=None,
            auto_width=False,
            workbook_options={"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        laid_out = {CONTENTS: contents, NOTES: notes_sheet} | {names[sheet.name]: sheet for sheet in sheets}
        for worksheet in book.worksheets():
            label = worksheet.get_name()
            if label == COVER:
                lay_out_cover(worksheet, cover.title, lines)
                continue
            table = tables[label]
            table._set_data_range()  # where gptables put the column headings
            lay_out(worksheet, laid_out[label], table.data_range[0], 100 if label == NOTES else MAX_WIDTH)
        book.close()
    return target


def _list_sheet(name: str, headings: tuple[str, str], rows: Sequence[tuple[Any, str]]) -> SheetTable:
    """The contents or the notes: a column of names or numbers, and a column of text."""
    return SheetTable(
        name=name,
        title=name,
        headings=headings,
        rows=tuple(rows),
        formats=tuple((None, None) for _ in rows),
        numeric=(isinstance(rows[0][0], int) if rows else False, False),
    )


def _link_free(text: str) -> str:
    """Cover text gptables writes as it is: ``[words](address)`` would become a link."""
    return text.replace("](", "] (")
