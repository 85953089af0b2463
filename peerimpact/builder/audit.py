"""``peerimpact audit``: check built reports' tables against the disclosure rules of their audience,
trusting nothing the build wrote about itself.

A report's policy is named by its build's manifest (or ``--policy``): an audience
(``params/disclosure/audiences/*.yml``), whose rules differ by kind of data, or one rules file
(``params/disclosure/*.yml``) for every kind. Every CSV under a report's ``tables/`` is read again as
text (``_suppression.csv`` and the release ledger ``_released.csv`` are not tables of figures), and
each column is checked under the rules of its kind of data
(:func:`peerimpact.report.roles.data_kind`): a programme count under ``exact`` passes at any
size, a count about people below its kind's threshold fails. Only regular files are read: a link, a
named pipe or a folder among the tables is a problem of its own, as is a table that is not UTF-8 CSV,
and column names are compared without regard to case. A check fails when a table shows what its
rules withhold (a count below the threshold, a count not rounded, a statistic on too few people or
on a withheld n, a minimum or maximum, a percentage not of the counts shown, a participant ID), when
a column holds numbers whose role or kind of data the audit does not know, or when a withheld cell
can be worked out from the figures shown (a total and its other parts; a site's mean beside the
study-wide mean and n). Between reports of the same build, one figure shown with two values in
their release ledgers fails, and figures about people whose n differ by a few people are flagged
for review: the audit cannot see whether the two groups are nested, an output checker can.
Each table ends pass, review or fail, with its reasons, in a summary for an output checker.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..config import Audience, DisclosureRules, ReportPolicy
from ..ingest.study import Study
from ..problems import Problems
from ..report.blocks import SUPPRESSION_FILE
from ..report.ledger import KEY as LEDGER_KEY
from ..report.ledger import LEDGER_COLUMNS, LEDGER_FILE, conflicts, normal
from ..text import neutralise_frame, restore
from .audiences import audience_policy, uniform_policy
from .audit_people import ReadTable, derivable_across_reports
from .publish import read_manifest
from .safefiles import Unreadable, refusal, write_owned
from .table_audit import TableAudit, TableAuditor, read_table, shown_n

SUMMARY_COLUMNS = ["report", "table", "status", "reasons"]
SUMMARY_HEADER = ",".join(SUMMARY_COLUMNS)
SUMMARY_FILE = "audit-summary.csv"
# Problems that stop a report or a table from being audited at all (the command exits 2), as
# opposed to "disclosure": a table shows what its policy withholds (exit 1).
INPUT_RULES = ("report", "table")
NOT_FIGURES = (SUPPRESSION_FILE, LEDGER_FILE)  # files of tables/ that are records, not tables of figures


def resolve_policy(name: str, rules: dict[str, DisclosureRules], audiences: dict[str, Audience]) -> ReportPolicy | None:
    """The rules a report was built under, kind of data by kind, from the name its manifest gives.

    Parameters
    ----------
    name
        An audience (its rules differ by kind of data) or a rules file (the same rules for every
        kind, as a report definition's ``disclosure:`` names it).
    rules, audiences
        The rules files and audiences by name.

    Returns
    -------
    ReportPolicy or None
        ``None`` when ``name`` is neither.
    """
    if name in audiences:
        return audience_policy(audiences[name], rules)
    return uniform_policy(rules[name], name, name) if name in rules else None


def _manifest_policy(folder: Path, problems: Problems) -> str | None:
    """The policy the build's manifest names for ``folder`` (an audience, or a rules file); a manifest
    that is not a regular file is a problem (a named pipe there would block the read for ever)."""
    manifest = folder.parent / "manifest.json"
    try:
        mode = os.lstat(manifest).st_mode
    except OSError:
        return None
    if not stat.S_ISREG(mode):
        problems.add(manifest, rule="report", message="not a regular file: not read; name a policy with --policy")
        return None
    entry = read_manifest(folder.parent).reports.get(folder.name)
    return entry.disclosure if entry else None


def _tables(folder: Path, problems: Problems) -> list[Path] | None:
    """The CSV files of a report's ``tables/`` (any case of ``.csv``; the suppression record and the
    release ledger aside), or ``None`` with a problem when there is no such folder of the report's own."""
    tables = folder / "tables"
    if tables.is_symlink():
        # named by its folder: a problem's path is shown resolved, which would name the link's target
        problems.add(
            folder, rule="report", message="its tables/ is a symbolic link, not a folder of the report's own: not read"
        )
        return None
    if not tables.is_dir():
        problems.add(folder, rule="report", message="no tables/ folder: not a built report")
        return None
    with os.scandir(tables) as entries:
        names = sorted(e.name for e in entries if e.name.casefold().endswith(".csv") and e.name not in NOT_FIGURES)
    return [tables / name for name in names]


