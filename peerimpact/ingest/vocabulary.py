"""What a study's files may hold and whom they may name, against which every cell is read.

A :class:`Vocabulary` holds the values ``study.yml`` and the instruments allow (sites,
timepoints, missing codes, categories); a :class:`Roster` the participants the participants
file names, for the files that refer to them. Missing codes and numbers in cells are read
with :func:`parse_number`, which takes a number only as a data file writes one.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..config import DEFAULT_MISSING_CODES, Instrument
from .lookalike import ascii_problem, difference, lookalike

OutOfRange = Literal["error", "missing"]
# A number as a data file may write it: ASCII digits, one point, an exponent. Python's float()
# would also take "nan", "inf", "1_000" and digits of any script ("٤٥").
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


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
