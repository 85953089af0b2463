"""Reading typed values out of raw cells, recording a problem for every bad one.

Nothing here stops at the first problem. Each check records the file, the physical
line, the column, the raw value and the rule, then carries on, so that a user fixes a
file once. Errors are kept out of the canonical frames; warnings say what was normalised.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..config import DEFAULT_MISSING_CODES, Instrument
from ..problems import Problems
from ..schema import ID
from .lookalike import Twins, ascii_problem, difference, lookalike, nfc, skeleton
from .readers import CONTROL, RawTable, shorten

OutOfRange = Literal["error", "missing"]
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
# A number as a data file may write it: ASCII digits, one point, an exponent. Python's float()
# would also take "nan", "inf", "1_000" and digits of any script ("٤٥").
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Columns whose values name one thing each (a participant, a code): a look-alike of another
# value in the same column is an error, not a second participant or code.
DISTINCT = {ID: "participant ID", "code_id": "code", "code": "code name", "theme": "theme", "site": "site"}


def columns_named(headers: list[str], noun: str) -> str:
    """``3 unknown columns: a, b, c``: how many, and the first five by name.

    >>> columns_named([f"x{i}" for i in range(1200)], "unknown column")
    '1,200 unknown columns: x0, x1, x2, x3, x4 and 1,195 more'
    """
    listed = ", ".join(headers[:5]) + (f" and {len(headers) - 5:,} more" if len(headers) > 5 else "")
    return f"{len(headers):,} {noun}{'' if len(headers) == 1 else 's'}: {listed}"


def parse_number(text: str) -> float | str:
    """``text`` (stripped) as a finite number, or why it is not one, in words.

    >>> parse_number("45"), parse_number("-9.5e1")
    (45.0, -95.0)
    >>> parse_number("\u0664\u0665")
    'U+0664 ARABIC-INDIC DIGIT FOUR is not an ASCII digit'
    >>> parse_number("1_000"), parse_number("nan")
    ("'_' is not allowed in a number (write 1000, not 1_000)", 'expected a number')
    """
    why = ascii_problem(text)
    if why is not None:
        return why
    if "_" in text and NUMBER.fullmatch(text.replace("_", "")):
        return "'_' is not allowed in a number (write 1000, not 1_000)"
    if not NUMBER.fullmatch(text):
        return "expected a number"
    value = float(text)
    return value if math.isfinite(value) else "number is too large"


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
            value = parse_number(code)
            if isinstance(value, float):
                numeric.add(value)
            else:
                text.add(code.casefold())
        self._missing_numbers, self._missing_text = numeric, text

    def is_missing(self, raw: str | None) -> bool:
        """Blank, whitespace-only or one of the missing codes (``-99`` also matches ``-99.0``)."""
        if raw is None or not raw.strip():
            return True
        text = raw.strip()
        if text.casefold() in self._missing_text:
            return True
        if not self._missing_numbers:
            return False
        value = parse_number(text)
        return isinstance(value, float) and value in self._missing_numbers


@dataclass
class Roster:
    """Who the participants file names, for the files that refer to its participants.

    ``kept`` are the IDs of valid rows; ``withheld`` are named in the file but left out for an
    error reported there, so a row of another file that names one is left out without a
    second message; ``known`` maps each ID's :func:`~peerimpact.ingest.lookalike.skeleton`
    to the ID, and ``lines`` each ID to its line, so an unknown ID can be told what it looks like.
    """

    path: Path
    kept: set[str] = field(default_factory=set)
    withheld: set[str] = field(default_factory=set)
    known: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def unknown(self, pid: str) -> str:
        """The message for an ID this file does not name, with the ID it looks like if there is one."""
        message = "participant is not in the participants file"
        other = lookalike(pid, self.known)
        if other is not None:
            message += (
                f"; it looks like {other!r} (line {self.lines[other]} of {self.path.name}), but "
                f"{difference(pid, other)}"
            )
        return message + "; its other rows in this file are not reported again"


class CellReader:
    """Reads typed values out of one raw table, recording a problem for every bad cell."""

    def __init__(self, table: RawTable, vocab: Vocabulary, problems: Problems) -> None:
        self.table, self.vocab, self.problems = table, vocab, problems
        self.column = {c.strip().casefold(): i for i, c in enumerate(table.columns) if c.strip()}
        self._sites = {s.casefold(): s for s in vocab.sites} if vocab.sites else None
        self._site_shapes = {skeleton(s): s for s in vocab.sites or ()}
        self._timepoints = {t.casefold(): t for t in vocab.timepoints}
        self._timepoint_shapes = {skeleton(t): t for t in vocab.timepoints}
        self._twins: dict[str, Twins] = {}
        self._twinned: set[tuple[str, str]] = set()  # (column, value) reported as a look-alike
        self.unknown_ids: set[str] = set()  # participants reported as unknown in this file

    def add(
        self,
        line: int | None,
        column: str | None,
        value: object,
        rule: str,
        message: str,
        severity: Literal["error", "warning"] = "error",
    ) -> None:
        """Record a problem of this table; a long value (a cell that swallowed lines) is shortened."""
        shown = None if value is None else shorten(str(value))
        self.problems.add(
            self.table.path, line=line, column=column, value=shown, rule=rule, message=message, severity=severity
        )

    def unknown_columns(self, known: Iterable[str]) -> None:
        """One warning naming the header's columns outside ``known`` (they are ignored), if any."""
        known = set(known)
        extra = [self.table.columns[i] for key, i in self.column.items() if key not in known]
        if extra:
            self.add(
                1, extra[0], None, "unknown-column", f"{columns_named(extra, 'unknown column')}; ignored", "warning"
            )

    def distinct(self, line: int, name: str, value: str, raw: object = None) -> bool:
        """Whether ``value`` of column ``name`` is no look-alike of an earlier, different value of
        that column; a look-alike is an error (once per value) naming both values and lines."""
        twins = self._twins.setdefault(name, Twins())
        other = twins.check(value, line)
        if other is None:
            return True
        if (name, value) not in self._twinned:
            self._twinned.add((name, value))
            what = DISTINCT.get(name, name)
            self.add(
                line,
                self.header(name),
                value if raw is None else raw,
                "look-alike",
                f"{what} {value!r} looks like {other[0]!r} at line {other[1]}, but {difference(value, other[0])}: "
                f"they would be read as two different {what}s; write both the same way (this value's other "
                "rows are not reported again)",
            )
        return False

    def twinned(self, name: str = ID) -> set[str]:
        """Values of column ``name`` reported as look-alikes and the values they look like, each
        also without spaces at its ends (as :meth:`ident` returns it)."""
        out: set[str] = set()
        for column, value in self._twinned:
            other = self._twins[column].check(value, 0) if column == name else None
            if other is not None:
                out.update({value, value.strip(), other[0], other[0].strip()})
        return out

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
            if not CONTROL.search(raw):  # the others were reported as the file was read
                self.add(
                    line,
                    self.header(name),
                    raw,
                    "id-control",
                    "identifier holds a control character (a tab, escape or other invisible character)",
                )
            return None
        value, raw = nfc(value), nfc(raw)  # a decomposed "é" is the same ID as a composed one
        # The raw value, spaces kept: "S1-PW01 " beside "S1-PW01" is a look-alike.
        if name in DISTINCT and not self.distinct(line, name, raw):
            return None
        if value != raw:
            self.add(
                line,
                self.header(name),
                raw,
                "id-whitespace",
                f"surrounding whitespace removed: read as {value!r}",
                "warning",
            )
        return value

    def site(self, row: list[str | None], line: int, name: str = "site") -> str | None:
        raw = self.labelled(row, name)
        if raw is None or not raw.strip():
            self.add(line, self.header(name), raw, "site-missing", "site is empty")
            return None
        text = nfc(raw.strip())
        if self._sites is None:
            canonical = text.upper()
            if not self.distinct(line, name, canonical, raw):
                return None
        elif text.casefold() in self._sites:
            canonical = self._sites[text.casefold()]
        elif (declared := lookalike(text, self._site_shapes)) is not None:
            self.add(
                line,
                self.header(name),
                raw,
                "look-alike",
                f"site {text!r} looks like the site {declared!r} of study.yml, but "
                f"{difference(text, declared)}; write it as {declared!r}",
            )
            return None
        else:
            self.add(
                line,
                self.header(name),
                raw,
                "unknown-site",
                f"unknown site; the study's sites are {', '.join(self.vocab.sites or [])}",
            )
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
        if canonical is None and (declared := lookalike(text, self._timepoint_shapes)) is not None:
            self.add(
                line,
                self.header(name),
                raw,
                "look-alike",
                f"timepoint {text!r} looks like the timepoint {declared!r} of study.yml, but "
                f"{difference(text, declared)}; write it as {declared!r}",
            )
            return None
        if canonical is None:
            self.add(
                line,
                self.header(name),
                raw,
                "unknown-timepoint",
                f"unknown timepoint; the study's timepoints are {', '.join(self.vocab.timepoints)}",
            )
            return None
        if canonical != raw:
            self.add(line, self.header(name), raw, "timepoint-normalised", f"read as {canonical!r}", "warning")
        return canonical

    def number(self, row: list[str | None], line: int, name: str, bounds: tuple[float, float] | None = None) -> float:
        raw = self.raw(row, name)
        if self.vocab.is_missing(raw):
            return math.nan
        value = parse_number(str(raw).strip())
        if isinstance(value, str):
            self.add(line, self.header(name), raw, "not-a-number", value)
            return math.nan
        if bounds and not bounds[0] <= value <= bounds[1]:
            self.add(
                line,
                self.header(name),
                raw,
                "out-of-range",
                f"outside the plausible range {bounds[0]:g} to {bounds[1]:g}",
            )
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
        why = ascii_problem(text)  # strptime reads digits of any script, and full-width ones
        if why is not None:
            self.add(line, self.header(name), raw, "not-a-date", f"{why}; expected a date as YYYY-MM-DD or DD/MM/YYYY")
            return None
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
            self.add(
                line,
                self.header(name),
                self.raw(row, name),
                "after-data-cut",
                f"date is after the data cut ({cut.isoformat()})",
            )
            return None
        return value

    def not_before(
        self, row: list[str | None], line: int, name: str, value: dt.date | None, start: dt.date | None, start_name: str
    ) -> dt.date | None:
        """``value`` unless it is before ``start`` (an error: a date before consent, say)."""
        if value is not None and start is not None and value < start:
            self.add(
                line,
                self.header(name),
                self.raw(row, name),
                "date-order",
                f"date is before {start_name} ({start.isoformat()})",
            )
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


