"""Words around numbers, shared by tables, prose and the command line."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``1 report``, ``2 reports``, ``0 reports``; ``many`` for an irregular plural.

    >>> plural(1, "excerpt"), plural(3, "peer worker"), plural(2, "analysis", "analyses")
    ('1 excerpt', '3 peer workers', '2 analyses')
    """
    return f"{n} {noun if n == 1 else many or noun + 's'}"


SIGNIFICANT = 10  # the significant digits a figure is read at before it is rounded


def as_read(value: float) -> float:
    """``value`` read at the 10 significant digits ``rounded`` reads it at before it rounds: what a
    report prints is this number rounded, so a spreadsheet that holds it prints the same figure.

    >>> as_read(0.1149999999999998), as_read(3.3499999999999996), as_read(49.84375)
    (0.115, 3.35, 49.84375)
    """
    return float(f"{value:.{SIGNIFICANT}g}")


def rounded(value: float, digits: int) -> str:
    """``value`` to ``digits`` decimals with a half rounded away from zero, as SPSS and the
    published tables do (Python's own formatting rounds 31.25 to 31.2; this gives 31.3). The
    value is first read at 10 significant digits, so that 3.35 computed as 3.3499999999999996
    still counts as a half.

    >>> rounded(31.25, 1), rounded(18.75, 1), rounded(-0.125, 2), rounded(3.3499999999999996, 1), rounded(2.0, 0)
    ('31.3', '18.8', '-0.13', '3.4', '2')
    """
    exact = Decimal(f"{value:.{SIGNIFICANT}g}")
    return str(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


# What makes a spreadsheet read a cell as a formula (OWASP's CSV injection guidance): a cell of
# input text that starts with one of these is written with a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` as text a spreadsheet shows and never runs: a string starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets a leading ``'``, unless it is just a number. Any
    other value (a number, a date, a missing value) is returned as it is. Applying it twice
    changes nothing more than applying it once.

    >>> neutralise('=HYPERLINK("http://evil.example/","click")'), neutralise("@SUM(A1)"), neutralise("-")
    ('\\'=HYPERLINK("http://evil.example/","click")', "'@SUM(A1)", "'-")
    >>> neutralise("-2.71"), neutralise("+3"), neutralise("−0.5"), neutralise(-2.5), neutralise("Bank staff")
    ('-2.71', '+3', '−0.5', -2.5, 'Bank staff')
    >>> neutralise(neutralise("=1+1"))
    "'=1+1"
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """The text :func:`neutralise` was given, from what it wrote: a file peerimpact wrote (``qual
    import``'s codebook, say) reads back as it was meant. Anything else is returned as it is.

    >>> restore("'=1+1"), restore("'tis the season"), restore("'-2"), restore(3)
    ('=1+1', "'tis the season", "'-2", 3)
    """
    if isinstance(value, str) and value.startswith("'") and neutralise(value[1:]) == value:
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`neutralise` applied to its column names and to every text
    value (in text and category columns); numbers, dates and missing values are left as they are.

    >>> import pandas as pd
    >>> out = neutralise_frame(pd.DataFrame({"=name": ["=1+1", "ok"], "n": [-1, 2]}))
    >>> list(out.columns), out.iloc[:, 0].tolist(), out["n"].tolist()
    (["'=name", 'n'], ["'=1+1", 'ok'], [-1, 2])
    """
    import pandas as pd

    out = frame.copy()
    out.columns = [neutralise(c) for c in frame.columns]
    for i in range(out.shape[1]):
        series = out.iloc[:, i]
        if isinstance(series.dtype, pd.CategoricalDtype):
            levels = [neutralise(c) for c in series.cat.categories]
            if len(set(levels)) == len(levels):
                out.isetitem(i, series.cat.rename_categories(levels))
            else:  # '=x and =x both present: once neutralised they are one text, so no longer levels
                out.isetitem(i, series.astype(object).map(neutralise))
        elif pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype):
            out.isetitem(i, series.map(neutralise, na_action="ignore").astype(series.dtype))
    return out
