"""Descriptive and inferential statistics: tidy DataFrames in, tidy DataFrames out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from ..text import plural

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


def _grouped(scores: pd.DataFrame, by: str | Iterable[str] | None, compute, **kwargs) -> pd.DataFrame:
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


def summarise_scores(scores: pd.DataFrame, by: str | Iterable[str] | None = None) -> pd.DataFrame:
    """n, mean, SD (n − 1), min and max of every instrument, subscale and timepoint; with ``by``,
    of each group of those columns (``by="contract_type"`` on ``Study.tidy()``), in front.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"instrument": "wemwbs", "subscale": "total", "timepoint": ["T1", "T1", "T2"],
    ...                        "score": [40.0, 50.0, 47.0]})
    >>> summarise_scores(scores)
      instrument subscale timepoint  n  mean        sd   min   max
    0     wemwbs    total        T1  2  45.0  7.071068  40.0  50.0
    1     wemwbs    total        T2  1  47.0       NaN  47.0  47.0
    >>> summarise_scores(scores.assign(site=["A", "B", "A"]), by="site")[["site", "timepoint", "n", "mean"]]
      site timepoint  n  mean
    0    A        T1  1  40.0
    1    A        T2  1  47.0
    2    B        T1  1  50.0
    """
    return _grouped(scores, by, _summarise)


def _summarise(scores: pd.DataFrame) -> pd.DataFrame:
    columns = ["instrument", "subscale", "timepoint", "n", "mean", "sd", "min", "max"]
    valid = scores.dropna(subset=["score"])
    if valid.empty:
        return pd.DataFrame(columns=columns)
    grouped = valid.groupby(["instrument", "subscale", "timepoint"], observed=True, sort=False)["score"]
    out = in_study_order(grouped.agg(n="count", mean="mean", sd="std", min="min", max="max").reset_index())
    for column in ("instrument", "subscale", "timepoint"):
        out[column] = out[column].astype(str)  # merge and compare as text; the order is already set
    return out[columns].reset_index(drop=True)


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


@dataclass(frozen=True)
class PairedTest:
    """The result of :func:`paired_ttest`; also readable as a mapping (``result["p"]``)."""

    n: int
    mean_x: float
    mean_y: float
    mean_diff: float
    sd_diff: float
    se_diff: float
    t: float
    df: float
    p: float
    ci_low: float
    ci_high: float
    es_baseline_sd: float
    d_z: float
    p_wilcoxon: float
    estimable: bool
    reason: str | None = None

    def __getitem__(self, key: str):
        return getattr(self, key)

    def keys(self) -> list[str]:
        return [f.name for f in fields(self)]

    def as_dict(self) -> dict:
        return {k: self[k] for k in self.keys()}


def _complete_pairs(x, y) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(x, pd.Series) and isinstance(y, pd.Series):
        if x.index.has_duplicates or y.index.has_duplicates:
            raise ValueError("x and y must have one value per participant (duplicate index labels)")
        x, y = x.align(y, join="outer")
    x = np.asarray(pd.to_numeric(pd.Series(np.asarray(x, dtype=object)), errors="coerce"), dtype=float)
    y = np.asarray(pd.to_numeric(pd.Series(np.asarray(y, dtype=object)), errors="coerce"), dtype=float)
    if x.shape != y.shape:
        raise ValueError(
            f"x and y differ in length ({len(x)} and {len(y)}): pass Series indexed by participant, "
            "or arrays of equal length with NaN where a value is missing"
        )
    keep = ~np.isnan(x) & ~np.isnan(y)
    return x[keep], y[keep]


# R's t.test refuses data whose standard error is below this many machine epsilons times
# the mean ("data are essentially constant"); the same rule guards the baseline SD of the ES.
_R_CONSTANT = 10 * np.finfo(float).eps


def _essentially_constant(spread: float, centre: float) -> bool:
    """R's rule: a spread below 10 × machine epsilon × |centre| is rounding error, not variation.

    An exact zero spread counts too (R would go on to divide zero by zero).
    """
    return spread == 0 or spread < _R_CONSTANT * abs(centre)


def _as_recorded(diff: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Differences as the data hold them, with the zeros and ties that rounding hid restored.

    Scores are sums or means of whole-number items, so ``(0.1 + 0.2) - 0.3`` is a zero and
    ``4.2 - 3.6`` ties with ``3.8 - 3.2``, though neither holds in floating point. A difference
    below R's tolerance for its pair's magnitude is zero; the rest are compared at 10
    significant digits.
    """
    cleaned = np.array([float(f"{d:.10g}") for d in diff])
    cleaned[np.abs(diff) < _R_CONSTANT * scale] = 0.0
    return cleaned