@dataclass
class _Ledger:
    """A report's release ledger as read: one row per figure shown, and the line of each row."""

    path: Path
    frame: pd.DataFrame
    lines: list[int]


def _ledger(folder: Path, problems: Problems, audits: list[TableAudit]) -> _Ledger | None:
    """The report's ``tables/_released.csv``, read as its tables are; ``None`` when it has none (a
    report built before builds kept one) or it cannot be read (a failing row and a problem)."""
    path = folder / "tables" / LEDGER_FILE
    if not os.path.lexists(path):
        return None
    try:
        frame, _, lines = read_table(path)
        missing = [c for c in LEDGER_COLUMNS if c not in frame.columns]
        if missing:
            raise Unreadable(f"no column {', '.join(missing)}: not a release ledger a build writes", 1)
        frame = frame[LEDGER_COLUMNS].map(restore)  # text a build wrote with a leading ' reads as written
    except (Unreadable, OSError) as error:
        message = error.message if isinstance(error, Unreadable) else f"cannot be read: {error.strerror or error}"
        audits.append(TableAudit(folder.name, path.stem, fail=[f"not audited: {message}"]))
        problems.add(path, line=getattr(error, "line", None), rule="table", message=message)
        return None
    return _Ledger(path, frame, lines)


def audit_reports(
    folders: list[Path],
    rules: dict[str, DisclosureRules],
    audiences: dict[str, Audience],
    policy: str | None = None,
    study: Study | None = None,
) -> tuple[list[TableAudit], Problems]:
    """Audit each report folder under the rules of its audience (default: the one its build's
    manifest names), each column under the rules of its kind of data.

    Parameters
    ----------
    folders
        Built report folders (each with a ``tables/`` folder).
    rules
        The disclosure rules files by name.
    audiences
        The audiences by name, each naming rules for every kind of data.
    policy
        Audit every folder under this audience or rules file instead of the manifest's.
    study
        The study the reports were built from: with it, every figure about people the shared
        reports of a build released is searched for a small group some combination of them
        gives away (:mod:`peerimpact.builder.audit_people`).

    Returns
    -------
    audits, problems
        One :class:`TableAudit` per table (a table that could not be read fails); problems of rule
        ``disclosure`` for what a table shows, of a rule in :data:`INPUT_RULES` for what could not
        be audited (see :func:`could_not_audit`).
    """
    problems = Problems()
    audits: list[TableAudit] = []
    shown: dict[tuple[Path, str], dict[tuple[str, ...], tuple[float, int]]] = {}
    files: dict[tuple[str, str], Path] = {}
    ledgers: dict[Path, dict[str, _Ledger]] = {}
    shared: dict[Path, tuple[list[ReadTable], ReportPolicy]] = {}
    for folder in folders:
        if not folder.is_dir():
            problems.add(folder, rule="report", message="no such report folder")
            continue
        name = policy if policy is not None else _manifest_policy(folder, problems)
        if name is None:
            problems.add(
                folder,
                rule="report",
                message="no policy: name an audience or rules with --policy (the folder is not in a build's manifest)",
            )
            continue
        paths = _tables(folder, problems)
        if paths is None:
            continue
        resolved = resolve_policy(name, rules, audiences)
        if resolved is None:
            problems.add(
                folder,
                value=name,
                rule="report",
                message=f"unknown disclosure policy; audiences are {', '.join(audiences) or 'none'}, "
                f"rules are {', '.join(rules)}",
            )
            continue
        if not resolved.shared:
            audit = TableAudit(folder.name, "*")
            audit.fail.append(f"an internal report ({name}): not for distribution")
            problems.add(
                folder,
                value=name,
                rule="disclosure",
                message=f"an internal report ({name} withholds nothing): not for distribution",
            )
            audits.append(audit)
            continue
        read: list[ReadTable] = []
        shared[folder] = (read, resolved)
        auditor = TableAuditor(folder, resolved, problems)
        for path in paths:
            audit, frame = auditor.table(path)
            read.append((path, frame, auditor.lines))
            audits.append(audit)
            files[(folder.name, path.stem)] = path
            shown[(folder.parent.resolve(), f"{folder.name}/{path.stem}")] = shown_n(frame, auditor)
        ledger = _ledger(folder, problems, audits)
        if ledger is not None:
            ledgers.setdefault(folder.parent.resolve(), {})[folder.name] = ledger
    searched: set[tuple[Path, tuple[str, ...]]] = set()
    if study is not None:
        tables = {folder: paths for folder, (paths, _) in shared.items()}
        searched = derivable_across_reports(study, tables, {f: p for f, (_, p) in shared.items()}, audits, problems)
    _across_reports(audits, shown, files, problems, searched)
    for build in ledgers.values():
        _ledger_conflicts(audits, build, problems)
    return audits, problems


def could_not_audit(problems: Problems) -> bool:
    """Whether a report or a table could not be audited (the command then exits 2, not 1)."""
    return any(p.severity == "error" and p.rule in INPUT_RULES for p in problems)


