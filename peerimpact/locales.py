"""How a report writes numbers, dates and words: its locale (``study.yml: locale``, British English
by default) and its spelling (``study.yml: spelling``, American for ``en-US``, British otherwise).

Numbers are rounded by :func:`peerimpact.text.rounded` (half away from zero, as SPSS prints) and
then written with the locale's separators from the Unicode CLDR, through Babel; dates take the
locale's own patterns (``1 March 2021`` in en-GB, ``March 1, 2021`` in en-US). The reports are
written in English, so a locale is an English one. A spelling is a word list applied to the
package's own words at render time; a participant's quote and the study team's commentary are
never respelled.

A formatting function reads the locale in force: :func:`using_locale` sets it for a block of
code, :func:`activate` for the rest of a report's run in a kernel (until :func:`deactivate`).

>>> from peerimpact.locales import ReportLocale, using_locale, current
>>> us = ReportLocale("en-US")
>>> us.spelling, us.number("1769.50"), us.day(__import__("datetime").date(2021, 3, 1))
('american', '1,769.50', 'March 1, 2021')
>>> us.spell("Depersonalisation, as labelled by the programme")
'Depersonalization, as labeled by the program'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from .registry import Registry

# British forms the package writes, and their American forms. A list, not a rule: "raise",
# "expertise", "otherwise" and "praise" end as "-ise" in both.
AMERICAN: dict[str, str] = {
    "analyse": "analyze",
    "analysed": "analyzed",
    "analyses": "analyses",
    "behaviour": "behavior",
    "behaviours": "behaviors",
    "categorised": "categorized",
    "centre": "center",
    "centres": "centers",
    "characterised": "characterized",
    "colour": "color",
    "colours": "colors",
    "counselling": "counseling",
    "depersonalisation": "depersonalization",
    "emphasised": "emphasized",
    "favour": "favor",
    "labelled": "labeled",
    "labelling": "labeling",
    "licence": "license",
    "minimise": "minimize",
    "modelled": "modeled",
    "modelling": "modeling",
    "neighbourhood": "neighborhood",
    "normalised": "normalized",
    "organisation": "organization",
    "organisations": "organizations",
    "organisational": "organizational",
    "practise": "practice",
    "prioritised": "prioritized",
    "programme": "program",
    "programmes": "programs",
    "randomised": "randomized",
    "recognise": "recognize",
    "recognised": "recognized",
    "standardised": "standardized",
    "summarise": "summarize",
    "summarised": "summarized",
    "summarises": "summarizes",
    "travelled": "traveled",
}


# Each spelling: the package's British words and how it writes them. A study may register another.
spellings: Registry[dict[str, str]] = Registry("spelling")
spellings.register("british", {})
spellings.register("american", AMERICAN)


@cache
def _respeller(spelling: str) -> tuple[re.Pattern[str], dict[str, str]] | None:
    words = {b: a for b, a in spellings.get(spelling).items() if b != a}
    if not words:
        return None
    return re.compile(r"\b(" + "|".join(sorted(words, key=len, reverse=True)) + r")\b", re.IGNORECASE), words


def _same_case(model: str, word: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    return word[0].upper() + word[1:] if model[0].isupper() else word


def respell(text: str, spelling: str) -> str:
    """``text`` with the package's British words in ``spelling``, their case kept."""
    found = _respeller(spelling)
    if found is None or not text:
        return text
    pattern, words = found
    return pattern.sub(lambda m: _same_case(m.group(0), words[m.group(0).lower()]), text)


def english_locale(tag: str) -> str | None:
    """Why ``tag`` cannot be a report's locale, or None: an English locale the CLDR knows."""
    from babel import Locale, UnknownLocaleError

    try:
        parsed = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return "not a locale the Unicode CLDR knows; write it as en-GB, en-US, en-IE or en-AU"
    if parsed.language != "en":
        return "the reports are written in English: the locale must be an English one (en-GB, en-US, en-IE, en-AU, …)"
    return None


