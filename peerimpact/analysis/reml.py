"""A linear model with a random intercept per group, fitted by restricted maximum likelihood.

This is the model of R's ``lmer(y ~ x + (1 | group), REML = TRUE)`` and of statsmodels'
``MixedLM`` with its default random intercept. With one variance component the REML criterion
can be profiled, as lme4 profiles it: for a ratio λ = τ²/σ² of the between-group to the residual
variance, the fixed effects and σ² have closed forms, because each group's covariance
σ²(I + λJ) has the inverse (I − λ/(1 + nλ) J)/σ². The criterion is then a function of one
number, θ = √λ, minimised over a log grid and refined by bounded Brent. Every evaluation is a
handful of sums over groups, where a general optimiser over the variance parameters visits every
group in Python at every step: a model of 3,000 scores takes milliseconds rather than a second.
The tests check the estimates against lme4 and statsmodels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

# lme4's isSingular() tolerance on θ: a fit below it has a between-group variance of nought
SINGULAR = 1e-4
# residuals this small beside the scores are rounding: the fixed effects fit the scores exactly
_EXACT = 1e-20
_GRID = np.concatenate([[0.0], np.geomspace(1e-4, 1e4, 81)])
SINGULAR_FIT = "boundary (singular) fit: the variance between participants is estimated as 0"
NOT_CONVERGED = "the fit did not converge: the scores vary too little within participants to estimate the two variances"


@dataclass(frozen=True)
class RandomInterceptFit:
    """A fitted random-intercept model: the fixed effects ``params``, their covariance ``cov``
    (σ² (Σ Xᵢ'Wᵢ Xᵢ)⁻¹, the generalised least squares covariance at the REML variances, as lme4
    reports it), the residual variance ``sigma2``, the between-group variance ``tau2``, whether
    the criterion reached a minimum (``converged``) and what is to be said of the fit
    (``messages``)."""

    params: np.ndarray
    cov: np.ndarray
    sigma2: float
    tau2: float
    converged: bool
    messages: tuple[str, ...]


class _Profile:
    """The profiled REML criterion of y on x with a random intercept per group, as a function of θ."""

    def __init__(self, y: np.ndarray, x: np.ndarray, groups: np.ndarray) -> None:
        codes = np.unique(groups, return_inverse=True)[1].ravel()
        self.y, self.x, self.codes = y, x, codes
        self.sizes = np.bincount(codes).astype(float)
        self.x_sums = np.column_stack([np.bincount(codes, weights=col, minlength=len(self.sizes)) for col in x.T])
        self.xtx, self.xty = x.T @ x, x.T @ y
        self.y_sums = np.bincount(codes, weights=y, minlength=len(self.sizes))
        self.dof = len(y) - x.shape[1]
        if self.dof <= 0:
            raise ValueError(f"{len(y)} scores cannot estimate {x.shape[1]} fixed effects and a variance")

    def solve(self, theta: float) -> tuple[np.ndarray, np.ndarray, float, float]:
        """β, the Cholesky factor of X'WX, r'Wr and the criterion (−2 × REML log-likelihood, less constants)."""
        weight = theta**2 / (1 + self.sizes * theta**2)
        a = self.xtx - (self.x_sums * weight[:, None]).T @ self.x_sums
        b = self.xty - self.x_sums.T @ (weight * self.y_sums)
        factor = np.linalg.cholesky(a)  # LinAlgError where the fixed effects are collinear
        beta = np.linalg.solve(factor.T, np.linalg.solve(factor, b))
        r = self.y - self.x @ beta
        r_sums = np.bincount(self.codes, weights=r, minlength=len(self.sizes))
        rwr = float(r @ r - weight @ r_sums**2)
        if rwr <= 0:
            return beta, factor, rwr, -np.inf
        deviance = (
            self.dof * np.log(rwr / self.dof)
            + float(np.log1p(self.sizes * theta**2).sum())
            + 2 * float(np.log(np.diag(factor)).sum())
        )
        return beta, factor, rwr, deviance

    def criterion(self, theta: float) -> float:
        return self.solve(theta)[3]


def fit_random_intercept(y: np.ndarray, x: np.ndarray, groups: np.ndarray) -> RandomInterceptFit:
    """REML fit of ``y`` on the columns of ``x`` (the intercept among them) with a random intercept
    for each value of ``groups``.

    Parameters
    ----------
    y : array of float, one per observation
    x : 2-D array of float, the fixed effects' design, one row per observation
    groups : array, the group of each observation

    Returns
    -------
    RandomInterceptFit

    Raises
    ------
    numpy.linalg.LinAlgError
        The fixed effects are collinear.
    ValueError
        Fewer observations than fixed effects and a variance, or scores the fixed effects fit
        exactly.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([50., 44, 61, 52, 47, 43, 55, 50])
    >>> x = np.column_stack([np.ones(8), np.repeat([0., 1], 4)])
    >>> fit = fit_random_intercept(y, x, np.tile(list("abcd"), 2))
    >>> fit.params.round(3).tolist(), round(fit.tau2, 2), round(fit.sigma2, 2), fit.converged
    ([51.75, -3.0], 35.25, 2.33, True)
    """
    y, x, groups = np.asarray(y, float), np.asarray(x, float), np.asarray(groups)
    profile = _Profile(y, x, groups)
    if profile.solve(0.0)[2] <= _EXACT * float(y @ y):
        raise ValueError("the fixed effects fit every score exactly, so no variance is left to estimate")
    values = np.array([profile.criterion(t) for t in _GRID])
    best = int(np.argmin(values))
    converged, messages = True, []
    if best == len(_GRID) - 1 or not np.isfinite(values[best]):
        theta, converged, messages = float(_GRID[best]), False, [NOT_CONVERGED]
    else:
        low, high = _GRID[max(best - 1, 0)], _GRID[best + 1]
        found = optimize.minimize_scalar(
            profile.criterion, bounds=(low, high), method="bounded", options={"xatol": 1e-10 * max(1.0, high)}
        )
        theta, lowest = (float(found.x), found.fun) if found.fun < values[best] else (float(_GRID[best]), values[best])
        if values[0] <= lowest:  # the grid's first point is θ = 0
            theta = 0.0
        if theta < SINGULAR:
            messages.append(SINGULAR_FIT)
    beta, factor, rwr, _ = profile.solve(theta)
    sigma2 = max(rwr, 0.0) / profile.dof
    inverse = np.linalg.inv(factor)
    return RandomInterceptFit(
        params=beta,
        cov=sigma2 * inverse.T @ inverse,
        sigma2=sigma2,
        tau2=sigma2 * theta**2,
        converged=converged,
        messages=tuple(messages),
    )
