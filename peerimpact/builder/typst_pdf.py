"""The PDF from the report's records, laid out by Typst (the ``typst`` package ships its compiler).

The template (``templates/report/report.typ``) reads the records as JSON data, so a study's text
reaches the page as text and never as markup. Markdown (a section's prose, the key messages,
the team's commentary) is handed over as the tokens mistune parses it into; the section's own
first heading is dropped from them, because the template sets the section's title itself.
The PDF is tagged (PDF/UA-1), so a screen reader gets headings, tables, lists and figures' text.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..report.html import DASH
from ..report.records import ProseRecord, TableRecord, TextRecord
from ..resources import templates_dir
from .document import ReportDocument, markdown_tokens, without_title
from .table_widths import column_widths, sans_inches

TEMPLATE = "report/report.typ"


# the template's A4 text width (210 mm less 16 mm a side) and a cell's 4-point insets either
# side, in inches; its table text is 8-point DejaVu Sans
TEXT_WIDTH, PAD = (210 - 2 * 16) / 25.4, 8 / 72


def typst_data(document: ReportDocument) -> dict[str, Any]:
    """The document as the template reads it: its JSON, with Markdown records given as tokens."""
    data = document.to_json()
    for s, (section, raw) in enumerate(zip(document.sections, data["sections"])):
        titled = False
        for r, (record, out) in enumerate(zip(section.records, raw["records"])):
            out["key"] = f"{s}.{r}"  # a record's place, by which the layout's marks name it
            if isinstance(record, ProseRecord):
                tokens = markdown_tokens(record.source)
                if record.role == "section" and not titled:
                    tokens, titled = without_title(tokens, section.title), True
                out["ast"] = tokens
            elif isinstance(record, TextRecord) and not record.box:
                out["ast"] = markdown_tokens(record.text)
            elif isinstance(record, TableRecord) and record.columns:
                # as Word shares out its width: each column its longest word, the rest to those with more to say
                cells = [list(record.columns), *[[DASH if v is None else v for v in row] for row in record.rows]]
                out["widths"] = column_widths(cells, len(record.columns), page=TEXT_WIDTH, measure=sans_inches, pad=PAD)
    return data


@dataclass(frozen=True)
class PageFill:
    """How far down its text area each page's content reaches (0 to 1), page by page."""

    fills: tuple[float, ...]

    @property
    def pages(self) -> int:
        return len(self.fills)


def _fills(marks: list[dict[str, Any]], page: dict[str, Any]) -> PageFill:
    """Each page's fill from where records start and end: a record that runs on to a later page
    fills every page before the one it ends on, or, where it marks its lines (a list's items), down
    to its lowest line there. An end mark at a page's very top moved there with
    what follows it: the record ended on the page before, where it started plus its height, if
    it fits there, or at that page's foot."""
    height, top, bottom = float(page["height"]), float(page["top"]), float(page["bottom"])
    lowest = [0.0] * int(page["pages"])
    started: tuple[int, float] | None = None
    lines: dict[int, float] = {}  # where a record's lines (a list's items) end, page by page
    for mark in marks:
        at, y = int(mark["page"]) - 1, float(mark["y"])
        if mark["at"] == "start":
            started, lines = (at, y), {}
            continue
        if mark["at"] == "line":
            lines[at] = max(lines.get(at, 0.0), y)
            continue
        if y <= top + 1 and at > 0:
            ended = started[1] + float(mark.get("height", height)) if started and started[0] == at - 1 else height
            at, y = at - 1, ended if ended <= height - bottom + 1 else height
        # a record with no start mark (a figure's sentence in place of a drawing) spans no page
        # a page it runs on from is full, unless its lines say where they stopped (a lead-in moved on)
        for full in range(started[0] if started is not None else at, at):
            lowest[full] = max(lowest[full], lines.get(full, height))
        lowest[at] = max(lowest[at], y)
        started, lines = None, {}
    area = height - top - bottom
    return PageFill(tuple(min(1.0, max(0.0, (y - top) / area)) for y in lowest))


PUSH, MAX_PUSHES = 14, 4  # points: a line of a table's 8 pt text with its padding; tries


def _tables(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for s in data["sections"] for r in s["records"] if r.get("kind") == "table"]


def notes_alone(marks: list[dict[str, Any]]) -> set[str]:
    """The tables whose notes start a page their rows do not reach: each table marks the page its
    rows end on (``rows``) and the page its first note starts on (``notes``)."""
    pages: dict[str, dict[str, int]] = {}
    for mark in marks:
        pages.setdefault(str(mark["key"]), {})[str(mark["at"])] = int(mark["page"])
    return {key for key, at in pages.items() if "rows" in at and "notes" in at and at["notes"] > at["rows"]}


def to_typst_pdf(document: ReportDocument, target: Path) -> PageFill:
    """Write ``target``, a tagged A4 PDF (PDF/UA-1) of ``document``; returns how full each page is."""
    import typst

    with tempfile.TemporaryDirectory(prefix="peerimpact-typst-") as tmp:
        root = Path(tmp)
        shutil.copy(templates_dir() / TEMPLATE, root / "report.typ")
        data = typst_data(document)
        (root / "report.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        compiler = typst.Compiler(str(root / "report.typ"), root=str(root))
        pdf = compiler.compile(pdf_standards=["ua-1"])
        for _ in range(MAX_PUSHES):  # Typst keeps no note with the rows above it: move rows on to it
            alone = notes_alone(json.loads(compiler.query("<pi-notes>", field="value")))
            if not alone:
                break
            for table in _tables(data):
                if table.get("key") in alone:
                    table["push"] = table.get("push", 0) + PUSH
            (root / "report.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            compiler = typst.Compiler(str(root / "report.typ"), root=str(root))
            pdf = compiler.compile(pdf_standards=["ua-1"])
        assert isinstance(pdf, bytes)  # one PDF: a list comes only of an image format's pages
        page = json.loads(compiler.query("<pi-pages>", field="value", one=True))
        marks = json.loads(compiler.query("<pi-mark>", field="value"))
    target.write_bytes(pdf)
    return _fills(marks, page)
