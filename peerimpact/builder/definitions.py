"""Report definitions (``params/reports/*.yml``): read, each checked against the registered kinds,
formats, audiences and disclosure policies; the id of each report a definition yields, unique in
the build; and its section notebooks, with what each needs of a report and reads of the whole study.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from pathlib import Path

from ..config import Audience, ReportDef, key_line, parse_named
from ..problems import Problems
from ..report.context import CONTEXT
from ..report.policies import POLICIES
from ..report.results import OPTIONAL_RESULTS
from ..resources import notebooks_dir
from .formats import FORMATS
from .kinds import KINDS


def load_report_defs(
    folder: Path,
    problems: Problems,
    audiences: Mapping[str, Audience] | None = None,
    study: Path | None = None,
) -> list[tuple[ReportDef, Path]]:
    """Every ``*.yml`` in ``folder``, checked; ids must be unique and match the file name. A study's
    own ``reports/`` folder adds its definitions, one with the id of a shipped one replacing it."""
    by_id: dict[str, tuple[ReportDef, Path]] = {}
    own = study / STUDY_REPORTS if study is not None else None
    for where in (folder, *([own] if own is not None and own.is_dir() else [])):
        for report, path in parse_named(ReportDef, where, "id", problems):
            if _registered(report, path, problems, audiences):
                by_id[report.id] = (report, path)
    defs = list(by_id.values())
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
    # (key path, name, the names it must be one of, what to say if it is not)
    checks: list[tuple[tuple[str | int, ...], str | None, Collection[str], str]] = [
        (("kind",), report.kind, KINDS, KINDS.unknown()),
        *((("formats", i), f, FORMATS, FORMATS.unknown()) for i, f in enumerate(report.formats)),
        *([(("disclosure",), report.disclosure, POLICIES, POLICIES.unknown())] if report.disclosure else []),
    ]
    if audiences is not None and report.kind in KINDS:
        checks.append(
            (("audience",), audience_of(report), audiences, f"unknown audience; audiences are {', '.join(audiences)}")
        )
    ok = True
    for key, name, known, message in checks:
        if name not in known:
            problems.add(
                path,
                line=key_line(path, key),
                column=".".join(map(str, key)),
                value=name,
                rule="params",
                message=message,
            )
            ok = False
    return ok


STUDY_SECTIONS, STUDY_REPORTS = "sections", "reports"  # a study's own section notebooks and report definitions


def section_folders(study: Path | None) -> list[Path]:
    """Where a section named without ``.ipynb`` is looked for: the study's ``sections/``, then the
    package's ``notebooks/``."""
    return [*([study / STUDY_SECTIONS] if study is not None else []), notebooks_dir()]


def resolve_section(name: str, source: Path, study: Path | None = None) -> Path | None:
    """A section is a notebook name, in the study's ``sections/`` folder (kept inside the study
    folder, links followed) or else in the package's ``notebooks/``, or a path relative to its YAML file."""
    if name.endswith(".ipynb"):
        path = (source.parent / name).resolve()
        return path if path.is_file() else None
    for folder in section_folders(study):
        path = (folder / f"{name}.ipynb").resolve()
        if folder != notebooks_dir() and not path.is_relative_to(folder.parent.resolve()):
            continue  # a link out of the study folder: not the study's section
        if path.is_file():
            return path
    return None


MAX_ID = 100  # a report id names a folder; keep it well inside every file system's limit


def report_id(report: ReportDef, scope: str | None) -> str:
    """``<definition id>-<scope>``, the scope's characters other than letters, digits, ``_`` and ``-``
    replaced by ``_``. Two scopes can meet in one id (``A B`` and ``A/B``): :func:`~peerimpact.builder.plan.plan` refuses that."""
    if scope is None:
        return report.id
    return f"{report.id}-{re.sub(r'[^A-Za-z0-9_-]+', '_', scope)}"


def claim_report_id(ids: dict[str, tuple[str, Path]], rid: str, label: str, source: Path, problems: Problems) -> bool:
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


def context_read(section: Path) -> set[str]:
    """The whole study's frames (``data.study_table1``, ``data.pool``, …) a section notebook reads:
    only those go in a report's extract, so that a change elsewhere in the study rebuilds a report
    only if it shows something of it."""
    cells = json.loads(section.read_text(encoding="utf-8")).get("cells", [])
    code = "\n".join("".join(c.get("source", [])) for c in cells if c.get("cell_type") == "code")
    return {name for name in (*CONTEXT, "pool") if re.search(rf"\bdata\.{name}\b", code)}


def results_read(section: Path) -> set[str]:
    """The optional results (``data.models``, ``data.reliability``) a section notebook reads: only a
    report with such a section has them computed."""
    cells = json.loads(section.read_text(encoding="utf-8")).get("cells", [])
    code = "\n".join("".join(c.get("source", [])) for c in cells if c.get("cell_type") == "code")
    return {name for name in OPTIONAL_RESULTS if re.search(rf"\bdata\.{name}\b", code)}


def requires(section: Path) -> list[str]:
    """What a section notebook needs of its report (``metadata.peerimpact.requires``): without it,
    the report leaves the section out."""
    meta = json.loads(section.read_text(encoding="utf-8")).get("metadata", {}).get("peerimpact", {})
    return list(meta.get("requires", []))
