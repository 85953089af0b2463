"""Validation: raw cells in, canonical pandas frames out, every problem collected.

Nothing here stops at the first problem. Each check records the file, the physical
line, the column, the raw value and the rule, then carries on, so that a user fixes a
file once. Errors are kept out of the canonical frames; warnings say what was normalised.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Callable, Iterable, Literal

import numpy as np
import pandas as pd

from .config import DEFAULT_MISSING_CODES, Instrument
from .io import RawTable
from .problems import Problems

OutOfRange = Literal["error", "missing"]

ID = "participant_id"
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}

# Participant columns with a known meaning; any other column is kept as text (e.g. for cohorts).
PARTICIPANT_NUMBERS = {
    "age": (16, 100),
    "months_in_post": (0, 600),
    "contracted_hours": (0, 80),
    "sick_days": (0, 366),
}
PARTICIPANT_CATEGORIES = [
    "gender", "sexual_orientation", "ethnicity", "highest_education_level", "marital_status", "religion",
]
PARTICIPANT_FLAGS = ["english_first_language", "child_under_18_in_household"]
CONTRACT_TYPES = ["contracted", "bank"]
CONTACT_MODES = ["face_to_face", "telephone"]
SERVICE_USE_COLUMNS = [ID, "timepoint", "service", "contact"]
CODEBOOK_COLUMNS = ["code_id", "code", "theme", "description"]
EXCERPT_COLUMNS = ["excerpt_id", ID, "timepoint", "codes", "text"]
CONTACT_COLUMNS = [ID, "person_id", "date", "mode", "duration_minutes", "completed"]


@dataclass
class Vocabulary:
    """What values a study's files may hold (from ``study.yml`` and the instruments)."""

    timepoints: list[str] = field(default_factory=lambda: ["T1", "T2", "T3"])
    sites: list[str] | None = None
    instruments: dict[str, Instrument] = field(default_factory=dict)
    missing_codes: list[str] = field(default_factory=lambda: list(DEFAULT_MISSING_CODES))
    services: dict[str, str] = field(default_factory=dict)
    categories: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {code: label}
    not_checked: frozenset[str] = frozenset()  # instruments left out on purpose: their columns pass unremarked

    def __post_init__(self) -> None:
        numeric, text = set(), set()
        for code in self.missing_codes:
            code = code.strip()
            if not code:
                continue
            try:
                numeric.add(float(code))
            except ValueError:
                text.add(code.casefold())
        self._missing_numbers, self._missing_text = numeric, text

    def is_missing(self, raw: str | None) -> bool:
        """Blank, whitespace-only or one of the missing codes (``-99`` also matches ``-99.0``)."""
        if raw is None or not raw.strip():
            return True
        text = raw.strip()
        if text.casefold() in self._missing_text:
            return True
        try:
            return float(text) in self._missing_numbers
        except ValueError:
            return False


