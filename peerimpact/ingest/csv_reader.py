"""CSV files read into raw tables: UTF-8 (or UTF-16, or Windows-1252 with a warning), commas,
semicolons or tabs, quoted cells that span lines, and every row kept with the physical line
it starts on."""

from __future__ import annotations

import csv
import re
from io import StringIO
from pathlib import Path

from ..limits import current
from ..problems import Problems
from ..text import plural, restore
from .rawtable import RawTable, check_shape, refuse_too_many_rows, shorten


def _decode(path: Path, problems: Problems) -> str:
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode Text" export
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(
            path,
            line=line,
            rule="encoding",
            message="file is not UTF-8; read as Windows-1252 (save as 'CSV UTF-8' to avoid this)",
            severity="warning",
        )
        return data.decode("cp1252", errors="replace")


def read_csv(path: Path, problems: Problems) -> RawTable | None:
    """CSV with or without a UTF-8 BOM, LF or CRLF endings; quoted fields may span lines."""
    text = _decode(path, problems)
    if "\0" in text:  # no text file holds NUL bytes: this one is binary, or damaged
        nul_lines = [number for number, line in enumerate(text.split("\n"), start=1) if "\0" in line]
        for number in nul_lines[:20]:
            problems.add(
                path,
                line=number,
                rule="binary",
                message="line holds NUL bytes: the file is not a text (CSV) file, or is damaged",
            )
        if len(nul_lines) > 20:
            problems.add(
                path,
                line=nul_lines[20],
                rule="binary",
                message=f"and {plural(len(nul_lines) - 20, 'more line')} with NUL bytes",
            )
        return None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") and sample.count(";") > sample.count("\t") else ","
    if sample.count("\t") > max(sample.count(","), sample.count(";")):
        delimiter = "\t"
    quotechar = '"'
    _check_csv_shape(text, delimiter, quotechar)
    reader = csv.reader(StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
    limit = current().rows
    columns: list[str] | None = None
    rows: list[list[str | None]] = []
    lines: list[int] = []
    end = 0
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            if columns is None:
                columns = [c.strip() for c in record]
                continue
            if not record or all(not c.strip() for c in record):
                continue  # blank line or a row of empty cells: nothing to read
            if len(record) > len(columns) and any(c.strip() for c in record[len(columns) :]):
                problems.add(
                    path,
                    line=start,
                    rule="ragged-row",
                    message=f"row has {plural(len(record), 'cell')} but the header has {len(columns)}",
                )
            record = (record + [""] * len(columns))[: len(columns)]
            rows.append([restore(c) if c != "" else None for c in record])
            lines.append(start)
            if len(rows) > limit:
                refuse_too_many_rows(start)
    except csv.Error as exc:
        problems.add(
            path,
            line=end + 1,
            value=shorten(_line_of(text, end + 1)),
            rule="csv-syntax",
            message=f"cannot parse CSV: {exc}",
        )
    else:
        # The last row's lines hold an odd number of quotes, none of them kept in a cell as a
        # literal character: a quote opened there was never closed, and swallowed the rest of the file.
        tail = "".join(text.splitlines(keepends=True)[lines[-1] - 1 :]) if rows else ""
        if tail.count(quotechar) % 2 and not any(quotechar in (c or "") for c in rows[-1]):
            problems.add(
                path,
                line=lines[-1],
                value=shorten(_line_of(text, lines[-1])),
                rule="csv-syntax",
                message="a quoted cell that starts on this line is never closed: every line after it was read "
                "into that one cell",
            )
            del rows[-1], lines[-1]  # its cells hold the rest of the file: checking them says nothing more
    if columns is None:
        problems.add(path, line=1, rule="empty-file", message="file is empty: expected a header line")
        return None
    return RawTable(path, columns, rows, lines)


def _line_of(text: str, number: int) -> str:
    """Physical line ``number`` (1-based) of ``text``, without reading past it."""
    start = 0
    for _ in range(number - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end].rstrip("\r")


# A quoted CSV field on one line: its delimiters are not field separators.
_QUOTED = re.compile(r'"[^"\n]*"')


def _check_csv_shape(text: str, delimiter: str, quotechar: str) -> None:
    """Refuse a CSV too wide, or with too many cells, before parsing it: the header's fields are
    counted on its line (delimiters outside quotes) and rows by lines, an upper bound."""
    ending = "\n" if "\n" in text else "\r"  # a file from an old Mac ends its lines with CR alone
    end = text.find(ending)
    first = text if end < 0 else text[:end]
    columns = first.count(delimiter) + 1
    if columns > current().columns and quotechar in first:
        columns = _QUOTED.sub("", first).count(delimiter) + 1  # quoted names may hold delimiters
    rows = text.count(ending) - (1 if text.endswith(ending) else 0)
    check_shape(columns, rows, rows_exact=False)