# Conventions the tests follow (and the Methods section states): the level of a confidence interval, and
# the number of differences below which the signed-rank p is exact (as R's wilcox.test).
CONFIDENCE = 0.95
WILCOXON_EXACT_BELOW = 50


def wilcoxon_p(diff: Iterable[float]) -> float:
    """Two-sided p of the Wilcoxon signed-rank test of paired differences, by R's conventions.

    Zero differences are dropped; the p is exact for fewer than 50 differences with no ties
    and no zeros, otherwise from the normal approximation with continuity correction
    (R's ``wilcox.test(x, y, paired = TRUE)``). NaN when no difference is left.

    >>> round(wilcoxon_p([1.1, 0.4, -0.7, 1.8, 0.8, 0.9, 1.4, -0.3]), 7)
    0.0546875
    """
    d = np.asarray(diff, dtype=float)
    zeros = d == 0
    d = d[~zeros]
    if len(d) == 0:
        return float("nan")
    ties = len(np.unique(np.abs(d))) < len(d)
    exact = len(d) < WILCOXON_EXACT_BELOW and not ties and not zeros.any()
    result = scipy_stats.wilcoxon(d, zero_method="wilcox", correction=not exact, method="exact" if exact else "approx")
    return float(result.pvalue)


def paired_ttest(x, y, *, confidence: float = CONFIDENCE) -> PairedTest:
    """Paired t-test of x − y on complete pairs, with the paper's effect size and d_z.

    Parameters
    ----------
    x, y : Series or array-like
        Series are aligned by index (participant); arrays must have equal length with NaN
        for a missing value. Only pairs with both values are used, and ``n`` says how many.
    confidence : float
        Level of the confidence interval of the mean difference.

    Returns
    -------
    PairedTest
        ``n, mean_x, mean_y, mean_diff`` (x − y, as R's ``t.test(x, y, paired = TRUE)``),
        ``sd_diff, se_diff, t, df, p`` (two-sided), ``ci_low, ci_high``,
        ``es_baseline_sd`` (mean_diff ÷ SD of x among the complete pairs: the paper's ES),
        ``d_z`` (mean_diff ÷ sd_diff), ``p_wilcoxon`` (:func:`wilcoxon_p` of the
        differences as recorded: a sensitivity check), ``estimable`` and ``reason``.

        Fewer than 2 pairs, or differences that are essentially constant by R's rule
        (standard error < 10 × machine epsilon × |mean difference|, where ``t.test`` stops
        with "data are essentially constant"), give ``estimable = False`` and a reason
        instead of an exception or an absurd t. The ES is left undefined by the same rule
        when the baseline scores do not vary.

    Examples
    --------
    R's ``sleep`` data (extra sleep, drug 1 and drug 2, paired by patient):

    >>> drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    >>> drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    >>> r = paired_ttest(drug1, drug2)
    >>> round(r.t, 4), r.df, round(r.p, 6), round(r.ci_low, 7), round(r.ci_high, 7)
    (-4.0621, 9.0, 0.002833, -2.4598858, -0.7001142)

    Differences equal up to rounding are not a test R would run:

    >>> r = paired_ttest([3.8, 4.2], [3.2, 3.6])
    >>> r.estimable, r.reason
    (False, 'the differences are essentially constant, so t is undefined')
    """
    a, b = _complete_pairs(x, y)
    n = len(a)
    diff = a - b
    nan = float("nan")
    mean_x = float(a.mean()) if n else nan
    mean_y = float(b.mean()) if n else nan
    mean_diff = float(diff.mean()) if n else nan
    if n < 2:
        return PairedTest(
            n,
            mean_x,
            mean_y,
            mean_diff,
            nan,
            nan,
            nan,
            nan,
            nan,
            nan,
            nan,
            nan,
            nan,
            nan,
            False,
            f"{plural(n, 'complete pair')}: at least 2 are needed",
        )
    sd_diff = float(diff.std(ddof=1))
    se = sd_diff / np.sqrt(n)
    sd_x = float(a.std(ddof=1))
    baseline_varies = not _essentially_constant(sd_x, mean_x)
    es = mean_diff / sd_x if baseline_varies else nan
    if _essentially_constant(se, mean_diff):
        return PairedTest(
            n,
            mean_x,
            mean_y,
            mean_diff,
            sd_diff,
            float(se),
            nan,
            float(n - 1),
            nan,
            nan,
            nan,
            es,
            nan,
            nan,
            False,
            "the differences are essentially constant, so t is undefined",
        )
    # R's t.test, step for step: stderr <- sqrt(v/n); t <- mean/stderr; p <- 2 * pt(-abs(t), n - 1).
    t = mean_diff / np.sqrt(float(diff.var(ddof=1)) / n)
    p = float(2 * scipy_stats.t.cdf(-abs(t), n - 1))
    crit = scipy_stats.t.ppf(0.5 + confidence / 2, n - 1)
    p_w = wilcoxon_p(_as_recorded(diff, np.maximum(np.abs(a), np.abs(b))))
    return PairedTest(
        n=n,
        mean_x=mean_x,
        mean_y=mean_y,
        mean_diff=mean_diff,
        sd_diff=sd_diff,
        se_diff=float(se),
        t=float(t),
        df=float(n - 1),
        p=p,
        ci_low=float(mean_diff - crit * se),
        ci_high=float(mean_diff + crit * se),
        es_baseline_sd=es,
        d_z=mean_diff / sd_diff,
        p_wilcoxon=p_w,
        estimable=True,
        reason=None if baseline_varies else "no variation at baseline, so the ES is undefined",
    )


