"""``peerimpact audit``: check built reports' tables against the disclosure rules of their audience,
trusting nothing the build wrote about itself.

A report's policy is named by its build's manifest (or ``--policy``): an audience
(``params/disclosure/audiences/*.yml``), whose rules differ by kind of data, or one rules file
(``params/disclosure/*.yml``) for every kind. Every CSV under a report's ``tables/`` is read again as
text (``_suppression.csv`` and the release ledger ``_released.csv`` are not tables of figures), and
each column is checked under the rules of its kind of data
(:func:`peerimpact.report.disclosure.data_kind`): a programme count under ``exact`` passes at any
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
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import DATA_KINDS, Audience, DisclosureRules, ReportPolicy
from ..problems import Problems
from ..report.blocks import SUPPRESSED, SUPPRESSION_FILE
from ..report.disclosure import GROUPS, PROTECTED, Group, row_key
from ..report.ledger import KEY as LEDGER_KEY
from ..report.ledger import LEDGER_COLUMNS, LEDGER_FILE, conflicts, normal
from ..report.roles import COLUMN_ROLES, STUDY_WIDE, Role, data_kind
from ..text import neutralise_frame, restore
from .disclosure import audience_policy, uniform_policy
from .publish import read_manifest
from .safefiles import Unreadable, read_csv_rows, refusal, write_owned

SUMMARY_COLUMNS = ["report", "table", "status", "reasons"]
SUMMARY_HEADER = ",".join(SUMMARY_COLUMNS)
SUMMARY_FILE = "audit-summary.csv"
# Problems that stop a report or a table from being audited at all (the command exits 2), as
# opposed to "disclosure": a table shows what its policy withholds (exit 1).
INPUT_RULES = ("report", "table")
# A quote's label with no participant ID: by timepoint, or from the study's approved pool
ANONYMOUS_LABEL = re.compile(r"^Peer worker(, \S+| \(study-wide\))?$")
NOT_FIGURES = (SUPPRESSION_FILE, LEDGER_FILE)  # files of tables/ that are records, not tables of figures
# Kinds of data about people: a figure of these rests on people who must not be singled out by
# setting two reports side by side; programme facts are the programme's own record.
PEOPLE = tuple(k for k in DATA_KINDS if k != "programme")


@dataclass
class TableAudit:
    """What the audit found in one table: failures and points for review, each a reason."""

    report: str
    table: str
    fail: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "fail" if self.fail else "review" if self.review else "pass"


def _number(text: str | None) -> float | None:
    if text is None or text in ("", SUPPRESSED):
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isnan(value) else value


def _column(name: str) -> str:
    """A column as the policy's roles name it: ``N``, `` n`` and ``n`` are one column."""
    return name.strip().casefold()


def read_table(path: Path) -> tuple[pd.DataFrame, dict[str, str], list[int]]:
    """A report table as text cells under canonical column names (see :func:`_column`), the name
    each column has in the file, and the line each row starts on.

    Raises
    ------
    Unreadable
        Not a regular file, not a UTF-8 CSV table, or two columns with the same canonical name
        (one of them would escape the audit).
    OSError
        The file could not be read.
    """
    header, rows = read_csv_rows(path)
    names: dict[str, str] = {}
    for raw in header:
        name = _column(raw)
        if name in names:
            raise Unreadable(f"two columns named {name!r} ({names[name]!r} and {raw!r}): not a table a build writes", 1)
        names[name] = raw
    frame = pd.DataFrame([cells for _, cells in rows], columns=list(names), dtype=str)
    return frame, names, [line for line, _ in rows]


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


def _numeric(values: Iterable[str]) -> bool:
    """Whether a column of text cells holds figures: some cell is a number and every other is a number,
    withheld or empty (a column of words with a number among them is a column of labels)."""
    cells = [v for v in values if v not in ("", SUPPRESSED)]
    return bool(cells) and all(_number(v) is not None for v in cells)


def unknown_columns(table: str, frame: pd.DataFrame) -> list[str]:
    """The columns of ``table`` (canonical names) that hold numbers with no role or no kind of data:
    the audit cannot tell what rules they fall under, so a shared report must not show them."""
    out = []
    for column in frame.columns:
        role = COLUMN_ROLES.get(column)
        if role is not None and role.kind in ("identifier", "reference", "index"):
            continue
        if (role is None or data_kind(table, column, role) is None) and _numeric(frame[column].tolist()):
            out.append(column)
    return out


