"""Coded interviews: the codebook and its excerpts → canonical frames."""

from __future__ import annotations

import pandas as pd

from ..problems import Problems
from ..schema import CODEBOOK_COLUMNS, EXCERPT_COLUMNS, ID
from .cells import CellReader
from .lookalike import difference, lookalike, nfc, skeleton
from .rawtable import RawTable
from .row_checks import check_known_participant
from .vocabulary import Roster, Vocabulary


def codebook(table: RawTable, vocab: Vocabulary, problems: Problems) -> pd.DataFrame:
    """Codebook: one row per code with its theme; themes keep the order they first appear in.

    Code ids, names and themes are read in composed form (NFC); one that looks like another
    of its column (in case, spaces or Unicode form) but is other text is an error."""
    cells = CellReader(table, vocab, problems)
    if not cells.require("code_id", "code", "theme"):
        return pd.DataFrame(columns=CODEBOOK_COLUMNS)
    cells.unknown_columns(CODEBOOK_COLUMNS)
    rows: list[dict[str, str | None]] = []
    seen: dict[str, int] = {}  # id -> the line it is first listed at
    for row, line in zip(table.rows, table.lines):
        code_id = cells.ident(row, line, "code_id")
        values = {
            "code": cells.text(row, "code"),
            "theme": cells.text(row, "theme"),
            "description": cells.text(row, "description") or "",
        }
        distinct = True
        for name in ("code", "theme"):
            value = values[name]
            if not value:
                cells.add(line, cells.header(name), cells.raw(row, name), "empty", f"{name} is empty")
            else:
                values[name] = value = nfc(value)
                distinct = cells.distinct(line, name, value, cells.raw(row, name)) and distinct
        if code_id is None or not values["code"] or not values["theme"] or not distinct:
            continue
        if code_id in seen:
            cells.add(
                line,
                cells.header("code_id"),
                code_id,
                "duplicate-code",
                f"code listed twice (first at line {seen[code_id]})",
            )
            continue
        seen[code_id] = line
        rows.append({"code_id": code_id, **values})
    return pd.DataFrame(rows, columns=CODEBOOK_COLUMNS)


def excerpts(
    table: RawTable, vocab: Vocabulary, problems: Problems, codes: set[str], roster: Roster | None
) -> pd.DataFrame:
    """Coded excerpts: ``codes`` holds one or more code ids separated by ``;``.

    Participants are checked against ``roster`` (see
    :func:`~peerimpact.ingest.records.read_participants`); a code that is not in the codebook
    is an error, which names the code it looks like, if one does."""
    cells = CellReader(table, vocab, problems)
    if not cells.require(*EXCERPT_COLUMNS):
        return pd.DataFrame(columns=EXCERPT_COLUMNS)
    cells.unknown_columns(EXCERPT_COLUMNS)
    shapes = {skeleton(c): c for c in codes}
    rows: list[dict[str, str | None]] = []
    seen: dict[str, int] = {}  # id -> the line it is first listed at
    for row, line in zip(table.rows, table.lines):
        excerpt_id = cells.ident(row, line, "excerpt_id")
        pid = cells.ident(row, line)
        tp = cells.timepoint(row, line)
        raw_codes = cells.raw(row, "codes") or ""
        listed = [nfc(c.strip()) for c in raw_codes.split(";") if c.strip()]
        for code in listed:
            if code not in codes:
                other = lookalike(code, shapes)
                hint = f"; it looks like the code {other!r}, but {difference(code, other)}" if other else ""
                cells.add(line, cells.header("codes"), code, "unknown-code", f"code is not in the codebook{hint}")
        if not listed:
            cells.add(line, cells.header("codes"), raw_codes, "no-code", "excerpt has no code")
        text = cells.raw(row, "text")
        if text is None or not text.strip():
            cells.add(line, cells.header("text"), text, "empty-text", "excerpt text is empty")
        known = check_known_participant(cells, pid, line, roster)
        if excerpt_id in seen:
            cells.add(
                line,
                cells.header("excerpt_id"),
                excerpt_id,
                "duplicate-excerpt",
                f"excerpt id used twice (first at line {seen[excerpt_id]})",
            )
            continue
        if excerpt_id is None or not known or tp is None or not listed or text is None or not text.strip():
            continue
        if any(code not in codes for code in listed):
            continue
        seen[excerpt_id] = line
        rows.append(
            {
                "excerpt_id": excerpt_id,
                ID: pid,
                "timepoint": tp,
                "codes": ";".join(dict.fromkeys(listed)),
                "text": text.strip(),
            }
        )
    return pd.DataFrame(rows, columns=EXCERPT_COLUMNS)
