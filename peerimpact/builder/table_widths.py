"""How wide a table's columns should be: each at least its longest word; columns of figures on
one line; labels sharing the rest. Word and the PDF lay their tables out from it."""

from __future__ import annotations

import re
from collections.abc import Callable

PAGE_WIDTH = 6.3  # inches between the margins of an A4 or Letter page in Word's default layout
CHAR = 0.095  # inches a character of 8-point text takes, about, bold headers included
PAD = 0.22  # inches of a cell's left and right margins
BOLD = 1.2  # how much wider a bold header's words are than the body's, with room to spare
LONGEST = 45  # characters: a label longer than this wraps, however much room is left
FIGURE = re.compile(r"^[^A-Za-z]*\d[^A-Za-z]*$|^[–*]?$")  # a number, an interval, a dash, a withheld mark


def _fill(least: list[float], wants: list[float], room: float) -> list[float]:
    """Widths between ``least`` and ``wants`` that take ``room``, shared max-min fairly: every
    column grows to the same width until it reaches what it wants."""
    if sum(wants) <= room:
        return list(wants)
    low, high = 0.0, max(wants)
    for _ in range(60):  # bisection for the common width
        level = (low + high) / 2
        if sum(min(max(level, m), w) for m, w in zip(least, wants)) > room:
            high = level
        else:
            low = level
    return [min(max(low, m), w) for m, w in zip(least, wants)]


# DejaVu Sans's (and Verdana's, near enough) advance widths in em, by kind of character
_NARROW = dict.fromkeys(" .,:;'|!il", 0.32) | dict.fromkeys("()[]-*", 0.39)
_WIDE = dict.fromkeys("−–—%mwMW@", 0.84)
TABLE_POINTS = 8  # the size of the PDF's and the Word document's table text


def sans_inches(text: str) -> float:
    """Inches a line of 8-point table text takes in DejaVu Sans or Verdana, about."""
    ems = sum(_NARROW.get(c) or _WIDE.get(c) or (0.64 if c.isdigit() else 0.72 if c.isupper() else 0.6) for c in text)
    return ems * TABLE_POINTS / 72


def by_characters(text: str) -> float:
    """Inches a line takes at :data:`CHAR` a character."""
    return len(text) * CHAR


def column_widths(
    rows: list[list[str]],
    width: int,
    *,
    page: float = PAGE_WIDTH,
    measure: Callable[[str], float] = by_characters,
    pad: float = PAD,
) -> list[float]:
    """Column widths in inches that fill ``page`` inches, for ``rows`` (the header row first),
    where ``measure`` gives the inches a line of text takes and ``pad`` a cell's margins.

    Each column gets at least its longest word (so ``(10.26)`` is not broken). A column of
    figures (numbers, intervals such as ``0.40 (-0.30, 1.10)``, dashes) then gets its longest
    line, so figures never wrap while there is room; the label columns share what is left,
    each growing to the same width until it holds its longest line. Where even the figures do
    not fit, every column shares the page that way.
    """
    cells = [[r[j] if j < len(r) else "" for r in rows] for j in range(width)]
    # the header row is bold, a tenth or so wider
    least = [
        max([BOLD * measure(w) for w in col[0].split()] + [measure(w) for c in col[1:] for w in c.split()] + [0.0])
        + pad
        for col in cells
    ]
    # a header may wrap at its words; a body line is wanted whole, up to LONGEST characters
    wants = [
        max(m, max((measure(line[:LONGEST]) for c in col[1:] for line in c.split("\n")), default=0.0) + pad)
        for col, m in zip(cells, least)
    ]
    if sum(least) >= page:
        return [page * w / sum(least) for w in least]
    figures = [all(FIGURE.match(c.strip()) for c in col[1:]) and len(col) > 1 for col in cells]
    fixed = sum(w for w, f in zip(wants, figures) if f) + sum(m for m, f in zip(least, figures) if not f)
    if fixed <= page:
        labels = [j for j in range(width) if not figures[j]]
        shared = _fill(
            [least[j] for j in labels], [wants[j] for j in labels], page - (fixed - sum(least[j] for j in labels))
        )
        widths = [wants[j] if figures[j] else 0.0 for j in range(width)]
        for j, w in zip(labels, shared):
            widths[j] = w
    else:
        widths = _fill(least, wants, page)
    return [w * page / sum(widths) for w in widths]