class _Cells:
    """Reads typed values out of one raw table, recording a problem for every bad cell."""

    def __init__(self, table: RawTable, vocab: Vocabulary, problems: Problems) -> None:
        self.table, self.vocab, self.problems = table, vocab, problems
        self.column = {c.strip().casefold(): i for i, c in enumerate(table.columns) if c.strip()}
        self._sites = {s.casefold(): s for s in vocab.sites} if vocab.sites else None
        self._timepoints = {t.casefold(): t for t in vocab.timepoints}

    def add(self, line: int | None, column: str | None, value: object, rule: str, message: str,
            severity: Literal["error", "warning"] = "error") -> None:
        self.problems.add(self.table.path, line, column, value, rule, message, severity)

    def require(self, *names: str) -> bool:
        missing = [n for n in names if n not in self.column]
        for name in missing:
            self.add(1, name, None, "column-missing", f"required column {name!r} is missing from the header")
        return not missing

    def raw(self, row: list[str | None], name: str) -> str | None:
        i = self.column.get(name)
        return None if i is None else row[i]

    def header(self, name: str) -> str:
        i = self.column.get(name)
        return name if i is None else self.table.columns[i]

    def labelled(self, row: list[str | None], name: str) -> str | None:
        """The cell, with an SPSS value label in place of its code where one exists."""
        raw = self.raw(row, name)
        labels = self.table.value_labels.get(self.header(name), {})
        return labels.get(raw, raw) if raw is not None else None

    def ident(self, row: list[str | None], line: int, name: str = ID, *, required: bool = True) -> str | None:
        raw = self.raw(row, name)
        if raw is None or not raw.strip():
            if required:
                self.add(line, self.header(name), raw, "id-missing", "identifier is empty")
            return None
        value = raw.strip()
        if not value.isprintable():
            self.add(line, self.header(name), raw, "id-control",
                     "identifier holds a control character (a tab, escape or other invisible character)")
            return None
        if value != raw:
            self.add(line, self.header(name), raw, "id-whitespace",
                     f"surrounding whitespace removed: read as {value!r}", "warning")
        return value

    def site(self, row: list[str | None], line: int, name: str = "site") -> str | None:
        raw = self.labelled(row, name)
        if raw is None or not raw.strip():
            self.add(line, self.header(name), raw, "site-missing", "site is empty")
            return None
        text = raw.strip()
        if self._sites is None:
            canonical = text.upper()
        elif text.casefold() in self._sites:
            canonical = self._sites[text.casefold()]
        else:
            self.add(line, self.header(name), raw, "unknown-site",
                     f"unknown site; the study's sites are {', '.join(self.vocab.sites or [])}")
            return None
        if canonical != raw:
            what = "surrounding whitespace removed" if canonical == raw.strip() else "site code normalised"
            self.add(line, self.header(name), raw, "site-normalised", f"{what}: read as {canonical!r}", "warning")
        return canonical

    def timepoint(self, row: list[str | None], line: int, name: str = "timepoint") -> str | None:
        raw = self.raw(row, name)
        text = (raw or "").strip()
        if not text:
            self.add(line, self.header(name), raw, "timepoint-missing", "timepoint is empty")
            return None
        canonical = self._timepoints.get(text.casefold())
        if canonical is None:
            self.add(line, self.header(name), raw, "unknown-timepoint",
                     f"unknown timepoint; the study's timepoints are {', '.join(self.vocab.timepoints)}")
            return None
        if canonical != raw:
            self.add(line, self.header(name), raw, "timepoint-normalised", f"read as {canonical!r}", "warning")
        return canonical

    def number(self, row: list[str | None], line: int, name: str,
               bounds: tuple[float, float] | None = None) -> float:
        raw = self.raw(row, name)
        if self.vocab.is_missing(raw):
            return math.nan
        try:
            value = float(str(raw).strip())
        except ValueError:
            self.add(line, self.header(name), raw, "not-a-number", "expected a number")
            return math.nan
        if bounds and not bounds[0] <= value <= bounds[1]:
            self.add(line, self.header(name), raw, "out-of-range",
                     f"outside the plausible range {bounds[0]:g} to {bounds[1]:g}")
            return math.nan
        return value

    def level(self, row: list[str | None], line: int, name: str, codes: dict[str, str]) -> str | None:
        """A category given by its code or its label (ignoring case); the label is kept."""
        raw = self.labelled(row, name)
        if self.vocab.is_missing(raw):
            return None
        options = {**{c.casefold(): lab for c, lab in codes.items()}, **{lab.casefold(): lab for lab in codes.values()}}
        key = str(raw).strip().casefold()
        if key not in options:
            self.add(line, self.header(name), raw, "unknown-value", f"expected one of {', '.join(codes.values())}")
            return None
        return options[key]

    def choice(self, row: list[str | None], line: int, name: str, allowed: Iterable[str]) -> str | None:
        """One of ``allowed``, ignoring case and spaces vs underscores."""
        raw = self.labelled(row, name)
        if self.vocab.is_missing(raw):
            return None
        options = {a.casefold(): a for a in allowed}
        key = str(raw).strip().casefold().replace(" ", "_").replace("-", "_")
        if key not in options:
            self.add(line, self.header(name), raw, "unknown-value", f"expected one of {', '.join(options.values())}")
            return None
        return options[key]

    def flag(self, row: list[str | None], line: int, name: str) -> bool | None:
        raw = self.labelled(row, name)
        if self.vocab.is_missing(raw):
            return None
        text = str(raw).strip().casefold()
        if text in YES:
            return True
        if text in NO:
            return False
        self.add(line, self.header(name), raw, "not-yes-no", "expected yes or no")
        return None

    def text(self, row: list[str | None], name: str) -> str | None:
        raw = self.labelled(row, name)
        return None if self.vocab.is_missing(raw) else str(raw).strip()

    def date(self, row: list[str | None], line: int, name: str) -> dt.date | None:
        raw = self.raw(row, name)
        if self.vocab.is_missing(raw):
            return None
        text = str(raw).strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        self.add(line, self.header(name), raw, "not-a-date", "expected a date as YYYY-MM-DD or DD/MM/YYYY")
        return None