class _Auditor:
    def __init__(self, folder: Path, policy: ReportPolicy, problems: Problems) -> None:
        self.folder, self.policy, self.problems = folder, policy, problems
        self.report = folder.name
        # of the table being audited: its name, canonical column name -> as written, the line of each row
        self.name = ""
        self.names: dict[str, str] = {}
        self.lines: list[int] = []

    def rules(self, column: str, role: Role | None = None) -> DisclosureRules:
        """The rules a column of the table being audited falls under: those of its kind of data, or the
        strictest of the policy where it has none (the column fails as unknown besides)."""
        kind = data_kind(self.name, column, role if role is not None else COLUMN_ROLES.get(column))
        if kind is not None:
            return self.policy.rules[kind]
        return max(self.policy.rules.values(), key=lambda r: (r.suppress, r.threshold, r.rounding))

    def finding(
        self,
        audit: TableAudit,
        path: Path,
        row: int | None,
        column: str | None,
        value: str | None,
        message: str,
        review: bool = False,
        line: int | None = None,
    ) -> None:
        column = self.names.get(column, column) if column else column
        (audit.review if review else audit.fail).append(
            f"row {row}, {column}: {message}" if row is not None else message
        )
        if row is not None:
            line = self.lines[row - 1] if 0 < row <= len(self.lines) else row + 1
        self.problems.add(
            path,
            line=line,
            column=column,
            value=value,
            rule="disclosure",
            message=message,
            severity="warning" if review else "error",
        )

    def table(self, path: Path) -> tuple[TableAudit, pd.DataFrame]:
        """Audit one table; an unreadable one fails, with a problem that stops the audit's pass."""
        audit = TableAudit(self.report, path.stem)
        try:
            frame, self.names, self.lines = read_table(path)
        except (Unreadable, OSError) as error:
            message = error.message if isinstance(error, Unreadable) else f"cannot be read: {error.strerror or error}"
            audit.fail.append(f"not audited: {message}")
            self.problems.add(path, line=getattr(error, "line", None), rule="table", message=message)
            return audit, pd.DataFrame()
        self.name = name = path.stem.casefold()
        for column in unknown_columns(name, frame):
            self.finding(
                audit,
                path,
                None,
                column,
                None,
                f"column {self.names[column]!r} of table {name} holds numbers whose role or kind of data "
                "the audit does not know, so it cannot tell which rules they fall under",
                line=1,
            )
        roles = {c: COLUMN_ROLES[c] for c in frame.columns if c in COLUMN_ROLES}
        for i, record in enumerate(frame.to_dict("records"), start=1):
            self.cells(audit, path, i, record, roles)
        for group in GROUPS.get(name.removesuffix(STUDY_WIDE), ()):
            self.group(audit, path, frame, group)
        if name == "table3_study":
            self.rest_of_study(audit, path, frame)
        return audit, frame

    def cells(self, audit: TableAudit, path: Path, i: int, record: dict, roles: dict[str, Role]) -> None:
        for column, role in roles.items():
            text = record[column]
            if role.kind == "identifier":
                if text and not self.policy.quotes.ids and (column != "label" or not ANONYMOUS_LABEL.match(text)):
                    self.finding(audit, path, i, column, text, "a participant or excerpt ID is shown")
                continue
            value = _number(text)
            if value is None:
                continue
            r = self.rules(column, role)
            k = r.threshold
            if role.kind == "count":
                if 0 < value < k:
                    self.finding(audit, path, i, column, text, f"a count below {k} is shown")
                elif r.rounding > 1 and value % r.rounding:
                    self.finding(audit, path, i, column, text, f"a count not rounded to the nearest {r.rounding}")
                elif value == 0 and r.zeros == "review":
                    self.finding(audit, path, i, column, text, "a zero: check it reveals nothing", review=True)
                elif value == 0 and r.zeros == "suppress":
                    self.finding(audit, path, i, column, text, "a zero is shown; the policy withholds zeros")
            elif role.kind in ("statistic", "test", "extreme", "comparator"):
                need = {"test": r.tests_min_n, "extreme": k}.get(role.kind, r.statistics_min_n)
                base = record.get(role.base or "")
                if role.kind == "extreme" and r.extremes == "hide":
                    self.finding(audit, path, i, column, text, "a minimum or maximum (one person's value) is shown")
                elif base is None:
                    self.finding(audit, path, i, column, text, "a figure shown without the n it rests on", review=True)
                elif base == SUPPRESSED:
                    self.finding(audit, path, i, column, text, f"shown although its {role.base} is withheld")
                elif _number(base) is not None and _number(base) < need:
                    self.finding(audit, path, i, column, text, f"rests on {base} people; the policy needs {need}")
            elif role.kind == "percent":
                count, of = record.get(role.base or ""), record.get(role.of or "")
                if count == SUPPRESSED or of == SUPPRESSED:
                    self.finding(audit, path, i, column, text, "a percentage shown beside a withheld count")
                elif r.percentages == "hide":
                    self.finding(audit, path, i, column, text, "percentages are not shown under this policy")
                elif _number(count) is not None and _number(of):
                    expected = 100.0 * _number(count) / _number(of)
                    if abs(expected - value) > 0.05:
                        self.finding(
                            audit, path, i, column, text, f"not the percentage of the counts shown ({expected:.1f})"
                        )

    def group(self, audit: TableAudit, path: Path, frame: pd.DataFrame, group: Group) -> None:
        """Withheld parts of a total must not be recoverable from the total and the parts shown."""
        rules = self.rules(group.cells)
        if not {*group.by, group.cells, group.total} <= set(frame.columns):
            return
        k = rules.threshold
        tolerance = rules.rounding / 2 if rules.rounding > 1 else 0.0  # exact counts: no rounding to allow for
        rows = frame[frame[group.only] != ""] if group.only else frame
        for _, part in rows.groupby(list(group.by), sort=False):
            totals = part[group.total]
            if (totals == SUPPRESSED).any() or _number(totals.iloc[0]) is None:
                continue
            total = _number(totals.iloc[0])
            cells = part[group.cells]
            hidden = [i for i, v in cells.items() if v == SUPPRESSED]
            shown = [_number(v) or 0.0 for v in cells if v != SUPPRESSED]
            estimate = total - sum(shown)
            slack = tolerance * (len(shown) + 1)  # each figure shown is rounded by up to half the base
            low, high = estimate - slack, estimate + slack
            row = int(hidden[0]) + 1 if hidden else int(part.index[0]) + 1
            if hidden and high < k:
                self.finding(
                    audit,
                    path,
                    row,
                    group.cells,
                    SUPPRESSED,
                    f"the withheld cells can be found from the {group.total} shown: about {max(estimate, 0):g}",
                )
            elif hidden and low < k:
                self.finding(
                    audit,
                    path,
                    row,
                    group.cells,
                    SUPPRESSED,
                    f"the withheld cells come to about {estimate:g} by subtraction from the {group.total}: "
                    "near the threshold",
                    review=True,
                )
            elif not hidden and low >= 1 and high < k:
                self.finding(
                    audit,
                    path,
                    row,
                    group.total,
                    totals.iloc[0],
                    f"the rest of the {group.total} ({estimate:g} people) is found by subtraction",
                )

    def rest_of_study(self, audit: TableAudit, path: Path, frame: pd.DataFrame) -> None:
        """A report's mean beside the study's: the rest of the study must not be a few people."""
        rules = self.rules("mean")
        k, slack = rules.threshold, rules.rounding
        for i, record in enumerate(frame.to_dict("records"), start=1):
            n, mean, study_n, study_mean = (_number(record.get(c, "")) for c in ("n", "mean", "study_n", "study_mean"))
            if None in (n, mean, study_n, study_mean):
                continue
            rest = study_n - n
            if rest - slack >= 1 and rest + slack < k:
                self.finding(
                    audit,
                    path,
                    i,
                    "mean",
                    record["mean"],
                    f"the study's other {rest:g} people can be found from this mean and the study's",
                )
            elif rest - slack < k and rest + slack >= 1:
                self.finding(
                    audit,
                    path,
                    i,
                    "mean",
                    record["mean"],
                    f"the study's other people (about {rest:g}) may be found from this mean and the "
                    "study's: check the two groups",
                    review=True,
                )


