"""The kinds of value a settings file holds, checked as strictly as a person would read them.

Numbers are ASCII digits (``1_000`` and ``٤٥`` are not numbers), dates are written
``YYYY-MM-DD``, and identifiers (site codes, timepoints, cohort names) are visible text,
NFC-normalised, with no spaces at their ends. A list or mapping of identifiers may not hold
two that a reader would take for one: the same but for case, spaces at the ends or Unicode
compatibility form (:func:`look_alikes`).

A check that finds problems inside a list or mapping raises :class:`Findings`, which
:func:`peerimpact.config.parse.parse_model` turns into one problem per finding, each at its own
line.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

INT = re.compile(r"[-+]?[0-9]+")
FLOAT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Finding:
    """One problem at ``at``, a key path below the value that was checked."""

    at: tuple[Any, ...]
    value: Any
    message: str


class Findings(ValueError):
    """Problems found inside one list or mapping, each at its own item."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self.findings = list(findings)
        super().__init__("; ".join(f.message for f in self.findings))


def raise_findings(findings: list[Finding]) -> None:
    """Raise :class:`Findings` when there are any."""
    if findings:
        raise Findings(findings)


def starts_before_end(start: dt.date | None, end: dt.date | None, key: str) -> None:
    """A date range's one problem, at its start (``key``) and in plain words, when it is reversed."""
    if start is not None and end is not None and start > end:
        raise_findings([Finding((key,), start, f"starts after it ends: {start} > {end}")])


def non_ascii_digit(text: str) -> str | None:
    """The first digit of ``text`` that is not one of 0-9, named: ``U+0664 ARABIC-INDIC DIGIT FOUR``.

    >>> non_ascii_digit("٤٥"), non_ascii_digit("45")
    ('U+0664 ARABIC-INDIC DIGIT FOUR', None)
    """
    for char in text:
        if char.isdigit() and not char.isascii():
            return f"U+{ord(char):04X} {unicodedata.name(char, 'DIGIT')}"
    return None


def _not(kind: str, value: str, how: str) -> PydanticCustomError:
    """The error of a text that is not a ``kind``; its message is the whole message a user sees
    (formatted here: a message with no context is shown as it is, braces and all)."""
    digit = non_ascii_digit(value)
    if digit is not None:
        why = f"{digit} is not an ASCII digit; write {kind}s with the digits 0-9"
    elif "_" in value:
        why = f"write {kind}s without _ between digits"
    else:
        why = how
    return PydanticCustomError("not_" + kind.replace(" ", "_"), f"not a {kind}: {value!r}: {why}")


def _number(pattern: re.Pattern[str], kind: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, bool):
            raise PydanticCustomError("not_" + kind.replace(" ", "_"), f"expected a {kind}, not {str(value).lower()}")
        if isinstance(value, str) and not pattern.fullmatch(value.strip()):
            raise _not(kind, value, "write it with the digits 0-9")
        return value

    return check


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        raise PydanticCustomError("not_date", f"not a date: {value!r}: write a date as YYYY-MM-DD")
    if isinstance(value, str) and not DATE.fullmatch(value):
        raise _not("date", value, "write a date as YYYY-MM-DD")
    return value


def _identifier(value: str) -> str:
    if not value.strip() or not value.isprintable():
        raise PydanticCustomError("identifier", f"codes must be visible text without control characters: {value!r}")
    if value != value.strip():
        raise PydanticCustomError("identifier", f"spaces at the ends of {value!r}: a code is written without them")
    return unicodedata.normalize("NFC", value)


Int = Annotated[int, BeforeValidator(_number(INT, "whole number"))]
"""A whole number written with the digits 0-9 (not ``1_000``, not ``true``)."""

Float = Annotated[float, BeforeValidator(_number(FLOAT, "number"))]
"""A number written with the digits 0-9 and at most one point (not ``1_000.5``, not ``.inf``)."""

Date = Annotated[dt.date, BeforeValidator(_date)]
"""A calendar date written ``YYYY-MM-DD`` with the digits 0-9."""

Code = Annotated[str, AfterValidator(_identifier)]
"""An identifier (site code, timepoint, cohort name): visible text, no spaces at its ends, NFC."""


def fold(value: str) -> str:
    """What a reader sees of an identifier: case, spaces at the ends and compatibility forms folded.

    >>> fold(" Ｓ1 ") == fold("s1")
    True
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold()).strip()


def look_alikes(values: Iterable[tuple[Any, Any]], what: str) -> list[Finding]:
    """Every value of ``(at, value)`` pairs that repeats an earlier one, or differs from it only in
    case, spaces at the ends or Unicode form; each finding names both values. Non-text values
    are left to the type checks."""
    first: dict[str, str] = {}
    found = []
    for at, value in values:
        if not isinstance(value, str):
            continue
        key = fold(value)
        if key not in first:
            first[key] = value
        elif first[key] == value:
            found.append(Finding(at, value, f"{what} {value!r} is listed twice"))
        else:
            shown = _shown_apart(value, first[key])
            found.append(
                Finding(
                    at,
                    value,
                    f"{what} {shown[0]} and {shown[1]} differ only in "
                    f"{_difference(value, first[key])}: a reader takes them for one",
                )
            )
    return found


def _shown_apart(a: str, b: str) -> tuple[str, str]:
    r"""Two values quoted so that a reader can tell them apart: with escapes where they would look the same.

    >>> print(*_shown_apart("S1", "s1"), *_shown_apart("caf\N{LATIN SMALL LETTER E WITH ACUTE}", "cafe\u0301"))
    'S1' 's1' 'caf\xe9' 'cafe\u0301'
    """
    if unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b) or a.isprintable() != b.isprintable():
        return ascii(a), ascii(b)
    return repr(a), repr(b)


def _difference(a: str, b: str) -> str:
    """How two look-alike values differ, in words.

    >>> _difference("S1 ", "S1"), _difference("s1", "S1"), _difference("Ｓ1", "S1")
    ('spaces at the ends', 'case', 'Unicode form')
    """
    ways = []
    if a.strip() != a or b.strip() != b:
        ways.append("spaces at the ends")
    a, b = a.strip(), b.strip()
    if a != b and unicodedata.normalize("NFKC", a) == unicodedata.normalize("NFKC", b):
        ways.append("Unicode form")
    elif a != b:
        ways.append("case" if a.casefold() == b.casefold() else "case and Unicode form")
    return " and ".join(ways)


def distinct(value: Any, what: str) -> Any:
    """``value`` when no two items of it (a list) or keys (a mapping) look alike; else :class:`Findings`."""
    if isinstance(value, list):
        raise_findings(look_alikes((((i,), v) for i, v in enumerate(value)), what))
    elif isinstance(value, dict):
        raise_findings(look_alikes((((k,), k) for k in value), what))
    return value
