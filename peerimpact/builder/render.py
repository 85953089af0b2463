"""Render executed section notebooks into one report's HTML with nbconvert.

The HTML is made from records: every output a section showed is rendered from the record its
released block left (:mod:`peerimpact.report.records`, through :mod:`peerimpact.report.html`),
never from the HTML the kernel displayed; a section's Markdown is rendered as Markdown.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

from ..report.html import markdown_of, record_html
from ..report.records import RECORD_MIME, ProseRecord, from_json, to_json
from ..resources import templates_dir
from .document import HIDDEN_TAGS, section_title

if TYPE_CHECKING:
    pass


def _clean(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A cell as the report shows it: no execution metadata, no warnings printed to stderr."""
    cell.metadata = {k: v for k, v in cell.metadata.items() if k not in ("papermill", "execution", "tags")}
    if cell.cell_type == "code":
        cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
        cell.execution_count = None
    return cell


def _shown(markdown: str) -> nbformat.NotebookNode:
    """The study team's filled commentary, as a cell showing its record."""
    record = to_json(ProseRecord(markdown, role="commentary"))
    return nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", data={RECORD_MIME: record})])


def merge_sections(
    notebooks: list[Path], under: dict[str, tuple[str, str]] | None = None
) -> tuple[nbformat.NotebookNode, list[dict[str, str]]]:
    """One notebook of all sections, each marked for the template; and the contents list.
    ``under`` maps a section to the study team's filled commentary (Markdown) placed under its
    heading and at its end."""
    merged = nbformat.v4.new_notebook(metadata={"language_info": {"name": "python"}})
    toc = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        cells = [_clean(c) for c in nb.cells if not HIDDEN_TAGS & set(c.metadata.get("tags", []))]
        if not cells:
            continue
        top, end = (under or {}).get(path.stem, ("", ""))
        cells[1:1] = [_shown(top)] if top else []
        cells += [_shown(end)] if end else []
        anchor = f"section-{path.stem}"
        toc.append({"anchor": anchor, "title": section_title(nb, path.stem)})
        cells[0].metadata.setdefault("peerimpact", {})["section_start"] = anchor
        cells[-1].metadata.setdefault("peerimpact", {})["section_end"] = True
        merged.cells.extend(cells)
    return merged, toc


_exporters = threading.local()


def _exporter() -> HTMLExporter:
    """This thread's exporter: it compiles its templates once (0.1 s), not once per report."""
    exporter = getattr(_exporters, "html", None)
    if exporter is None:
        config = Config()
        config.HTMLExporter.exclude_input = True
        config.HTMLExporter.exclude_input_prompt = True
        config.HTMLExporter.exclude_output_prompt = True
        exporter = _exporters.html = HTMLExporter(
            config=config, template_name="report", extra_template_basedirs=[str(templates_dir())]
        )
        exporter.register_filter("released", lambda data: _released(exporter, data))
    return exporter


def _released(exporter: HTMLExporter, data: dict[str, Any]) -> str:
    """The HTML of an output's record (``""`` for an output that carries none): Markdown (a
    section's text, sentences) as the exporter renders a Markdown cell, every other record by
    :func:`peerimpact.report.html.record_html`."""
    found = data.get(RECORD_MIME)
    if found is None:
        return ""
    record = from_json(found)
    markdown = markdown_of(record)
    if markdown is not None:
        return f'<div class="pi-text">{exporter.markdown2html({}, markdown)}</div>'
    return f'<div class="pi-output">{record_html(record)}</div>'


def to_html(notebooks: list[Path], report: dict[str, Any], under: dict[str, tuple[str, str]] | None = None) -> str:
    """The report's HTML; ``report`` fills the title block (title, scope_label, data_cut, …),
    ``under`` adds the team's commentary under sections' headings (see :func:`merge_sections`)."""
    nb, toc = merge_sections(notebooks, under)
    body, _ = _exporter().from_notebook_node(nb, resources={"report": {**report, "toc": toc}})
    return body
