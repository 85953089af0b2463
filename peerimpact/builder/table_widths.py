"""How wide a table's columns should be: each at least its longest word, the rest of the line
shared out to the columns with more to say. Word and the PDF lay their tables out from it."""

from __future__ import annotations

PAGE_WIDTH = 6.3  # inches between the margins of an A4 or Letter page in Word's default layout
CHAR = 0.095  # inches a character of 8-point text takes, about, bold headers included
PAD = 0.22  # inches of a cell's left and right margins


def column_widths(rows: list[list[str]], width: int, page: float = PAGE_WIDTH) -> list[float]:
    """Column widths in inches, adding up to ``page`` (the width between the margins): each at least
    its longest word (so ``(10.26)`` is not broken), the page's remaining width shared out to the
    columns with more to say (labels before numbers)."""
    cells = [[r[j] if j < len(r) else "" for r in rows] for j in range(width)]
    least = [max(len(w) for c in col for w in (c.split() or [""])) * CHAR + PAD for col in cells]
    wants = [min(max(len(line) for c in col for line in c.split("\n")), 45) * CHAR + PAD for col in cells]
    spare = page - sum(least)
    if spare <= 0:
        return [page * w / sum(least) for w in least]
    extra = [max(w - m, 0.0) for w, m in zip(wants, least)]
    share = min(1.0, spare / sum(extra)) if sum(extra) else 0.0
    widths = [m + e * share for m, e in zip(least, extra)]
    return [w * page / sum(widths) for w in widths]
