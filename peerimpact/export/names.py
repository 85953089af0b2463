"""Variable names SPSS and Stata both allow, made from any column name a study may use.

One rule serves both packages, so a variable has the same name in a ``.sav`` and a ``.dta``
file of the same export: ASCII letters, digits and ``_``, a letter first, at most 32 characters
(Stata's limit, and SPSS's before version 12), no word either package keeps for itself, unique
ignoring case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

# Words SPSS and Stata keep for themselves: no variable may be called by one of them.
SPSS_RESERVED = frozenset({"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"})
STATA_RESERVED = frozenset(
    {
        "_all",
        "_b",
        "byte",
        "_coef",
        "_cons",
        "double",
        "float",
        "if",
        "in",
        "int",
        "long",
        "_n",
        "_N",
        "_pi",
        "_pred",
        "_rc",
        "_skip",
        "strL",
        "using",
        "with",
    }
)


def _reserved(name: str) -> bool:
    """SPSS's words in any case, Stata's as Stata spells them, and Stata's ``str1`` … ``str2045``."""
    return name.casefold() in SPSS_RESERVED or name in STATA_RESERVED or re.fullmatch(r"str\d+", name) is not None


@dataclass(frozen=True)
class NameRules:
    """What a variable name may be: ASCII, at most ``limit`` characters, not ``reserved``."""

    limit: int
    reserved: Callable[[str], bool]


NAMES = NameRules(32, _reserved)


def _legal(name: str, rules: NameRules) -> bool:
    return (
        name.isascii()
        and bool(name)
        and name[0].isalpha()
        and all(c.isalnum() or c == "_" for c in name)
        and len(name) <= rules.limit
        and not rules.reserved(name)
    )


def _ascii(name: str) -> str:
    """``name`` with accents dropped (``año`` → ``ano``) and any other character as ``_``."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() or c == "_" else "_" for c in plain)


def legal_names(columns: Sequence[str], rules: NameRules = NAMES) -> dict[str, str]:
    """Column → a variable name ``rules`` allow: a letter, then ASCII letters, digits and ``_``;
    not too long, not a reserved word, unique ignoring case. A legal name is kept; any other is
    made legal (accents dropped, other characters as ``_``, a leading ``v`` where it does not
    start with a letter, cut to length, ``_`` after a reserved word, ``_2``, ``_3`` … where it
    would repeat another).

    >>> legal_names(["score", "1st visit", "año", "a.b", "_x", "with", "if", "2nd_job"])
    {'score': 'score', '1st visit': 'v1st_visit', 'año': 'ano', 'a.b': 'a_b', '_x': 'v_x', 'with': 'with_', 'if': 'if_', '2nd_job': 'v2nd_job'}
    >>> legal_names(["x" * 40, "x" * 41, "A-B", "a_b", "Age", "AGE"]) == {
    ...     "x" * 40: "x" * 32, "x" * 41: "x" * 30 + "_2", "A-B": "A_B_2", "a_b": "a_b", "Age": "Age", "AGE": "AGE_2"}
    True
    """
    kept: dict[str, str] = {}  # a legal name is kept, the first of those alike ignoring case
    for column in columns:
        if _legal(column, rules):
            kept.setdefault(column.casefold(), column)
    names: dict[str, str] = {}
    taken = set(kept)
    for column in columns:
        if kept.get(column.casefold()) == column:
            names[column] = column
            continue
        base = re.sub(r"__+", "_", _ascii(column)).rstrip("_") or "v"
        base = (base if base[0].isalpha() else f"v{base}")[: rules.limit]
        if rules.reserved(base):
            base = base[: rules.limit - 1] + "_"
        name, i = base, 1
        while name.casefold() in taken or rules.reserved(name):
            i += 1
            name = base[: rules.limit - len(f"_{i}")] + f"_{i}"
        taken.add(name.casefold())
        names[column] = name
    return names


def renamed(names: dict[str, str]) -> pd.DataFrame:
    """The columns ``legal_names`` renamed, as ``original, exported`` (empty where none was)."""
    rows = [(old, new) for old, new in names.items() if old != new]
    return pd.DataFrame(rows, columns=["original", "exported"])
