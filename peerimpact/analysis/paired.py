"""The paired tests, by R's conventions: the paired t-test with the paper's effect size and d_z,
and the Wilcoxon signed-rank test of the differences as recorded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from ..text import plural


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
    return bool(spread == 0 or spread < _R_CONSTANT * abs(centre))


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
