"""The release ledger: every figure a report shows, keyed by what it is, so that a build can
check that one figure prints one value in all its reports.

A figure's key is ``(population, measure, statistic, timepoint)``, named for what the figure
means rather than for the table it sits in, so that the same fact gets the same key wherever it
is shown: the people consented are ``consented``/``n`` in the flow diagram, the recruitment
table, the milestones and the sample's sentences alike. The population is the report's own
(``study``, ``site S7``, ``cohort bank``), the whole study for a study-wide block
(``<name>_study_wide``) or column (``Role.study``), and a site where a row names one.

:func:`released_figures` lists what one released block shows (a withheld ``*`` is not a figure
shown; text, identifiers and published references are not figures); :func:`record` keeps the
list in a report's ``tables/_released.csv`` (``blocks.release`` calls it for every block);
:func:`conflicts` finds the keys that two reports, or two places in one, print differently.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any, NamedTuple

import numpy as np
import pandas as pd

from ..analysis.programme import ALL_SITES
from ..ingest.writers import to_csv
from ..text import restore
from .blocks import SUPPRESSED, FigureBlock, Table, TextBlock
from .roles import COLUMN_ROLES, STUDY_WIDE, Role

LEDGER_FILE = "_released.csv"
KEY = ["population", "measure", "statistic", "timepoint"]
LEDGER_COLUMNS = [*KEY, "value", "table", "column", "row"]
STUDY = "study"  # the population of a whole-study figure
# the roles of a figure shown about people or the programme; references, identifiers and positions are not
FIGURE_KINDS = ("count", "percent", "statistic", "test", "extreme", "comparator")
ROUNDED = ", rounded"  # after a statistic a policy rounded: the same figure shown exactly is another key


def population(kind: str, scope: str | None) -> str:
    """Whom a report's figures are about: ``study`` for a report of the whole study (no scope),
    ``site S7`` for a site's, ``cohort bank`` for a cohort's.

    >>> population("funder", None), population("site", "S7"), population("cohort", "bank")
    ('study', 'site S7', 'cohort bank')
    """
    return STUDY if scope is None else f"{kind} {scope}"


class Figure(NamedTuple):
    """What one cell is: its measure, statistic and timepoint, and the site its row names (if any)."""

    measure: str
    statistic: str
    timepoint: str = ""
    site: str | None = None


Keyer = Callable[[Mapping[str, Any], str], "Figure | None"]


def _text(row: Mapping[str, Any], name: str) -> str:
    """A row's label in column ``name`` as text; missing is empty."""
    value = row.get(name)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def normal(value: Any) -> str | None:
    """A shown value as the ledger compares it, or None for a cell that shows no figure (missing,
    withheld, text or a yes/no). A whole number loses its ``.0`` (32 and 32.0 are one value); any
    other number keeps the full precision of the CSV.

    >>> normal(32), normal(32.0), normal("32.0"), normal(9.067212797737254), normal("*"), normal(True)
    ('32', '32', '32', '9.067212797737254', None, None)
    """
    if isinstance(value, (bool, np.bool_)) or value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        if value.strip() in ("", SUPPRESSED):
            return None
        try:
            value = float(value)
        except ValueError:
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return str(int(number)) if number.is_integer() else repr(number)


# ------------------------------------------------------------------------------ what each cell is


def _outcome(row: Mapping[str, Any], column: str) -> Figure | None:
    """Table 3 and its kin: a subscale's figure at a timepoint (a comparator's ``study_`` dropped)."""
    measure = f"{_text(row, 'instrument')}/{_text(row, 'subscale')}"
    return Figure(measure, column.removeprefix("study_"), _text(row, "timepoint"))


def _change(row: Mapping[str, Any], column: str) -> Figure | None:
    """Table 4 and its kin: a subscale's change between two timepoints (``T1-T3``)."""
    return Figure(f"{_text(row, 'instrument')}/{_text(row, 'subscale')}", column, _text(row, "comparison"))


def _table1(row: Mapping[str, Any], column: str) -> Figure | None:
    """A characteristic: its ``n`` (people with it recorded), a level's people and percentage
    (``gender=Female``), or a number's summary."""
    variable, level = _text(row, "variable"), _text(row, "level")
    if level and column in ("count", "percent"):
        return Figure(f"{variable}={level}", "n" if column == "count" else column)
    return Figure(variable, column)


def _table2(row: Mapping[str, Any], column: str) -> Figure | None:
    return Figure(f"service {_text(row, 'service')}", "users" if column == "count" else column, _text(row, "timepoint"))


def _code(theme: str, code: str) -> str:
    """A code by its label (the joint display names codes by label only), or its theme."""
    return f"code {code}" if code else f"theme {theme}"


