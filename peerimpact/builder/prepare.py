"""A build prepared: the study loaded and checked, its reports planned (with the build's alerts and
an earlier build's figures in their meta), every section notebook's parameters checked, and each
report's extract serialised and hashed into its cache key. Nothing is executed or written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import StudyConfig
from ..config.overrides import typed
from ..ingest.study import InvalidStudy, load_study
from ..problems import Problems
from ..report.extract import serialise
from ..resources import params_dir
from .alerts import alerts_of, say_alerts, study_alerts, whole_sites
from .cache import cache_key, code_digests, hashes_for
from .execute import declared_parameters
from .plan import PlannedReport, plan
from .previous import previous_reports
from .publish import Manifest, read_manifest
from .request import BuildRequest

PARAMETERS = ("extract", "tables_dir")


@dataclass
class Prepared:
    """A checked plan: each report with its serialised extract, hashes and cache key."""

    config: StudyConfig | None
    reports: list[tuple[PlannedReport, dict[str, bytes], dict, str]]
    manifest: Manifest = field(default_factory=Manifest)
    problems: Problems = field(default_factory=Problems)
    overrides: dict = field(default_factory=dict)


def prepare(request: BuildRequest) -> Prepared:
    """Load, validate and plan; hash every report's inputs. Nothing is executed or written."""
    try:
        loaded = load_study(request.study, roots=request.roots)
    except InvalidStudy as exc:
        return Prepared(None, [], problems=exc.problems)
    if loaded.problems.has_errors:
        return Prepared(None, [], problems=loaded.problems)
    params = request.params or params_dir()
    planned, problems = plan(
        loaded,
        request.reports_dir or params / "reports",
        params=params,
        kinds=request.kinds,
        only=request.only,
        formats=request.formats,
        overrides=dict(request.overrides),
        study_reports=request.reports_dir is None,  # --reports-dir names every definition itself
    )
    if not problems.has_errors:
        alerts = study_alerts(loaded)
        say_alerts(alerts, loaded, problems)
        for report in planned:  # a site's alerts count all its people: only for reports of all of them
            report.extract.meta = report.extract.meta.model_copy(
                update={"alerts": alerts_of(alerts, whole_sites(loaded, report.extract))}
            )
    settings = typed(dict(request.overrides))
    if settings and not problems.has_errors:  # what Methods and the title page say was changed
        for report in planned:
            report.extract.meta = report.extract.meta.model_copy(update={"overrides": settings})
    if request.previous is not None and not problems.has_errors:
        earlier = previous_reports(
            request.previous,
            loaded.config.name,
            loaded.config.data_cut,
            {r.id: r.extract.meta.disclosure for r in planned},
            problems,
        )
        for report in planned:
            if report.id in earlier:
                report.extract.meta = report.extract.meta.model_copy(update={"previous": earlier[report.id]})
    for section in sorted({s for p in planned for s in p.sections if s is not None}):
        try:
            declared = declared_parameters(section)
        except Exception as exc:  # not a notebook nbformat can read
            problems.add(section, rule="notebook", message=f"cannot read notebook: {exc}")
            continue
        if declared is None:
            problems.add(section, rule="notebook", message="no cell tagged 'parameters'")
            continue
        for name in PARAMETERS:
            if name not in declared:
                problems.add(
                    section,
                    column="parameters",
                    value=name,
                    rule="notebook",
                    message=f"the notebook's parameters cell does not declare {name!r}",
                )
    if problems.has_errors:
        return Prepared(loaded.config, [], problems=problems)
    templates, package = code_digests()
    reports = []
    for report in planned:
        files = serialise(report.extract)
        hashes = hashes_for(report, files, templates, package)
        reports.append((report, files, hashes, cache_key(hashes)))
    return Prepared(loaded.config, reports, read_manifest(request.out), problems, settings)
