"""``params/targets/<name>.yml``: published figures a study report is checked against.

Each cell names a table of the report (its CSV under ``tables/``), the row by the values of
its key columns, a column and the figure as printed, kept as text so that its printed
precision is known. An ``erratum`` is a published figure no dataset can reproduce; ``aim`` is
the figure aimed at instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import field_validator

from ..problems import Problems
from ..resources import params_dir
from .parse import StrictModel, parse_model
from .values import non_ascii_digit

ROW_KEYS = ("variable", "level", "service", "instrument", "subscale", "timepoint", "comparison")
DEFAULT_TARGETS = "gillard2022.yml"
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class TargetCell(StrictModel):
    """One published figure and where the report holds it."""

    table: str
    column: str
    published: str
    variable: str | None = None
    level: str | None = None
    service: str | None = None
    instrument: str | None = None
    subscale: str | None = None
    timepoint: str | None = None
    comparison: str | None = None
    erratum: str | None = None
    aim: str | None = None

    @field_validator("published", "aim")
    @classmethod
    def _printed_number(cls, value: str | None) -> str | None:
        if value is not None and not NUMBER.fullmatch(value):
            digit = non_ascii_digit(value)
            raise ValueError(
                "a number as printed, such as 49.8 or -0.27" + (f": {digit} is not an ASCII digit" if digit else "")
            )
        return value

    @property
    def row(self) -> dict[str, str]:
        """The key columns that pick the cell's row, with their values."""
        return {k: v for k in ROW_KEYS if (v := getattr(self, k)) is not None}

    @property
    def target(self) -> str:
        """What a reproduction aims at: the published figure, or for an erratum its ``aim``."""
        return self.aim if self.erratum and self.aim is not None else self.published


class PublishedFigures(StrictModel):
    """A publication's figures: where they come from, and each cell."""

    source: str
    cells: list[TargetCell]


def default_targets() -> Path:
    """The published figures the embedded example is calibrated to and checked against."""
    return params_dir() / "targets" / DEFAULT_TARGETS


def read_targets(path: Path, problems: Problems) -> PublishedFigures | None:
    """A targets file, every problem in it (or its absence) added to ``problems``."""
    targets = parse_model(PublishedFigures, path, problems) if path.is_file() else None
    if targets is None and not problems.has_errors:
        problems.add(path, rule="targets", message="no such targets file")
    return targets


def load_targets(path: Path) -> PublishedFigures:
    """A targets file, or ``ValueError`` listing every problem in it with its line."""
    problems = Problems()
    targets = read_targets(path, problems)
    if targets is None or problems.has_errors:
        raise ValueError("\n".join(p.format() for p in problems))
    return targets
