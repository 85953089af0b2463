"""Blocks: everything a section shows, as typed values, and the one exit they all leave by.

A section computes a block — a :class:`Table`, a :class:`FigureBlock`, a :class:`Quotes`
or a :class:`TextBlock` — and hands it to :func:`release`. There the report's disclosure
policy is applied to the block's data, and only then is anything rendered: the CSV under
``tables/``, the HTML table, the SVG figure and the sentence are all made from the block
the policy returned, so whatever a policy changes, it changes everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ..ingest.writers import to_csv
from .html import box_html, figure_html, quotes_html, record_html, table_html
from .policies import Context, DisclosurePolicy, resolve
from .records import RECORD_MIME, FigureRecord, Quote, QuotesRecord, Record, TableRecord, TextRecord, plain, to_json
from .roles import as_role

SUPPRESSED = "*"  # what it shows for a value a disclosure policy withholds


def is_missing(value: object) -> bool:
    """Whether ``value`` is missing (None, NA or NaN): a table shows it as a dash."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def is_suppressed(value) -> bool:
    """Whether ``value`` is a cell a disclosure policy withheld."""
    return isinstance(value, str) and value == SUPPRESSED


Formatter = Callable[[pd.DataFrame], pd.DataFrame | tuple[pd.DataFrame, list[str]]]


@dataclass(frozen=True)
class Suppression:
    """One cell a disclosure policy changed: where, why, and whether it was withheld for itself
    (``primary``) or to protect another (``secondary``)."""

    table: str
    row: int  # 1-based data row of the table's CSV
    column: str
    rule: str
    kind: str  # primary | secondary


def _bundle(record: Record, shown: tuple[str, str] | None) -> dict[str, Any]:
    """What a kernel displays for a released block: its record (which the report's formats render
    from) and, for whoever runs the section in JupyterLab, its HTML or Markdown."""
    bundle: dict[str, Any] = {RECORD_MIME: to_json(record)}
    if shown is not None:
        bundle[shown[0]] = shown[1]
    return bundle


def _summary(kind: str, name: str, frame: pd.DataFrame, suppressed: Sequence[Suppression]) -> str:
    """A block's repr: what it is and how big, not its data (the HTML shows that). A kernel
    makes this text for every block a section shows, so it must stay short and cheap."""
    rows, columns = frame.shape
    withheld = f", {len(suppressed)} cells withheld" if suppressed else ""
    return f"<{kind} {name!r}: {rows} rows × {columns} columns{withheld}>"


