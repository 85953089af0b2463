"""A report's facts: every figure it released, by name, read back from its ``tables/`` CSVs.

The CSVs of a report's ``tables/`` folder hold exactly what its disclosure policy let out (a
withheld figure is ``*``), so whatever is written from them — the key messages, the study team's
commentary, the change since an earlier build — can say nothing the policy withheld and gives each
figure the value its table shows. A fact is named by its table, the values that pick its row and
its column, as Jinja2 reads it: ``recruitment.consented.total``, ``milestones.recruitment_target_reached.status``,
``change.wemwbs.total.T1_T3.change``. ``peerimpact facts REPORT_DIR`` lists them.

Each table a fact comes from has a reader in :data:`FACT_TABLES` (:func:`register_facts`), which
names the columns that pick a row; a table without one gives no facts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..registry import Registry
from ..text import restore
from .blocks import SUPPRESSED
from .formats import fmt_count, fmt_number
from .roles import STUDY_WIDE

NAME_PART = re.compile(r"[^0-9A-Za-z_]+")
ALL = "total"  # the name part of a row that counts every site (``All sites``) or a table's sum


@dataclass(frozen=True)
class Fact:
    """One released figure: its ``name``, its value as the table holds it (``None`` when
    withheld) and where it is (table, 1-based row, column)."""

    name: str
    value: Any
    withheld: bool
    table: str
    row: int
    column: str

    @property
    def text(self) -> str:
        """The value as a sentence prints it: whole numbers without decimals, others to two
        places (a percentage to one), ``withheld`` for a withheld figure."""
        if self.withheld:
            return "withheld"
        return _printed(self.value, self.column)

    def __str__(self) -> str:
        return self.text


def _printed(value: Any, column: str) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return fmt_count(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if float(value).is_integer() and not column.startswith(("p", "ci_", "change", "es", "d_z", "mean", "sd")):
            return fmt_count(value)
        return fmt_number(value, 1 if "percent" in column or column.endswith("per_month") else 2)
    return str(value)


def part(value: Any) -> str:
    """``value`` as one part of a fact's name: letters, digits and ``_`` (``T1-T3`` → ``T1_T3``,
    ``Recruitment target reached`` → ``recruitment_target_reached``)."""
    text = NAME_PART.sub("_", str(value)).strip("_")
    return text.lower() if " " in str(value) else text


@dataclass(frozen=True)
class FactTable:
    """How a table's rows become facts: ``keys`` pick a row (each a part of the name), ``main``
    (optional) is the column whose value the row's name itself stands for, ``prefix`` replaces the
    table's name, ``rows`` keeps only some rows."""

    keys: tuple[str, ...]
    main: str | None = None
    prefix: str | None = None
    rows: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    skip: tuple[str, ...] = ()


FACT_TABLES: Registry[FactTable] = Registry("fact table")


def register_facts(table: str, spec: FactTable) -> None:
    """Let ``table``'s CSV give facts (and its ``_study_wide`` version, as ``study_wide.<name>``)."""
    FACT_TABLES.register(table, spec)


def _value(raw: str) -> tuple[Any, bool]:
    """A CSV cell as a value, and whether the policy withheld it."""
    text = restore(str(raw))
    if text == SUPPRESSED:
        return None, True
    if text == "":
        return None, False
    if text in ("True", "False"):
        return text == "True", False
    try:
        number = float(text)
    except ValueError:
        return text, False
    return (int(number) if re.fullmatch(r"-?[0-9]+", text) else number), False


def _row_parts(row: Mapping[str, str], keys: Iterable[str]) -> list[str]:
    parts = []
    for k in keys:
        value = restore(row.get(k, ""))
        parts.append(ALL if value in ("All sites", "") else part(value))
    return parts


def table_facts(table: str, frame: pd.DataFrame, spec: FactTable, prefix: str | None = None) -> Iterator[Fact]:
    """The facts of one table's CSV (read as text: ``frame`` holds strings)."""
    base = prefix or spec.prefix or table
    if spec.rows is not None:
        frame = spec.rows(frame)
    for i, row in enumerate(frame.to_dict("records"), start=1):
        parts = _row_parts(row, spec.keys)
        for column in frame.columns:
            if column in spec.keys or column in spec.skip or column == "_row":
                continue
            value, withheld = _value(row[column])
            if value is None and not withheld:
                continue
            name = ".".join([base, *parts] if column == spec.main else [base, *parts, part(column)])
            yield Fact(name, value, withheld, table, int(row.get("_row", i)), column)


class Node(dict):
    """A name that is a fact and also the start of longer names (``recruitment.consented.S1`` and
    ``recruitment.consented.S1.target``): prints as its own fact."""

    def __str__(self) -> str:
        return str(self.get("value", ""))