def _same(a: dict, b: dict) -> bool:
    for k in a.keys() | b.keys():
        x, y = a.get(k), b.get(k)
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if x != y:
            return False
    return True


def _dedupe(cells: _Cells, records: list[tuple[tuple, dict, int, list]], describe: Callable[[tuple], str]
            ) -> dict[tuple, tuple[dict, int]]:
    """Keep one record per key: identical repeats are dropped (warning), conflicting ones are errors."""
    kept: dict[tuple, tuple[dict, int, list]] = {}
    conflicted: set[tuple] = set()
    warned: set[int] = set()  # a wide row holds several records: one warning per line is enough
    for key, values, line, raw in records:
        if key not in kept:
            kept[key] = (values, line, raw)
            continue
        first_values, first_line, first_raw = kept[key]
        if _same(values, first_values):
            if line not in warned:
                how = "identical to" if raw == first_raw else "same values as"
                cells.add(line, cells.header(ID), key[0], "duplicate-row",
                          f"row is {how} line {first_line}; dropped", "warning")
                warned.add(line)
        else:
            differing = sorted(k for k in values if not _same({k: values.get(k)}, {k: first_values.get(k)}))
            cells.add(line, cells.header(ID), key[0], "duplicate-conflict",
                      f"{describe(key)} appears again (first at line {first_line}) with different values "
                      f"in {', '.join(differing[:5])}{' …' if len(differing) > 5 else ''}")
            conflicted.add(key)
    return {k: (v, line) for k, (v, line, _) in kept.items() if k not in conflicted}


# --------------------------------------------------------------------------- questionnaires


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


def _item_columns(cells: _Cells, instruments: dict[str, Instrument], not_checked: frozenset[str] = frozenset()
                  ) -> tuple[list[_ItemColumn], str | None]:
    """Find item columns and the layout (``long``/``wide``) from the header alone.

    Columns of instruments in ``not_checked`` (known, but left out of this check) are
    skipped without a warning."""
    lookup = {(inst.id, item.casefold()): (inst, item) for inst in instruments.values() for item in inst.items}
    tps = cells._timepoints
    found: list[_ItemColumn] = []
    wide = long = 0
    ignored: list[tuple[str, str]] = []
    for i, header in enumerate(cells.table.columns):
        key = header.strip().casefold()
        if not key or key in (ID, "site", "timepoint"):
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
        elif parts[0] in instruments:
            ignored.append((header, f"not an item of {parts[0]} at a known timepoint; column ignored"))
        else:
            ignored.append((header, "column not recognised; ignored"))
    for header, message in ignored:
        cells.add(1, header, None, "unknown-column", message, "warning")
    present: dict[tuple[str, str | None], set[str]] = {}
    for col in found:
        present.setdefault((col.instrument.id, col.timepoint), set()).add(col.item)
    for (inst_id, tp), seen in present.items():
        absent = [i for i in instruments[inst_id].items if i not in seen]
        if absent:
            where = f" at {tp}" if tp else ""
            cells.add(1, None, None, "items-absent",
                      f"{inst_id}{where}: no column for {'item' if len(absent) == 1 else 'items'} {', '.join(absent)}; "
                      "scored as missing", "warning")
    if wide and long:
        cells.add(1, None, None, "mixed-layout",
                  "header mixes long (instrument_item) and wide (instrument_item_timepoint) item columns")
        return [], None
    return found, ("wide" if wide else "long" if long else None)


