"""Questionnaire files (long or wide) → one record per participant and timepoint, item by item;
the records checked against the participants file (site, consent and withdrawal dates) and put
in timepoint order."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Instrument
from ..problems import Problems, Severity
from ..schema import ID
from .cells import CellReader, columns_named
from .rawtable import RawTable
from .row_checks import dedupe_records
from .vocabulary import OutOfRange, Roster, Vocabulary, parse_number


@dataclass
class _ItemColumn:
    index: int
    header: str
    instrument: Instrument
    item: str
    timepoint: str | None  # set in the wide layout

    @property
    def name(self) -> str:
        return self.instrument.column(self.item)


def _item_columns(
    cells: CellReader, instruments: dict[str, Instrument], not_checked: frozenset[str] = frozenset()
) -> tuple[list[_ItemColumn], str | None]:
    """Find item columns and the layout (``long``/``wide``) from the header alone.

    Columns of instruments in ``not_checked`` (known, but left out of this check) are
    skipped without a warning."""
    lookup = {(inst.id, item.casefold()): (inst, item) for inst in instruments.values() for item in inst.items}
    tps = cells._timepoints
    found: list[_ItemColumn] = []
    wide = long = 0
    ignored: dict[str | None, list[str]] = {}  # instrument (None: none) -> headers ignored
    for i, header in enumerate(cells.table.columns):
        key = header.strip().casefold()
        if not key or key in (ID, "site", "timepoint", DATE) or _date_column(key, tps):
            continue
        parts = key.split("_")
        hit = None
        if len(parts) >= 3 and parts[-1] in tps:
            match = lookup.get((parts[0], "_".join(parts[1:-1])))
            if match:
                hit = _ItemColumn(i, header, match[0], match[1], tps[parts[-1]])
                wide += 1
        if hit is None and len(parts) >= 2:
            match = lookup.get((parts[0], "_".join(parts[1:])))
            if match:
                hit = _ItemColumn(i, header, match[0], match[1], None)
                long += 1
        if hit:
            found.append(hit)
        elif parts[0] in not_checked:
            continue
        else:
            ignored.setdefault(parts[0] if parts[0] in instruments else None, []).append(header)
    for inst_id, headers in ignored.items():  # one warning per kind, however wide the header
        if len(headers) == 1:
            message = (
                f"not an item of {inst_id} at a known timepoint; column ignored"
                if inst_id
                else "column not recognised; ignored"
            )
        elif inst_id is None:
            message = f"{columns_named(headers, 'column')} not recognised; ignored"
        else:
            message = f"{columns_named(headers, 'column')}: not items of {inst_id} at a known timepoint; ignored"
        cells.add(1, headers[0], None, "unknown-column", message, "warning")
    present: dict[tuple[str, str | None], set[str]] = {}
    for col in found:
        present.setdefault((col.instrument.id, col.timepoint), set()).add(col.item)
    for (inst_id, tp), seen in present.items():
        absent = [i for i in instruments[inst_id].items if i not in seen]
        if absent:
            where = f" at {tp}" if tp else ""
            cells.add(
                1,
                None,
                None,
                "items-absent",
                f"{inst_id}{where}: no column for {'item' if len(absent) == 1 else 'items'} {', '.join(absent)}; "
                "scored as missing",
                "warning",
            )
    if wide and long:
        cells.add(
            1,
            None,
            None,
            "mixed-layout",
            "header mixes long (instrument_item) and wide (instrument_item_timepoint) item columns",
        )
        return [], None
    return found, ("wide" if wide else "long" if long else None)


DATE = "completed_date"  # when a questionnaire was completed: completed_date (long), completed_date_<tp> (wide)


def _date_column(key: str, timepoints: dict[str, str]) -> bool:
    return key.startswith(DATE + "_") and key[len(DATE) + 1 :] in timepoints


Finding = tuple[float, tuple[str, str, Severity] | None]  # value, and (rule, message, severity) of a problem


def _classify(raw: str | None, inst: Instrument, vocab: Vocabulary, out_of_range: OutOfRange) -> Finding:
    """An item's raw cell → its value (NaN when missing or invalid) and the problem it makes, if any."""
    if vocab.is_missing(raw):
        if raw and not raw.strip():
            return math.nan, ("blank-cell", "cell holds only spaces; read as missing", "warning")
        return math.nan, None
    text = str(raw).strip()
    expected = f"{inst.id} items take whole numbers {inst.min} to {inst.max}"
    value = parse_number(text)
    if isinstance(value, str):
        why = expected if value == "expected a number" else f"{value}; {expected}"
        return math.nan, ("not-a-number", why, "error")
    if not value.is_integer():
        return math.nan, ("not-whole", expected, "error")
    if not inst.min <= value <= inst.max:
        if out_of_range == "missing":
            return math.nan, (
                "out-of-range",
                f"outside {inst.id}'s range {inst.min} to {inst.max}; scored as missing",
                "warning",
            )
        return math.nan, ("out-of-range", f"outside {inst.id}'s range {inst.min} to {inst.max}", "error")
    return value, None


