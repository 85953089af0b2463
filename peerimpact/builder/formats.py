"""Output formats: a registry of what a report's rendered HTML becomes in its folder.

Each format writes one file of a report from the report's HTML and the folder its sections
filled (``tables/``, ``figures/``): ``report.html``, ``report.pdf``, ``tables.xlsx``,
``report.docx``. Register another with :func:`register_format`; report definitions and
``--formats`` may then name it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .office_files import write_docx, write_workbook
from .render import to_pdf


@dataclass(frozen=True)
class OutputFormat:
    """A format: the file it writes in a report's folder, and how: ``write(html, folder, log, report)``,
    where ``report`` is the title block (title, scope, study, data cut, disclosure policy…)."""

    name: str
    file: str
    write: Callable[[str, Path, logging.Logger, Mapping[str, Any]], None]


FORMATS: dict[str, OutputFormat] = {}


def register_format(fmt: OutputFormat) -> OutputFormat:
    FORMATS[fmt.name] = fmt
    return fmt


def _html(html: str, folder: Path, log: logging.Logger, report: Mapping[str, Any]) -> None:
    (folder / "report.html").write_text(html, encoding="utf-8")


def _pdf(html: str, folder: Path, log: logging.Logger, report: Mapping[str, Any]) -> None:
    pages = to_pdf(html, folder / "report.pdf", base_url=folder)
    log.info("pdf: %d pages, filled %s", len(pages), " ".join(f"{p.fill:.0%}" for p in pages))
    for number, page in enumerate(pages, start=1):
        if page.overflow > 1:
            log.warning("pdf: page %d runs %.0f px past its right margin", number, page.overflow)


def _xlsx(html: str, folder: Path, log: logging.Logger, report: Mapping[str, Any]) -> None:
    write_workbook(html, folder, report)


def _docx(html: str, folder: Path, log: logging.Logger, report: Mapping[str, Any]) -> None:
    write_docx(html, folder, report)


register_format(OutputFormat("html", "report.html", _html))
register_format(OutputFormat("pdf", "report.pdf", _pdf))
register_format(OutputFormat("xlsx", "tables.xlsx", _xlsx))
register_format(OutputFormat("docx", "report.docx", _docx))