# How Table 4's p values may be adjusted across its tests, and the column each adds (``none`` adds none).
ADJUSTED_COLUMNS = {"holm": "p_holm", "fdr_bh": "p_fdr_bh"}


def adjust_p(p: Iterable[float], method: str) -> np.ndarray:
    """p values adjusted across a family of tests, by pingouin's ``multicomp``.

    Parameters
    ----------
    p : array-like of float
        One p value per test; NaN (no test made) stays NaN and is not counted in the family.
    method : {"holm", "fdr_bh"}
        Holm's step-down adjustment (family-wise error), or Benjamini and Hochberg's false
        discovery rate; R's ``p.adjust(p, "holm")`` and ``p.adjust(p, "BH")``.

    Returns
    -------
    ndarray
        The adjusted p values, in the order given.

    Examples
    --------
    >>> adjust_p([0.01, 0.04, 0.03, float("nan")], "fdr_bh").round(3)
    array([0.03, 0.04, 0.04,  nan])
    """
    import pingouin

    if method not in ADJUSTED_COLUMNS:
        raise ValueError(f"unknown adjustment {method!r}; adjustments are {', '.join(ADJUSTED_COLUMNS)}")
    values = np.asarray(list(p), dtype=float)
    out = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    if ok.any():
        out[ok] = pingouin.multicomp(values[ok], method=method)[1]
    return out


def holm(p: Iterable[float]) -> np.ndarray:
    """Holm-adjusted p values (NaN stays NaN and does not count towards the family).

    >>> holm([0.01, 0.04, 0.03, float("nan")]).round(3)
    array([0.03, 0.06, 0.06,  nan])
    """
    return adjust_p(p, "holm")


def adjustment(adjust: bool | str | None) -> str:
    """The adjustment ``adjust`` names: ``none``, ``holm`` or ``fdr_bh`` (True is ``holm``, as before
    adjustments were named)."""
    method = "holm" if adjust is True else "none" if adjust in (False, None) else adjust
    if method != "none" and method not in ADJUSTED_COLUMNS:
        raise ValueError(f"unknown adjustment {adjust!r}; adjustments are none, {', '.join(ADJUSTED_COLUMNS)}")
    return method


CHANGE_COLUMNS = [
    "instrument",
    "subscale",
    "comparison",
    "n",
    "change",
    "ci_low",
    "ci_high",
    "p",
    "es",
    "d_z",
    "p_wilcoxon",
    "estimable",
    "note",
]


def too_few_pairs(min_pairs: int) -> str:
    """The note of a comparison with fewer pairs than a report tests."""
    return f"fewer than {min_pairs} complete pairs: the mean change is shown without a test"


