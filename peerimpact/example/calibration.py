"""Scores that reproduce published summary statistics: the search behind ``peerimpact synth --calibrate``.

A subscale's published figures (Table 3: n, mean, SD, minimum and maximum at each timepoint;
Table 4: pairs, mean change, its confidence interval, effect size and p) are met by choosing
one score per participant and timepoint on the subscale's own grid (whole sums, or item means
in steps of 1/k). The search has two stages: scipy's bounded
least squares on continuous scores, aimed at the centre of every printed figure, then a walk on
the grid (a step up or down for one score, or one up and another down) that stops as soon as
every figure prints as published. Items are made from the scores afterwards, so the study's own
scoring, missing-item rule and pairing produce the published tables.

The figures aimed at are :mod:`peerimpact.example.calibration_targets`; the walk scores its
moves through :mod:`peerimpact.example.calibration_figures`.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from .calibration_figures import FiguresOfSums, score_layout
from .calibration_targets import Impossible, Printed, SubscaleTarget, impossible

# Weight of the distance to the printed centres in the walk: enough to give it a direction where
# every figure already prints right but a step would make none worse.
GUIDE = 1e-3


def _on_grid(value: float, step: float, lo: float, hi: float) -> float:
    return float(min(max(round(value / step) * step, lo), hi))


def _extreme(printed: Printed, step: float, lo: float, hi: float) -> float:
    """The grid value nearest a published minimum or maximum (it must print as published)."""
    value = _on_grid(printed.value, step, lo, hi)
    if abs(value - printed.value) >= printed.tolerance - 1e-9:  # half a unit away rounds away
        raise ValueError(f"no score on a grid of {step:.4g} prints as {printed.value:g}")
    return value


def _least_squares(
    figures: FiguresOfSums, x: np.ndarray, free: np.ndarray, lower: np.ndarray, upper: np.ndarray, evaluations: int = 60
) -> np.ndarray:
    """Stage 1: scipy's bounded least squares on continuous scores, with the Jacobian by the chain
    rule through the sums (figures of sums by finite differences, sums of scores exactly)."""
    base = x.copy()

    def full(v: np.ndarray) -> np.ndarray:
        out = base.copy()
        out[free] = v
        return out

    def residuals(v: np.ndarray) -> np.ndarray:
        return figures.residuals(figures.sums_of(full(v)))[0]

    def jacobian(v: np.ndarray) -> np.ndarray:
        xs = full(v)
        sums = figures.sums_of(xs)
        h = 1e-6 * np.maximum(np.abs(sums), 1.0)
        shifted = sums[None, :] + np.diag(h)
        d_res = (figures.residuals(shifted) - figures.residuals(sums)) / h[:, None]  # (sums, residuals)
        vals = figures.values(xs)
        d_sums = np.empty((len(sums), len(xs)))
        d_sums[0::2] = figures.linear[:, 0::2].T
        d_sums[1::2] = (2 * vals * figures.linear[:, 0::2]).T
        return (d_res.T @ d_sums)[:, free]

    lb, ub = lower[free], upper[free]
    width = ub - lb
    start = np.clip(x[free], lb + 1e-6 * width, ub - 1e-6 * width)
    solved = optimize.least_squares(
        residuals,
        start,
        jac=jacobian,
        bounds=(lb, np.maximum(ub, lb + 1e-12)),
        method="trf",
        x_scale="jac",
        max_nfev=evaluations,
    )
    return full(np.clip(solved.x, lb, ub))


def calibrate_scores(
    rng: np.random.Generator,
    target: SubscaleTarget,
    valid: dict[str, list[str]],
    *,
    step: float,
    lo: float,
    hi: float,
    prorated_step: float | None = None,
    prorated_share: float = 0.1,
    latent: dict[str, float] | None = None,
    max_rounds: int = 300,
) -> dict[str, dict[str, float]]:
    """Scores of the ``valid`` participants at each timepoint whose figures print as ``target``'s.

    Parameters
    ----------
    rng : numpy Generator
        The only source of randomness: the same generator state gives the same scores.
    target : SubscaleTarget
        Published figures; a missing figure is not aimed at.
    valid : dict
        Participant ids with a score at each timepoint (in ``target``'s timepoint order); their
        numbers are the published n's and the overlaps with the baseline the published pairs.
    step, lo, hi : float
        The grid of possible scores (1 for sums of items, 1/k for means of k items) and its range.
    prorated_step, prorated_share : float, optional
        The grid of a score with one item missing (k/(k − 1) for a prorated sum, 1/(k − 1) for a
        mean) and the share of scores at each timepoint put on it: as in real data, some
        questionnaires miss an item, and their scores fall between the others.
    latent : dict, optional
        A standing of each participant (standard normal) the first guess follows, so that
        subscales calibrated one by one stay correlated.

    Returns
    -------
    dict
        ``{timepoint: {participant_id: score}}``; ``ValueError`` names the figures missed when
        the search fails.

    Examples
    --------
    >>> from peerimpact.example.calibration_targets import TimepointTarget
    >>> t = SubscaleTarget({"T1": TimepointTarget(5, Printed.parse("3.0"), Printed.parse("1.00"))})
    >>> s = calibrate_scores(np.random.default_rng(1), t, {"T1": list("abcde")}, step=1, lo=1, hi=5)
    >>> x = np.array(list(s["T1"].values())); f"{x.mean():.1f} {x.std(ddof=1):.2f}"
    '3.0 1.00'
    """
    problems = impossible(target, lo, hi)
    if problems:
        raise Impossible("; ".join(problems))
    tps = list(target.timepoints)
    layout = score_layout(valid, tps[0])
    figures = FiguresOfSums(target, layout)
    lower, upper = np.full(layout.size, float(lo)), np.full(layout.size, float(hi))
    for tp, t in target.timepoints.items():
        seg = layout.segments[tp]
        if t.min is not None:
            lower[seg] = _extreme(t.min, step, lo, hi)
        if t.max is not None:
            upper[seg] = _extreme(t.max, step, lo, hi)

    # First guess: a standing per person, kept across timepoints, scaled to each timepoint's figures.
    people = sorted({pid for ids in valid.values() for pid in ids})
    standing = {pid: (latent or {}).get(pid, 0.0) + 0.5 * rng.normal() for pid in people}
    x = np.empty(layout.size)
    for tp, t in target.timepoints.items():
        seg = layout.segments[tp]
        if seg.stop == seg.start:
            continue
        z = np.array([standing[pid] + 0.5 * rng.normal() for pid in valid[tp]])
        z = (z - z.mean()) / (z.std(ddof=1) if len(z) > 1 and z.std() > 0 else 1.0)
        mean = t.mean.value if t.mean is not None else (lower[seg][0] + upper[seg][0]) / 2
        sd = t.sd.value if t.sd is not None else (upper[seg][0] - lower[seg][0]) / 6
        x[seg] = mean + sd * z
    x = np.clip(x, lower, upper)

    # Stage 1: continuous, within the published extremes; then the lowest and highest score of
    # each timepoint are pinned to them and the rest solved again.
    extremes = []
    for tp, t in target.timepoints.items():
        pos = np.arange(layout.size)[layout.segments[tp]]
        extremes += [(pos, lower[pos[0]], -1)] if t.min is not None and len(pos) else []
        extremes += [(pos, upper[pos[0]], 1)] if t.max is not None and len(pos) else []
    x = _least_squares(figures, x, np.ones(layout.size, dtype=bool), lower, upper, evaluations=20)
    fixed = np.zeros(layout.size, dtype=bool)
    for pos, value, side in extremes:
        pool = pos[~fixed[pos]]
        i = pool[np.argmin(x[pool])] if side < 0 else pool[np.argmax(x[pool])]
        x[i], fixed[i] = value, True
    x = _least_squares(figures, x, ~fixed, lower, upper)

    # Stage 2: on the grid (a few scores, chosen at random, on the grid of one item missing).
    steps = np.full(layout.size, float(step))
    if prorated_step is not None:
        for seg in layout.segments.values():
            free = np.arange(layout.size)[seg][~fixed[seg]]
            k = min(len(free), max(1, round(prorated_share * len(free))))
            steps[rng.choice(free, size=k, replace=False)] = prorated_step
    lower = np.ceil(lower / steps - 1e-9) * steps
    upper = np.floor(upper / steps + 1e-9) * steps
    x = np.clip(np.round(x / steps) * steps, lower, upper)
    # Greedy moves (one score a step up or down, or one up and another of the same timepoint
    # down), the best first; at a dead end, a few random moves from the best so far.
    movable = np.flatnonzero(~fixed)
    segment_of = np.full(layout.size, -1)
    for k, seg in enumerate(layout.segments.values()):
        segment_of[seg] = k
    pi, pj = np.meshgrid(movable, movable, indexing="ij")
    same = (segment_of[pi] == segment_of[pj]) & (pi != pj)
    pi, pj = pi[same], pj[same]
    singles = np.concatenate([movable, movable])
    signs = np.concatenate([np.ones(len(movable)), -np.ones(len(movable))])
    k1 = len(singles)
    where = np.concatenate([singles, pi, pj])
    shift = np.concatenate([signs * steps[singles], steps[pi], -steps[pj]])

    def descend(x: np.ndarray) -> tuple[np.ndarray, float]:
        sums = figures.sums_of(x)
        current = figures.misses(sums, GUIDE)[0]
        for _ in range(10 * layout.size):
            if figures.misses(sums)[0] == 0:
                return x, 0.0
            up, down = figures.move_deltas(x, steps), figures.move_deltas(x, -steps)
            cand = np.concatenate([np.where(signs[:, None] > 0, up[singles], down[singles]), up[pi] + down[pj]])
            new = x[where] + shift
            fits = (new >= lower[where] - 1e-9) & (new <= upper[where] + 1e-9)
            inside = np.concatenate([fits[:k1], fits[k1 : k1 + len(pi)] & fits[k1 + len(pi) :]])
            scores = np.where(inside, figures.misses(sums[None, :] + cand, GUIDE), np.inf)
            best = int(np.argmin(scores))
            if not scores[best] < current - 1e-12:
                break
            x = x.copy()
            if best < k1:
                x[singles[best]] += signs[best] * steps[singles[best]]
            else:
                x[pi[best - k1]] += steps[pi[best - k1]]
                x[pj[best - k1]] -= steps[pj[best - k1]]
            sums = figures.sums_of(x)
            current = figures.misses(sums, GUIDE)[0]
        return x, float(figures.misses(sums)[0])

    best_x, best = descend(x)
    for _ in range(max_rounds):
        if best == 0:
            break
        x = best_x.copy()
        for i in rng.choice(movable, size=min(3, len(movable)), replace=False):
            x[i] = min(max(x[i] + steps[i] * rng.choice([-1, 1]), lower[i]), upper[i])
        x, score = descend(x)
        if score < best:
            best_x, best = x, score
    x = np.round(best_x / steps) * steps
    if best > 0 or figures.misses(figures.sums_of(x))[0] > 0:
        raise ValueError("no scores found that print as published: " + "; ".join(figures.failing(x)))
    return {tp: dict(zip(valid[tp], x[layout.segments[tp]].tolist())) for tp in tps}
