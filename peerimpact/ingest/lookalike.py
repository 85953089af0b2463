"""Values that look alike but are not the same text: IDs, sites and codes.

``S1-PW01`` written with a non-breaking hyphen, with full-width letters, in lower case or
with a space at its end looks like ``S1-PW01`` to anyone reading the file, but is another
string to a program, so it would make a second participant, site or code. Values are read
in Unicode's composed form (NFC), so a decomposed twin (``é`` as ``e`` and an accent) *is*
the same text; what still differs is compared by :func:`skeleton`, and :func:`difference`
says in words what a reader cannot see.
"""

from __future__ import annotations

import unicodedata

MINUS_SIGN = "\u2212"  # a mathematical minus (Sm), pasted from documents where a hyphen was meant


def nfc(text: str) -> str:
    """``text`` in composed form (NFC): the form a keyboard types and most programs write.

    >>> nfc("Jose\\u0301") == "Jos\\u00e9"
    True
    """
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def skeleton(text: str) -> str:
    """What ``text`` looks like: compatibility form (NFKC: full-width letters and digits become
    ASCII), case folded, every dash a hyphen-minus, spaces at the ends removed. Two values
    with one skeleton are told apart by no reader.

    >>> skeleton(" S1\\u2011PW01") == skeleton("\\uff33\\uff11-pw01") == "s1-pw01"
    True
    """
    text = text.strip()
    if text.isascii():
        return text.casefold()
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join("-" if c == MINUS_SIGN or unicodedata.category(c) == "Pd" else c for c in folded).strip()


def char_name(char: str) -> str:
    """``U+2011 NON-BREAKING HYPHEN``: a character as the Unicode standard names it."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED CHARACTER')}"


def difference(value: str, other: str) -> str:
    """What tells ``value`` from ``other`` (two values with one :func:`skeleton`), in words.

    >>> difference("S1\\u2011PW01", "S1-PW01")
    'they differ in U+2011 NON-BREAKING HYPHEN'
    >>> difference("s1-pw01", "S1-PW01"), difference("S1-PW01 ", "S1-PW01")
    ('they differ only in case', 'they differ only in spaces at the ends')
    """
    if value.strip() == other.strip():
        return "they differ only in spaces at the ends"
    if value.strip().casefold() == other.strip().casefold():
        return "they differ only in case"
    odd = [c for c in dict.fromkeys(value + other) if not c.isascii() and (c in value) != (c in other)]
    if not odd:
        return "they differ only in how Unicode composes them"
    return "they differ in " + ", ".join(char_name(c) for c in odd[:3]) + (" …" if len(odd) > 3 else "")


class Twins:
    """Values of one column, keyed by :func:`skeleton`: which earlier value a new one looks like.

    Each distinct value is looked up once, so a column of a million rows and a few hundred
    IDs costs a few hundred skeletons.
    """

    def __init__(self) -> None:
        self._first: dict[str, tuple[str, int]] = {}  # skeleton -> first value and its line
        self._seen: dict[str, tuple[str, int] | None] = {}  # value -> the other value it looks like

    def check(self, value: str, line: int) -> tuple[str, int] | None:
        """The first value (and its line) that looks like ``value`` but is other text, if any."""
        if value in self._seen:
            return self._seen[value]
        first = self._first.setdefault(skeleton(value), (value, line))
        found = None if first[0] == value else first
        self._seen[value] = found
        return found


def lookalike(value: str, known: dict[str, str]) -> str | None:
    """The value of ``known`` (skeleton → value) that ``value`` looks like, unless it is ``value``."""
    found = known.get(skeleton(value))
    return found if found is not None and found != value else None


def ascii_problem(text: str) -> str | None:
    """Why ``text`` (a number or a date) is not plain ASCII, naming its first other character.

    >>> ascii_problem("\\u0664\\u0665")
    'U+0664 ARABIC-INDIC DIGIT FOUR is not an ASCII digit'
    >>> ascii_problem("45") is None
    True
    """
    if text.isascii():
        return None
    char = next(c for c in text if not c.isascii())
    if unicodedata.digit(char, None) is not None or char.isnumeric():
        return f"{char_name(char)} is not an ASCII digit"
    return f"{char_name(char)} is not allowed here (ASCII digits and punctuation only)"
