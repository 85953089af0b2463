"""One table of a built report audited under its audience's rules, read again from its CSV alone.

Every cell is checked under the rules of its kind of data (a count below the threshold or not
rounded, a statistic on too few people or on a withheld n, a minimum or maximum, a percentage not
of the counts shown, a participant ID); a column of numbers whose role or kind the audit does not
know fails; withheld parts of a total must not be recoverable from the total and the parts
shown, nor the rest of the study from a mean beside the study's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import DATA_KINDS, DisclosureRules, ReportPolicy
from ..problems import Problems
from ..report.blocks import SUPPRESSED
from ..report.disclosure import GROUPS, PROTECTED, Group, row_key
from ..report.roles import STUDY_WIDE, Role, data_kind, table_role
from .safefiles import Unreadable, read_csv_rows

# A quote's label with no participant ID: by timepoint, or from the study's approved pool
ANONYMOUS_LABEL = re.compile(r"^Peer worker(, \S+| \(study-wide\))?$")
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
        role = table_role(table, column)
        if role is not None and role.kind in ("identifier", "reference", "index"):
            continue
        if (role is None or data_kind(table, column, role) is None) and _numeric(frame[column].tolist()):
            out.append(column)
    return out


class TableAuditor:
    """Audits the tables of one report folder under one policy, adding what it finds to ``problems``."""

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
        kind = data_kind(self.name, column, role if role is not None else table_role(self.name, column))
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
        roles = {c: role for c in frame.columns if (role := table_role(name, c)) is not None}
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
                assert need is not None  # DisclosureRules fills both minimums in from the threshold
                base = record.get(role.base or "")
                if role.kind == "extreme" and r.extremes == "hide":
                    self.finding(audit, path, i, column, text, "a minimum or maximum (one person's value) is shown")
                elif base is None:
                    self.finding(audit, path, i, column, text, "a figure shown without the n it rests on", review=True)
                elif base == SUPPRESSED:
                    self.finding(audit, path, i, column, text, f"shown although its {role.base} is withheld")
                elif (people := _number(base)) is not None and people < need:
                    self.finding(audit, path, i, column, text, f"rests on {base} people; the policy needs {need}")
            elif role.kind == "percent":
                count, of = record.get(role.base or ""), record.get(role.of or "")
                if count == SUPPRESSED or of == SUPPRESSED:
                    self.finding(audit, path, i, column, text, "a percentage shown beside a withheld count")
                elif r.percentages == "hide":
                    self.finding(audit, path, i, column, text, "percentages are not shown under this policy")
                elif (counted := _number(count)) is not None and (whole := _number(of)):
                    expected = 100.0 * counted / whole
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
            if (totals == SUPPRESSED).any():
                continue
            total = _number(totals.iloc[0])
            if total is None:
                continue
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
            if n is None or mean is None or study_n is None or study_mean is None:
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


def shown_n(frame: pd.DataFrame, auditor: TableAuditor) -> dict[tuple[str, ...], tuple[float, int]]:
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
