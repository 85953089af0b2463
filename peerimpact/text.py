"""Words around numbers, shared by tables, prose and the command line."""

from __future__ import annotations


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``1 report``, ``2 reports``, ``0 reports``; ``many`` for an irregular plural.

    >>> plural(1, "excerpt"), plural(3, "peer worker"), plural(2, "analysis", "analyses")
    ('1 excerpt', '3 peer workers', '2 analyses')
    """
    return f"{n} {noun if n == 1 else many or noun + 's'}"
