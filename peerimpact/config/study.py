"""``study.yml``: what a study's files are and what they may contain."""

from __future__ import annotations

import datetime as dt
from typing import Any, Union

from pydantic import ConfigDict, Field, field_validator, model_validator

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


def _range(low, high, names: tuple[str, str]) -> None:
    """A range names at least one end, and its low end is not above its high end."""
    if low is None and high is None:
        raise ValueError(f"give {names[0]}, {names[1]} or both")
    if low is not None and high is not None and low > high:
        raise ValueError(f"{names[0]} {low} is above {names[1]} {high}")


class Between(_Strict):
    """A numeric range on a participant column, both ends included: ``{min: 12, max: 24}``."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Between":
        _range(self.min, self.max, ("min", "max"))
        return self


class During(_Strict):
    """A date range on a participant date column, both ends included: ``{from: 2019-01-01, to: 2019-06-30}``."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    start: dt.date | None = Field(None, alias="from")
    end: dt.date | None = Field(None, alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> "During":
        _range(self.start, self.end, ("from", "to"))
        return self


Condition = Union[list[str], During, Between]


class Cohort(_Strict):
    """A cohort is the participants whose columns match every ``where`` entry: a value
    (``contract_type: bank``), a set (``site: [S1, S2]``), a numeric range
    (``months_in_post: {min: 12}``) or a date range (``consent_date: {from: 2019-03-01}``)."""

    label: str
    where: dict[str, Condition]

    @field_validator("where", mode="before")
    @classmethod
    def _values_as_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v if isinstance(v, dict) else _as_str_list(v) for k, v in value.items()}
        return value


class Funder(_Strict):
    name: str
    grant: str | None = None   # the grant reference


class Period(_Strict):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self


class RecruitmentTarget(_Strict):
    """People to consent, per site and in total, by a date (the target line runs from ``start``)."""

    sites: dict[str, int] = {}
    total: int = Field(gt=0)
    start: dt.date
    by: dt.date


class Targets(_Strict):
    """What the funder was promised: recruitment, retention (percent of T1 at each later
    timepoint) and completed contacts per month (study-wide)."""

    recruitment: RecruitmentTarget | None = None
    retention: dict[str, float] = {}
    contacts_per_month: int | None = Field(None, gt=0)

    @field_validator("retention")
    @classmethod
    def _percent(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if not 0 < v <= 100}
        if bad:
            raise ValueError(f"retention is a percentage of T1, above 0 and at most 100: {bad}")
        return value


class Returned(_Strict):
    timepoint: str
    at_least: int = Field(gt=0)


class Evidence(_Strict):
    """What in the data shows a milestone met: so many consented, so many questionnaires
    returned at a timepoint, or so many completed contacts. Exactly one."""

    consented: int | None = Field(None, gt=0)
    returned: Returned | None = None
    contacts: int | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> "Evidence":
        given = [k for k in ("consented", "returned", "contacts") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of consented, returned, contacts (given: {given or 'none'})")
        return self


class Milestone(_Strict):
    name: str
    due: dt.date
    done: dt.date | None = None      # the date it was met, when the data cannot show it
    evidence: Evidence | None = None

    @model_validator(mode="after")
    def _how(self) -> "Milestone":
        if self.done is not None and self.evidence is not None:
            raise ValueError("give done or evidence, not both")
        return self


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
    funder: Funder | None = None
    reporting_period: Period | None = None
    targets: Targets = Targets()
    milestones: list[Milestone] = []
    # published figures (params/targets/<name>.yml) the study report is checked against, in an appendix
    reproduces: str | None = Field(None, pattern=r"^[a-z0-9_]+$")
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