def _across_reports(
    audits: list[TableAudit],
    shown: dict,
    files: dict[tuple[str, str], Path],
    problems: Problems,
    searched: set[tuple[Path, tuple[str, ...]]],
) -> None:
    """Figures about people of the same build whose n differ by fewer than their threshold: for
    review, but for those the exact search over people (``searched``) has settled."""
    by_id = {(a.report, a.table): a for a in audits}
    items = list(shown.items())
    for i, ((build, name), figures) in enumerate(items):
        for (other_build, other), other_figures in items[i + 1 :]:
            if build != other_build or name.split("/")[0] == other.split("/")[0]:
                continue
            for key in figures.keys() & other_figures.keys():
                if (build, key) in searched:
                    continue
                (n, k), (m, j) = figures[key], other_figures[key]
                if 0 < abs(n - m) < max(k, j):
                    report, table = name.split("/")
                    message = (
                        f"{'/'.join(key)}: n {n:g} here and {m:g} in {other}; if one group holds the other, "
                        f"the {abs(n - m):g} people between them can be found by subtraction"
                    )
                    by_id[(report, table)].review.append(message)
                    problems.add(
                        files[(report, table)],
                        column="n",
                        value=f"{n:g}",
                        rule="disclosure",
                        message=message,
                        severity="warning",
                    )


def _ledger_conflicts(audits: list[TableAudit], ledgers: dict[str, _Ledger], problems: Problems) -> None:
    """One figure with two values among the reports of one build: each place it is shown fails."""
    found = conflicts({report: ledger.frame for report, ledger in ledgers.items()})
    if found is None or found.empty or not set(LEDGER_KEY) <= set(found.columns):
        return
    keys = {tuple(_text(v) for v in row) for row in found[LEDGER_KEY].itertuples(index=False)}
    where: dict[tuple[str, ...], list[tuple[str, _Ledger, int, dict]]] = {}
    for report, ledger in ledgers.items():
        for i, record in enumerate(ledger.frame.to_dict("records")):
            key = tuple(_text(record[c]) for c in LEDGER_KEY)
            if key in keys:
                where.setdefault(key, []).append((report, ledger, i, record))
    by_id = {(a.report, a.table): a for a in audits}
    for key, places in sorted(where.items(), key=lambda item: item[0]):
        what = ", ".join(filter(None, key[:3])) + (f" at {key[3]}" if key[3] else "")
        by_value: dict[str, list[str]] = {}
        for report, _, _, record in places:
            by_value.setdefault(normal(record["value"]) or record["value"], []).append(
                f"{report}/{record['table']} ({record['column']})"
            )
        told = "; ".join(f"{value} in {', '.join(shown)}" for value, shown in by_value.items())
        for report, ledger, i, record in places:
            message = f"{what}: one figure shown with {len(by_value)} values ({told})"
            audit = by_id.get((report, record["table"]))
            if audit is None:
                audit = by_id[(report, record["table"])] = TableAudit(report, record["table"])
                audits.append(audit)
            audit.fail.append(f"row {record['row']}, {record['column']}: {message}")
            problems.add(
                ledger.path,
                line=ledger.lines[i],
                column="value",
                value=record["value"],
                rule="disclosure",
                message=message,
            )


def _text(value: object) -> str:
    """A ledger's key cell as text: a missing one is empty, however a frame holds it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def default_summary(folders: list[Path]) -> Path | None:
    """Where the summary goes when no file is named: the folder the reports sit in (the build's
    output folder, beside ``index.html`` and ``manifest.json``), or ``None`` when they sit in more
    than one."""
    parents = {Path(os.path.abspath(folder)).parent for folder in folders}
    return parents.pop() / SUMMARY_FILE if len(parents) == 1 else None


def summary_refusal(path: Path, folders: Iterable[Path]) -> str | None:
    """Why the summary must not be written to ``path`` (inside a report, or over a file that is not
    an audit summary), or ``None``."""
    return refusal(path, SUMMARY_HEADER, folders)


def write_summary(audits: list[TableAudit], path: Path, folders: Iterable[Path] = ()) -> Path:
    """The output checker's summary: one row per table, its status and why.

    Written atomically, and only to a new file or over an earlier summary, never inside a report
    (``folders`` are the reports audited).

    Raises
    ------
    peerimpact.builder.safefiles.Refused
        ``path`` is not a file the audit may write; nothing is written.
    """
    rows = [
        {"report": a.report, "table": a.table, "status": a.status, "reasons": "; ".join(a.fail + a.review)}
        for a in audits
    ]
    text = neutralise_frame(pd.DataFrame(rows, columns=SUMMARY_COLUMNS)).to_csv(index=False, lineterminator="\n")
    return write_owned(path, text, SUMMARY_HEADER, folders)
