"""Readers: a user's file in, raw text cells with their physical line numbers out.

Nothing here interprets values (that is :mod:`peerimpact.ingest.cells`); readers only make
CSV, XLSX and SPSS files look alike, so that every later problem can name the line
the user sees in their editor or spreadsheet. Input files are opened read-only.
:func:`read_table` hands a file to its reader (:mod:`peerimpact.ingest.csv_reader`,
:mod:`peerimpact.ingest.spreadsheets`), then checks what every table must be: column
headers that differ, and no cell with a character no report can show.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..problems import Problems
from ..text import plural
from .csv_reader import read_csv
from .rawtable import RawTable, TooLarge, readable_file, shorten
from .spreadsheets import read_sav, read_xlsx

READABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".sav", ".zsav")


def read_table(path: str | Path, problems: Problems, *, sheet: str | None = None) -> RawTable | None:
    """Read a CSV, XLSX or SPSS file; problems with the file itself go to ``problems``."""
    path = Path(path)
    if not readable_file(path, problems):
        return None
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            table = read_xlsx(path, problems, sheet=sheet)
        elif suffix in (".sav", ".zsav"):
            table = read_sav(path, problems)
        else:
            table = read_csv(path, problems)
    except TooLarge as exc:
        problems.add(path, line=exc.line, rule="too-large", message=str(exc))
        return None
    except MemoryError:
        problems.add(path, rule="too-large", message="file is too large to read in this machine's memory")
        return None
    except Exception as exc:  # a corrupt file must not end in a traceback
        problems.add(path, rule="unreadable", message=f"cannot read file: {type(exc).__name__}: {exc}")
        return None
    if table is None or not _unique_columns(table, problems):
        return None
    _control_characters(table, problems)
    return table


def _unique_columns(table: RawTable, problems: Problems) -> bool:
    """A repeated column header (ignoring case) is an error: one column's values would hide the other's."""
    seen: dict[str, str] = {}
    ok = True
    for name in table.columns:
        key = name.strip().casefold()
        if not key:
            continue
        if key in seen:
            problems.add(
                table.path,
                line=1,
                column=name,
                value=name,
                rule="duplicate-column",
                message=f"column {name!r} repeats column {seen[key]!r} (headers are compared ignoring case); "
                "rename or remove one of them",
            )
            ok = False
        else:
            seen[key] = name
    return ok


# Characters no report can show and Excel cannot hold: C0 controls other than tab, line feed and
# carriage return, and DEL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control_characters(table: RawTable, problems: Problems) -> None:
    """Every cell holding a character that no report can show (the first 20, then a count)."""
    found = 0
    for line, row in zip(table.lines, table.rows):
        if not CONTROL.search("\n".join(c for c in row if c)):
            continue
        for column, cell in zip(table.columns, row):
            match = CONTROL.search(cell or "")
            if cell is None or match is None:
                continue
            found += 1
            if found <= 20:
                problems.add(
                    table.path,
                    line=line,
                    column=column,
                    value=shorten(cell),
                    rule="control-character",
                    message=f"holds a control character (U+{ord(match.group()):04X}),"
                    " which no report can show; remove it",
                )
    if found > 20:
        problems.add(
            table.path,
            rule="control-character",
            message=f"and {plural(found - 20, 'more cell')} with control characters",
        )


# --------------------------------------------------------------------------- writing
# Tables are written by peerimpact.ingest.writers (atomically, formulas neutralised).


def umask() -> int:
    """The process's file-creation mask (reading it means setting it, so it is set back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
