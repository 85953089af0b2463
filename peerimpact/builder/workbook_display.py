"""What a table record's display strings print, read for the workbook (``tables.xlsx``): the numbers
in each cell (``49.8 (9.07)`` prints 49.8 and 9.07), the thresholds a small figure is printed as
(``<0.001``), where a row shows a dash, the labels of each row, and so the decimals each of a CSV
column's values is printed with."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from ..locales import current
from ..report.html import DASH
from ..report.records import TableRecord
from ..text import as_read, rounded

MAX_DECIMALS = 4  # the most decimals a report prints a figure with

# a number as a report's cell prints it: 49.8, -3.46, 65.6 (of 65.6%), <0.001; not the 1 of T1
TOKEN = re.compile(r"(?<![\w.])<?[-−]?\d+(?:\.\d+)?")


def shown_as(value: float, digits: int) -> str:
    """``value`` as a report prints it to ``digits`` decimals (half away from zero; no ``-0.0``)."""
    text = rounded(value, digits)
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def printed_digits(value: float, text: str, numbers: Iterable[str]) -> int | None:
    """The decimals ``value`` (written ``text`` in the CSV) is printed with among ``numbers``, if it
    is there: the most that match (a whole number in the CSV only as a whole number)."""
    numbers = set(numbers)
    whole = "." not in text and "e" not in text.lower()
    for digits in (0,) if whole else range(MAX_DECIMALS, -1, -1):
        if shown_as(value, digits) in numbers:
            return digits
    return None


@dataclass(frozen=True)
class Display:
    """What a table's display cells print: the numbers of cell (row ``d``, column ``j``) in
    ``numbers[d][j]``, the thresholds it prints a small figure as (``<0.001``) in ``below[d][j]``,
    and whether row ``d`` shows a dash for a missing value."""

    numbers: tuple[tuple[frozenset[str], ...], ...]
    below: tuple[tuple[frozenset[str], ...], ...]
    dashes: tuple[bool, ...]
    width: int

    @classmethod
    def of(cls, record: TableRecord) -> Display:
        numbers, below, dashes = [], [], []
        locale = current()  # the report's, as it is rendered
        for row in record.rows:
            mine, small = [], []
            for cell in row:
                tokens = [m.group(0).replace("−", "-") for m in TOKEN.finditer(locale.ascii(cell or ""))]
                mine.append(frozenset(t for t in tokens if not t.startswith("<")))
                small.append(frozenset(t[1:] for t in tokens if t.startswith("<")))
            numbers.append(tuple(mine))
            below.append(tuple(small))
            dashes.append(any(cell is None or cell.strip() == DASH for cell in row))
        return cls(tuple(numbers), tuple(below), tuple(dashes), len(record.columns))

    def row_numbers(self, d: int) -> set[str]:
        return set().union(*self.numbers[d])

    def decimals(
        self,
        values: Sequence[float | None],
        texts: Sequence[str],
        rows: Sequence[Sequence[int]],
        columns: Sequence[Collection[int]],
    ) -> tuple[list[int | None], list[int]]:
        """The decimals each value of a CSV column is printed with: CSV row ``r`` is shown in display
        rows ``rows[r]``, in display columns ``columns[r]``. Read only from the display columns where
        the column's values are found, weighed by the digits that agree, at least half as often as in
        the column where most are: a figure's own column (or columns, one a timepoint), not a number
        that happens to be equal elsewhere in its row. A number that two of the column's values would
        both print as, in every display cell it could be read from (the ``0.00`` that 0.0028 and
        -0.0010 both round to, in a sentence about something else), shows neither's decimals. Returns
        them and those display columns."""
        found: list[list[tuple[int, str] | None]] = []
        claims: defaultdict[tuple[int, int, str], set[float]] = defaultdict(set)  # the values a number may print
        for r, value in enumerate(values):
            mine: list[tuple[int, str] | None] = [None] * self.width
            found.append(mine)
            if value is None:
                continue
            for j in columns[r]:
                digits = printed_digits(value, texts[r], set().union(*(self.numbers[d][j] for d in rows[r])))
                if digits is not None:
                    number = shown_as(value, digits)
                    mine[j] = digits, number
                    for d in rows[r]:
                        if number in self.numbers[d][j]:
                            claims[d, j, number].add(as_read(value))
        score = [0] * self.width
        for r, mine in enumerate(found):
            for j, match in enumerate(mine):
                if match is None:
                    continue
                if all(len(claims[d, j, match[1]]) > 1 for d in rows[r] if match[1] in self.numbers[d][j]):
                    mine[j] = None  # printed for another value as much as for this one
                else:
                    score[j] += sum(ch.isdigit() for ch in match[1])
        best = max(score, default=0)
        keep = [j for j in range(self.width) if best and 2 * score[j] >= best]
        return [max((m[0] for j in keep if (m := row[j]) is not None), default=None) for row in found], keep

    def threshold(self, value: float, rows: Sequence[int], columns: Sequence[int]) -> str | None:
        """The ``t`` of a ``<t`` these rows print ``value`` as in these columns (``<0.001`` for a p
        of 0.0002), if any."""
        below = set().union(*(self.below[d][j] for d in rows for j in columns))
        return next((t for t in sorted(below, key=float) if value < float(t)), None)

    def dash(self, rows: Sequence[int]) -> bool:
        return any(self.dashes[d] for d in rows)


def number_format(digits: int | None, below: str | None = None) -> str | None:
    if digits is None:
        return None
    base = "#,##0" + ("." + "0" * digits if digits else "")
    return f'[<{below}]"<{below}";{base}' if below else base


def label_rows(record: TableRecord) -> tuple[list[str], list[tuple[str, ...]]]:
    """The display columns that label a row, and each display row's labels (the first line of a
    cell; an empty cell repeats the one above, as a grouped table prints it)."""
    headers = [h for h in record.row_headers if h in record.columns]
    where = [record.columns.index(h) for h in headers]
    labels: list[tuple[str, ...]] = []
    above = [""] * len(where)
    for row in record.rows:
        current = []
        for j, i in enumerate(where):
            cell = (row[i] or "").split("\n")[0].strip() if i < len(row) else ""
            current.append(cell or above[j])
        above = current
        labels.append(tuple(current))
    return headers, labels
