"""Report plan: report definitions × sites × cohorts → one job per report, with its extract.

Everything here is checked before any kernel starts: an unknown kind, section, site,
cohort, format or report id is reported with the file and key it came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..analysis import progress
from ..config import PublishedFigures, ReportDef, key_line
from ..config.overrides import with_settings
from ..config.targets import read_targets
from ..ingest.study import Study
from ..ingest.study_checks import not_covariates
from ..problems import Problems
from ..report.context import CONTEXT, study_context
from ..report.extract import Extract, Scope, make_extract
from ..report.meta import AnalysisParams
from ..report.results import model_results, with_covariates
from ..schema import CODEBOOK_COLUMNS, EXCERPT_COLUMNS
from .audiences import load_audiences, load_policies, policy_of_report
from .commentary import Commentary, find_commentary
from .definitions import (
    audience_of,
    claim_report_id,
    context_read,
    load_report_defs,
    report_id,
    requires,
    resolve_section,
    results_read,
    section_folders,
)
from .differencing import withheld_in_build
from .formats import FORMATS
from .kinds import KINDS
from .params import check_outcomes, load_analysis, published_file, word_template


@dataclass
class PlannedReport:
    """One report to build: what it is, its sections and its extract."""

    id: str
    definition: ReportDef
    scope: str | None
    scope_label: str
    sections: list[Path]
    formats: list[str]
    extract: Extract
    source: Path
    commentary: tuple[Commentary, ...] = ()  # the study team's words, filled in once the sections have run
    word_template: bytes | None = None  # study.yml's word_template, for a report with a Word document

    @property
    def kind(self) -> str:
        return self.definition.kind

    @property
    def title(self) -> str:
        return self.definition.title


def whole_study_context(study: Study, params: AnalysisParams) -> dict[str, pd.DataFrame]:
    """The whole study's figures a site or cohort report shows where its own are withheld."""
    codebook = study.codebook if study.codebook is not None else pd.DataFrame(columns=CODEBOOK_COLUMNS)
    excerpts = study.excerpts if study.excerpts is not None else pd.DataFrame(columns=EXCERPT_COLUMNS)
    figures = study_context(
        study.participants,
        study.contacts,
        study.service_use,
        study.scores,
        excerpts,
        codebook,
        services=dict(study.config.services),
        timepoints=list(study.timepoints),
        comparisons=[(first, later) for first, later in study.config.comparisons or []],
        multiplicity=study.config.multiplicity,
        params=params,
        labels=study.labels,
    )
    return {**figures, "study_programme": whole_study_programme(study)}


def whole_study_programme(study: Study) -> pd.DataFrame:
    """The whole study's recruitment, retention and activity against its targets, as the funder's
    report has them (:func:`peerimpact.analysis.progress.programme_summary`)."""
    config, sites = study.config, list(study.sites)
    targets, rules, cut, period = config.targets, config.status, config.data_cut, config.reporting_period
    recruited = progress.recruitment_status(study.participants, sites, targets.recruitment, cut, rules.recruitment)
    retained = progress.retention_status(
        study.participants, study.returns, sites, list(study.timepoints), dict(targets.retention), rules.retention
    )
    activity = progress.activity_status(
        study.contacts,
        study.participants,
        sites,
        per_month=targets.contacts_per_month,
        goal=targets.recruitment,
        start=period.start if period else None,
        end=period.end if period else None,
        cut=cut,
        rule=rules.activity,
    )
    return progress.programme_summary(recruited, retained, activity)


