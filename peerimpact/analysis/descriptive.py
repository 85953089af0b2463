"""Descriptive statistics, tidy DataFrames in and out: a sample described as a paper's sample
table does, each peer worker's contact log summarised, and every outcome's n, mean, SD and range
at each timepoint beside its norm; with the study's order of rows and the grouping by participant
attributes that the paired tests (:mod:`peerimpact.analysis.stats`) use too."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

DESCRIBE_COLUMNS = ["variable", "level", "n", "count", "percent", "mean", "sd", "min", "max"]


def _is_categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def describe(
    frame: pd.DataFrame, columns: Iterable[str] | None = None, *, categorical: Iterable[str] = ()
) -> pd.DataFrame:
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
        non-missing values and ``percent`` = count / n × 100; a categorical column with no
        value at all gives one row with ``n`` = 0 and no level. A continuous column gives
        one row with ``n`` non-missing, mean, SD (n − 1 denominator), min and max.

    Examples
    --------
    >>> import pandas as pd
    >>> from peerimpact.analysis.descriptive import describe
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
            rows.append(
                {
                    "variable": column,
                    "level": pd.NA,
                    "n": n,
                    "count": pd.NA,
                    "percent": np.nan,
                    "mean": values.mean() if n else np.nan,
                    "sd": values.std(ddof=1) if n > 1 else np.nan,
                    "min": values.min() if n else np.nan,
                    "max": values.max() if n else np.nan,
                }
            )
    out = pd.DataFrame(rows, columns=DESCRIBE_COLUMNS)
    out["n"] = out["n"].astype("Int64")
    out["count"] = out["count"].astype("Int64")
    for col in ("percent", "mean", "sd", "min", "max"):
        out[col] = out[col].astype(float)
    return out


def _describe_levels(column: str, series: pd.Series) -> list[dict]:
    present = series.dropna()
    n = len(present)
    if n == 0:  # nothing known: one row, not a zero for every level
        return [
            {
                "variable": column,
                "level": pd.NA,
                "n": 0,
                "count": pd.NA,
                "percent": np.nan,
                "mean": np.nan,
                "sd": np.nan,
                "min": np.nan,
                "max": np.nan,
            }
        ]
    if pd.api.types.is_bool_dtype(series):
        counts = {"yes": int(present.astype(bool).sum())}
    elif isinstance(series.dtype, pd.CategoricalDtype):
        counts = present.value_counts(sort=False).reindex(series.cat.categories, fill_value=0).to_dict()
    else:
        counts = present.astype(str).value_counts(sort=False).to_dict()
    return [
        {
            "variable": column,
            "level": str(level),
            "n": n,
            "count": int(count),
            "percent": 100.0 * count / n if n else np.nan,
            "mean": np.nan,
            "sd": np.nan,
            "min": np.nan,
            "max": np.nan,
        }
        for level, count in counts.items()
    ]


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
    out = pd.DataFrame(
        {
            "number_of_peers": grouped["person_id"].nunique(),
            "completed_face_to_face_contacts": grouped["_f2f"].sum().astype(int),
        }
    ).reset_index()
    return out[columns]


# --------------------------------------------------------------------------- outcomes over time


def per_group(
    scores: pd.DataFrame, by: str | Iterable[str] | None, compute: Callable[..., pd.DataFrame], **kwargs
) -> pd.DataFrame:
    """``compute(scores)`` for each group of ``by`` (a column or columns, such as the participant
    attributes of ``Study.tidy()``), the group's values in front; groups in category order."""
    if by is None:
        return compute(scores, **kwargs)
    keys = [by] if isinstance(by, str) else list(by)
    missing = [k for k in keys if k not in scores.columns]
    if missing:
        raise KeyError(
            f"by= names columns the scores do not have: {missing} (Study.tidy() joins the participants' attributes)"
        )
    parts = []
    for values, part in scores.groupby(keys, observed=True, sort=True, dropna=True):
        out = compute(part, **kwargs)
        for key, value in reversed(list(zip(keys, values if isinstance(values, tuple) else (values,)))):
            out.insert(0, key, value)
        parts.append(out)
    if not parts:
        empty = compute(scores.iloc[0:0], **kwargs)
        for key in reversed(keys):
            empty.insert(0, key, pd.Series(dtype=object))
        return empty
    return pd.concat(parts, ignore_index=True)


SUMMARY_COLUMNS = [
    "instrument",
    "subscale",
    "timepoint",
    "n",
    "mean",
    "sd",
    "se",
    "ci_low",
    "ci_high",
    "median",
    "q1",
    "q3",
    "min",
    "max",
]


