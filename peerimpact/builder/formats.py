"""Output formats: a registry of the files a report's records become in its folder.

Each format renders one file from the report's :class:`ReportSources`, never from another
format's output: ``report.html`` (nbconvert, every output rendered from its record),
``report.pdf`` (Typst, from the records), ``tables.xlsx`` (the released CSVs, titled from the
records) and ``report.docx`` (python-docx, from the records). Register another with
:func:`register_format`; report definitions and ``--formats`` may then name it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..registry import Registry
from .document import ReportDocument
from .render import to_html
from .typst_pdf import to_typst_pdf
from .word import write_docx
from .workbook import write_workbook


@dataclass(frozen=True)
class ReportSources:
    """What a report's formats render from: its records (``document``: the title block, then each
    section's records with the team's commentary in place)."""

    document: ReportDocument
    word_template: bytes | None = None  # the study's own Word document, whose styles report.docx takes


@dataclass(frozen=True)
class OutputFormat:
    """A format: the file it writes in a report's folder, and how: ``write(sources, folder, log)``."""

    name: str
    file: str
    write: Callable[[ReportSources, Path, logging.Logger], None]


FORMATS: Registry[OutputFormat] = Registry("output format")


def register_format(fmt: OutputFormat) -> OutputFormat:
    """Add (or replace) a format under its name; report definitions and ``--formats`` may then name it."""
    return FORMATS.register(fmt.name, fmt)


def _html(sources: ReportSources, folder: Path, log: logging.Logger) -> None:
    html = to_html(sources.document)
    (folder / "report.html").write_text(html, encoding="utf-8")


NEAR_EMPTY = 0.25  # a page, not the last, filled less than this is worth a look


def _pdf(sources: ReportSources, folder: Path, log: logging.Logger) -> None:
    layout = to_typst_pdf(sources.document, folder / "report.pdf")
    log.info("pdf: %d pages, filled %s", layout.pages, " ".join(f"{f:.0%}" for f in layout.fills))
    for number, fill in enumerate(layout.fills[:-1], start=1):
        if fill < NEAR_EMPTY:
            log.warning("pdf: page %d is %.0f%% full before the next page starts", number, 100 * fill)


def _xlsx(sources: ReportSources, folder: Path, log: logging.Logger) -> None:
    write_workbook(sources.document, folder)


def _docx(sources: ReportSources, folder: Path, log: logging.Logger) -> None:
    write_docx(sources.document, folder, sources.word_template)


register_format(OutputFormat("html", "report.html", _html))
register_format(OutputFormat("pdf", "report.pdf", _pdf))
register_format(OutputFormat("xlsx", "tables.xlsx", _xlsx))
register_format(OutputFormat("docx", "report.docx", _docx))
