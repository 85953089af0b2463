"""Descriptive and inferential statistics: tidy DataFrames in, tidy DataFrames out."""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd

DESCRIBE_COLUMNS = ["variable", "level", "n", "count", "percent", "mean", "sd", "min", "max"]


def _is_categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def describe(frame: pd.DataFrame, columns: Iterable[str] | None = None, *,
             categorical: Iterable[str] = ()) -> pd.DataFrame:
    """Summarise columns the way a paper's sample table does.

    Parameters
    ----------
    frame : DataFrame
        One row per unit (e.g. participant).
    columns : list of str, optional
        Columns to describe, in order; default all.
    categorical : list of str, optional
        Numeric columns to treat as categorical. Text, category and boolean columns
        are always categorical.

    Returns
    -------
    DataFrame
        ``variable, level, n, count, percent, mean, sd, min, max``. A categorical
        column gives one row per level (every level of a ``category`` dtype, observed
        levels otherwise; a yes/no column gives its "yes" row) with ``n`` the number of
        non-missing values and ``percent`` = count / n × 100. A continuous column gives
        one row with ``n`` non-missing, mean, SD (n − 1 denominator), min and max.

    Examples
    --------
    >>> import pandas as pd
    >>> from peerimpact.stats import describe
    >>> df = pd.DataFrame({"age": [30, 40, None], "sex": ["F", "M", "F"]})
    >>> describe(df)[["variable", "level", "n", "count", "mean", "sd"]]
      variable level  n  count  mean        sd
    0      age   NaN  2   <NA>  35.0  7.071068
    1      sex     F  3      2   NaN       NaN
    2      sex     M  3      1   NaN       NaN
    """
    columns = list(frame.columns if columns is None else columns)
    forced = set(categorical)
    rows: list[dict] = []
    for column in columns:
        series = frame[column]
        if column in forced or _is_categorical(series):
            rows.extend(_describe_levels(column, series))
        else:
            values = pd.to_numeric(series, errors="coerce").dropna().astype(float)
            n = len(values)
            rows.append({
                "variable": column, "level": pd.NA, "n": n, "count": pd.NA, "percent": np.nan,
                "mean": values.mean() if n else np.nan,
                "sd": values.std(ddof=1) if n > 1 else np.nan,
                "min": values.min() if n else np.nan,
                "max": values.max() if n else np.nan,
            })
    out = pd.DataFrame(rows, columns=DESCRIBE_COLUMNS)
    out["n"] = out["n"].astype("Int64")
    out["count"] = out["count"].astype("Int64")
    for col in ("percent", "mean", "sd", "min", "max"):
        out[col] = out[col].astype(float)
    return out


def _describe_levels(column: str, series: pd.Series) -> list[dict]:
    present = series.dropna()
    n = len(present)
    if pd.api.types.is_bool_dtype(series):
        counts = {"yes": int(present.astype(bool).sum())}
    elif isinstance(series.dtype, pd.CategoricalDtype):
        counts = present.value_counts(sort=False).reindex(series.cat.categories, fill_value=0).to_dict()
    else:
        counts = present.astype(str).value_counts(sort=False).to_dict()
    return [{"variable": column, "level": str(level), "n": n, "count": int(count),
             "percent": 100.0 * count / n if n else np.nan,
             "mean": np.nan, "sd": np.nan, "min": np.nan, "max": np.nan}
            for level, count in counts.items()]


def contact_summary(contacts: pd.DataFrame) -> pd.DataFrame:
    """Per peer worker with any contact record: people supported and completed face-to-face contacts.

    >>> import pandas as pd
    >>> log = pd.DataFrame({"participant_id": ["A", "A", "A"], "person_id": ["p1", "p2", "p1"],
    ...                     "mode": ["face_to_face", "telephone", "face_to_face"],
    ...                     "completed": [True, True, False]})
    >>> contact_summary(log)
      participant_id  number_of_peers  completed_face_to_face_contacts
    0              A                2                                1
    """
    columns = ["participant_id", "number_of_peers", "completed_face_to_face_contacts"]
    if contacts.empty:
        return pd.DataFrame(columns=columns)
    f2f = (contacts["mode"].astype(str) == "face_to_face") & contacts["completed"].fillna(False).astype(bool)
    grouped = contacts.assign(_f2f=f2f).groupby("participant_id", sort=True)
    out = pd.DataFrame({
        "number_of_peers": grouped["person_id"].nunique(),
        "completed_face_to_face_contacts": grouped["_f2f"].sum().astype(int),
    }).reset_index()
    return out[columns]


def label_levels(table: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """Replace variable names with display labels (unknown names are kept)."""
    return table.assign(variable=table["variable"].map(lambda v: labels.get(v, v)))
