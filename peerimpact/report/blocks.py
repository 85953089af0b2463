"""Blocks: everything a section shows, as typed values, and the one exit they all leave by.

A section computes a block — a :class:`Table`, a :class:`FigureBlock`, a :class:`Quotes`
or a :class:`TextBlock` — and hands it to :func:`release`. There the report's disclosure
policy is applied to the block's data, and only then is anything rendered: the CSV under
``tables/``, the HTML table, the SVG figure and the sentence are all made from the block
the policy returned, so whatever a policy changes, it changes everywhere.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Union

import pandas as pd

from .policies import apply


DASH = "–"  # what a table shows for a missing value


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _cell_html(value) -> str:
    """A display cell as escaped HTML: missing is a dash, each line break a ``<br>``."""
    if _missing(value):
        return DASH
    return "<br>".join(html.escape(line) for line in str(value).split("\n"))


@dataclass(frozen=True)
class Table:
    """A table as a report shows it, and as a machine reads it.

    ``data`` holds unrounded numbers (written to ``tables/<name>.csv``); ``display`` holds
    the formatted strings a reader sees, where a line break in a cell is a real line
    break; ``notes`` are footnotes under the table; ``row_headers`` names the display
    columns that label their row (for screen readers, as ``<th scope="row">``).
    """

    name: str
    title: str
    data: pd.DataFrame
    display: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    row_headers: tuple[str, ...] = ()

    def csv_frames(self) -> dict[str, pd.DataFrame]:
        return {self.name: self.data}

    def to_csv(self, folder: str | Path) -> Path:
        return _write_csv(self.data, Path(folder) / f"{self.name}.csv")

    def to_html(self) -> str:
        head = "".join(f"<th scope=\"col\">{_cell_html(c)}</th>" for c in self.display.columns)
        body = []
        for values in self.display.itertuples(index=False, name=None):
            cells = []
            for column, value in zip(self.display.columns, values):
                text = _cell_html(value)
                header = column in self.row_headers and text
                cells.append(f"<th scope=\"row\">{text}</th>" if header else f"<td>{text}</td>")
            body.append(f"<tr>{''.join(cells)}</tr>")
        notes = "".join(f"<p class=\"pi-note\">{html.escape(n)}</p>" for n in self.notes)
        name = html.escape(self.name)
        return (f"<figure class=\"pi-table-figure\" id=\"table-{name}\">"
                f"<figcaption>{html.escape(self.title)}</figcaption>"
                f"<table class=\"pi-table pi-{name}\"><thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table>{notes}</figure>")

    def _repr_html_(self) -> str:
        return self.to_html()


@dataclass(frozen=True)
class FigureBlock:
    """A figure as the data it is drawn from and the function that draws it.

    It is drawn (once) only when shown, so a policy that changes ``data`` changes the figure.
    ``draw`` takes the data and returns a :class:`~peerimpact.report.plots.Figure`.
    """

    name: str
    data: pd.DataFrame
    draw: Callable[[pd.DataFrame], Any]

    @cached_property
    def figure(self):
        return self.draw(self.data)

    @property
    def svg(self) -> str:
        return self.figure.svg

    @property
    def alt(self) -> str:
        return self.figure.alt

    def csv_frames(self) -> dict[str, pd.DataFrame]:
        return {}

    def to_html(self) -> str:
        return self.figure.to_html()

    def _repr_html_(self) -> str:
        return self.to_html()


@dataclass(frozen=True)
class Quotes:
    """Quotes grouped by theme, rendered as escaped HTML block quotes."""

    quotes: pd.DataFrame
    name: str = "quotes"
    title: str = "Illustrative quotes"

    def csv_frames(self) -> dict[str, pd.DataFrame]:
        return {self.name: self.quotes}

    def to_csv(self, folder: str | Path) -> Path:
        return _write_csv(self.quotes, Path(folder) / f"{self.name}.csv")

    def to_html(self) -> str:
        parts = [f"<div class=\"pi-quotes\"><p class=\"pi-quotes-title\"><strong>{html.escape(self.title)}"
                 "</strong></p>"]
        for theme, part in self.quotes.groupby("theme", sort=False):
            parts.append(f"<h3>{html.escape(theme)}</h3>")
            for rec in part.itertuples(index=False):
                parts.append(f"<blockquote class=\"pi-quote\"><p>“{html.escape(rec.text)}”</p>"
                             f"<cite>{html.escape(rec.label)}</cite></blockquote>")
        if self.quotes.empty:
            parts.append("<p>No excerpts in this report.</p>")
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()


@dataclass(frozen=True)
class TextBlock:
    """Sentences written from figures: the ``facts`` and the function that words them.

    A policy sees the facts, not the sentence, and the sentence is written from what it returns.
    """

    name: str
    facts: dict[str, Any]
    write: Callable[[dict[str, Any]], str]

    @cached_property
    def text(self) -> str:
        return self.write(self.facts)

    def csv_frames(self) -> dict[str, pd.DataFrame]:
        return {}

    def to_markdown(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text


Block = Union[Table, FigureBlock, Quotes, TextBlock]
BLOCKS = (Table, FigureBlock, Quotes, TextBlock)


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def release(block: Block, policy: str, tables_dir: str | Path | None = None) -> Block:
    """The one exit: ``block`` as the report's disclosure ``policy`` lets it out, its tables written
    to ``tables_dir`` (when given). Returns the block to display."""
    if not isinstance(block, BLOCKS):
        raise TypeError(f"a section shows blocks ({', '.join(b.__name__ for b in BLOCKS)}), not "
                        f"{type(block).__name__}: make one in peerimpact.report")
    released = apply(policy, block)
    if tables_dir is not None:
        for name, frame in released.csv_frames().items():
            _write_csv(frame, Path(tables_dir) / f"{name}.csv")
    return released