@dataclass(frozen=True)
class ReportLocale:
    """A report's locale: ``tag`` (a BCP 47 tag such as ``en-GB``) gives its numbers and dates,
    ``spelling`` its words (by default American for ``en-US``, British otherwise)."""

    tag: str = "en-GB"
    spelling: str = ""  # empty: American for en-US, British otherwise

    def __post_init__(self) -> None:
        if not self.spelling:
            object.__setattr__(self, "spelling", "american" if self.tag == "en-US" else "british")

    @property
    def _babel(self):  # noqa: ANN202 - babel's Locale, imported on first use
        return _babel_locale(self.tag)

    def number(self, text: str) -> str:
        """A number already rounded and printed in ASCII (``-1769.50``), with the locale's grouping,
        decimal sign and minus sign; anything else as it is."""
        if not re.fullmatch(r"-?\d+(\.\d+)?", text):
            return text
        return _pattern(self.tag, len(text.partition(".")[2])).apply(Decimal(text), self._babel)

    @property
    def separator(self) -> str:
        """What parts two numbers in a pair, ``(0.42, 2.60)``: a semicolon where the decimal sign is a comma."""
        return ";" if self._babel.number_symbols["latn"]["decimal"] == "," else ","

    def ascii(self, text: str) -> str:
        """``text`` with the numbers this locale wrote read back in ASCII (``1,769.5`` → ``1769.5``;
        en-ZA's ``1 769,5`` too), for a renderer that reads figures from display strings."""
        symbols = self._babel.number_symbols["latn"]
        group, decimal = re.escape(symbols["group"]), re.escape(symbols["decimal"])
        text = re.sub(rf"(?<=\d){group}(?=\d{{2}})", "", text)  # 2: the Indian grouping's pairs
        return text if symbols["decimal"] == "." else re.sub(rf"(?<=\d){decimal}(?=\d)", ".", text)

    def count(self, value: int) -> str:
        """A whole number with the locale's grouping: ``1,769``."""
        return self.number(str(int(value)))

    def day(self, date: dt.date) -> str:
        """A date in words: ``1 March 2021`` (en-GB), ``March 1, 2021`` (en-US)."""
        from babel.dates import format_date

        return format_date(date, "long", locale=self._babel)

    def short_day(self, date: dt.date) -> str:
        """A date in a table cell: ``1 Mar 2021`` (en-GB), ``Mar 1, 2021`` (en-US)."""
        from babel.dates import format_date

        return _three_letters(format_date(date, "medium", locale=self._babel))

    def month(self, date: dt.date) -> str:
        """A month: ``March 2021``."""
        from babel.dates import format_skeleton

        return format_skeleton("yMMMM", date, locale=self._babel)

    def short_month(self, date: dt.date) -> str:
        """A month in a table or a note: ``Mar 2021``."""
        from babel.dates import format_skeleton

        return _three_letters(format_skeleton("yMMM", date, locale=self._babel))

    def spell(self, text: str) -> str:
        """``text`` in this locale's spelling."""
        return respell(text, self.spelling)


def _three_letters(text: str) -> str:
    """A month abbreviated to three letters, as the GOV.UK style guide writes them: the CLDR's
    en-GB "Sept" is "Sep"."""
    return re.sub(r"\bSept\b", "Sep", text)


@cache
def _pattern(tag: str, decimals: int):  # noqa: ANN202 - babel's NumberPattern
    """The locale's decimal pattern with exactly ``decimals`` decimals (never changed once made)."""
    from babel.numbers import parse_pattern

    pattern = parse_pattern(_babel_locale(tag).decimal_formats[None].pattern)
    pattern.frac_prec = (decimals, decimals)
    return pattern


@cache
def _babel_locale(tag: str):  # noqa: ANN202
    from babel import Locale

    return Locale.parse(tag, sep="-")


BRITISH = ReportLocale()

_activated: list[ReportLocale] = []  # at most one: the locale of the report a kernel is running
_scoped: list[ReportLocale] = []  # using_locale's, innermost last


def current() -> ReportLocale:
    """The locale in force: the innermost :func:`using_locale`, else the one :func:`activate` set,
    else en-GB."""
    return _scoped[-1] if _scoped else _activated[-1] if _activated else BRITISH


@contextmanager
def using_locale(locale: ReportLocale) -> Iterator[ReportLocale]:
    """Write numbers, dates and words in ``locale`` within the block."""
    _scoped.append(locale)
    try:
        yield locale
    finally:
        _scoped.pop()


def activate(locale: ReportLocale) -> None:
    """Write in ``locale`` from now on in this process (a report's kernel) until :func:`deactivate`:
    a section's cells run one after another, so no ``with`` block can span them."""
    _activated[:] = [locale]


def deactivate() -> None:
    """Undo :func:`activate`: back to en-GB outside any :func:`using_locale`."""
    _activated.clear()