@dataclass(frozen=True)
class Table:
    """A table as a report shows it, and as a machine reads it.

    ``data`` holds unrounded numbers (written to ``tables/<name>.csv``); ``format`` makes the
    strings a reader sees from ``data`` (a frame, or a frame and notes that depend on the
    data), so that whatever a disclosure policy does to ``data`` reaches the display too. A
    fixed display frame may be given instead, for a table of text. A line break in a display
    cell is a real line break; ``notes`` are footnotes under the table; ``row_headers`` names
    the display columns that label their row (for screen readers, as ``<th scope="row">``).
    ``roles`` says what a data column is, where its name does not (see
    :data:`peerimpact.report.roles.COLUMN_ROLES`); ``suppressed`` lists what a policy changed.
    """

    name: str
    title: str
    data: pd.DataFrame
    format: Formatter | pd.DataFrame
    notes: Sequence[str] = ()
    row_headers: tuple[str, ...] = ()
    roles: Mapping[str, Any] = field(default_factory=dict)
    suppressed: tuple[Suppression, ...] = ()
    withheld: str | None = None  # every figure withheld: this sentence is shown in place of the rows
    collapse: bool = True  # a table of text (Table 5) keeps its rows even when its figures go

    def __post_init__(self) -> None:
        # a role may be written in words ("statistic of n in outcomes"): read it once, here
        object.__setattr__(self, "roles", {c: as_role(r) for c, r in self.roles.items()})

    @cached_property
    def _formatted(self) -> tuple[pd.DataFrame, list[str]]:
        if isinstance(self.format, pd.DataFrame):
            return self.format, []
        made = self.format(self.data)
        return made if isinstance(made, tuple) else (made, [])

    @property
    def display(self) -> pd.DataFrame:
        """The formatted table, made from ``data``."""
        return self._formatted[0]

    @property
    def all_notes(self) -> list[str]:
        """The table's notes, then those its formatter wrote from the data."""
        return [*self.notes, *self._formatted[1]]

    def csv_frames(self) -> dict[str, pd.DataFrame]:
        return {self.name: self.data}

    def to_csv(self, folder: str | Path) -> Path:
        return _write_csv(self.data, Path(folder) / f"{self.name}.csv")

    def to_html(self) -> str:
        return table_html(self.to_record())

    def to_record(self) -> TableRecord:
        """The table as released, for the report's formats (see :mod:`peerimpact.report.records`)."""
        rows = (
            ()
            if self.withheld
            else tuple(
                tuple(None if is_missing(v) else str(v) for v in values)
                for values in self.display.itertuples(index=False, name=None)
            )
        )
        return TableRecord(
            name=self.name,
            caption=self.title,
            columns=() if self.withheld else tuple(str(c) for c in self.display.columns),
            rows=rows,
            row_headers=tuple(self.row_headers),
            notes=tuple(self.all_notes),
            withheld=self.withheld,
            withheld_cells=tuple((s.row, s.column) for s in self.suppressed if s.table == self.name),
            csv=f"tables/{self.name}.csv",
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        record = self.to_record()
        return _bundle(record, ("text/html", record_html(record)))

    def __repr__(self) -> str:
        return _summary("Table", self.name, self.data, self.suppressed)


@dataclass(frozen=True)
class FigureBlock:
    """A figure as the data it is drawn from and the function that draws it.

    It is drawn (once) only when shown, so a policy that changes ``data`` changes the figure:
    a group a policy withholds has its figures missing (NaN) and is not drawn. ``draw`` takes
    the data and returns a :class:`~peerimpact.report.plots.Figure`; ``note`` is a line under it.
    """

    name: str
    data: pd.DataFrame
    draw: Callable[[pd.DataFrame], Any]
    roles: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None
    suppressed: tuple[Suppression, ...] = ()
    marks_withheld: bool = False  # it prints its figures (a flow diagram), a withheld one as *
    draws_counts: bool = False  # its marks are counts of people (a policy's rounding shows in them)
    caption: str | None = None  # "**Figure 1.** What is drawn": shown under the figure, only if it is drawn
    withheld: str | None = None  # nothing left to draw: this sentence is shown instead, with no caption

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

    def files(self) -> dict[str, bytes]:
        """The figure as ``figures/<name>.png`` beside the report (for Word and for slides)."""
        if self.withheld:
            return {}
        png = getattr(self.figure, "png", b"")
        # named as the HTML names it (a whole study's figure in place of the report's own keeps its name)
        return {f"figures/{getattr(self.figure, 'name', self.name)}.png": png} if png else {}

    def to_html(self) -> str:
        return figure_html(self.to_record())

    def to_record(self) -> FigureRecord:
        """The figure as released, for the report's formats: its data, drawing, SVG and words."""
        drawing = f"{getattr(self.draw, '__module__', '')}.{getattr(self.draw, '__qualname__', '')}".strip(".")
        common: dict[str, Any] = {
            "drawing": drawing,
            "columns": tuple(str(c) for c in self.data.columns),
            "rows": tuple(tuple(plain(v) for v in row) for row in self.data.itertuples(index=False, name=None)),
            "note": self.note,
        }
        if self.withheld:
            return FigureRecord(name=self.name, withheld=self.withheld, caption=self.caption, **common)
        figure = self.figure
        name = getattr(figure, "name", self.name)
        message = getattr(figure, "message", None)
        if message is not None:
            return FigureRecord(name=name, message=message, caption=self.caption, **common)
        png = f"figures/{name}.png" if getattr(figure, "png", b"") else None
        return FigureRecord(name=name, svg=figure.svg, alt=figure.alt, caption=self.caption, png=png, **common)

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        record = self.to_record()
        return _bundle(record, ("text/html", record_html(record)))

    def __repr__(self) -> str:
        return _summary("Figure", self.name, self.data, self.suppressed)


@dataclass(frozen=True)
class Quotes:
    """Quotes grouped by theme, rendered as escaped HTML block quotes.

    ``interviewees`` is the number of people interviewed in the report's scope (a policy may
    show no quotes below a minimum); ``note`` says what a policy did to them.
    """

    quotes: pd.DataFrame
    name: str = "quotes"
    title: str = "Illustrative quotes"
    interviewees: int | None = None
    note: str | None = None
    suppressed: tuple[Suppression, ...] = ()
    # the study's approved quotes (theme, text; no site, ID or timepoint) a policy may show instead
    pool: pd.DataFrame | None = None

    def csv_frames(self) -> dict[str, pd.DataFrame]:
        return {self.name: self.quotes}

    def to_csv(self, folder: str | Path) -> Path:
        return _write_csv(self.quotes, Path(folder) / f"{self.name}.csv")

    def to_html(self) -> str:
        return quotes_html(self.to_record())

    def to_record(self) -> QuotesRecord:
        """The quotes as released, theme by theme in the order shown."""
        themes = tuple(
            (str(theme), tuple(Quote(str(q.text), str(q.label)) for q in part.itertuples(index=False)))
            for theme, part in self.quotes.groupby("theme", sort=False)
        )
        return QuotesRecord(name=self.name, title=self.title, themes=themes, note=self.note)

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        record = self.to_record()
        return _bundle(record, ("text/html", record_html(record)))

    def __repr__(self) -> str:
        return _summary("Quotes", self.name, self.quotes, self.suppressed)


@dataclass(frozen=True)
class TextBlock:
    """Sentences written from figures: the ``facts`` and the function that words them.

    A policy sees the facts, not the sentence, and the sentence is written from what it
    returns; a withheld fact is :data:`SUPPRESSED`. ``roles`` says what each fact is (a count
    of people, a statistic resting on one); ``groups`` names facts that add up to another
    (``(("bank", "contracted"), "n")``), so that a withheld one cannot be found by subtraction.
    """

    name: str
    facts: dict[str, Any]
    write: Callable[[dict[str, Any]], str]
    roles: Mapping[str, Any] = field(default_factory=dict)
    groups: tuple[tuple[tuple[str, ...], str], ...] = ()
    suppressed: tuple[Suppression, ...] = ()
    box: str = ""  # set apart in a box of this name (``alerts``), under ``title``
    title: str = ""

    @cached_property
    def text(self) -> str:
        return self.write(self.facts)

    def _repr_html_(self) -> str | None:
        """A boxed block as a note set apart; its sentences are ``- `` lines or paragraphs."""
        return box_html(self.to_record()) if self.box else None

    def csv_frames(self) -> dict[str, pd.DataFrame]:
        return {}

    def to_markdown(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text

    def to_record(self) -> TextRecord:
        """The sentences as written from the released facts, with those facts."""
        return TextRecord(name=self.name, text=self.text, facts=plain(self.facts), box=self.box, title=self.title)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        record = self.to_record()
        return _bundle(record, ("text/html", box_html(record)) if self.box else ("text/markdown", self.text))


Block = Table | FigureBlock | Quotes | TextBlock
BLOCKS = (Table, FigureBlock, Quotes, TextBlock)
SUPPRESSION_FILE = "_suppression.csv"
SUPPRESSION_COLUMNS = ["table", "row", "column", "rule", "kind"]


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as a report's CSV: a text cell that a spreadsheet would run as a formula (an
    excerpt or a code name starting with ``=``) is written with a leading ``'``
    (:func:`peerimpact.ingest.writers.to_csv`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    to_csv(frame, path)
    return path


SHARED_RULE = (
    "not shown: too few people are behind it, or it would let a figure not shown be worked out, "
    "or it is one person's value"
)
WHOLE_RULE = "every figure withheld: the whole study's is shown in its place"
UNDRAWN_RULE = "groups resting on too few people are not drawn"


def _log_suppressed(block: Block, folder: Path, *, whole: bool = False) -> None:
    """Record what the policy changed in ``_suppression.csv``, replacing an earlier record of
    the same block (a section run again).

    The record leaves with the report, so it gives every withheld cell one reason: which cells
    fell below the threshold and which were withheld to protect them would tell a reader which
    groups are empty (a zero is shown) and which are small. A table withheld ``whole`` (the whole
    study's shown instead) is one line: even its rows would say which levels occur."""
    path = folder / SUPPRESSION_FILE
    names = set(block.csv_frames()) | {block.name} | {s.table for s in block.suppressed}
    old = (
        pd.read_csv(path, dtype=str, keep_default_na=False)
        if path.is_file()
        else pd.DataFrame(columns=SUPPRESSION_COLUMNS)
    )
    rows: list[dict[str, Any]]
    if whole:
        rows = [
            {"table": name, "row": "", "column": "", "rule": WHOLE_RULE, "kind": "withheld"}
            for name in sorted(block.csv_frames()) or [block.name]
        ]
    elif not block.csv_frames():  # a figure: no table of it whose rows a record could name
        rows = [
            {"table": name, "row": "", "column": "", "rule": UNDRAWN_RULE, "kind": "withheld"}
            for name in sorted({s.table for s in block.suppressed})
        ]
    else:
        frames, rows = block.csv_frames(), []
        for table in dict.fromkeys(s.table for s in block.suppressed):
            cells = [s for s in block.suppressed if s.table == table]
            if any(s.row > len(frames.get(table, ())) for s in cells):
                # rows taken out (quotes not shown): how many there were is itself a count of people's words
                rows.append({"table": table, "row": "", "column": "", "rule": SHARED_RULE, "kind": "withheld"})
            else:
                rows += [
                    {"table": table, "row": s.row, "column": s.column, "rule": SHARED_RULE, "kind": "withheld"}
                    for s in cells
                ]
    new = pd.DataFrame(rows, columns=SUPPRESSION_COLUMNS).drop_duplicates()
    _write_csv(pd.concat([old[~old["table"].isin(names)], new.astype(str)], ignore_index=True), path)


def release(
    block: Block, policy: str | DisclosurePolicy, tables_dir: str | Path | None = None, context: Context | None = None
) -> Block:
    """The one exit: ``block`` as the report's disclosure ``policy`` (a registered name or a
    policy) lets it out, its tables written to ``tables_dir`` (when given) with a record of every
    cell the policy changed and of every figure it shows (``_released.csv``, see
    :mod:`peerimpact.report.ledger`). ``context`` carries what the policy must know of the build
    (the cells withheld so that reports cannot be subtracted from each other) and whom the
    report is about. Returns the block to display."""
    if not isinstance(block, BLOCKS):
        raise TypeError(
            f"a section shows blocks ({', '.join(b.__name__ for b in BLOCKS)}), not "
            f"{type(block).__name__}: make one in peerimpact.report"
        )
    chosen = resolve(policy)
    context = context or Context()
    released = chosen.apply(block, context)
    if tables_dir is not None:
        write_released(released, block, chosen, tables_dir, context)
    return released


def record_withheld(released: Block, policy: DisclosurePolicy, tables_dir: str | Path) -> None:
    """Only the record of what ``policy`` withheld of a block that is not shown (the whole study's
    block is shown in its place): ``_suppression.csv`` says why its table is not there."""
    if policy.shared:
        _log_suppressed(released, Path(tables_dir), whole=True)


def write_released(
    released: Block, block: Block, policy: DisclosurePolicy, tables_dir: str | Path, context: Context
) -> None:
    """Write what :func:`release` returned for ``block``: its tables and figures, and the records of
    what ``policy`` withheld and of what it let out. Only ever given a block a policy released."""
    folder = Path(tables_dir)
    for name, frame in released.csv_frames().items():
        _write_csv(frame, folder / f"{name}.csv")
    for name, content in getattr(released, "files", dict)().items():  # beside tables/, never inside it
        path = folder.parent / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    if policy.shared:  # a shared report always has the record, empty or not
        _log_suppressed(released, folder)
    from .ledger import record  # the ledger keys blocks by what they show: it imports this module

    record(released, folder, context.population, original=block)
