"""Words around numbers, shared by tables, prose and the command line."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``1 report``, ``2 reports``, ``0 reports``; ``many`` for an irregular plural.

    >>> plural(1, "excerpt"), plural(3, "peer worker"), plural(2, "analysis", "analyses")
    ('1 excerpt', '3 peer workers', '2 analyses')
    """
    return f"{n} {noun if n == 1 else many or noun + 's'}"


def rounded(value: float, digits: int) -> str:
    """``value`` to ``digits`` decimals with a half rounded away from zero, as SPSS and the
    published tables do (Python's own formatting rounds 31.25 to 31.2; this gives 31.3). The
    value is first read at 10 significant digits, so that 3.35 computed as 3.3499999999999996
    still counts as a half.

    >>> rounded(31.25, 1), rounded(18.75, 1), rounded(-0.125, 2), rounded(3.3499999999999996, 1), rounded(2.0, 0)
    ('31.3', '18.8', '-0.13', '3.4', '2')
    """
    exact = Decimal(f"{value:.10g}")
    return str(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))
