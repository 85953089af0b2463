"""How a figure prints in a report's tables, notes and sentences: a number to its decimals, a count,
a count with its percentage, a p value, a mean (SD) with its range, a norm, a scale's range, a date,
a monthly rate. A missing value is a dash, a value a disclosure policy withheld a ``*``.

Numbers and dates are written in the locale in force (:func:`peerimpact.locales.current`): the
report's, which its kernel activates; British English outside a report."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..locales import current
from ..text import rounded
from .blocks import SUPPRESSED, is_missing, is_suppressed
from .html import DASH


def fmt_number(value: float | None, digits: int = 1) -> str:
    """A number to ``digits`` decimals; missing (None, NA, NaN) is a dash, withheld a ``*``."""
    if value is None or is_missing(value):
        return DASH
    if is_suppressed(value):
        return SUPPRESSED
    text = rounded(value, digits)  # a half away from zero, as SPSS and the paper print
    if text.startswith("-") and float(text) == 0:  # no "-0.00"
        text = text[1:]
    return grouped(text)


def grouped(text: str) -> str:
    """A number printed in ASCII, in the locale's signs: ``1769`` → ``1,769`` and ``-12345.67`` →
    ``-12,345.67`` in en-GB; anything else as it is."""
    return current().number(text)


def fmt_mean_sd_range(
    mean: float, sd: float, lo: float, hi: float, digits: int = 1, sd_digits: int | None = None
) -> str:
    """``49.8 (9.07) 28.0–70.0``, as the paper prints a continuous summary; without the range
    where a disclosure policy withholds the minimum and maximum (one person's values)."""
    if is_missing(mean) or is_suppressed(mean):
        return fmt_number(mean)
    sd_text = fmt_number(sd, digits if sd_digits is None else sd_digits)
    if is_suppressed(lo) or is_suppressed(hi):
        return f"{fmt_number(mean, digits)} ({sd_text})"
    return f"{fmt_number(mean, digits)} ({sd_text}) {fmt_number(lo, digits)}–{fmt_number(hi, digits)}"


def fmt_count(count) -> str:
    """A count of people: a whole number, ``*`` when withheld, a dash when missing."""
    if is_missing(count) or is_suppressed(count):
        return fmt_number(count)
    return current().count(count)


def fmt_count_percent(count: int, percent: float) -> str:
    """``10 (31.3%)``; the count alone when the percentage is withheld."""
    if is_suppressed(count) or is_missing(count):
        return fmt_count(count)
    if is_suppressed(percent) or is_missing(percent):
        return fmt_count(count)
    return f"{fmt_count(count)} ({fmt_number(percent, 1)}%)"


def extremes_withheld(data: pd.DataFrame) -> bool:
    """Whether a policy withheld every minimum shown (the column header then drops min–max)."""
    values = [v for v in data.get("min", []) if not is_missing(v)]
    return bool(values) and all(is_suppressed(v) for v in values)


def fmt_p(p: float) -> str:
    """p to three decimals, ``<0.001`` below that; a dash when there is none, ``*`` when withheld."""
    if is_missing(p) or is_suppressed(p):
        return fmt_number(p)
    return "<" + grouped("0.001") if p < 0.001 else grouped(rounded(p, 3))  # half away from zero


def _short(value: float) -> str:
    """A published figure at its own precision, with at least one decimal: 4.0, 3.44, 51.6."""
    text = rounded(value, 2).rstrip("0")
    return text + "0" if text.endswith(".") else text


def fmt_norm(mean: float, sd: float) -> str:
    """``51.6 (8.71)``: a norm as its source prints it."""
    if is_missing(mean):
        return DASH
    return f"{grouped(_short(mean))} ({grouped(_short(sd))})"


def fmt_range(lo: float, hi: float) -> str:
    """``14–70``: a scale's possible range."""
    return f"{grouped(f'{lo:g}')}–{grouped(f'{hi:g}')}"


def fmt_date(date: dt.date) -> str:
    """``1 March 2021`` (en-GB): a date as a note under a figure or a table prints it."""
    return current().day(date)


def fmt_month(date: dt.date) -> str:
    """``March 2021``: a month as a sentence prints it."""
    return current().month(date)


def fmt_short_month(date: dt.date) -> str:
    """``Mar 2021``: a month in a table or a note."""
    return current().short_month(date)


def fmt_short_date(date: dt.date) -> str:
    """``1 Mar 2021`` (en-GB): a date in a table cell."""
    return current().short_day(date)


def fmt_per_month(value: float) -> str:
    """A monthly target as the figure's note prints it: whole, or to one decimal."""
    return fmt_count(value) if float(value).is_integer() else fmt_number(value, 1)
