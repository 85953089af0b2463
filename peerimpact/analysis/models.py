"""Change over time from all available data: a linear mixed model per outcome.

The paired tests of :mod:`peerimpact.analysis.stats` use complete pairs only, so everyone with a
missing timepoint drops out of a comparison. A linear mixed model with a random intercept per
participant uses every score a participant has, and is the sensitivity analysis a reviewer asks
for beside them, fitted by REML (:mod:`peerimpact.analysis.reml`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from .descriptive import in_study_order
from .reml import fit_random_intercept
from .stats import CONFIDENCE, adjust_p, adjustment

MODEL_COLUMNS = [
    "instrument",
    "subscale",
    "reference",
    "timepoint",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p",
    "n_people",
    "n_obs",
    "converged",
    "warning",
    "note",
    "p_adjusted",
]

ID = "participant_id"


def _timepoints(scores: pd.DataFrame) -> list[str]:
    """The timepoints in the study's order: the category order when there is one."""
    column = scores["timepoint"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(t) for t in column.cat.categories]
    return [str(t) for t in dict.fromkeys(column.dropna())]


def _comparisons(comparisons: Iterable[tuple[str, str]] | None, timepoints: Sequence[str]) -> list[tuple[str, str]]:
    if comparisons is None:
        return [(timepoints[0], later) for later in timepoints[1:]]
    out = []
    for pair in comparisons:
        if isinstance(pair, str) or len(pair) != 2:
            raise ValueError(f"a comparison is a pair of timepoints such as ('T1', 'T3'), not {pair!r}")
        unknown = [t for t in pair if t not in timepoints]
        if unknown:
            raise ValueError(f"unknown timepoint {unknown[0]!r} in {pair!r}; timepoints are {', '.join(timepoints)}")
        out.append((str(pair[0]), str(pair[1])))
    return out


def _covariate_columns(frame: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """Fixed-effect columns of the covariates: a number as it is, anything else as treatment-coded
    indicators (its first level the reference); an indicator that does not vary is left out, since
    the intercept already holds it (a cohort of one site)."""
    parts = []
    for name in covariates:
        values = frame[name]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            parts.append(values.astype(float).rename(f"cov:{name}"))
            continue
        levels = values.astype(str)
        order = (
            [str(c) for c in values.cat.categories if str(c) in set(levels)]
            if isinstance(values.dtype, pd.CategoricalDtype)
            else sorted(set(levels))
        )
        for level in order[1:]:
            parts.append((levels == level).astype(float).rename(f"cov:{name}={level}"))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)


def _fit(
    data: pd.DataFrame, later: list[str], covariates: Sequence[str]
) -> tuple[pd.Series, pd.DataFrame, bool, list[str]]:
    """REML fit of score on timepoint indicators (the first timepoint the reference) and the
    covariates, with a random intercept per participant
    (:func:`~peerimpact.analysis.reml.fit_random_intercept`): the fixed effects, their covariance
    (the generalised least squares one at the REML variances, (Σ Xᵢ' Vᵢ⁻¹ Xᵢ)⁻¹ with
    Vᵢ = σ²I + τ²J, as R's lme4 reports it), whether the fit converged and what it said.
    """
    exog = pd.DataFrame({"Intercept": 1.0}, index=data.index)
    for t in later:
        exog[t] = (data["timepoint"].astype(str) == t).astype(float)
    exog = pd.concat([exog, _covariate_columns(data, covariates)], axis=1)
    exog = exog.loc[:, (exog != exog.iloc[0]).any() | (exog.columns == "Intercept")]
    fit = fit_random_intercept(data["score"].to_numpy(float), exog.to_numpy(float), data[ID].astype(str).to_numpy())
    cov = pd.DataFrame(fit.cov, index=exog.columns, columns=exog.columns)
    return pd.Series(fit.params, index=exog.columns), cov, fit.converged, list(fit.messages)