def _codes(row: Mapping[str, Any], column: str) -> Figure | None:
    """A code's (or its theme's) excerpts and peer workers at a timepoint or at a site; the
    heatmap's ``group`` is a timepoint (``05_qualitative`` draws it by timepoint)."""
    return Figure(
        _code(_text(row, "theme"), _text(row, "code")),
        column,
        _text(row, "timepoint") or _text(row, "group"),
        _text(row, "site") or None,
    )


def _table5(row: Mapping[str, Any], column: str) -> Figure | None:
    evidence = _text(row, "evidence")
    if evidence == "norm":
        return _outcome(row, column)
    if evidence == "change":
        return _change(row, column)
    if evidence in ("code", "theme"):
        name = _text(row, "name")
        return Figure(_code(name, name if evidence == "code" else ""), column)
    return None


# what a stage of the recruitment table counts, with its timepoint (a timepoint's stage: people returning it)
_STAGES = {"consented": "consented", "left_post": "left post", "withdrawn": "withdrawn"}


RETAINED, FIRST = "returned, of those who returned the first questionnaire", "returned the first questionnaire"
# the recruitment table's figures besides its counts: each site's (``all_``: every site's of the report)
# share of the recruitment target due at the cut, and its people back at a later timepoint
_RECRUITMENT = {
    "percent_of_expected": (None, "percent of expected"),
    "retained": (RETAINED, "n"),
    "percent_retained": (RETAINED, "percent"),
    "returned_first": (FIRST, "n"),
}


def _recruitment(row: Mapping[str, Any], column: str) -> Figure | None:
    stage = _text(row, "stage")
    measure, timepoint = (_STAGES[stage], "") if stage in _STAGES else ("returned", stage)
    # ``count`` and the other figures are the row's site's; ``n`` and the ``all_`` ones every site's of the report
    site = None if column == "n" or column.startswith("all_") else _text(row, "site")
    what, statistic = _RECRUITMENT.get(column.removeprefix("all_"), (None, "n"))
    return Figure(what or measure, statistic, "" if what == FIRST else timepoint, site)


_FLOW_OUTCOMES = {"left_post": "left post", "withdrawn": "withdrawn", "no_reply": "no reply"}


def _flow(row: Mapping[str, Any], column: str, first: str) -> Figure | None:
    """The flow diagram: the consented box and its first questionnaire, then each later timepoint
    among the people who returned the first (``first``), which the recruitment table does not count."""
    box, outcome = _text(row, "box"), _text(row, "outcome")
    if box == "consented":
        if column == "n":
            return Figure("consented", "n")
        return Figure("returned" if outcome == "returned" else "no reply", "n", first)
    if column == "n":
        return Figure("returned", "n", first)
    among = (
        f"of those who returned {first}" if outcome == "returned" else f"of those who returned {first} and not {box}"
    )
    return Figure(f"{_FLOW_OUTCOMES.get(outcome, outcome)} ({among})", "n", box)


def _flow_of(block: Any) -> Keyer:
    """The flow diagram's keys: its boxes name the later timepoints, and the first is the one it
    is drawn with (:func:`peerimpact.report.conduct.flow`)."""
    timepoints = getattr(getattr(block, "draw", None), "keywords", {}).get("timepoints") or ["first"]
    return lambda row, column: _flow(row, column, timepoints[0])


def _contacts(mode: str) -> str:
    return f"contacts {mode}" if mode else "contacts"


def _activity(row: Mapping[str, Any], column: str) -> Figure | None:
    """The contact log by mode: contacts recorded and completed, people supported by that mode."""
    mode = _text(row, "mode")
    if column == "all_contacts":
        return Figure("contacts", "recorded")
    if column == "people_supported":
        return Figure(f"people supported {mode}", "n")
    return Figure(_contacts(mode), "recorded" if column == "contacts" else "completed")


PERIOD = "reporting period"


def _activity_by_site(row: Mapping[str, Any], column: str) -> Figure | None:
    """Completed contacts and people supported in the reporting period, by site (``all_``: every site)."""
    base = column.removeprefix("all_")
    site = None if column.startswith("all_") else _text(row, "site")
    if base == "people_supported":
        return Figure("people supported", "n", PERIOD, site)
    if base in ("completed", "percent_of_target"):  # all modes; against the target over the months counted
        return Figure("contacts", "completed" if base == "completed" else "percent of target", PERIOD, site)
    return Figure(_contacts(base), "completed", PERIOD, site)


