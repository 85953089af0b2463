"""``study.yml``: what a study's files are and what they may contain."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ..locales import ReportLocale, english_locale, spellings
from .cohorts import Cohort
from .files import REQUIRED, StudyFiles, required
from .instruments import INSTRUMENT_NAME
from .parse import StrictModel, as_str_list
from .redcap import RedcapConfig
from .values import Code, Date, Finding, Float, Int, distinct, look_alikes, raise_findings, starts_before_end

DEFAULT_MISSING_CODES = ["", "NA", "-99", "-9"]
MULTIPLICITY = ("none", "holm", "fdr_bh")  # how Table 4's p values are adjusted across its tests
Multiplicity = Literal["none", "holm", "fdr_bh"]


def _distinct_as_list(what: str) -> Any:
    """A before-validator: a scalar or list read as a list (:func:`as_str_list`) with no two items alike."""

    def check(value: Any) -> Any:
        return distinct(as_str_list(value), what)

    return check


def _distinct_keys(what: str) -> Any:
    """A before-validator: no two keys of a mapping alike (see :func:`look_alikes`)."""

    def check(value: Any) -> Any:
        return distinct(value, what)

    return check


class Funder(StrictModel):
    name: str
    grant: str | None = None  # the grant reference


class Period(StrictModel):
    start: Date
    end: Date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        starts_before_end(self.start, self.end, "start")
        return self


class RecruitmentTarget(StrictModel):
    """People to consent, per site and in total, by a date (the target line runs from ``start``)."""

    sites: dict[Code, Int] = {}
    total: Int = Field(gt=0)
    start: Date
    by: Date

    _distinct = field_validator("sites", mode="before")(_distinct_keys("site"))

    @model_validator(mode="after")
    def _ordered(self) -> RecruitmentTarget:
        starts_before_end(self.start, self.by, "start")
        return self


class PeopleTargets(StrictModel):
    """The targets about people: recruitment, and retention (percent of T1 at each later
    timepoint). What study.yml's targets (:class:`ProgrammeTargets`) and a report's share; their
    monthly contact targets differ in type (a report's may be a fraction of the study's)."""

    recruitment: RecruitmentTarget | None = None
    retention: dict[Code, Float] = {}

    _distinct = field_validator("retention", mode="before")(_distinct_keys("timepoint"))

    @field_validator("retention")
    @classmethod
    def _percent(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if not 0 < v <= 100}
        if bad:
            raise ValueError(f"retention is a percentage of T1, above 0 and at most 100: {bad}")
        return value


class ProgrammeTargets(PeopleTargets):
    """What the funder was promised: recruitment, retention (percent of T1 at each later
    timepoint) and completed contacts per month (study-wide), a whole number."""

    contacts_per_month: Int | None = Field(default=None, gt=0)


class StatusRule(StrictModel):
    """What counts as on track, at risk and behind, as the percent of a target reached: at or above
    ``on_track`` is on track, at or above ``at_risk`` at risk, below it behind."""

    on_track: Float = Field(default=100, gt=0)
    at_risk: Float = Field(default=80, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> StatusRule:
        if self.at_risk > self.on_track:
            raise_findings(
                [
                    Finding(
                        ("at_risk",),
                        self.at_risk,
                        f"at_risk {self.at_risk:g} is above on_track {self.on_track:g}: a figure at "
                        "risk is further from its target than one on track",
                    )
                ]
            )
        return self


class RetentionRule(StatusRule):
    """Retention's rule: at risk from 90% of the retention target (a few people lost costs a lot of power)."""

    at_risk: Float = Field(default=90, ge=0)


class StatusRules(StrictModel):
    """``status:`` in study.yml: the rule for each figure set against a target. Recruitment is the
    number consented against the target due at the data cut (pro rata between the target's
    ``start`` and ``by``); retention the percent of those who returned the first questionnaire
    who returned a later one, against its retention target; activity the completed contacts per
    month of the reporting period (to the data cut) against the monthly target."""

    recruitment: StatusRule = StatusRule()
    retention: RetentionRule = RetentionRule()
    activity: StatusRule = StatusRule()


class Returned(StrictModel):
    timepoint: Code
    at_least: Int = Field(gt=0)


