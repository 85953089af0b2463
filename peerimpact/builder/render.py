"""Render a report's records into its HTML with nbconvert.

The HTML is made from the report's :class:`~peerimpact.builder.document.ReportDocument` alone,
as the PDF, the workbook and the Word document are: each record becomes one output of a
notebook made for the template, and the template shows nothing but records (through
:mod:`peerimpact.report.html`); a section's prose and unboxed sentences are rendered as Markdown.
No code, parameter, printed text or HTML a kernel displayed reaches the page.
"""

from __future__ import annotations

import threading
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

from ..report.html import markdown_of, record_html
from ..report.records import RECORD_MIME, from_json, to_json
from ..resources import templates_dir
from .document import ReportDocument


def document_notebook(document: ReportDocument) -> tuple[nbformat.NotebookNode, list[dict[str, str]]]:
    """A notebook for the template: one cell a record, each section's first and last cells
    marked; and the contents list."""
    merged = nbformat.v4.new_notebook(metadata={"language_info": {"name": "python"}})
    toc = []
    for section in document.sections:
        cells = [
            nbformat.v4.new_code_cell(
                outputs=[nbformat.v4.new_output("display_data", data={RECORD_MIME: to_json(record)})]
            )
            for record in section.records
        ]
        if not cells:
            continue
        toc.append({"anchor": section.anchor, "title": section.title})
        cells[0].metadata["peerimpact"] = {"section_start": section.anchor}
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
    section's text, sentences) as the exporter renders Markdown, every other record by
    :func:`peerimpact.report.html.record_html`."""
    found = data.get(RECORD_MIME)
    if found is None:
        return ""
    record = from_json(found)
    markdown = markdown_of(record)
    if markdown is not None:
        return f'<div class="pi-text">{exporter.markdown2html({}, markdown)}</div>'
    return f'<div class="pi-output">{record_html(record)}</div>'


def to_html(document: ReportDocument) -> str:
    """The report's HTML: the title block from ``document.title`` (title, scope_label, data_cut,
    …), then every section's records."""
    nb, toc = document_notebook(document)
    body, _ = _exporter().from_notebook_node(nb, resources={"report": {**document.title, "toc": toc}})
    return body