Finding = tuple[float, tuple[str, str, str] | None]  # value, and (rule, message, severity) of a problem


def _classify(raw: str | None, inst: Instrument, vocab: Vocabulary, out_of_range: OutOfRange) -> Finding:
    """An item's raw cell → its value (NaN when missing or invalid) and the problem it makes, if any."""
    if vocab.is_missing(raw):
        if raw and not raw.strip():
            return math.nan, ("blank-cell", "cell holds only spaces; read as missing", "warning")
        return math.nan, None
    text = str(raw).strip()
    expected = f"{inst.id} items take whole numbers {inst.min} to {inst.max}"
    try:
        value = float(text)
    except ValueError:
        return math.nan, ("not-a-number", expected, "error")
    if not value.is_integer():
        return math.nan, ("not-whole", expected, "error")
    if not inst.min <= value <= inst.max:
        if out_of_range == "missing":
            return math.nan, ("out-of-range", f"outside {inst.id}'s range {inst.min} to {inst.max}; scored as "
                              "missing", "warning")
        return math.nan, ("out-of-range", f"outside {inst.id}'s range {inst.min} to {inst.max}", "error")
    return value, None


def _item_values(cells: _Cells, items: list["_ItemColumn"], out_of_range: OutOfRange) -> np.ndarray:
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
                if raw in flagged:
                    rule, message, severity = found[raw][1]
                    cells.add(line, col.header, raw, rule, message, severity)  # type: ignore[arg-type]
    return values


