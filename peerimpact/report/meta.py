"""What a report is, as frozen typed objects: written to an extract's ``meta.json`` and read back as
the same objects, so that a section reads ``data.meta.sites``, never a raw key."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..config import AnalysisConfig, QualitativeConfig, QuantEvidence, ReportPolicy, SynthesisConfig
from ..config import PublishedFigures as Published
from ..config.instruments import Layout, MinimalImportantDifference
from ..config.study import Funder, Milestone, Multiplicity, PeopleTargets, Period, StatusRules
from ..locales import ReportLocale


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Scale(_Frozen):
    """A subscale's possible range, what a higher score means, and how it is scored: the ``sum`` or
    ``mean`` of how many ``items``, which of them are reverse-keyed (item IDs only, never wording), how
    many may be missing before the score is (``max_missing``) and whether a sum is then prorated."""

    range: tuple[float, float]
    higher: str | None = None
    method: Literal["sum", "mean"] | None = None
    items: int | None = None
    reverse: tuple[str, ...] = ()
    max_missing: int | None = None
    prorate: bool | None = None


class InstrumentMeta(_Frozen):
    """An instrument's display name, its subscales' labels (in order) and their scales; the range of
    its items' answers, its citation, whether its item layout is confirmed or assumed (``layout``),
    and its minimal important difference (``mid``: value and source), where declared."""

    name: str
    subscales: dict[str, str]
    scales: dict[str, Scale] = {}
    item_range: tuple[int, int] | None = None
    source: str | None = None
    layout: Layout = Layout()
    mid: MinimalImportantDifference | None = None


class NormRow(_Frozen):
    instrument: str
    subscale: str
    norm_mean: float | None = None
    norm_sd: float | None = None
    norm_source: str | None = None


class AnalysisParams(_Frozen):
    """The analysis settings every report of a study shares (``params/``), as one typed object."""

    analysis: AnalysisConfig = AnalysisConfig()
    norms: tuple[NormRow, ...] = ()
    qualitative: QualitativeConfig = QualitativeConfig()
    synthesis: SynthesisConfig = SynthesisConfig(propositions=[])

    def showing_only(self, excerpt_ids: set[str]) -> AnalysisParams:
        """These params without pinned quotes outside ``excerpt_ids`` (their IDs name other sites' workers)."""
        pinned = {theme: [i for i in ids if i in excerpt_ids] for theme, ids in self.qualitative.pinned.items()}
        propositions = [
            p.model_copy(
                update={
                    "qualitative": p.qualitative.model_copy(
                        update={"quotes": [q for q in p.qualitative.quotes if q in excerpt_ids]}
                    )
                }
            )
            for p in self.synthesis.propositions
        ]
        return self.model_copy(
            update={
                "qualitative": self.qualitative.model_copy(update={"pinned": pinned}),
                "synthesis": self.synthesis.model_copy(update={"propositions": propositions}),
            }
        )


class TargetShare(_Frozen):
    """What a report of fewer sites than the study's takes its targets from: its sites'
    recruitment targets added up, the study's recruitment target and its monthly contact target."""

    sites_recruitment: int | None = None  # None: the study sets no recruitment targets
    study_recruitment: int | None = None
    study_contacts_per_month: int | None = None


class ReportTargets(PeopleTargets):
    """The study's targets as one report holds them. A report of every site holds the study's
    own (``share`` None). A report of fewer sites holds its sites' recruitment targets (their
    ``total`` added up) and, as ``contacts_per_month``, their share of the study's monthly
    contact target in proportion to their recruitment targets: a fraction, so a number here
    where study.yml takes a whole one."""

    contacts_per_month: float | None = Field(default=None, gt=0)
    share: TargetShare | None = None


class DataAlert(_Frozen):
    """A data-quality alert a report shows on its first page: the site it concerns (None: the
    whole study), what was found and what to check (:mod:`peerimpact.analysis.quality`)."""

    alert: str = ""  # its kind: contacts_stop, overdue, outside_window, …
    site: str | None = None
    timepoint: str | None = None
    count: int = 0
    file: str = ""
    message: str
    check: str


class PreviousReport(_Frozen):
    """What an earlier build's report of the same id released of its programme facts (counts,
    milestones), by fact name (:mod:`peerimpact.report.facts`), and its data cut."""

    data_cut: str
    built_at: str | None = None
    facts: dict[str, int | float | bool | str] = {}


class ReportMeta(_Frozen):
    """One report: what it is, what it covers, the study's vocabulary and what its kind can do."""

    report_id: str
    kind: str
    title: str
    scope: str | None
    scope_label: str
    study_name: str
    data_cut: str | None = None
    sites: tuple[str, ...]
    timepoints: tuple[str, ...]
    services: dict[str, str] = {}
    instruments: dict[str, InstrumentMeta] = {}
    disclosure: str = "none"  # the audience, or the one policy the definition names
    policy: ReportPolicy | None = None  # the rules for each kind of data, when written as rules
    withheld: tuple[tuple[str, ...], ...] = ()  # figures withheld against other reports of the build
    comparisons: tuple[tuple[str, str], ...] = ()
    multiplicity: Multiplicity = "none"  # how Table 4's p values are adjusted across its tests
    overrides: dict[str, Any] = {}  # settings this build's --set changed (analysis.min_pairs: 8)
    covariates: tuple[str, ...] = ()  # participants columns the mixed models adjust for
    locale: str = "en-GB"  # how the report writes numbers and dates (study.yml ``locale``)
    spelling: str = "british"  # and how it spells (study.yml ``spelling``)
    compares_with_study: bool = False  # the report sets its figures beside the whole study's
    compares_sites: bool = False  # the report shows figures site by site
    params: AnalysisParams = AnalysisParams()
    # what a progress report needs: the funder, the period reported on, targets, milestones, headline rows
    funder: Funder | None = None
    reporting_period: Period | None = None
    targets: ReportTargets = ReportTargets()
    status: StatusRules = StatusRules()  # what counts as on track, at risk and behind (study.yml ``status``)
    milestones: tuple[Milestone, ...] = ()
    headline: tuple[QuantEvidence, ...] = ()
    previous: PreviousReport | None = None  # the same report of an earlier build (``build --previous``)
    alerts: tuple[DataAlert, ...] = ()  # data-quality alerts about the report's sites and the whole study
    # the published figures a whole-study report is checked against (study.yml ``reproduces``)
    published: Published | None = None

    @property
    def report_locale(self) -> ReportLocale:
        """The locale and spelling the report is written in."""
        return ReportLocale(self.locale, self.spelling)