def summarise_scores(
    scores: pd.DataFrame, by: str | Iterable[str] | None = None, *, confidence: float = 0.95
) -> pd.DataFrame:
    """Descriptive statistics of every instrument, subscale and timepoint.

    Parameters
    ----------
    scores : DataFrame
        ``instrument, subscale, timepoint, score`` (``Study.scores`` or ``Study.tidy()``), and
        the columns ``by`` names.
    by : str or list of str, optional
        Columns (such as ``"contract_type"`` of ``Study.tidy()``) whose groups are summarised
        each on their own, their values in front.
    confidence : float
        Level of the interval of the mean.

    Returns
    -------
    DataFrame
        ``instrument, subscale, timepoint, n, mean, sd`` (n − 1), ``se`` (sd ÷ √n),
        ``ci_low, ci_high`` (the mean ± t(n − 1) × se, as R's ``t.test(x)$conf.int``),
        ``median, q1, q3`` (quartiles by linear interpolation: numpy's default, R's
        ``quantile(x, type = 7)``), ``min, max``. With one score the SD, SE and interval are
        NaN. Rows follow the categories' order when those columns are categorical.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"instrument": "wemwbs", "subscale": "total", "timepoint": ["T1", "T1", "T1", "T2"],
    ...                        "score": [40.0, 50.0, 47.0, 47.0]})
    >>> summarise_scores(scores)[["timepoint", "n", "mean", "sd", "se", "median", "q1", "q3"]].round(3)
      timepoint  n    mean     sd     se  median    q1    q3
    0        T1  3  45.667  5.132  2.963    47.0  43.5  48.5
    1        T2  1  47.000    NaN    NaN    47.0  47.0  47.0
    >>> summarise_scores(scores)[["ci_low", "ci_high"]].round(2).iloc[0].tolist()
    [32.92, 58.41]
    >>> summarise_scores(scores.assign(site=["A", "B", "A", "A"]), by="site")[["site", "timepoint", "n", "mean"]]
      site timepoint  n  mean
    0    A        T1  2  43.5
    1    A        T2  1  47.0
    2    B        T1  1  50.0
    """
    return per_group(scores, by, _summarise, confidence=confidence)


def _summarise(scores: pd.DataFrame, *, confidence: float) -> pd.DataFrame:
    from scipy import stats as scipy_stats

    valid = scores.dropna(subset=["score"])
    if valid.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    grouped = valid.groupby(["instrument", "subscale", "timepoint"], observed=True, sort=False)["score"]
    out = grouped.agg(
        n="count",
        mean="mean",
        sd="std",
        median="median",
        q1=lambda s: s.quantile(0.25),
        q3=lambda s: s.quantile(0.75),
        min="min",
        max="max",
    ).reset_index()
    out = in_study_order(out)
    n = out["n"].astype(float)
    out["se"] = out["sd"] / np.sqrt(n)
    crit = scipy_stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
    out["ci_low"], out["ci_high"] = out["mean"] - crit * out["se"], out["mean"] + crit * out["se"]
    for column in ("instrument", "subscale", "timepoint"):
        out[column] = out[column].astype(str)  # merge and compare as text; the order is already set
    return out[SUMMARY_COLUMNS].reset_index(drop=True)


def drop_unused_categories(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """``frame`` with only the categories its rows use, in each categorical column (or ``columns``).

    After filtering ``Study.tidy()`` a category column keeps every level of the study, which makes
    a model's design singular (``C(subscale)`` with levels no row has); orders and orderedness stay.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"subscale": pd.Categorical(["a", "b"], categories=["a", "b", "c"])})
    >>> list(drop_unused_categories(frame[frame["subscale"] == "a"])["subscale"].cat.categories)
    ['a']
    """
    out = frame.copy()
    for column in out.columns if columns is None else columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].cat.remove_unused_categories()
    return out


def compare_to_norms(summary: pd.DataFrame, norms: pd.DataFrame) -> pd.DataFrame:
    """Add each subscale's norm and the distance from it.

    Parameters
    ----------
    summary : DataFrame
        ``instrument, subscale, timepoint, n, mean, sd, …`` (see :func:`summarise_scores`).
    norms : DataFrame
        ``instrument, subscale, norm_mean, norm_sd`` (see :meth:`peerimpact.config.NormsConfig.to_frame`).

    Returns
    -------
    DataFrame
        ``summary`` with ``norm_mean, norm_sd, difference`` (mean − norm mean) and
        ``std_difference`` (difference ÷ norm SD). Comparison is by inspection, as in
        the paper: no test is made against a norm.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"instrument": ["wemwbs"], "subscale": ["total"], "timepoint": ["T1"],
    ...                   "n": [32], "mean": [49.8], "sd": [9.07]})
    >>> n = pd.DataFrame({"instrument": ["wemwbs"], "subscale": ["total"], "norm_mean": [51.6], "norm_sd": [8.71]})
    >>> compare_to_norms(s, n)[["difference", "std_difference"]].round(3)
       difference  std_difference
    0        -1.8          -0.207
    """
    out = summary.merge(
        norms[["instrument", "subscale", "norm_mean", "norm_sd"]], on=["instrument", "subscale"], how="left"
    )
    out["difference"] = out["mean"] - out["norm_mean"]
    out["std_difference"] = out["difference"] / out["norm_sd"]
    return out


def in_study_order(frame: pd.DataFrame, keys: Iterable[str] = ("instrument", "subscale", "timepoint")) -> pd.DataFrame:
    """Rows sorted by those of ``keys`` that are categorical, in category order (a stable sort).

    ``Study.scores`` and an extract's scores carry the study's order of instruments,
    subscales and timepoints as categories, so every table and figure lists them the
    same way whatever order the rows came in.
    """
    ordered = [k for k in keys if k in frame and isinstance(frame[k].dtype, pd.CategoricalDtype)]
    return frame.sort_values(ordered, kind="stable") if ordered else frame
