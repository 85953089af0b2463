"""What an exported variable is: its label, its values' labels, its measure level and its format.

Categories become whole-number codes 1, 2, … with their labels, yes/no becomes 0/1, and a date
whose values hold no time of day becomes a date (``datetime.date``), which SPSS shows as
``DATE11``, Stata as ``%td`` and Excel with a date format.
"""

from __future__ import annotations

import datetime

import pandas as pd

VARIABLE_LABELS = {
    "participant_id": "Participant ID",
    "site": "Site",
    "timepoint": "Timepoint",
    "instrument": "Instrument",
    "subscale": "Subscale",
    "instrument_label": "Instrument (name)",
    "subscale_label": "Subscale (name)",
    "score": "Subscale score",
    "missing_reason": "Why the score is missing",
    "items_answered": "Items answered",
    "items_missing": "Items missing",
    "prorated": "Score prorated for missing items",
    "completed_date": "Date the questionnaire was completed",
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
# Columns that hold a point on an ordered scale, though not written as ordered categories.
ORDINAL = frozenset({"timepoint"})


def variable_labels(frame: pd.DataFrame, known: dict[str, str] | None = None) -> dict[str, str]:
    """A label for every column: one of ``known``, else a standard one, else the name in words."""
    known = known or {}
    return {
        c: known.get(c) or VARIABLE_LABELS.get(c, c.replace("_", " ").capitalize()) for c in map(str, frame.columns)
    }


def category_labels(frame: pd.DataFrame, names: dict[str, dict[str, str]] | None = None) -> dict[str, dict[int, str]]:
    """Code → label for every category and yes/no column, codes as :func:`coded` writes them;
    ``names`` gives a column's categories' words where they are not the categories themselves."""
    names = names or {}
    labels: dict[str, dict[int, str]] = {}
    for column in map(str, frame.columns):
        series = frame[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            words = names.get(column, {})
            levels = [words.get(str(c), str(c)) for c in series.cat.categories]
            labels[column] = dict(enumerate(levels, start=1))
        elif pd.api.types.is_bool_dtype(series):
            labels[column] = dict(YES_NO)
    return labels


def day_only(series: pd.Series) -> bool:
    """Whether a date-time column holds dates only: no value has a time of day."""
    if not pd.api.types.is_datetime64_any_dtype(series):
        return False
    values = series.dropna()
    return bool((values == values.dt.normalize()).all())


def as_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every date-time column that holds dates only as ``datetime.date`` values
    (missing as ``None``), which SPSS, Stata, Excel and Parquet write as dates."""
    out = frame.copy()
    for i in range(out.shape[1]):
        series = out.iloc[:, i]
        if day_only(series):
            days: list[datetime.date | None] = [None if pd.isna(v) else v.date() for v in series]
            out.isetitem(i, pd.Series(days, index=out.index, dtype=object))
    return out


def coded(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories as codes 1, 2, … (missing stays missing), yes/no as 0/1, missing text as empty
    text, for SPSS and Stata (dates are left to :func:`day_numbers`)."""
    out = frame.copy()
    for i in range(out.shape[1]):
        series = out.iloc[:, i]
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.astype(float) + 1
            out.isetitem(i, codes.where(series.notna()))
        elif pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
            out.isetitem(i, series.astype("Float64").astype(float))
        elif pd.api.types.is_datetime64_any_dtype(series):
            out.isetitem(i, series.astype("datetime64[ns]"))
        elif not pd.api.types.is_numeric_dtype(series):
            out.isetitem(i, series.astype(object).where(series.notna(), ""))
    return out


def day_numbers(frame: pd.DataFrame, origin: str, unit: str) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with each column of dates only as the number of ``unit`` (``s`` or ``D``) since
    ``origin``, as SPSS (seconds since 14 October 1582) and Stata (days since 1 January 1960)
    hold a date, and those columns' names. Numbers, not date objects: pyreadstat tells a column
    of objects by its first 100 values, and takes one that starts with 100 missing dates for text."""
    out, days = frame.copy(), []
    for i, column in enumerate(map(str, out.columns)):
        series = out.iloc[:, i]
        if day_only(series):
            since = (series.astype("datetime64[s]") - pd.Timestamp(origin).as_unit("s")) / pd.Timedelta(1, unit=unit)
            out.isetitem(i, since.astype(float))
            days.append(column)
    return out, days


def measure(series: pd.Series, name: str) -> str:
    """SPSS's measure level of a column as :func:`coded` writes it: ordinal for a timepoint or an
    ordered category, nominal for other categories, yes/no and text, scale for numbers and dates."""
    if name in ORDINAL or (isinstance(series.dtype, pd.CategoricalDtype) and series.dtype.ordered):
        return "ordinal"
    if isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(series):
        return "nominal"
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return "scale"
    return "nominal"


def whole(series: pd.Series) -> bool:
    """Whether a column is held as whole numbers: codes, yes/no, counts, or numbers with no fraction."""
    if isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(series):
        return True
    if not pd.api.types.is_numeric_dtype(series):
        return False
    values = pd.to_numeric(series, errors="coerce").dropna().astype(float)
    return bool((values == values.round()).all())