def _shown_n(frame: pd.DataFrame, auditor: _Auditor) -> dict[tuple[str, ...], tuple[float, int]]:
    """The n of each figure about people a table shows, by its row key, with the threshold of its kind."""
    out: dict[tuple[str, ...], tuple[float, int]] = {}
    if "n" not in frame.columns or data_kind(auditor.name, "n") not in PEOPLE:
        return out
    rules = auditor.rules("n")
    for record in frame.to_dict("records"):
        key = row_key({k: (v if v != "" else None) for k, v in record.items()})
        n = _number(record["n"])
        if key is not None and key[0] in PROTECTED and n is not None:
            out.setdefault(key, (n, rules.threshold))
    return out


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
    folders: list[Path], rules: dict[str, DisclosureRules], audiences: dict[str, Audience], policy: str | None = None
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
        auditor = _Auditor(folder, resolved, problems)
        for path in paths:
            audit, frame = auditor.table(path)
            audits.append(audit)
            files[(folder.name, path.stem)] = path
            shown[(folder.parent.resolve(), f"{folder.name}/{path.stem}")] = _shown_n(frame, auditor)
        ledger = _ledger(folder, problems, audits)
        if ledger is not None:
            ledgers.setdefault(folder.parent.resolve(), {})[folder.name] = ledger
    _across_reports(audits, shown, files, problems)
    for build in ledgers.values():
        _ledger_conflicts(audits, build, problems)
    return audits, problems


def could_not_audit(problems: Problems) -> bool:
    """Whether a report or a table could not be audited (the command then exits 2, not 1)."""
    return any(p.severity == "error" and p.rule in INPUT_RULES for p in problems)


def _across_reports(
    audits: list[TableAudit], shown: dict, files: dict[tuple[str, str], Path], problems: Problems
) -> None:
    """Figures about people of the same build whose n differ by fewer than their threshold: for review."""
    by_id = {(a.report, a.table): a for a in audits}
    items = list(shown.items())
    for i, ((build, name), figures) in enumerate(items):
        for (other_build, other), other_figures in items[i + 1 :]:
            if build != other_build or name.split("/")[0] == other.split("/")[0]:
                continue
            for key in figures.keys() & other_figures.keys():
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