def plan(
    study: Study,
    reports_dir: Path,
    *,
    params: Path | None = None,
    kinds: Sequence[str] | None = None,
    only: Sequence[str] | None = None,
    formats: Sequence[str] | None = None,
    overrides: Mapping[str, str] | None = None,
    study_reports: bool = False,
) -> tuple[list[PlannedReport], Problems]:
    """Every report to build, in definition order, or the problems that prevent planning.
    ``study_reports``: the study folder's own ``reports/`` definitions join ``reports_dir``'s,
    as they do when a build is not given a definitions folder of its own."""
    problems = Problems()
    study = with_settings(study, overrides or {}, problems)
    if any(name.rpartition(".")[2] == "covariates" for name in overrides or {}):  # study.yml's are checked on loading
        for _, column in not_covariates(study.config.covariates, study.participants):
            problems.add(
                "--set",
                column="study.covariates",
                value=column,
                rule="option",
                message="not a column of the participants file; a covariate is a participants column",
            )
        if problems.has_errors:
            return [], problems  # no model can be fitted to a column that is not there
    analysis = load_analysis(params, study, problems, overrides) if params else AnalysisParams()
    for k in kinds or []:
        if k not in KINDS:
            problems.add("--reports", value=k, rule="option", message=KINDS.unknown())
    for f in formats or []:
        if f not in FORMATS:
            problems.add("--formats", value=f, rule="option", message=FORMATS.unknown())
    rules = load_policies(params, problems)
    audiences = load_audiences(params, rules, problems)
    targets = published_file(study, params, problems)
    template = word_template(study, problems)
    published: list[PublishedFigures | None] = []  # read when a section first needs it: 726 located figures

    def published_figures() -> PublishedFigures | None:
        if not published:
            published.append(None if targets is None else read_targets(targets, problems))
        return published[0]

    planned: list[PlannedReport] = []
    known: list[str] = []
    claimed: dict[str, tuple[str, Path]] = {}
    every: list[tuple[ReportDef, Path, list[Path | None], list[Scope]]] = []  # None: a section not found
    for report, source in load_report_defs(reports_dir, problems, audiences, study.path if study_reports else None):
        check_outcomes(report.headline, ("headline",), study, source, problems)
        sections: list[Path | None] = []
        for i, name in enumerate(report.sections):
            path = resolve_section(name, source, study.path)
            if path is None:
                where = " and ".join(str(f) for f in section_folders(study.path))
                problems.add(
                    source,
                    line=key_line(source, ("sections", i)),
                    column=f"sections.{i}",
                    value=name,
                    rule="params",
                    message=f"no notebook {name!r} (looked in {where})",
                )
            sections.append(path)
        scopes = [
            scope
            for scope in KINDS[report.kind].scopes(report, study, source, problems)
            if claim_report_id(
                claimed, report_id(report, scope.key), f"{scope.label} ({report.id}.yml)", source, problems
            )
        ]
        every.append((report, source, sections, scopes))
    policies = (
        {}
        if problems.has_errors
        else {report.id: policy_of_report(report, audience_of(report), rules, audiences) for report, *_ in every}
    )
    withheld = withheld_in_build(study, every, policies) if not problems.has_errors else {}
    needs_of = {path: requires(path) for _, _, sections, _ in every for path in sections if path is not None}
    context_of = {path: context_read(path) for _, _, sections, _ in every for path in sections if path is not None}
    results_of = {path: results_read(path) for _, _, sections, _ in every for path in sections if path is not None}
    context: list[dict[str, pd.DataFrame]] = []  # computed when a report first needs it

    def study_wide(name: str) -> pd.DataFrame:
        if not context:
            context.append(whole_study_context(study, analysis))
        if name not in context[0]:  # the whole study's mixed models: fitted only for a section that reads them
            comparisons = [(first, later) for first, later in study.config.comparisons or []]
            covariates = study.config.covariates
            scores = with_covariates(study.scores, study.participants, covariates)
            context[0][name] = model_results(scores, comparisons, study.config.multiplicity, covariates)
        return context[0][name]

    for report, source, sections, scopes in every:
        if kinds and report.kind not in kinds:
            continue
        for scope in scopes:
            rid = report_id(report, scope.key)
            if not scope.participants:
                problems.add(
                    source,
                    value=scope.key,
                    rule="empty-scope",
                    message=f"{scope.label} has no participants, so there is no {rid} report",
                    severity="warning",
                )
                continue
            known.append(rid)
            if only and rid not in only:
                continue  # no extract for a report that is not asked for
            chosen = [f for f in report.formats if not formats or f in formats]
            # the whole study's frames its sections read (computed once for the build, when first read)
            read = (
                set().union(*(context_of[s] for s in sections if s is not None))
                if KINDS[report.kind].compares_with_study
                else set()
            )
            needs = {need for s in sections if s is not None for need in needs_of[s]}
            extract = make_extract(
                study,
                report,
                rid,
                scope,
                analysis,
                policy=policies.get(report.id),
                withheld=withheld.get(rid, ()),
                published=published_figures() if "published" in needs else None,
                context={name: study_wide(name) for name in read if name in CONTEXT},
                pool="pool" in read,
                results=set().union(*(results_of[s] for s in sections if s is not None)),
                compares_with_study=KINDS[report.kind].compares_with_study,
                compares_sites=KINDS[report.kind].compares_sites,
            )
            own = [s for s in sections if s is None or all(getattr(extract.meta, need, None) for need in needs_of[s])]
            words = find_commentary(study.path, rid, report.id, [s.stem for s in own if s is not None], problems)
            docx = template if "docx" in chosen else None  # a report without a Word document is not rebuilt for it
            # a section not found (None) is already an error, and a plan with errors is never built
            found: list[Path] = own  # type: ignore[assignment]
            planned.append(
                PlannedReport(rid, report, scope.key, scope.label, found, chosen, extract, source, words, docx)
            )
    for rid in only or []:
        if rid not in known:
            problems.add(
                "--only",
                value=rid,
                rule="option",
                message=f"no such report; planned: {', '.join(sorted(known)) or 'none'}",
            )
    return planned, problems
