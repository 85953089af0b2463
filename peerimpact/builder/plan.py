"""Report plan: report definitions × sites × cohorts → one job per report, with its extract.

Everything here is checked before any kernel starts: an unknown kind, section, site,
cohort, format or report id is reported with the file and key it came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..analysis import progress
from ..config import (
    AnalysisConfig,
    Audience,
    NormsConfig,
    PublishedFigures,
    QualitativeConfig,
    ReportDef,
    ReportPolicy,
    SynthesisConfig,
    key_line,
    parse_model,
    parse_named,
)
from ..config.overrides import override, with_settings
from ..config.targets import read_targets
from ..ingest.study import Study
from ..problems import Problems
from ..report.context import CONTEXT, study_context
from ..report.extract import Extract, Scope, make_extract
from ..report.meta import AnalysisParams, NormRow
from ..report.policies import POLICIES
from ..resources import notebooks_dir, params_dir
from ..schema import CODEBOOK_COLUMNS, EXCERPT_COLUMNS
from .audiences import load_audiences, load_policies, policy_of_report
from .commentary import Commentary, find_commentary
from .differencing import withheld_by_report
from .formats import FORMATS
from .kinds import KINDS


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

    @property
    def kind(self) -> str:
        return self.definition.kind

    @property
    def title(self) -> str:
        return self.definition.title


def load_report_defs(
    folder: Path, problems: Problems, audiences: Mapping[str, Audience] | None = None
) -> list[tuple[ReportDef, Path]]:
    """Every ``*.yml`` in ``folder``, checked; ids must be unique and match the file name."""
    defs = [
        (report, path)
        for report, path in parse_named(ReportDef, folder, "id", problems)
        if _registered(report, path, problems, audiences)
    ]
    order = list(KINDS)
    defs.sort(key=lambda d: (order.index(d[0].kind), d[0].id))  # the study report first, then sites, cohorts
    if not defs and not problems.has_errors:
        problems.add(folder, rule="params", message="no report definitions (*.yml) found")
    return defs


def audience_of(report: ReportDef) -> str:
    """Who reads a report: its definition's ``audience``, or its kind's."""
    return report.audience or KINDS[report.kind].audience


def _registered(
    report: ReportDef, path: Path, problems: Problems, audiences: Mapping[str, Audience] | None = None
) -> bool:
    """A definition's kind, formats, audience and disclosure policy must be registered ones."""
    checks = [
        (("kind",), report.kind, KINDS, "report kind"),
        *((("formats", i), f, FORMATS, "output format") for i, f in enumerate(report.formats)),
        *([(("disclosure",), report.disclosure, POLICIES, "disclosure policy")] if report.disclosure else []),
    ]
    if audiences is not None and report.kind in KINDS:
        checks.append((("audience",), audience_of(report), audiences, "audience"))
    ok = True
    for key, name, registry, what in checks:
        if name not in registry:
            problems.add(
                path,
                line=key_line(path, key),
                column=".".join(map(str, key)),
                value=name,
                rule="params",
                message=f"unknown {what}; {what}s are {', '.join(registry)}",
            )
            ok = False
    return ok


def resolve_section(name: str, source: Path) -> Path | None:
    """A section is a notebook name in ``notebooks/`` or a path relative to its YAML file."""
    if name.endswith(".ipynb"):
        path = (source.parent / name).resolve()
    else:
        path = notebooks_dir() / f"{name}.ipynb"
    return path if path.is_file() else None


MAX_ID = 100  # a report id names a folder; keep it well inside every file system's limit


def report_id(report: ReportDef, scope: str | None) -> str:
    """``<definition id>-<scope>``, the scope's characters other than letters, digits, ``_`` and ``-``
    replaced by ``_``. Two scopes can meet in one id (``A B`` and ``A/B``): :func:`plan` refuses that."""
    if scope is None:
        return report.id
    return f"{report.id}-{re.sub(r'[^A-Za-z0-9_-]+', '_', scope)}"


def _claim(ids: dict[str, tuple[str, Path]], rid: str, label: str, source: Path, problems: Problems) -> bool:
    """Record a report id; an id too long, or taken by another report (ignoring case), is a problem."""
    if len(rid) > MAX_ID:
        problems.add(
            source,
            value=rid,
            rule="report-id",
            message=f"{label}: the report id is longer than {MAX_ID} characters; use a shorter code",
        )
        return False
    other = ids.get(rid.casefold())
    if other is not None:
        problems.add(
            source,
            value=rid,
            rule="report-id",
            message=f"{other[0]} and {label} would both be report {rid!r} (ids keep only letters, digits, "
            "'_' and '-', and ignore case): give one of them a code that differs in a letter or digit",
        )
        return False
    ids[rid.casefold()] = (label, source)
    return True