class Evidence(StrictModel):
    """What in the data shows a milestone met: so many consented, so many questionnaires
    returned at a timepoint, or so many completed contacts. Exactly one."""

    consented: Int | None = Field(default=None, gt=0)
    returned: Returned | None = None
    contacts: Int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> Evidence:
        given = [k for k in ("consented", "returned", "contacts") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of consented, returned, contacts (given: {given or 'none'})")
        return self


class Milestone(StrictModel):
    name: str
    due: Date
    done: Date | None = None  # the date it was met, when the data cannot show it
    evidence: Evidence | None = None

    @model_validator(mode="after")
    def _how(self) -> Milestone:
        if self.done is not None and self.evidence is not None:
            raise ValueError("give done or evidence, not both")
        return self


class Window(StrictModel):
    """When a timepoint's questionnaire is due, in whole days after consent, both ends included:
    ``{from: 80, to: 164}``."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    start: Int = Field(alias="from", ge=0)
    end: Int = Field(alias="to", ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.start > self.end:
            raise_findings([Finding(("from",), self.start, f"starts after it ends: day {self.start} > day {self.end}")])
        return self


class Alerts(StrictModel):
    """When the data-quality alerts speak: a site with no record for ``quiet_months`` whole months
    before the data cut, an instrument with more than ``items_missing_percent`` of its items
    missing at a timepoint."""

    quiet_months: Int = Field(default=2, ge=1)
    items_missing_percent: Float = Field(default=10.0, ge=0, le=100)


class StudyConfig(StrictModel):
    """``study.yml``: what a study's files are and what they may contain."""

    name: str
    data_cut: Date | None = None
    sites: list[Code] = Field(min_length=1)
    timepoints: list[Code] = Field(min_length=1)
    instruments: list[str] = []
    missing_codes: list[str] = list(DEFAULT_MISSING_CODES)
    services: dict[Code, str] = {}
    # participant column -> its levels in table order: a list of labels, or code: label pairs
    categories: dict[Code, dict[Code, str]] = {}
    comparisons: list[tuple[Code, Code]] | None = None  # paired comparisons; default first vs each later
    # p values of Table 4 adjusted across its tests: none, holm (Holm's step-down) or fdr_bh
    # (Benjamini-Hochberg false discovery rate); ``holm: true`` is read as ``multiplicity: holm``
    multiplicity: Multiplicity = "none"
    holm: bool | None = Field(default=None, exclude=True)  # the older spelling of multiplicity: holm; read multiplicity
    # participants columns the mixed models of change adjust for, as fixed effects (``[site]``)
    covariates: list[Code] = []
    cohorts: dict[Code, Cohort] = {}
    funder: Funder | None = None
    reporting_period: Period | None = None
    targets: ProgrammeTargets = ProgrammeTargets()
    status: StatusRules = StatusRules()  # on track, at risk or behind: the percent of each target reached
    milestones: list[Milestone] = []
    # published figures (params/targets/<name>.yml) the study report is checked against, in an appendix
    reproduces: str | None = Field(default=None, pattern=r"^[a-z0-9_]+$")
    files: StudyFiles = StudyFiles()
    # a REDCap project's exports, in place of files' participants, questionnaires, service use and contacts
    redcap: RedcapConfig | None = None
    # timepoint -> when its questionnaire is due; without windows, no overdue or out-of-window alerts
    windows: dict[Code, Window] = {}
    alerts: Alerts = Alerts()
    # a Word document whose styles and page setup report.docx takes, in the study folder
    word_template: str | None = None
    # how the reports write numbers and dates: an English locale of the Unicode CLDR (en-GB, en-US, …)
    locale: str = "en-GB"
    # how they spell: british or american; by default american for en-US, british otherwise
    spelling: str | None = None

    _sites = field_validator("sites", mode="before")(_distinct_as_list("site"))
    _timepoints = field_validator("timepoints", mode="before")(_distinct_as_list("timepoint"))
    _instruments = field_validator("instruments", mode="before")(_distinct_as_list("instrument"))
    _missing = field_validator("missing_codes", mode="before")(as_str_list)
    _services = field_validator("services", mode="before")(_distinct_keys("service"))
    _cohorts = field_validator("cohorts", mode="before")(_distinct_keys("cohort"))
    _windows = field_validator("windows", mode="before")(_distinct_keys("timepoint"))

    @field_validator("windows")
    @classmethod
    def _window_timepoints(cls, windows: dict[str, Window], info: ValidationInfo) -> dict[str, Window]:
        """A window is for one of the study's timepoints."""
        timepoints = info.data.get("timepoints")
        if timepoints is not None:
            raise_findings(
                [
                    Finding(
                        (tp,),
                        tp,
                        f"a window for an unknown timepoint {tp!r}; the study's timepoints are {', '.join(timepoints)}",
                    )
                    for tp in windows
                    if tp not in timepoints
                ]
            )
        return windows

    @field_validator("locale")
    @classmethod
    def _english(cls, tag: str) -> str:
        """A locale the reports can be written in."""
        problem = english_locale(tag)
        if problem:
            raise ValueError(problem)
        return tag

    @field_validator("spelling")
    @classmethod
    def _spelling(cls, spelling: str | None) -> str | None:
        """A spelling the package has a word list for."""
        if spelling is not None and spelling not in spellings:
            raise ValueError(spellings.unknown(spelling))
        return spelling

    @property
    def report_locale(self) -> ReportLocale:
        """The locale and spelling the reports are written in."""
        return ReportLocale(self.locale, self.spelling or "")

    @model_validator(mode="before")
    @classmethod
    def _holm_is_multiplicity(cls, value: Any) -> Any:
        """``holm: true`` alone is read as ``multiplicity: holm``; beside a ``multiplicity`` of its own
        it is left for :meth:`_holm` to check."""
        if isinstance(value, dict) and value.get("holm") is True and "multiplicity" not in value:
            return {**value, "multiplicity": "holm"}
        return value

    @field_validator("holm")
    @classmethod
    def _holm(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        """``holm: true`` beside another ``multiplicity`` is a problem, never a guess at which was meant."""
        given = info.data.get("multiplicity")
        if value and given not in (None, "holm"):
            raise ValueError(f"holm: true disagrees with multiplicity: {given}; give multiplicity only")
        return value

    @field_validator("instruments")
    @classmethod
    def _names(cls, values: list[str]) -> list[str]:
        raise_findings(
            [
                Finding((i,), v, "instrument names are lower-case letters and digits, not paths")
                for i, v in enumerate(values)
                if not INSTRUMENT_NAME.fullmatch(v)
            ]
        )
        return values

    @field_validator("comparisons")
    @classmethod
    def _pairs(cls, pairs: list[tuple[str, str]] | None, info: ValidationInfo) -> list[tuple[str, str]] | None:
        """Each comparison names two of the study's timepoints, two different ones, and only once."""
        if pairs is None:
            return pairs
        timepoints = info.data.get("timepoints")
        found = []
        first: dict[frozenset[str], int] = {}
        for i, pair in enumerate(pairs):
            if timepoints is not None:
                found += [
                    Finding(
                        (i, j),
                        t,
                        f"comparison {list(pair)} names an unknown timepoint {t!r}; "
                        f"the study's timepoints are {', '.join(timepoints)}",
                    )
                    for j, t in enumerate(pair)
                    if t not in timepoints
                ]
            if pair[0] == pair[1]:
                found.append(
                    Finding((i,), f"{pair[0]}-{pair[1]}", f"comparison {list(pair)} compares {pair[0]} with itself")
                )
            elif frozenset(pair) in first:
                found.append(
                    Finding(
                        (i,),
                        f"{pair[0]}-{pair[1]}",
                        f"comparison {list(pair)} is listed twice (also as item "
                        f"{first[frozenset(pair)] + 1} of comparisons)",
                    )
                )
            else:
                first[frozenset(pair)] = i
        raise_findings(found)
        return pairs

    @model_validator(mode="before")
    @classmethod
    def _files_required(cls, data: Any) -> Any:
        """Without a redcap: block, files: and its participants and questionnaires are required."""
        if not isinstance(data, dict) or data.get("redcap") is not None:
            return data
        files = data.get("files", REQUIRED)
        if isinstance(files, dict):
            files = {"participants": REQUIRED, "questionnaires": REQUIRED, **files}
        return {**data, "files": files}

    _files = field_validator("files", mode="before")(required)

    @model_validator(mode="after")
    def _one_source(self) -> StudyConfig:
        """The quantitative data come from files or from a REDCap project, each kind from one place."""
        files = self.files
        if self.redcap is None:
            return self
        both = {
            "participants": files.participants,
            "questionnaires": files.questionnaires,
            "service_use": files.service_use if self.redcap.service_use else None,
            "contacts": files.contacts if self.redcap.contacts else None,
        }
        raise_findings(
            [
                Finding(("files", kind), name, f"{kind} come from the redcap: block; name them in one place only")
                for kind, name in both.items()
                if name
            ]
        )
        found = [
            Finding(("redcap", "timepoints", event), tp, f"not a timepoint of the study ({', '.join(self.timepoints)})")
            for event, tp in self.redcap.timepoints.items()
            if tp not in self.timepoints
        ]
        found += [
            Finding(("redcap", "sites", "dag", group), site, f"not a site of the study ({', '.join(self.sites)})")
            for group, site in (self.redcap.sites.dag or {}).items()
            if site not in self.sites
        ]
        raise_findings(found)
        return self

    def named_files(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Every file study.yml names, with its key path: the data files, the REDCap exports and the
        Word template."""
        return [
            *((("files", *key), name) for key, name in self.files.named()),
            *(self.redcap.named_files() if self.redcap else []),
            *([(("word_template",), self.word_template)] if self.word_template else []),
        ]

    @model_validator(mode="after")
    def _comparisons(self) -> StudyConfig:
        if self.comparisons is None:
            self.comparisons = [(self.timepoints[0], later) for later in self.timepoints[1:]]
        return self

    @field_validator("categories", mode="before")
    @classmethod
    def _levels(cls, value: Any) -> Any:
        """Levels given as a list are their own codes; no two columns, and no two levels of a column, alike."""
        if not isinstance(value, dict):
            return value
        found = look_alikes((((col,), col) for col in value), "column")
        out = {}
        for col, levels in value.items():
            if isinstance(levels, list):
                levels = as_str_list(levels)
                found += [
                    Finding((col, *f.at), f.value, f.message)
                    for f in look_alikes((((i,), v) for i, v in enumerate(levels)), "level")
                ]
                levels = {v: v for v in levels} if all(isinstance(v, str) for v in levels) else levels
            elif isinstance(levels, dict):
                found += [
                    Finding((col, *f.at), f.value, f.message) for f in look_alikes((((k,), k) for k in levels), "level")
                ]
            out[col] = levels
        raise_findings(found)
        return out
