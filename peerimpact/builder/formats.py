"""Output formats: a registry of what a report's rendered HTML becomes in its folder.

Each format writes one file of a report from the report's HTML (``report.html``,
``report.pdf``). Register another (a workbook of the report's tables, say) with
:func:`register_format`; report definitions and ``--formats`` may then name it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .render import to_pdf


@dataclass(frozen=True)
class OutputFormat:
    """A format: the file it writes in a report's folder, and how (from the HTML, into the folder)."""

    name: str
    file: str
    write: Callable[[str, Path, logging.Logger], None]


FORMATS: dict[str, OutputFormat] = {}


def register_format(fmt: OutputFormat) -> OutputFormat:
    FORMATS[fmt.name] = fmt
    return fmt


def _html(html: str, folder: Path, log: logging.Logger) -> None:
    (folder / "report.html").write_text(html, encoding="utf-8")


def _pdf(html: str, folder: Path, log: logging.Logger) -> None:
    pages = to_pdf(html, folder / "report.pdf", base_url=folder)
    log.info("pdf: %d pages, filled %s", len(pages), " ".join(f"{p.fill:.0%}" for p in pages))
    for number, page in enumerate(pages, start=1):
        if page.overflow > 1:
            log.warning("pdf: page %d runs %.0f px past its right margin", number, page.overflow)


register_format(OutputFormat("html", "report.html", _html))
register_format(OutputFormat("pdf", "report.pdf", _pdf))
