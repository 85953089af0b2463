"""Released blocks as data: the typed, serialisable records every output format renders from.

A block leaves a section through :func:`peerimpact.report.blocks.release`; what the policy
returned is then described by one record: a :class:`TableRecord` (caption, columns, the display
strings, notes, the cells withheld), a :class:`FigureRecord` (the released data, the drawing's
name, the SVG, alternative text and caption), a :class:`QuotesRecord`, a :class:`TextRecord`
(the sentences and the facts they were written from), or a :class:`ProseRecord` (a section's
own Markdown, or the study team's commentary). A record holds display values only, never a
frame or a function, so it survives JSON (:func:`to_json`, :func:`from_json`) and a format can
render it without importing pandas or matplotlib.

Nothing makes a record but a released block, so a renderer that reads records sees only what a
disclosure policy let out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar

#: the MIME type under which a section's output carries its record (beside ``text/html``)
RECORD_MIME = "application/vnd.peerimpact.record+json"

Cell = str | None  # a display cell; ``None`` is a missing value, which a format shows as a dash


@dataclass(frozen=True)
class TableRecord:
    """A released table as a reader sees it: ``rows`` of display strings under ``columns``; the
    columns in ``row_headers`` label their row. ``withheld`` is the sentence shown in place of
    the rows when every figure is withheld; ``withheld_cells`` the (1-based data row, data
    column) of each cell the policy withheld. ``csv`` is the table's file under ``tables/``."""

    kind: ClassVar[str] = "table"
    name: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    row_headers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    withheld: str | None = None
    withheld_cells: tuple[tuple[int, str], ...] = ()
    csv: str | None = None


@dataclass(frozen=True)
class FigureRecord:
    """A released figure: the data it was drawn from (``columns`` and ``rows``, as released),
    the drawing that made it (``drawing``: the function's dotted name), and what a reader gets:
    the SVG, the alternative text, the caption (``**Figure 1.** …``) and a note. ``message`` is
    the sentence shown when there was nothing to draw; ``withheld`` the one shown when a policy
    left nothing. ``png`` names the same figure as a picture beside the report."""

    kind: ClassVar[str] = "figure"
    name: str
    drawing: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    svg: str = ""
    alt: str = ""
    caption: str | None = None
    note: str | None = None
    message: str | None = None
    withheld: str | None = None
    png: str | None = None

    @property
    def label(self) -> str | None:
        """``Figure 3`` of a caption ``**Figure 3.** …``, if it has one."""
        import re

        match = re.match(r"\*\*(.+?)\.?\*\*", self.caption or "")
        return match.group(1) if match else None


@dataclass(frozen=True)
class Quote:
    text: str
    label: str


@dataclass(frozen=True)
class QuotesRecord:
    """Released quotes, grouped by theme in the order shown; ``note`` says what a policy did."""

    kind: ClassVar[str] = "quotes"
    name: str
    title: str
    themes: tuple[tuple[str, tuple[Quote, ...]], ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class TextRecord:
    """Sentences written from released facts: ``text`` is Markdown (``- `` lines are a list);
    ``facts`` the values it was written from (a withheld one is ``*``). A block set apart has a
    ``box`` (``alerts``) and a ``title``."""

    kind: ClassVar[str] = "text"
    name: str
    text: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    box: str = ""
    title: str = ""

    @property
    def items(self) -> list[str]:
        """The text's ``- `` lines (a boxed block's list), without the marker."""
        return [line[2:] for line in self.text.splitlines() if line.startswith("- ")]


@dataclass(frozen=True)
class ProseRecord:
    """Markdown a section shows as written: its own text (``role="section"``) or the study team's
    commentary (``role="commentary"``)."""

    kind: ClassVar[str] = "prose"
    source: str
    role: str = "section"


Record = TableRecord | FigureRecord | QuotesRecord | TextRecord | ProseRecord
RECORD_TYPES: dict[str, type] = {
    cls.kind: cls for cls in (TableRecord, FigureRecord, QuotesRecord, TextRecord, ProseRecord)
}


def plain(value: Any) -> Any:
    """``value`` as JSON holds it: numpy scalars as Python numbers, NaN as ``None``, tuples as lists."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # a date, a Timestamp: as it prints


def to_json(record: Record) -> dict[str, Any]:
    """A record as a JSON object, its ``kind`` first."""
    return {"kind": record.kind, **plain(asdict(record))}


def from_json(data: Mapping[str, Any]) -> Record:
    """The record :func:`to_json` wrote.

    >>> record = TableRecord("t", "Table 1", ("a", "b"), (("1", None),), notes=("n",))
    >>> from_json(to_json(record)) == record
    True
    """
    fields = dict(data)
    cls = RECORD_TYPES[fields.pop("kind")]
    if cls is TableRecord:
        fields["columns"] = tuple(fields["columns"])
        fields["rows"] = tuple(tuple(row) for row in fields["rows"])
        fields["row_headers"] = tuple(fields.get("row_headers", ()))
        fields["notes"] = tuple(fields.get("notes", ()))
        fields["withheld_cells"] = tuple((int(r), str(c)) for r, c in fields.get("withheld_cells", ()))
    elif cls is FigureRecord:
        fields["columns"] = tuple(fields.get("columns", ()))
        fields["rows"] = tuple(tuple(row) for row in fields.get("rows", ()))
    elif cls is QuotesRecord:
        fields["themes"] = tuple(
            (theme, tuple(Quote(**quote) for quote in quotes)) for theme, quotes in fields.get("themes", ())
        )
    return cls(**fields)


# what a record keeps as written: names, files, markup and data keys, not words a reader reads
_AS_WRITTEN = frozenset({"name", "csv", "drawing", "svg", "png", "facts", "box", "role"})
_LINK_TARGET = re.compile(r"(\]\([^)]*\))")


def _spelled(value: Any, spell: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return spell(value)
    if isinstance(value, tuple):
        return tuple(_spelled(v, spell) for v in value)
    return value


def respelled(record: Record, spell: Callable[[str], str]) -> Record:
    """``record`` with the words a reader reads passed through ``spell`` (a locale's spelling,
    applied at render time). A participant's quote and the study team's commentary stay as they
    were written, and so do a Markdown link's target.

    >>> shout = str.upper
    >>> respelled(TableRecord("t", "Table 1", ("a",), (("x",),)), shout).rows
    (('X',),)
    >>> respelled(ProseRecord("[see](#section-a)", role="commentary"), shout).source
    '[see](#section-a)'
    """
    if isinstance(record, ProseRecord):
        if record.role == "commentary":
            return record
        parts = _LINK_TARGET.split(record.source)  # odd parts are link targets
        return replace(record, source="".join(p if i % 2 else spell(p) for i, p in enumerate(parts)))
    if isinstance(record, QuotesRecord):
        themes = tuple((spell(theme), quotes) for theme, quotes in record.themes)
        return replace(record, title=spell(record.title), note=_spelled(record.note, spell), themes=themes)
    changes = {f.name: _spelled(getattr(record, f.name), spell) for f in fields(record) if f.name not in _AS_WRITTEN}
    return replace(record, **changes)