def questionnaire_records(table: RawTable, vocab: Vocabulary, problems: Problems,
                          out_of_range: OutOfRange = "error") -> pd.DataFrame:
    """One questionnaire file (long or wide layout) → one row per participant and timepoint.

    Columns: ``participant_id, site, timepoint, <instrument>_<item>…, _file, _line``.
    A timepoint whose items are all missing is no record at all.
    """
    cells = _Cells(table, vocab, problems)
    items, layout = _item_columns(cells, vocab.instruments, vocab.not_checked)
    ok = cells.require(ID)
    if layout == "long" or (layout is None and "timepoint" in cells.column):
        ok = cells.require("timepoint") and ok
    if layout is None:
        names = ", ".join(sorted(vocab.instruments)) or "none configured"
        cells.add(1, None, None, "no-items",
                  f"no item columns found: expected instrument_item (long) or instrument_item_timepoint "
                  f"(wide) columns of {names}")
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
    records: list[tuple[tuple, int, list, str | None, int, list]] = []  # key, row, tp group, site, line, raw
    for r, (row, line) in enumerate(zip(table.rows, table.lines)):
        pid = cells.ident(row, line)
        site = cells.site(row, line) if has_site else None
        tp_of_row = cells.timepoint(row, line) if layout == "long" else None
        if pid is None or (has_site and site is None):
            continue
        for group, idx in groups.items():
            tp = tp_of_row if layout == "long" else group
            if tp is None or not answered[group][r]:
                continue
            records.append(((pid, tp), r, group, site, line, row))
    counts: dict[tuple, int] = {}
    for rec in records:
        counts[rec[0]] = counts.get(rec[0], 0) + 1

    def as_dict(r: int, group: str | None, site: str | None) -> dict:
        return {**dict(zip(names[group], values[r, groups[group]].tolist())), "site": site}

    repeated = [(key, as_dict(r, g, site), line, raw) for key, r, g, site, line, raw in records if counts[key] > 1]
    kept_repeats = _dedupe(cells, repeated, lambda k: f"participant {k[0]} at {k[1]}")
    parts = []
    for group in groups:
        mine = [rec for rec in records if rec[2] == group and (counts[rec[0]] == 1 or rec[0] in kept_repeats)]
        seen: set[tuple] = set()
        mine = [rec for rec in mine if not (rec[0] in seen or seen.add(rec[0]))]  # first of identical repeats
        if not mine:
            continue
        part = pd.DataFrame(values[[rec[1] for rec in mine]][:, groups[group]], columns=names[group])
        part.insert(0, "timepoint", [rec[0][1] for rec in mine])
        part.insert(0, ID, [rec[0][0] for rec in mine])
        part["site"] = [rec[3] for rec in mine]
        part["_file"] = str(table.path)
        part["_line"] = [rec[4] for rec in mine]
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def merge_questionnaires(parts: list[pd.DataFrame], problems: Problems) -> pd.DataFrame:
    """Combine per-file records; the same item given twice with different values is an error."""
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=[ID, "site", "timepoint"])
    if len(parts) == 1:  # one file: its records are already one per participant and timepoint
        frame = parts[0]
        item_cols = [c for c in frame.columns if c not in (ID, "site", "timepoint") and not c.startswith("_")]
        return frame[[ID, "site", "timepoint", *sorted(item_cols, key=_item_sort_key), "_file", "_line"]]
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
                if old is None or (isinstance(old, float) and math.isnan(old)):
                    base[col] = value
                elif not (isinstance(value, float) and math.isnan(value)) and value != old:
                    problems.add(rec["_file"], rec["_line"], col, value, "duplicate-conflict",
                                 f"participant {key[0]} at {key[1]}: differs from {base['_file']} "
                                 f"line {base['_line']} (value {old!r})")
    frame = pd.DataFrame(list(merged.values()))
    item_cols = [c for c in frame.columns if c not in (ID, "site", "timepoint") and not c.startswith("_")]
    return frame[[ID, "site", "timepoint", *sorted(item_cols, key=_item_sort_key), "_file", "_line"]]


def _item_sort_key(column: str) -> tuple:
    inst, _, item = column.partition("_")
    return (inst, int(item) if item.isdigit() else math.inf, item)