def mixed_models(
    tidy: pd.DataFrame,
    comparisons: Iterable[tuple[str, str]] | None = None,
    *,
    covariates: Iterable[str] = (),
    adjust: bool | str = "none",
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Change of every instrument and subscale over time, from every score a participant has.

    For each instrument and subscale, a linear mixed model of ``score`` on ``timepoint``
    (treatment-coded, the first timepoint the reference) with a random intercept per participant,
    fitted by REML (:func:`~peerimpact.analysis.reml.fit_random_intercept`), as R's
    ``lmer(score ~ timepoint + (1 | id))``.

    Parameters
    ----------
    tidy : DataFrame
        ``Study.tidy()`` or ``Study.scores``: ``participant_id, timepoint, instrument, subscale,
        score``, and the covariates' columns. Missing scores are left out, never imputed.
    comparisons : list of (earlier, later), optional
        The contrasts reported; by default the first timepoint against each later one. A pair
        not starting at the first timepoint is the difference of the two fitted coefficients.
    covariates : iterable of str
        Participant columns added as fixed effects (``["site"]``); a number enters as it is,
        anything else as indicators of its levels. Rows missing one are left out.
    adjust : {"none", "holm", "fdr_bh"}
        How ``p_adjusted`` adjusts ``p`` across the table's tests (``none``: equal to ``p``).
    confidence : float
        Level of the Wald interval.

    Returns
    -------
    DataFrame
        One row per instrument, subscale and comparison: ``instrument, subscale, reference,
        timepoint, estimate`` (later − reference: a rise is positive, the opposite of Table 4's
        ``change``), ``se`` (as lme4 reports it), ``ci_low, ci_high, p`` (Wald z; lmerTest's
        Satterthwaite t is a little wider in small samples),
        ``n_people, n_obs`` (participants and scores in the model), ``converged``, ``warning``
        (what is to be said of the fit: a singular fit, or one that did not converge), ``note``
        (why a model was not fitted) and ``p_adjusted``. ``attrs["tests"]`` is the number of
        p values the adjustment ran across, ``attrs["adjust"]`` the adjustment.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"participant_id": list("abcdabcdabc"),
    ...                        "timepoint": ["T1"] * 4 + ["T2"] * 4 + ["T3"] * 3,
    ...                        "instrument": "wemwbs", "subscale": "total",
    ...                        "score": [50., 44, 61, 52, 47, 43, 55, 50, 45, 40, 56]})
    >>> mixed_models(scores)[["timepoint", "estimate", "n_people", "n_obs", "converged"]].round(3)
      timepoint  estimate  n_people  n_obs  converged
    0        T2    -3.000         4     11       True
    1        T3    -4.505         4     11       True
    """
    method = adjustment(adjust)
    covariates = list(covariates)
    missing = [c for c in covariates if c not in tidy.columns]
    if missing:
        raise KeyError(f"covariates name columns the scores do not have: {missing} (Study.tidy() has them)")
    timepoints = _timepoints(tidy)
    pairs = _comparisons(comparisons, timepoints) if timepoints else []
    valid = in_study_order(tidy.dropna(subset=["score", *covariates]))
    z = scipy_stats.norm.ppf(0.5 + confidence / 2)
    rows = []
    for (instrument, subscale), data in valid.groupby(["instrument", "subscale"], observed=True, sort=False):
        data = data.reset_index(drop=True)
        present = [t for t in timepoints if (data["timepoint"].astype(str) == t).any()]
        people = int(data[ID].nunique())
        base = {"instrument": str(instrument), "subscale": str(subscale), "n_people": people, "n_obs": len(data)}
        fitted: tuple[pd.Series, pd.DataFrame] | None = None
        converged, note = False, None
        messages: list[str] = []
        if len(present) < 2 or people < 2:
            note = "scores at fewer than two timepoints" if len(present) < 2 else "fewer than 2 participants"
        else:
            try:
                params, cov, converged, messages = _fit(data, present[1:], covariates)
                fitted = (params, cov)
            except (np.linalg.LinAlgError, ValueError) as error:
                note = f"the model could not be fitted: {error}"
        for first, later in pairs:
            row = dict(base, reference=first, timepoint=later, converged=converged, warning="; ".join(messages))
            row.update(estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan, p=np.nan, note=note)
            if fitted is not None and first in present and later in present:
                row.update(_contrast(*fitted, present[0], first, later, z))
            elif fitted is not None:
                row["note"] = "no scores at " + " or ".join(t for t in (first, later) if t not in present)
            rows.append(row)
    out = pd.DataFrame(rows, columns=MODEL_COLUMNS)
    out["converged"] = out["converged"].astype(bool)
    out["p_adjusted"] = out["p"] if method == "none" else adjust_p(out["p"], method)
    out.attrs["tests"] = int(out["p"].notna().sum())
    out.attrs["adjust"] = method
    return out


def _contrast(params: pd.Series, cov: pd.DataFrame, reference: str, first: str, later: str, z: float) -> dict:
    """later − first from the fitted coefficients (each a difference from ``reference``), with its
    Wald interval and p."""
    weights = pd.Series(0.0, index=params.index)
    for t, sign in ((later, 1.0), (first, -1.0)):
        if t != reference:
            weights[t] += sign
    estimate = float(weights @ params)
    se = float(np.sqrt(weights @ cov @ weights))
    p = float(2 * scipy_stats.norm.sf(abs(estimate / se))) if se > 0 else np.nan
    return {"estimate": estimate, "se": se, "ci_low": estimate - z * se, "ci_high": estimate + z * se, "p": p}
