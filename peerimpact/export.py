"""The tidy frame of a study (``Study.tidy()``) written for a statistician's own software.

CSV and Excel hold the values; Excel adds a sheet of variable and value labels. SPSS
(``.sav``) and Stata (``.dta``) hold the labels themselves: categories become whole-number
codes 1, 2, … with their labels, yes/no becomes 0/1, dates stay dates, and a column whose name
the package does not allow (``1st visit``) gets one it does (``v1st_visit``) with the name as
its label. Parquet keeps the pandas types (categories in their order) and carries the labels
in its metadata. Every file is written whole, or not at all.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .ingest.study import Study
from .ingest.writers import Write, csv_text, excel_sheets, through_folder, write_file
from .registry import Registry

VARIABLE_LABELS = {
    "participant_id": "Participant ID",
    "site": "Site",
    "timepoint": "Timepoint",
    "instrument": "Instrument",
    "subscale": "Subscale",
    "instrument_label": "Instrument (name)",
    "subscale_label": "Subscale (name)",
    "score": "Subscale score",
    "items_answered": "Items answered",
    "items_missing": "Items missing",
    "prorated": "Score prorated for missing items",
    "completed_date": "Date the questionnaire was completed",
    "days_since_baseline": "Days from consent to completing the questionnaire",
    "age": "Age (years)",
    "months_in_post": "Months in post",
    "contracted_hours": "Contracted hours a week",
    "sick_days": "Days of sick leave",
    "contract_type": "Contract type",
    "consent_date": "Date of consent",
    "left_post_date": "Date left post",
    "left_post_reason": "Reason for leaving post",
    "withdrawn_date": "Date withdrawn from the study",
    "english_first_language": "English is first language",
    "child_under_18_in_household": "Child under 18 in household",
}
YES_NO = {0: "no", 1: "yes"}


def variable_labels(frame: pd.DataFrame) -> dict[str, str]:
    """A label for every column: a known one, a cohort's (from the tidy frame's ``attrs``), else the
    name in words."""
    cohorts = {f"cohort_{name}": f"In cohort: {label}" for name, label in frame.attrs.get("cohorts", {}).items()}
    known = {**cohorts, **VARIABLE_LABELS}
    return {c: known.get(c, c.replace("_", " ").capitalize()) for c in frame.columns}


def value_labels(frame: pd.DataFrame, study: Study) -> dict[str, dict[int, str]]:
    """Code → label for every category and yes/no column, codes as :func:`coded` writes them."""
    labels: dict[str, dict[int, str]] = {}
    names = study.labels
    for column in frame.columns:
        series = frame[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            levels = [str(c) for c in series.cat.categories]
            if column == "instrument":
                levels = [names.get((c, None), c) for c in levels]
            elif column == "subscale":
                by_sub = {sub: label for (inst, sub), label in names.items() if sub is not None}
                levels = [by_sub.get(c, c) for c in levels]
            labels[column] = {i: level for i, level in enumerate(levels, start=1)}
        elif pd.api.types.is_bool_dtype(series):
            labels[column] = dict(YES_NO)
    return labels


def coded(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories as codes 1, 2, … (missing stays missing), yes/no as 0/1, for SPSS and Stata."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.astype(float) + 1
            out[column] = codes.where(series.notna())
        elif pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
            out[column] = series.astype("Float64").astype(float)
        elif pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.astype("datetime64[ns]")
        elif not pd.api.types.is_numeric_dtype(series):
            out[column] = series.astype(object).where(series.notna(), "")
    return out


# Words SPSS and Stata keep for themselves: no variable may be called by one of them.
SPSS_RESERVED = frozenset({"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"})
STATA_RESERVED = frozenset(
    {
        "_all",
        "_b",
        "byte",
        "_coef",
        "_cons",
        "double",
        "float",
        "if",
        "in",
        "int",
        "long",
        "_n",
        "_N",
        "_pi",
        "_pred",
        "_rc",
        "_skip",
        "strL",
        "using",
        "with",
    }
)


@dataclass(frozen=True)
class NameRules:
    """What a variable name may be in one statistics package."""

    limit: int  # longest name
    in_bytes: bool  # ``limit`` counts UTF-8 bytes (SPSS), else characters (Stata)
    reserved: Callable[[str], bool]


SPSS = NameRules(64, True, lambda name: name.casefold() in SPSS_RESERVED)
STATA = NameRules(32, False, lambda name: name in STATA_RESERVED or re.fullmatch(r"str\d+", name) is not None)


def _fits(name: str, rules: NameRules, spare: int = 0) -> bool:
    return (len(name.encode()) if rules.in_bytes else len(name)) <= rules.limit - spare


def _cut(name: str, rules: NameRules, spare: int = 0) -> str:
    """``name`` cut to ``rules``' length, leaving room for ``spare`` more ASCII characters."""
    while not _fits(name, rules, spare):
        name = name[:-1]
    return name


def _legal(name: str, rules: NameRules) -> bool:
    return (
        bool(name)
        and name[0].isalpha()
        and all(c.isalnum() or c == "_" for c in name)
        and _fits(name, rules)
        and not rules.reserved(name)
    )