@dataclass
class Facts:
    """A report's facts by name; :meth:`Facts.tree` is what a commentary's ``facts`` is."""

    by_name: dict[str, Fact] = field(default_factory=dict)

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    def __getitem__(self, name: str) -> Fact:
        return self.by_name[name]

    def __iter__(self):
        return iter(self.by_name.values())

    def __len__(self) -> int:
        return len(self.by_name)

    def get(self, name: str) -> Fact | None:
        return self.by_name.get(name)

    def value(self, name: str, default: Any = None) -> Any:
        """The released value of ``name``; ``default`` when absent or withheld."""
        fact = self.by_name.get(name)
        return default if fact is None or fact.withheld else fact.value

    def released(self, name: str) -> bool:
        fact = self.by_name.get(name)
        return fact is not None and not fact.withheld

    def under(self, prefix: str) -> dict[str, Fact]:
        """The facts whose names start with ``prefix.``, by the rest of their name."""
        start = prefix + "."
        return {n[len(start) :]: f for n, f in self.by_name.items() if n.startswith(start)}

    def tree(self) -> dict[str, Any]:
        """The facts as nested dictionaries, ``tree["recruitment"]["consented"]["total"]``: a name
        that is also the start of longer names keeps its value under ``value``."""
        root = Node()
        for name in sorted(self.by_name, key=lambda n: n.count(".")):
            *inner, last = name.split(".")
            node = root
            for p in inner:
                child = node.get(p)
                if not isinstance(child, Node):
                    child = node[p] = Node() if child is None else Node(value=child)
                node = child
            if isinstance(node.get(last), Node):
                node[last]["value"] = self.by_name[name]
            else:
                node[last] = self.by_name[name]
        return root


def read_facts(tables: str | Path) -> Facts:
    """Every fact of the released tables in ``tables`` (a report's ``tables/`` folder)."""
    folder = Path(tables)
    facts = Facts()
    for path in sorted(folder.glob("*.csv")):
        name = path.stem
        own = name.removesuffix(STUDY_WIDE)
        spec = FACT_TABLES.get(own, None)
        if spec is None or name.startswith("_"):
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        prefix = f"study_wide.{spec.prefix or own}" if name != own else None
        for fact in table_facts(own, frame, spec, prefix):
            facts.by_name.setdefault(fact.name, fact)
    return facts


def _with_total(frame: pd.DataFrame, by: str | None, count: tuple[str, str] | None = None) -> pd.DataFrame:
    """Each row as it is, without its ``all_*`` columns (the same for every row: the report's sites
    together), then one ``All sites`` row (per ``by`` group) holding them under their own names, and
    ``count`` taken from the column it names (a stage's total is its ``n``)."""
    frame = frame.assign(_row=range(1, len(frame) + 1))
    together = [c for c in frame.columns if c.startswith("all_")]
    own = [c for c in frame.columns if c not in together]
    totals = (frame.drop_duplicates(by) if by else frame.head(1)).copy()
    totals["site"] = "All sites"
    for column in together:
        totals[column.removeprefix("all_")] = totals[column]
    if count is not None:
        totals[count[0]] = totals[count[1]]
    return pd.concat([frame[own], totals[[c for c in own if c in totals]]], ignore_index=True)


def _recruitment_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Each stage's site rows, then one ``All sites`` row per stage holding the stage's total (``n``),
    its target and status for the report's sites together."""
    out = _with_total(frame, "stage", ("count", "n")).drop(columns=["n"])
    if "target" in frame and "all_target" not in frame:  # a table from before targets had totals
        sums = frame.groupby("stage", sort=False)["target"].apply(_sum_text)
        last = out["site"] == "All sites"
        out.loc[last, "target"] = out.loc[last, "stage"].map(sums)
    return out


def _sum_text(values: pd.Series) -> str:
    """The sum of a column of released whole numbers as text: ``*`` if any is withheld, empty if none is given."""
    given = [v for v in values if v != ""]
    if any(v == SUPPRESSED for v in given):
        return SUPPRESSED
    return str(sum(int(float(v)) for v in given)) if given else ""


register_facts("recruitment", FactTable(keys=("stage", "site"), main="count", rows=_recruitment_rows))
register_facts("milestones", FactTable(keys=("milestone",)))
register_facts("programme", FactTable(keys=("measure",), skip=("timepoint",)))
register_facts(
    "activity_by_site",
    FactTable(keys=("site",), prefix="activity", skip=("scope",), rows=lambda frame: _with_total(frame, None)),
)
register_facts("completeness", FactTable(keys=("instrument", "timepoint")))
register_facts("headline_table3", FactTable(keys=("instrument", "subscale", "timepoint"), prefix="headline.norms"))
register_facts("headline_table4", FactTable(keys=("instrument", "subscale", "comparison"), prefix="headline.change"))
register_facts("table3", FactTable(keys=("instrument", "subscale", "timepoint"), prefix="norms"))
register_facts("table4", FactTable(keys=("instrument", "subscale", "comparison"), prefix="change"))
