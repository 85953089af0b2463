"""A report as its formats see it: the title block, then each section's records in order.

Read from the executed section notebooks: a section's Markdown cells become
:class:`~peerimpact.report.records.ProseRecord`, and every block it showed leaves its record in
its output (:data:`~peerimpact.report.records.RECORD_MIME`, put there by
:func:`peerimpact.report.blocks.release`'s display). Nothing else of a notebook is read: not its
code, its parameters or its HTML. The study team's commentary joins as prose records under the
heading of the section it belongs to, or at its end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from ..report.records import RECORD_MIME, ProseRecord, Record, TableRecord, from_json, respelled, to_json
from .execute import RESET_TAG

HIDDEN_TAGS = {RESET_TAG, "parameters", "injected-parameters", "remove-cell"}
HEADING = re.compile(r"^\s*#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


# the title block's values that are not the package's words: identifiers, versions, times, the
# study's own name
_TITLE_AS_WRITTEN = frozenset({"report_id", "version", "built_at", "data_cut", "disclosure", "internal", "study_name"})


def _words(value: Any, spell: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return spell(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_words(v, spell) for v in value)
    return value


@dataclass(frozen=True)
class Section:
    """One section of a report: its anchor (``section-04_change``), its title (its first heading)
    and its records in the order shown."""

    anchor: str
    title: str
    records: tuple[Record, ...]


@dataclass(frozen=True)
class ReportDocument:
    """A report's content for every format: ``title`` holds the title block's facts (title, scope,
    study, data cut, disclosure statement…), ``sections`` the records."""

    title: Mapping[str, Any]
    sections: tuple[Section, ...] = field(default=())

    def tables(self) -> list[TableRecord]:
        """Every table, in the order the report shows them."""
        return [r for s in self.sections for r in s.records if isinstance(r, TableRecord)]

    def to_json(self) -> dict[str, Any]:
        return {
            "title": dict(self.title),
            "sections": [
                {"anchor": s.anchor, "title": s.title, "records": [to_json(r) for r in s.records]}
                for s in self.sections
            ],
        }

    def respelled(self, spell: Callable[[str], str]) -> ReportDocument:
        """The document with every word a reader reads passed through ``spell`` (the report's
        spelling, applied as it is rendered): the title block's words, the section titles and the
        records (:func:`~peerimpact.report.records.respelled`: never a quote or the commentary)."""
        title = {k: v if k in _TITLE_AS_WRITTEN else _words(v, spell) for k, v in self.title.items()}
        if "facts" in self.title:  # a fact's name is the package's; its value (the funder's name…) the study's
            title["facts"] = [(spell(name), value) for name, value in self.title["facts"]]
        sections = tuple(
            Section(s.anchor, spell(s.title), tuple(respelled(r, spell) for r in s.records)) for s in self.sections
        )
        return ReportDocument(title, sections)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportDocument:
        sections = tuple(
            Section(s["anchor"], s["title"], tuple(from_json(r) for r in s["records"])) for s in data["sections"]
        )
        return cls(data["title"], sections)


def section_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = HEADING.search(cell.source)
            if match:
                return match.group(1)
    return fallback


def _records(cell: nbformat.NotebookNode) -> list[Record]:
    if cell.cell_type == "markdown":
        return [ProseRecord(cell.source)] if cell.source.strip() else []
    if cell.cell_type != "code":
        return []
    found: list[Record] = []
    for output in cell.get("outputs", []):
        data = output.get("data", {}) if output.get("output_type") in ("display_data", "execute_result") else {}
        record = data.get(RECORD_MIME)
        if record is not None:
            found.append(from_json(json.loads(record) if isinstance(record, str) else record))
    return found


def markdown_tokens(markdown: str) -> list[dict[str, Any]]:
    """Markdown as the tokens mistune parses it into (headings, paragraphs, lists, runs), for the
    formats that lay text out themselves."""
    import mistune

    parse = mistune.create_markdown(renderer=None)
    tokens: list[dict[str, Any]] = parse(markdown)  # type: ignore[assignment]  # a list without a renderer
    return [t for t in tokens if t.get("type") != "blank_line"]


def without_title(tokens: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    """``tokens`` without their first heading, if it is ``title`` (a format that sets a section's
    title itself drops the one its prose opens with)."""
    for i, token in enumerate(tokens):
        if token.get("type") == "heading":
            text = "".join(c.get("raw", "") for c in token.get("children", ()))
            return tokens[:i] + tokens[i + 1 :] if text.strip() == title.strip() else tokens
    return tokens


def read_document(
    notebooks: list[Path], title: Mapping[str, Any], commentary: Mapping[str, tuple[str, str]] | None = None
) -> ReportDocument:
    """The report of the executed ``notebooks``: their prose and released records, section by
    section. ``commentary`` maps a section (a notebook's stem) to the team's Markdown placed under
    its heading and at its end."""
    sections = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if not HIDDEN_TAGS & set(c.metadata.get("tags", []))]
        records = [r for c in cells for r in _records(c)]
        if not records:
            continue
        top, end = (commentary or {}).get(path.stem, ("", ""))
        heading = 1 if isinstance(records[0], ProseRecord) else 0
        if top:
            records.insert(heading, ProseRecord(top, role="commentary"))
        if end:
            records.append(ProseRecord(end, role="commentary"))
        sections.append(Section(f"section-{path.stem}", section_title(nb, path.stem), tuple(records)))
    return ReportDocument(dict(title), tuple(sections))