def change_over_time(
    scores: pd.DataFrame,
    comparisons: Iterable[tuple[str, str]],
    *,
    adjust: bool | str = "none",
    min_pairs: int = 2,
    by: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Paired change of every instrument and subscale for each ``(earlier, later)`` comparison.

    ``change`` is earlier − later, as the paper reports it (a positive change is a
    decrease). A comparison with fewer than ``min_pairs`` complete pairs keeps its ``n``
    and mean ``change`` but no interval, test or effect size (``estimable`` is False and
    ``note`` says why); 2 is the least a t-test needs. ``adjust`` (``none``, ``holm`` or
    ``fdr_bh``; True is ``holm``) adds ``p_holm`` or ``p_fdr_bh``: p adjusted across the tests of
    the whole table (:func:`adjust_p`), whose number the frame's ``attrs["tests"]`` keeps, so
    that a table of some of its rows can say across how many. Rows follow the order of the
    ``instrument``, ``subscale`` and ``timepoint`` categories when those columns are
    categorical (as in ``Study.scores``), else the order of first appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"participant_id": ["a", "b", "c", "a", "b", "c"],
    ...                        "timepoint": ["T1"] * 3 + ["T2"] * 3, "instrument": "wemwbs",
    ...                        "subscale": "total", "score": [50.0, 44.0, 61.0, 45.0, 43.0, 55.0]})
    >>> change_over_time(scores, [("T1", "T2")])[["comparison", "n", "change", "p", "es"]].round(3)
      comparison  n  change     p     es
    0      T1-T2  3     4.0  0.12  0.464
    >>> change_over_time(scores, [("T1", "T2")], min_pairs=6)[["n", "change", "p", "note"]]
       n  change   p                                               note
    0  3     4.0 NaN  fewer than 6 complete pairs: the mean change i...

    With ``by``, each group of those columns is tested on its own (an adjustment, when
    asked for, runs within each group), the group's values in front.
    """
    if min_pairs < 2:
        raise ValueError("min_pairs must be at least 2: a t-test needs two pairs")
    return _grouped(scores, by, _change, comparisons=list(comparisons), adjust=adjustment(adjust), min_pairs=min_pairs)


def _change(scores: pd.DataFrame, *, comparisons: list[tuple[str, str]], adjust: str, min_pairs: int) -> pd.DataFrame:
    if min_pairs < 2:
        raise ValueError("min_pairs must be at least 2: a t-test needs two pairs")
    nan = float("nan")
    rows = []
    valid = in_study_order(scores.dropna(subset=["score"]))
    keys = valid[["instrument", "subscale"]].drop_duplicates().itertuples(index=False)
    # One pivot for every instrument and subscale: a pivot each cost more than their tests.
    pivot = valid.pivot_table(
        index=["instrument", "subscale", "participant_id"], columns="timepoint", values="score", observed=True
    )
    for instrument, subscale in keys:
        wide = pivot.loc[(instrument, subscale)].dropna(axis=1, how="all")
        for first, later in comparisons:
            x = wide[first] if first in wide else pd.Series(dtype=float)
            y = wide[later] if later in wide else pd.Series(dtype=float)
            r = paired_ttest(x, y)
            row = {
                "instrument": instrument,
                "subscale": subscale,
                "comparison": f"{first}-{later}",
                "n": r.n,
                "change": r.mean_diff,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "p": r.p,
                "es": r.es_baseline_sd,
                "d_z": r.d_z,
                "p_wilcoxon": r.p_wilcoxon,
                "estimable": r.estimable,
                "note": r.reason,
            }
            if r.n < min_pairs:
                row.update(
                    ci_low=nan,
                    ci_high=nan,
                    p=nan,
                    es=nan,
                    d_z=nan,
                    p_wilcoxon=nan,
                    estimable=False,
                    note=too_few_pairs(min_pairs) if r.n else "no complete pairs",
                )
            rows.append(row)
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    for column in ("instrument", "subscale"):
        out[column] = out[column].astype(str)
    if adjust != "none":
        out[ADJUSTED_COLUMNS[adjust]] = adjust_p(out["p"], adjust)
        out.attrs["tests"] = int(out["p"].notna().sum())  # the family the adjustment ran across
    return out


def in_study_order(frame: pd.DataFrame, keys: Iterable[str] = ("instrument", "subscale", "timepoint")) -> pd.DataFrame:
    """Rows sorted by those of ``keys`` that are categorical, in category order (a stable sort).

    ``Study.scores`` and an extract's scores carry the study's order of instruments,
    subscales and timepoints as categories, so every table and figure lists them the
    same way whatever order the rows came in.
    """
    ordered = [k for k in keys if k in frame and isinstance(frame[k].dtype, pd.CategoricalDtype)]
    return frame.sort_values(ordered, kind="stable") if ordered else frame