def dedupe_records(
    cells: CellReader, records: list[tuple[tuple, dict, int, list]], describe: Callable[[tuple], str]
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
                cells.add(
                    line,
                    cells.header(ID),
                    key[0],
                    "duplicate-row",
                    f"row is {how} line {first_line}; dropped",
                    "warning",
                )
                warned.add(line)
        else:
            differing = sorted(k for k in values if not _same({k: values.get(k)}, {k: first_values.get(k)}))
            cells.add(
                line,
                cells.header(ID),
                key[0],
                "duplicate-conflict",
                f"{describe(key)} appears again (first at line {first_line}) with different values "
                f"in {', '.join(differing[:5])}{' …' if len(differing) > 5 else ''}",
            )
            conflicted.add(key)
    return {k: (v, line) for k, (v, line, _) in kept.items() if k not in conflicted}


def check_known_participant(cells: CellReader, pid: str | None, line: int, roster: Roster | None) -> bool:
    """Whether the row of ``pid`` belongs to a valid participant (always, without a roster).

    An ID the participants file does not name is an error at its first row in this file;
    one it names but left out (for an error reported there) leaves the row out silently,
    so one bad participants row is one error, not one per row of every other file.
    """
    if pid is None:
        return False
    if roster is None or pid in roster.kept:
        return True
    if pid not in roster.withheld and pid not in cells.unknown_ids:
        cells.unknown_ids.add(pid)
        cells.add(line, cells.header(ID), pid, "unknown-participant", roster.unknown(pid))
    return False
