"""Reading typed values out of raw cells, recording a problem for every bad one.

Nothing here stops at the first problem. Each check records the file, the physical
line, the column, the raw value and the rule, then carries on, so that a user fixes a
file once. Errors are kept out of the canonical frames; warnings say what was normalised.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Callable, Iterable, Literal

from ..config import DEFAULT_MISSING_CODES, Instrument
from ..problems import Problems
from ..schema import ID
from .readers import RawTable

OutOfRange = Literal["error", "missing"]
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}



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
    data_cut: dt.date | None = None  # no date in any file may be later

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
        self.problems.add(self.table.path, line=line, column=column, value=value, rule=rule, message=message,
                          severity=severity)

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

    def dated(self, row: list[str | None], line: int, name: str) -> dt.date | None:
        """A date no later than the study's data cut (a later one is an error and read as missing)."""
        value = self.date(row, line, name)
        cut = self.vocab.data_cut
        if value is not None and cut is not None and value > cut:
            self.add(line, self.header(name), self.raw(row, name), "after-data-cut",
                     f"date is after the data cut ({cut.isoformat()})")
            return None
        return value

    def not_before(self, row: list[str | None], line: int, name: str, value: dt.date | None,
                   start: dt.date | None, start_name: str) -> dt.date | None:
        """``value`` unless it is before ``start`` (an error: a date before consent, say)."""
        if value is not None and start is not None and value < start:
            self.add(line, self.header(name), self.raw(row, name), "date-order",
                     f"date is before {start_name} ({start.isoformat()})")
            return None
        return value


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


def _check_participant(cells: _Cells, pid: str | None, line: int, ids: set[str] | None) -> bool:
    if pid is None:
        return False
    if ids is not None and pid not in ids:
        cells.add(line, cells.header(ID), pid, "unknown-participant", "participant is not in the participants file")
        return False
    return True