def load_norms(path: Path, problems: Problems) -> tuple[NormRow, ...]:
    """Norm rows (instrument, subscale, norm_mean, norm_sd, norm_source) from ``norms.yml``."""
    if not path.is_file():
        return ()
    norms = parse_model(NormsConfig, path, problems)
    if norms is None:
        return ()
    return tuple(
        NormRow(
            instrument=inst,
            subscale=sub,
            norm_mean=norm.mean,
            norm_sd=norm.sd,
            norm_source=norms.sources[inst].label if inst in norms.sources else None,
        )
        for inst, subs in norms.norms.items()
        for sub, norm in subs.items()
    )


def load_analysis(
    params: Path, study: Study, problems: Problems, overrides: Mapping[str, str] | None = None
) -> AnalysisParams:
    """Analysis settings, norms, quote choices and joint-display propositions, checked against the study;
    ``overrides`` are ``--set`` values for this build (see :func:`override`)."""
    found: dict = {"norms": load_norms(params / "norms.yml", problems)}
    path = params / "analysis.yml"
    if path.is_file():
        settings = parse_model(AnalysisConfig, path, problems)
        if settings is not None:
            found["analysis"] = settings
    path = params / "qualitative.yml"
    if path.is_file():
        qual = parse_model(QualitativeConfig, path, problems)
        if qual is not None:
            themes = set(study.codebook["theme"]) if study.codebook is not None else set(qual.pinned)
            for theme in qual.pinned:
                if theme not in themes:
                    problems.add(
                        path,
                        column=f"pinned.{theme}",
                        value=theme,
                        rule="params",
                        message="no such theme in the codebook",
                    )
            found["qualitative"] = qual
    path = params / "synthesis.yml"
    if path.is_file():
        synth = parse_model(SynthesisConfig, path, problems)
        if synth is not None:
            _check_synthesis(synth, study, path, problems)
            found["synthesis"] = synth
    override(found, overrides or {}, problems)
    return AnalysisParams(**found)


def _check_outcomes(evidence: list, key: tuple, study: Study, path: Path, problems: Problems) -> None:
    """Outcome rows named by a proposition or a report's headline must be the study's."""
    comparisons = {f"{a}-{b}" for a, b in study.config.comparisons or []}
    for j, ev in enumerate(evidence):
        where = (*key, j)
        column = ".".join(map(str, where))
        inst = study.instruments.get(ev.instrument)
        if inst is None or ev.subscale not in inst.subscales:
            problems.add(
                path,
                line=key_line(path, where),
                column=column,
                value=f"{ev.instrument}/{ev.subscale}",
                rule="params",
                message="no such instrument and subscale in the study",
            )
        if ev.comparison and ev.comparison not in comparisons:
            known = ", ".join(sorted(comparisons))
            problems.add(
                path,
                line=key_line(path, where),
                column=f"{column}.comparison",
                value=ev.comparison,
                rule="params",
                message=f"not one of the study's comparisons ({known})",
            )


def _check_synthesis(synth: SynthesisConfig, study: Study, path: Path, problems: Problems) -> None:
    codebook = study.codebook  # None: the study has no interviews, and the display says so
    for i, prop in enumerate(synth.propositions):
        _check_outcomes(prop.quantitative, ("propositions", i, "quantitative"), study, path, problems)
        if codebook is None:
            continue
        for theme in prop.qualitative.themes:
            if theme not in set(codebook["theme"]):
                problems.add(
                    path,
                    column=f"propositions.{i}.qualitative.themes",
                    value=theme,
                    rule="params",
                    message="no such theme",
                )
        for code in prop.qualitative.codes:
            if code not in set(codebook["code_id"]):
                problems.add(
                    path,
                    column=f"propositions.{i}.qualitative.codes",
                    value=code,
                    rule="params",
                    message="no such code",
                )


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
        comparisons=[tuple(c) for c in study.config.comparisons or []],
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


def _differencing(
    study: Study, every: list[tuple[ReportDef, Path, list[Path], list[Scope]]], policies: dict[str, ReportPolicy | None]
) -> dict[str, set[tuple[str, ...]]]:
    """What each shared report withholds against the others of the build: every shared report
    the definitions describe counts, whether or not this build makes it, so that a report
    says the same whichever others are built beside it."""
    scopes: dict[str, set[str]] = {}
    thresholds, comparators = [], False
    for report, _, _, report_scopes in every:
        chosen = policies.get(report.id)
        people = [r for kind, r in chosen.rules.items() if kind != "programme"] if chosen else []
        protecting = [r for r in people if r.suppress and r.differencing]
        if not protecting:
            continue
        thresholds.append(max(r.threshold for r in protecting))
        comparators = comparators or KINDS[report.kind].compares_with_study
        for scope in report_scopes:
            if scope.participants:
                scopes[report_id(report, scope.key)] = set(map(str, scope.participants))
    if not scopes:
        return {}
    return withheld_by_report(study, scopes, max(thresholds), comparators)


def published_file(study: Study, params: Path | None, problems: Problems) -> Path | None:
    """The file of published figures study.yml's ``reproduces`` names (``targets/<name>.yml`` in
    the study's params, then the default params), or a problem at that key."""
    name = study.config.reproduces
    if name is None:
        return None
    yml = study.path / "study.yml" if study.path.is_dir() else study.path
    for folder in [p for p in (params, params_dir()) if p is not None]:
        path = Path(folder) / "targets" / f"{name}.yml"
        if path.is_file():
            return path
    problems.add(
        yml,
        line=key_line(yml, ("reproduces",)),
        column="reproduces",
        value=name,
        rule="params",
        message=f"no published figures targets/{name}.yml in the study's params or {params_dir()}",
    )
    return None