def _activity_over_time(row: Mapping[str, Any], column: str) -> Figure | None:
    """Completed contacts and people supported in a month (``2019-05``), by site or for all sites."""
    month = pd.Timestamp(row["month"]).strftime("%Y-%m") if _text(row, "month") else ""
    site = _text(row, "site")
    if column == "people_supported":
        return Figure("people supported", "n", month, site)
    return Figure(_contacts("" if column == "completed" else column), "completed", month, site)


def _recruitment_over_time(row: Mapping[str, Any], column: str) -> Figure | None:
    """People consented by the end of a month (``by 2019-08-31``)."""
    return Figure("consented", column, f"by {_text(row, 'month')}")


_COMPLETENESS = {
    "items_missing": "items missing",
    "percent_items_missing": "percent items missing",
    "scores_lost": "scores lost",
}


def _completeness(row: Mapping[str, Any], column: str) -> Figure | None:
    return Figure(_text(row, "instrument"), _COMPLETENESS.get(column, column), _text(row, "timepoint"))


# what a milestone's count counts (peerimpact.analysis.programme.milestones' ``evidence``)
_MILESTONES = {
    "consented": ("consented", "n"),
    "returned": ("returned", "n"),
    "completed contacts": ("contacts", "completed"),
}


def _milestones(row: Mapping[str, Any], column: str) -> Figure | None:
    measure = _MILESTONES.get(_text(row, "evidence"))
    return Figure(measure[0], measure[1], _text(row, "timepoint")) if measure else None


# the sample's sentences (peerimpact.report.tables.sample_facts): their facts as Table 1 would key them
_SAMPLE = {
    "n": ("consented", "n"),
    "bank": ("contract_type=bank", "n"),
    "contracted": ("contract_type=contracted", "n"),
    "sick_known": ("sick_days", "n"),
    "no_sick_leave": ("sick_days=0", "n"),
    "with_sick_leave": ("sick_days>0", "n"),
    "sick_median_among_some": ("sick_days>0", "median"),
    "sick_min_among_some": ("sick_days>0", "min"),
    "sick_max_among_some": ("sick_days>0", "max"),
    "recording_contacts": ("peer workers recording contacts", "n"),
}


def _sample_summary(row: Mapping[str, Any], column: str) -> Figure | None:
    key = _SAMPLE.get(column)
    return Figure(*key) if key else None


def _nothing(row: Mapping[str, Any], column: str) -> Figure | None:
    return None


# block name (without ``_study_wide``) -> what each of its cells is; a block not named here is keyed
# by its name and its row's labels (see :func:`_generic`)
KEYERS: dict[str, Keyer] = {
    **dict.fromkeys(("table3", "headline_table3", "table3_study", "means"), _outcome),
    **dict.fromkeys(("table4", "headline_table4", "forest"), _change),
    "table1": _table1,
    "table2": _table2,
    # all available data and α: figures of their own (a model's p is not Table 4's, α's n not Table 3's)
    "mixed_models": lambda row, c: _change(
        {**row, "comparison": f"{row['reference']}-{row['timepoint']}"}, f"model {c}"
    ),
    "reliability": lambda row, column: _outcome(row, f"alpha {column}"),
    "table5": _table5,
    "sample_summary": _sample_summary,
    **dict.fromkeys(("codes_by_timepoint", "codes_by_site", "heatmap"), _codes),
    "recruitment": _recruitment,
    "activity": _activity,
    "activity_by_site": _activity_by_site,
    "activity_over_time": _activity_over_time,
    "recruitment_over_time": _recruitment_over_time,
    "completeness": _completeness,
    "milestones": _milestones,
    # the reproduction check sets computed figures beside published ones: the figures are released
    # in Tables 1-4, whose keys they would only repeat
    **dict.fromkeys(("reproduction", "reproduction_errata"), _nothing),
}


def _generic(name: str, figures: list[str]) -> Keyer:
    """A block the ledger has no entry for: each figure keyed by the block, its row's labels and its column."""

    def key(row: Mapping[str, Any], column: str) -> Figure:
        labels = [f"{c}={_text(row, c)}" for c in row if c not in figures and _text(row, c) and normal(row[c]) is None]
        return Figure(" ".join([name, *labels]), column, _text(row, "timepoint"))

    return key


# ------------------------------------------------------------------------------ a block's figures


def _frame(block: Any) -> pd.DataFrame | None:
    if isinstance(block, TextBlock):
        return pd.DataFrame([block.facts])
    if isinstance(block, (Table, FigureBlock)):
        return block.data
    return None  # quotes are words, not figures


def _narrow(population: str, site: str | None) -> str:
    """The population of a row that names ``site``: the site itself in a whole-study report."""
    if not site or site == ALL_SITES or population == f"site {site}":
        return population
    return f"site {site}" if population == STUDY else f"{population}, site {site}"


