"""Report kinds: a registry, in the manner of papermill's engines.

A kind says which scopes a report definition of that kind yields (the whole study, each
site, each cohort), which participants each scope covers, which sites its extract names,
and what its report can do: compare its scope with the whole study, or compare sites.
Sections branch on those capabilities, never on a kind's name, so a new kind needs no
change to any notebook. Register one with :func:`register_kind`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ReportDef, StudyConfig
from ..ingest.study import Study
from ..problems import Problems
from ..registry import Registry
from ..report.extract import Scope
from ..text import plural


@dataclass(frozen=True)
class ReportKind:
    """One kind of report: its scopes and its capabilities."""

    name: str
    scopes: Callable[[ReportDef, Study, Path, Problems], list[Scope]]
    compares_with_study: bool = False  # set its own figures beside the whole study's
    compares_sites: bool = False  # show figures site by site
    audience: str = "public"  # who reads it, unless its definition says (params/disclosure/audiences/)
    default_sections: tuple[str, ...] = field(
        default=("01_sample", "02_service_use", "03_outcomes", "04_change", "05_qualitative", "06_synthesis")
    )
    # lines the title page adds (label, value), from the study's study.yml
    front_matter: Callable[[StudyConfig], tuple[tuple[str, str], ...]] = lambda config: ()


KINDS: Registry[ReportKind] = Registry("report kind")


def register_kind(kind: ReportKind) -> ReportKind:
    """Add (or replace) a report kind under its name; report definitions may then name it."""
    return KINDS.register(kind.name, kind)


def _everyone(report: ReportDef, study: Study, source: Path, problems: Problems) -> list[Scope]:
    people = frozenset(study.participants["participant_id"])
    return [Scope(None, f"Whole study: {plural(len(study.sites), 'site')}", people, tuple(study.sites))]


def _each_site(report: ReportDef, study: Study, source: Path, problems: Problems) -> list[Scope]:
    wanted = report.sites if report.sites is not None else study.sites
    for i, site in enumerate(report.sites or []):
        if site not in study.sites:
            problems.add(
                source,
                column=f"sites.{i}",
                value=site,
                rule="params",
                message=f"unknown site; the study's sites are {', '.join(study.sites)}",
            )
    people = study.participants
    return [
        Scope(
            site, f"Site {site}", frozenset(people.loc[people["site"].astype(str) == site, "participant_id"]), (site,)
        )
        for site in wanted
        if site in study.sites
    ]


def _each_cohort(report: ReportDef, study: Study, source: Path, problems: Problems) -> list[Scope]:
    cohorts = study.config.cohorts
    wanted = report.cohorts if report.cohorts is not None else list(cohorts)
    for i, cohort in enumerate(report.cohorts or []):
        if cohort not in cohorts:
            problems.add(
                source,
                column=f"cohorts.{i}",
                value=cohort,
                rule="params",
                message="unknown cohort; cohorts are defined in study.yml",
            )
    people = study.participants
    scopes = []
    for cohort in (c for c in wanted if c in cohorts):
        ids = frozenset(study.cohort_ids(cohort))
        present = set(people.loc[people["participant_id"].isin(ids), "site"].astype(str))
        scopes.append(Scope(cohort, cohorts[cohort].label, ids, tuple(s for s in study.sites if s in present)))
    return scopes


register_kind(ReportKind("study", _everyone, compares_sites=True, audience="study_team"))
register_kind(ReportKind("site", _each_site, compares_with_study=True, audience="site_lead"))
register_kind(ReportKind("cohort", _each_cohort, compares_with_study=True, audience="funder"))


def _funder_facts(config: StudyConfig) -> tuple[tuple[str, str], ...]:
    facts = []
    if config.funder:
        facts.append(("Funder", config.funder.name))
        if config.funder.grant:
            facts.append(("Grant reference", config.funder.grant))
    if config.reporting_period:
        period = config.reporting_period
        facts.append(
            ("Reporting period", f"{config.report_locale.day(period.start)} to {config.report_locale.day(period.end)}")
        )
    return tuple(facts)


# A funder sees the whole study, site by site; there is no wider whole to set it beside.
register_kind(
    ReportKind(
        "funder",
        _everyone,
        compares_sites=True,
        default_sections=("07_recruitment", "08_completeness", "09_activity", "10_headline", "11_milestones"),
        front_matter=_funder_facts,
        audience="funder",
    )
)