def load_published(study: Study, params: Path | None, problems: Problems) -> PublishedFigures | None:
    """The published figures study.yml's ``reproduces`` names, read (see :func:`published_file`)."""
    path = published_file(study, params, problems)
    return None if path is None else read_targets(path, problems)


def context_read(section: Path) -> set[str]:
    """The whole study's frames (``data.study_table1``, ``data.pool``, …) a section notebook reads:
    only those go in a report's extract, so that a change elsewhere in the study rebuilds a report
    only if it shows something of it."""
    cells = json.loads(section.read_text(encoding="utf-8")).get("cells", [])
    code = "\n".join("".join(c.get("source", [])) for c in cells if c.get("cell_type") == "code")
    return {name for name in (*CONTEXT, "pool") if re.search(rf"\bdata\.{name}\b", code)}


def requires(section: Path) -> list[str]:
    """What a section notebook needs of its report (``metadata.peerimpact.requires``): without it,
    the report leaves the section out."""
    meta = json.loads(section.read_text(encoding="utf-8")).get("metadata", {}).get("peerimpact", {})
    return list(meta.get("requires", []))


def plan(
    study: Study,
    reports_dir: Path,
    *,
    params: Path | None = None,
    kinds: list[str] | None = None,
    only: list[str] | None = None,
    formats: list[str] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> tuple[list[PlannedReport], Problems]:
    """Every report to build, in definition order, or the problems that prevent planning."""
    problems = Problems()
    study = with_settings(study, overrides or {}, problems)
    analysis = load_analysis(params, study, problems, overrides) if params else AnalysisParams()
    for k in kinds or []:
        if k not in KINDS:
            problems.add(
                "--reports", value=k, rule="option", message=f"unknown report kind; kinds are {', '.join(KINDS)}"
            )
    for f in formats or []:
        if f not in FORMATS:
            problems.add(
                "--formats", value=f, rule="option", message=f"unknown format; formats are {', '.join(FORMATS)}"
            )
    rules = load_policies(params, problems)
    audiences = load_audiences(params, rules, problems)
    targets = published_file(study, params, problems)
    published: list[PublishedFigures | None] = []  # read when a section first needs it: 726 located figures

    def published_figures() -> PublishedFigures | None:
        if not published:
            published.append(None if targets is None else read_targets(targets, problems))
        return published[0]

    planned: list[PlannedReport] = []
    known: list[str] = []
    claimed: dict[str, tuple[str, Path]] = {}
    every: list[tuple[ReportDef, Path, list[Path], list[Scope]]] = []
    for report, source in load_report_defs(reports_dir, problems, audiences):
        _check_outcomes(report.headline, ("headline",), study, source, problems)
        sections = []
        for i, name in enumerate(report.sections):
            path = resolve_section(name, source)
            if path is None:
                problems.add(
                    source,
                    column=f"sections.{i}",
                    value=name,
                    rule="params",
                    message=f"no notebook {name!r} (looked in {notebooks_dir()})",
                )
            sections.append(path)
        scopes = [
            scope
            for scope in KINDS[report.kind].scopes(report, study, source, problems)
            if _claim(claimed, report_id(report, scope.key), f"{scope.label} ({report.id}.yml)", source, problems)
        ]
        every.append((report, source, sections, scopes))
    policies = (
        {}
        if problems.has_errors
        else {report.id: policy_of_report(report, audience_of(report), rules, audiences) for report, *_ in every}
    )
    withheld = _differencing(study, every, policies) if not problems.has_errors else {}
    needs_of = {path: requires(path) for _, _, sections, _ in every for path in sections if path is not None}
    context_of = {path: context_read(path) for _, _, sections, _ in every for path in sections if path is not None}
    context: list[dict[str, pd.DataFrame]] = []  # computed when a report first needs it

    def study_wide() -> dict[str, pd.DataFrame]:
        if not context:
            context.append(whole_study_context(study, analysis))
        return context[0]

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
                context={name: study_wide()[name] for name in read if name in CONTEXT},
                pool="pool" in read,
                compares_with_study=KINDS[report.kind].compares_with_study,
                compares_sites=KINDS[report.kind].compares_sites,
            )
            own = [s for s in sections if s is None or all(getattr(extract.meta, need, None) for need in needs_of[s])]
            words = find_commentary(study.path, rid, report.id, [s.stem for s in own if s is not None], problems)
            planned.append(PlannedReport(rid, report, scope.key, scope.label, own, chosen, extract, source, words))
    for rid in only or []:
        if rid not in known:
            problems.add(
                "--only",
                value=rid,
                rule="option",
                message=f"no such report; planned: {', '.join(sorted(known)) or 'none'}",
            )
    return planned, problems
