"""``study.yml``: what a study's files are and what they may contain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, field_validator, model_validator

from .instruments import INSTRUMENT_NAME
from .yaml import _as_str_list, _Strict

DEFAULT_MISSING_CODES = ["", "NA", "-99", "-9"]


class StudyFiles(_Strict):
    participants: str
    questionnaires: list[str]
    service_use: str | None = None
    contacts: str | None = None
    codebook: str | None = None
    excerpts: str | None = None

    _lists = field_validator("questionnaires", mode="before")(_as_str_list)


class Cohort(_Strict):
    """A cohort is the participants whose columns match every ``where`` entry."""

    label: str
    where: dict[str, list[str]]

    @field_validator("where", mode="before")
    @classmethod
    def _values_as_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _as_str_list(v) for k, v in value.items()}
        return value


class StudyConfig(_Strict):
    """``study.yml``: what a study's files are and what they may contain."""

    name: str
    data_cut: dt.date | None = None
    sites: list[str] = Field(min_length=1)
    timepoints: list[str] = Field(min_length=1)
    instruments: list[str] = []
    missing_codes: list[str] = list(DEFAULT_MISSING_CODES)
    services: dict[str, str] = {}
    # participant column -> its levels in table order: a list of labels, or code: label pairs
    categories: dict[str, dict[str, str]] = {}
    comparisons: list[tuple[str, str]] | None = None  # paired comparisons; default first vs each later
    holm: bool = False  # add Holm-adjusted p values across Table 4's tests
    cohorts: dict[str, Cohort] = {}
    files: StudyFiles

    _lists = field_validator("sites", "timepoints", "instruments", "missing_codes", mode="before")(_as_str_list)

    @field_validator("instruments")
    @classmethod
    def _names(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not INSTRUMENT_NAME.fullmatch(v)]
        if bad:
            raise ValueError(f"instrument names are lower-case letters and digits, not paths: {bad}")
        return values

    @field_validator("sites", "timepoints")
    @classmethod
    def _printable(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not v.strip() or not v.isprintable()]
        if bad:
            raise ValueError(f"codes must be visible text without control characters: {bad}")
        return values

    @model_validator(mode="after")
    def _comparisons(self) -> "StudyConfig":
        if self.comparisons is None:
            self.comparisons = [(self.timepoints[0], later) for later in self.timepoints[1:]]
        for pair in self.comparisons:
            unknown = [t for t in pair if t not in self.timepoints]
            if unknown:
                raise ValueError(f"comparison {list(pair)} names unknown timepoints {unknown}")
        return self

    @field_validator("categories", mode="before")
    @classmethod
    def _levels(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {col: {str(v): str(v) for v in levels} if isinstance(levels, list) else levels
                    for col, levels in value.items()}
        return value

    @field_validator("sites", "timepoints")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        folded = [v.casefold() for v in values]
        dupes = sorted({v for v in values if folded.count(v.casefold()) > 1})
        if dupes:
            raise ValueError(f"listed twice (ignoring case): {dupes}")
        return values