def legal_names(columns: Sequence[str], rules: NameRules) -> dict[str, str]:
    """Column → a variable name ``rules`` allow: a letter, then letters, digits and ``_``; not too
    long, not a reserved word, unique ignoring case. A legal name is kept; any other is made
    legal (other characters become ``_``, a leading ``v`` where it does not start with a letter,
    cut to length, ``_`` after a reserved word, ``_2``, ``_3`` … where it would repeat another).

    >>> legal_names(["score", "1st visit", "año", "a.b", "_x", "with", "if"], STATA)
    {'score': 'score', '1st visit': 'v1st_visit', 'año': 'año', 'a.b': 'a_b', '_x': 'v_x', 'with': 'with_', 'if': 'if_'}
    >>> legal_names(["x" * 40, "x" * 41, "A-B", "a_b", "Age", "AGE"], STATA) == {
    ...     "x" * 40: "x" * 32, "x" * 41: "x" * 30 + "_2", "A-B": "A_B_2", "a_b": "a_b", "Age": "Age", "AGE": "AGE_2"}
    True
    """
    kept: dict[str, str] = {}  # a legal name is kept, the first of those alike ignoring case
    for column in columns:
        if _legal(column, rules):
            kept.setdefault(column.casefold(), column)
    names: dict[str, str] = {}
    taken = set(kept)
    for column in columns:
        if kept.get(column.casefold()) == column:
            names[column] = column
            continue
        base = "".join(c if c.isalnum() else "_" for c in unicodedata.normalize("NFC", column))
        base = re.sub(r"__+", "_", base).rstrip("_") or "v"
        base = _cut(base if base[0].isalpha() else f"v{base}", rules)
        if rules.reserved(base):
            base = _cut(base, rules, 1) + "_"
        name, i = base, 1
        while name.casefold() in taken or rules.reserved(name):
            i += 1
            name = _cut(base, rules, len(f"_{i}")) + f"_{i}"
        taken.add(name.casefold())
        names[column] = name
    return names


def _csv(frame: pd.DataFrame, study: Study) -> Write:
    return csv_text(frame, date_format="%Y-%m-%d")


def _xlsx(frame: pd.DataFrame, study: Study) -> Write:
    names, values = variable_labels(frame), value_labels(frame, study)
    labels = pd.DataFrame(
        [
            {"variable": c, "label": names[c], "values": "; ".join(f"{k} = {v}" for k, v in values.get(c, {}).items())}
            for c in frame.columns
        ]
    )
    return excel_sheets({"data": frame, "labels": labels})


def _for_package(frame: pd.DataFrame, study: Study, rules: NameRules, label_limit: int | None):
    """(coded frame, variable labels, value labels) under names ``rules`` allow: a renamed
    column's label is its name as the study spells it."""
    renamed = legal_names([str(c) for c in frame.columns], rules)
    known = variable_labels(frame)
    labels = {renamed[c]: (known[c] if renamed[c] == c else c)[:label_limit] for c in frame.columns}
    values = {renamed[c]: codes for c, codes in value_labels(frame, study).items()}
    return coded(frame).rename(columns=renamed), labels, values


def _sav(frame: pd.DataFrame, study: Study) -> Write:
    import pyreadstat

    data, labels, values = _for_package(frame, study, SPSS, None)
    return through_folder(
        lambda path: pyreadstat.write_sav(
            data, str(path), file_label=study.config.name[:64], column_labels=labels, variable_value_labels=values
        ),
        ".sav",
    )


def _dta(frame: pd.DataFrame, study: Study) -> Write:
    import pyreadstat

    data, labels, values = _for_package(frame, study, STATA, 80)  # Stata's limit on a label
    return through_folder(
        lambda path: pyreadstat.write_dta(
            data, str(path), file_label=study.config.name[:80], column_labels=labels, variable_value_labels=values
        ),
        ".dta",
    )


def _parquet(frame: pd.DataFrame, study: Study) -> Write:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = {
        **(table.schema.metadata or {}),
        b"peerimpact.variable_labels": json.dumps(variable_labels(frame)).encode(),
        b"peerimpact.value_labels": json.dumps(value_labels(frame, study)).encode(),
    }
    return lambda handle: pq.write_table(table.replace_schema_metadata(meta), handle)


# Format → the writer of a study's tidy frame in it (to an open file).
WRITERS: Registry[Callable[[pd.DataFrame, Study], Write]] = Registry("format")
WRITERS.register("csv", _csv)
WRITERS.register("xlsx", _xlsx)
WRITERS.register("sav", _sav)
WRITERS.register("dta", _dta)
WRITERS.register("parquet", _parquet)


def export_tidy(study: Study, path: str | Path, format: str | None = None) -> Path:
    """Write ``study.tidy()`` to ``path`` as ``format`` (default: from the file's extension).

    The file is written whole beside ``path`` and only then renamed over it: a failure raises
    :class:`~peerimpact.ingest.writers.NotWritten` and leaves what was at ``path`` as it was.
    SPSS and Stata get variable names they allow (a renamed column keeps its name as its label);
    text a spreadsheet would run as a formula is written to CSV and Excel with a leading ``'``.

    Examples
    --------
    >>> import peerimpact, pyreadstat, tempfile, pathlib
    >>> path = export_tidy(peerimpact.load_study(), pathlib.Path(tempfile.mkdtemp()) / "scores.sav")
    >>> frame, meta = pyreadstat.read_sav(str(path))
    >>> meta.variable_value_labels["contract_type"]
    {1.0: 'contracted', 2.0: 'bank'}
    """
    path = Path(path)
    format = format or path.suffix.lstrip(".").lower()
    if format not in WRITERS:
        raise ValueError(WRITERS.unknown(format))
    return write_file(path, WRITERS[format](study.tidy(), study))