def attach_sites(questionnaires: pd.DataFrame, participants: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """Site comes from the participants file; a questionnaire naming another site is an error."""
    if questionnaires.empty:
        return questionnaires
    known = dict(zip(participants[ID], participants["site"]))
    keep = []
    for i, rec in questionnaires.iterrows():
        pid = rec[ID]
        if pid not in known:
            problems.add(rec["_file"], rec["_line"], ID, pid, "unknown-participant",
                         "participant is not in the participants file")
            continue
        site = rec.get("site")
        if isinstance(site, str) and site != known[pid]:
            problems.add(rec["_file"], rec["_line"], "site", site, "site-conflict",
                         f"participants file puts {pid} at site {known[pid]}")
            continue
        keep.append(i)
    out = questionnaires.loc[keep].copy()
    out["site"] = out[ID].map(known)
    return out


# --------------------------------------------------------------------------- other files


def participants(table: RawTable, vocab: Vocabulary, problems: Problems) -> pd.DataFrame:
    """Participants file → one row per peer worker; known columns typed, others kept as text."""
    cells = _Cells(table, vocab, problems)
    if not cells.require(ID, "site"):
        return empty_participants()
    known = {ID, "site", "contract_type", *PARTICIPANT_NUMBERS, *PARTICIPANT_CATEGORIES, *PARTICIPANT_FLAGS}
    extra = [c for c in cells.column if c not in known]
    records = []
    for row, line in zip(table.rows, table.lines):
        pid, site = cells.ident(row, line), cells.site(row, line)
        values: dict = {"site": site}
        for name in PARTICIPANT_CATEGORIES + extra:
            if name in vocab.categories:
                values[name] = cells.level(row, line, name, vocab.categories[name])
            else:
                values[name] = cells.text(row, name)
        for name in PARTICIPANT_FLAGS:
            values[name] = cells.flag(row, line, name)
        values["contract_type"] = cells.choice(row, line, "contract_type", CONTRACT_TYPES)
        for name, bounds in PARTICIPANT_NUMBERS.items():
            values[name] = cells.number(row, line, name, bounds)
        if pid is not None and site is not None:
            records.append(((pid,), values, line, row))
    kept = _dedupe(cells, records, lambda k: f"participant {k[0]}")
    frame = pd.DataFrame([{ID: k[0], **v} for k, (v, _) in kept.items()])
    if frame.empty:
        return empty_participants()
    levels = {**{c: list(codes.values()) for c, codes in vocab.categories.items()}, "contract_type": CONTRACT_TYPES}
    for name in PARTICIPANT_CATEGORIES + [c for c in extra if c in vocab.categories] + ["contract_type"]:
        if name in levels:
            frame[name] = pd.Categorical(frame[name], categories=levels[name])
        else:
            frame[name] = frame[name].astype("category")
    for name in PARTICIPANT_FLAGS:
        frame[name] = frame[name].astype("boolean")
    for name in PARTICIPANT_NUMBERS:
        frame[name] = frame[name].astype(float)
    frame["site"] = pd.Categorical(frame["site"], categories=vocab.sites) if vocab.sites else frame["site"]
    return frame.sort_values(ID, kind="stable").reset_index(drop=True)


def empty_participants() -> pd.DataFrame:
    return pd.DataFrame(columns=[ID, "site"])


def _check_participant(cells: _Cells, pid: str | None, line: int, ids: set[str] | None) -> bool:
    if pid is None:
        return False
    if ids is not None and pid not in ids:
        cells.add(line, cells.header(ID), pid, "unknown-participant", "participant is not in the participants file")
        return False
    return True


def service_use(table: RawTable, vocab: Vocabulary, problems: Problems, ids: set[str] | None) -> pd.DataFrame:
    """Service use (one row per participant, timepoint and service) with ``contact`` yes/no."""
    cells = _Cells(table, vocab, problems)
    if not cells.require(*SERVICE_USE_COLUMNS):
        return pd.DataFrame(columns=SERVICE_USE_COLUMNS)
    names = {**{k: k for k in vocab.services}, **{label.casefold(): k for k, label in vocab.services.items()}}
    records = []
    for row, line in zip(table.rows, table.lines):
        pid = cells.ident(row, line)
        tp = cells.timepoint(row, line)
        raw_service = cells.raw(row, "service")
        service = names.get((raw_service or "").strip().casefold()) if names else (raw_service or "").strip()
        if not service:
            cells.add(line, cells.header("service"), raw_service, "unknown-service",
                      "unknown service; the study's services are listed in study.yml")
        contact = cells.flag(row, line, "contact")
        if _check_participant(cells, pid, line, ids) and tp and service:
            records.append(((pid, tp, service), {"contact": contact}, line, row))
    kept = _dedupe(cells, records, lambda k: f"participant {k[0]} at {k[1]}, service {k[2]}")
    frame = pd.DataFrame([{ID: k[0], "timepoint": k[1], "service": k[2], **v} for k, (v, _) in kept.items()],
                         columns=SERVICE_USE_COLUMNS)
    frame["contact"] = frame["contact"].astype("boolean")
    return frame


def contacts(table: RawTable, vocab: Vocabulary, problems: Problems, ids: set[str] | None) -> pd.DataFrame:
    """The contact log: one row per contact between a peer worker and a person supported."""
    cells = _Cells(table, vocab, problems)
    if not cells.require(*CONTACT_COLUMNS):
        return pd.DataFrame(columns=CONTACT_COLUMNS)
    rows = []
    for row, line in zip(table.rows, table.lines):
        pid = cells.ident(row, line)
        person = cells.ident(row, line, "person_id")
        date = cells.date(row, line, "date")
        mode = cells.choice(row, line, "mode", CONTACT_MODES)
        minutes = cells.number(row, line, "duration_minutes", (0, 24 * 60))
        completed = cells.flag(row, line, "completed")
        if _check_participant(cells, pid, line, ids) and person is not None:
            rows.append([pid, person, date, mode, minutes, completed])
    frame = pd.DataFrame(rows, columns=CONTACT_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["mode"] = pd.Categorical(frame["mode"], categories=CONTACT_MODES)
    frame["completed"] = frame["completed"].astype("boolean")
    frame["duration_minutes"] = frame["duration_minutes"].astype(float)
    return frame



def codebook(table: RawTable, vocab: Vocabulary, problems: Problems) -> pd.DataFrame:
    """Codebook: one row per code with its theme; themes keep the order they first appear in."""
    cells = _Cells(table, vocab, problems)
    if not cells.require("code_id", "code", "theme"):
        return pd.DataFrame(columns=CODEBOOK_COLUMNS)
    rows, seen = [], {}
    for row, line in zip(table.rows, table.lines):
        code_id = cells.ident(row, line, "code_id")
        values = {"code": cells.text(row, "code"), "theme": cells.text(row, "theme"),
                  "description": cells.text(row, "description") or ""}
        for name in ("code", "theme"):
            if not values[name]:
                cells.add(line, cells.header(name), cells.raw(row, name), "empty", f"{name} is empty")
        if code_id is None or not values["code"] or not values["theme"]:
            continue
        if code_id in seen:
            cells.add(line, cells.header("code_id"), code_id, "duplicate-code", f"code listed twice (first at line "
                      f"{seen[code_id]})")
            continue
        seen[code_id] = line
        rows.append({"code_id": code_id, **values})
    return pd.DataFrame(rows, columns=CODEBOOK_COLUMNS)


def excerpts(table: RawTable, vocab: Vocabulary, problems: Problems, codes: set[str],
             ids: set[str] | None) -> pd.DataFrame:
    """Coded excerpts: ``codes`` holds one or more code ids separated by ``;``."""
    cells = _Cells(table, vocab, problems)
    if not cells.require(*EXCERPT_COLUMNS):
        return pd.DataFrame(columns=EXCERPT_COLUMNS)
    rows, seen = [], {}
    for row, line in zip(table.rows, table.lines):
        excerpt_id = cells.ident(row, line, "excerpt_id")
        pid = cells.ident(row, line)
        tp = cells.timepoint(row, line)
        raw_codes = cells.raw(row, "codes") or ""
        listed = [c.strip() for c in raw_codes.split(";") if c.strip()]
        for code in listed:
            if code not in codes:
                cells.add(line, cells.header("codes"), code, "unknown-code", "code is not in the codebook")
        if not listed:
            cells.add(line, cells.header("codes"), raw_codes, "no-code", "excerpt has no code")
        text = cells.raw(row, "text")
        if text is None or not text.strip():
            cells.add(line, cells.header("text"), text, "empty-text", "excerpt text is empty")
        known = _check_participant(cells, pid, line, ids)
        if excerpt_id in seen:
            cells.add(line, cells.header("excerpt_id"), excerpt_id, "duplicate-excerpt",
                      f"excerpt id used twice (first at line {seen[excerpt_id]})")
            continue
        if excerpt_id is None or not known or tp is None or not listed or not (text or "").strip():
            continue
        if any(code not in codes for code in listed):
            continue
        seen[excerpt_id] = line
        rows.append({"excerpt_id": excerpt_id, ID: pid, "timepoint": tp, "codes": ";".join(dict.fromkeys(listed)),
                     "text": text.strip()})
    return pd.DataFrame(rows, columns=EXCERPT_COLUMNS)