def _item_values(cells: CellReader, items: list[_ItemColumn], out_of_range: OutOfRange) -> np.ndarray:
    """Every item cell of a table as a float (rows × items), problems recorded cell by cell.

    A questionnaire column holds a handful of distinct strings ("1" … "5", "", "NA"), so each
    is classified once and looked up after: a large file costs a lookup per cell, not a parse.
    """
    rows, lines = cells.table.rows, cells.table.lines
    values = np.full((len(rows), len(items)), np.nan)
    for j, col in enumerate(items):
        column = [row[col.index] for row in rows]
        found = {raw: _classify(raw, col.instrument, cells.vocab, out_of_range) for raw in set(column)}
        values[:, j] = [found[raw][0] for raw in column]
        flagged = {raw for raw, (_, problem) in found.items() if problem}
        if flagged:
            for raw, line in zip(column, lines):
                problem = found[raw][1] if raw in flagged else None
                if problem is not None:
                    rule, message, severity = problem
                    cells.add(line, col.header, raw, rule, message, severity)
    return values


def questionnaire_records(
    table: RawTable, vocab: Vocabulary, problems: Problems, out_of_range: OutOfRange = "error"
) -> pd.DataFrame:
    """One questionnaire file (long or wide layout) → one row per participant and timepoint.

    Columns: ``participant_id, site, timepoint, <instrument>_<item>…, _file, _line``.
    A timepoint whose items are all missing is no record at all.
    """
    cells = CellReader(table, vocab, problems)
    items, layout = _item_columns(cells, vocab.instruments, vocab.not_checked)
    ok = cells.require(ID)
    if layout == "long" or (layout is None and "timepoint" in cells.column):
        ok = cells.require("timepoint") and ok
    if layout is None:
        configured = ", ".join(sorted(vocab.instruments)) or "none configured"
        cells.add(
            1,
            None,
            None,
            "no-items",
            f"no item columns found: expected instrument_item (long) or instrument_item_timepoint "
            f"(wide) columns of {configured}",
        )
        ok = False
    if not ok:
        return pd.DataFrame()
    has_site = "site" in cells.column
    values = _item_values(cells, items, out_of_range)
    # Which item columns make up the record of each timepoint: all of them in the long layout.
    groups: dict[str | None, list[int]] = {}
    for j, col in enumerate(items):
        groups.setdefault(col.timepoint, []).append(j)
    names = {tp: [items[j].name for j in idx] for tp, idx in groups.items()}
    answered = {tp: ~np.isnan(values[:, idx]).all(axis=1) for tp, idx in groups.items()}
    # key (participant, timepoint), row, timepoint group, site, line, raw cells
    records: list[tuple[tuple[str, str], int, str | None, str | None, int, list[str | None]]] = []
    dates: dict[tuple[int, str], tuple] = {}  # (row, timepoint) -> completion date and its column
    for r, (row, line) in enumerate(zip(table.rows, table.lines)):
        pid = cells.ident(row, line)
        site = cells.site(row, line) if has_site else None
        tp_of_row = cells.timepoint(row, line) if layout == "long" else None
        if pid is None or (has_site and site is None):
            continue
        for group in groups:
            tp = tp_of_row if layout == "long" else group
            if tp is None or not answered[group][r]:
                continue
            column = DATE if layout == "long" else f"{DATE}_{tp.casefold()}"
            dates[(r, tp)] = (cells.dated(row, line, column), cells.header(column))
            records.append(((pid, tp), r, group, site, line, row))
    counts: dict[tuple, int] = {}
    for rec in records:
        counts[rec[0]] = counts.get(rec[0], 0) + 1

    def as_dict(r: int, group: str | None, site: str | None) -> dict:
        return {**dict(zip(names[group], values[r, groups[group]].tolist())), "site": site}

    repeated = [(key, as_dict(r, g, site), line, raw) for key, r, g, site, line, raw in records if counts[key] > 1]
    kept_repeats = dedupe_records(cells, repeated, lambda k: f"participant {k[0]} at {k[1]}")
    parts = []
    for group in groups:
        mine = [rec for rec in records if rec[2] == group and (counts[rec[0]] == 1 or rec[0] in kept_repeats)]
        first: dict[tuple[str, str], tuple] = {}
        for rec in mine:
            first.setdefault(rec[0], rec)  # first of identical repeats
        mine = list(first.values())
        if not mine:
            continue
        part = pd.DataFrame(values[[rec[1] for rec in mine]][:, groups[group]], columns=names[group])
        part.insert(0, "timepoint", [rec[0][1] for rec in mine])
        part.insert(0, ID, [rec[0][0] for rec in mine])
        part["site"] = [rec[3] for rec in mine]
        part[DATE] = pd.to_datetime([dates[(rec[1], rec[0][1])][0] for rec in mine])
        part["_date_column"] = [dates[(rec[1], rec[0][1])][1] for rec in mine]
        part["_file"] = str(table.path)
        part["_line"] = [rec[4] for rec in mine]
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def merge_questionnaires(parts: list[pd.DataFrame], problems: Problems) -> pd.DataFrame:
    """Combine per-file records; the same item given twice with different values is an error."""
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=[ID, "site", "timepoint", DATE])
    if len(parts) == 1:  # one file: its records are already one per participant and timepoint
        return _ordered(parts[0])
    merged: dict[tuple, dict] = {}
    for part in parts:
        for rec in part.to_dict("records"):
            key = (rec[ID], rec["timepoint"])
            if key not in merged:
                merged[key] = rec
                continue
            base = merged[key]
            for col, value in rec.items():
                if col.startswith("_") or col in (ID, "timepoint"):
                    continue
                old = base.get(col)
                if pd.isna(old):
                    base[col] = value
                elif not pd.isna(value) and value != old:
                    problems.add(
                        rec["_file"],
                        line=rec["_line"],
                        column=col,
                        value=value,
                        rule="duplicate-conflict",
                        message=f"participant {key[0]} at {key[1]}: differs from {base['_file']} "
                        f"line {base['_line']} (value {old!r})",
                    )
    return _ordered(pd.DataFrame(list(merged.values())))


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Identifying columns, the completion date, then items in instrument and item order."""
    lead = [ID, "site", "timepoint", DATE]
    item_cols = [c for c in frame.columns if c not in lead and not c.startswith("_")]
    return frame[[*lead, *sorted(item_cols, key=_item_sort_key), "_date_column", "_file", "_line"]]


def _item_sort_key(column: str) -> tuple:
    inst, _, item = column.partition("_")
    return (inst, int(item) if item.isdigit() else math.inf, item)


def attach_sites(
    questionnaires: pd.DataFrame, participants: pd.DataFrame, problems: Problems, roster: Roster | None
) -> pd.DataFrame:
    """Site comes from the participants file; a questionnaire naming another site is an error.

    With a ``roster``, a participant the participants file names but left out (for an error
    reported there) is left out here without a word, and an unknown one is reported at its
    first record in each file. Without one (the participants file could not be read), no
    record can be given a site, and none is kept.
    """
    if questionnaires.empty:
        return questionnaires
    if roster is None:
        return questionnaires.iloc[:0]
    known = dict(zip(participants[ID], participants["site"]))
    keep = []
    reported: set[tuple[str, str]] = set()
    for i, rec in questionnaires.iterrows():
        pid = rec[ID]
        if pid not in known:
            if pid not in roster.withheld and (rec["_file"], pid) not in reported:
                reported.add((rec["_file"], pid))
                problems.add(
                    rec["_file"],
                    line=rec["_line"],
                    column=ID,
                    value=pid,
                    rule="unknown-participant",
                    message=roster.unknown(pid),
                )
            continue
        site = rec.get("site")
        if isinstance(site, str) and site != known[pid]:
            problems.add(
                rec["_file"],
                line=rec["_line"],
                column="site",
                value=site,
                rule="site-conflict",
                message=f"participants file puts {pid} at site {known[pid]}",
            )
            continue
        keep.append(i)
    out = questionnaires.loc[keep].copy()
    out["site"] = out[ID].map(known)
    return out


def in_timepoint_order(frame: pd.DataFrame, timepoints: list[str]) -> pd.DataFrame:
    """Records by participant, then in the study's timepoint order."""
    if frame.empty:
        return frame
    order = frame["timepoint"].map({t: i for i, t in enumerate(timepoints)})
    return (
        frame.assign(_o=order)
        .sort_values(["participant_id", "_o"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def check_completion_dates(questionnaires: pd.DataFrame, people: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """A questionnaire completed before its participant consented, or after they withdrew, is an
    error at its line (and its date is read as missing)."""
    if questionnaires.empty or "completed_date" not in questionnaires or "consent_date" not in people:
        return questionnaires
    bounds = people.set_index(ID)[["consent_date", "withdrawn_date"]]
    joined = bounds.reindex(questionnaires[ID]).reset_index(drop=True)
    when = questionnaires["completed_date"]
    early = (when < joined["consent_date"]).fillna(False).to_numpy()
    late = (when > joined["withdrawn_date"]).fillna(False).to_numpy()
    for i in np.flatnonzero(early | late):
        rec = questionnaires.iloc[i]
        bound, what = (
            (joined["consent_date"][i], "consent") if early[i] else (joined["withdrawn_date"][i], "withdrawal")
        )
        problems.add(
            rec["_file"],
            line=rec["_line"],
            column=rec["_date_column"],
            value=rec["completed_date"].date().isoformat(),
            rule="date-order",
            message=f"{rec[ID]} completed {rec['timepoint']} {'before' if early[i] else 'after'} {what} "
            f"({bound.date().isoformat()})",
        )
    out = questionnaires.copy()
    out.loc[early | late, "completed_date"] = pd.NaT
    return out
