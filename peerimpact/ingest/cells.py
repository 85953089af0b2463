"""Reading typed values out of one table's raw cells (:class:`CellReader`), recording a problem for every bad one.

Nothing here stops at the first problem. Each check records the file, the physical
line, the column, the raw value and the rule, then carries on, so that a user fixes a
file once. Errors are kept out of the canonical frames; warnings say what was normalised.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Literal

from ..problems import Problems
from ..schema import ID
from .lookalike import Twins, ascii_problem, difference, lookalike, nfc, skeleton
from .rawtable import RawTable, shorten
from .readers import CONTROL
from .vocabulary import Vocabulary, parse_number

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
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