def _cells(block: Any, population: str) -> list[tuple[tuple[str, str, str, str], int, str, str]]:
    """Every figure ``block`` shows: its key, the 1-based row and column it is in, and its value."""
    frame = _frame(block)
    if frame is None or frame.empty:
        return []
    name = block.name.removesuffix(STUDY_WIDE)
    if block.name.endswith(STUDY_WIDE):
        population = STUDY
    roles: Mapping[str, Role] = getattr(block, "roles", {}) or {}
    figures = [
        c
        for c in frame.columns
        if (role := roles.get(c) or COLUMN_ROLES.get(c)) is not None and role.kind in FIGURE_KINDS
    ]
    keyer = _flow_of(block) if name == "flow" else KEYERS.get(name) or _generic(name, figures)
    out = []
    for i, row in enumerate(frame.to_dict("records"), start=1):
        for column in figures:
            value = normal(row[column])
            if value is None:
                continue
            figure = keyer(row, column)
            if figure is None:
                continue
            role = roles.get(column) or COLUMN_ROLES[column]
            where = STUDY if role.study else _narrow(population, figure.site)
            out.append(((where, figure.measure, figure.statistic, figure.timepoint), i, column, value))
    return out


def released_figures(block: Any, population: str = STUDY, original: Any = None) -> pd.DataFrame:
    """The figures a released ``block`` shows, one row each (:data:`LEDGER_COLUMNS`), in a report
    whose own population is ``population`` (``study``, ``site S7``, ``cohort bank``).

    ``original`` is the block as the section made it, before the policy: a figure the policy
    rounded (shown, but not as computed) has ``, rounded`` after its statistic, so that a report
    that rounds is not set against one that shows the same figure exactly.

    Examples
    --------
    >>> from peerimpact.report.blocks import Table
    >>> data = pd.DataFrame({"stage": ["consented", "T1"], "site": ["S7", "S7"], "count": [3, "*"],
    ...                      "n": [32, 32], "target": [4, None]})
    >>> released_figures(Table("recruitment", "", data, data), "study")[["population", "measure", "value"]]
      population    measure value
    0    site S7  consented     3
    1      study  consented    32
    2      study   returned    32
    """
    found = _cells(block, population)
    before = {} if original is None else {(i, c): v for _, i, c, v in _cells(original, population)}
    rows = []
    for (where, measure, statistic, timepoint), i, column, value in found:
        if (i, column) in before and before[(i, column)] != value:
            statistic += ROUNDED
        rows.append([where, measure, statistic, timepoint, value, block.name, column, i])
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)


def record(released: Any, folder: str | Path, population: str = STUDY, original: Any = None) -> Path:
    """Keep the figures ``released`` shows in ``folder/_released.csv``, in place of an earlier
    record of the same block (a section run again). Returns the file's path."""
    path = Path(folder) / LEDGER_FILE
    names = {released.name, *released.csv_frames()}
    old = read_ledger(path) if path.is_file() else pd.DataFrame(columns=LEDGER_COLUMNS)
    new = released_figures(released, population, original).astype(str)
    path.parent.mkdir(parents=True, exist_ok=True)
    to_csv(pd.concat([old[~old["table"].isin(names)], new], ignore_index=True), path)
    return path


# ------------------------------------------------------------------------------ across reports


def read_ledger(source: str | Path | IO[bytes]) -> pd.DataFrame:
    """A report's ``_released.csv`` (a path or an open binary file) as text, as it was written.
    Raises ``ValueError`` naming the columns it lacks if it is not a release ledger."""
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    missing = [c for c in LEDGER_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"not a release ledger: no column {', '.join(missing)}")
    return frame[LEDGER_COLUMNS].map(restore)


def conflicts(ledgers: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every key that the reports' ledgers (report name -> its ``_released.csv`` frame) show with
    two or more values (compared as :func:`normal` makes them), one row per place it is shown:
    ``population, measure, statistic, timepoint, value, report, table, column, row``. Empty when
    one figure prints one value everywhere."""
    columns = [*KEY, "value", "report", "table", "column", "row"]
    parts = [frame.assign(report=report) for report, frame in ledgers.items() if len(frame)]
    if not parts:
        return pd.DataFrame(columns=columns)
    every = pd.concat(parts, ignore_index=True)[columns].astype(str)
    every["value"] = [normal(v) or v for v in every["value"]]
    values = every.groupby(KEY, sort=False)["value"].transform("nunique")
    found = every[values > 1]
    return found.sort_values([*KEY, "value", "report"], kind="stable").reset_index(drop=True)
