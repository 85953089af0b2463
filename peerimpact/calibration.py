"""Scores that reproduce published summary statistics: the search behind ``peerimpact synth --calibrate``.

A subscale's published figures (Table 3: n, mean, SD, minimum and maximum at each timepoint;
Table 4: pairs, mean change, its confidence interval, effect size and the side of 0.05 its p
falls on) are met by choosing one score per participant and timepoint on the subscale's own
grid (whole sums, or item means in steps of 1/k). The search has two stages: scipy's bounded
least squares on continuous scores, aimed at the centre of every printed figure, then a walk on
the grid (a step up or down for one score, or one up and another down) that stops as soon as
every figure prints as published. Items are made from the scores afterwards, so the study's own
scoring, missing-item rule and pairing produce the published tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from scipy import optimize
from scipy import stats as scipy_stats

# A figure is aimed inside this share of its printed half-unit, so float error never tips it over.
MARGIN = 0.999
# Weight of the distance to the printed centres in the walk: enough to give it a direction where
# every figure already prints right but a step would make none worse.
GUIDE = 1e-3


class Impossible(ValueError):
    """Published figures that no scores on the scale can give (trying again would not help)."""


@dataclass(frozen=True)
class Printed:
    """A figure as printed: its value and how many decimals it was printed with."""

    value: float
    decimals: int

    @classmethod
    def parse(cls, text: str) -> Printed:
        exponent = Decimal(text).as_tuple().exponent
        return cls(float(text), -exponent if isinstance(exponent, int) and exponent < 0 else 0)

    @property
    def tolerance(self) -> float:
        """Half a unit of the last printed decimal."""
        return 0.5 * 10.0**-self.decimals


@dataclass(frozen=True)
class TimepointTarget:
    """Table 3 figures of one subscale at one timepoint (``n`` is met by choosing who is valid)."""

    n: int
    mean: Printed | None = None
    sd: Printed | None = None
    min: Printed | None = None
    max: Printed | None = None


@dataclass(frozen=True)
class ChangeTarget:
    """Table 4 figures of one comparison of the first timepoint with ``later``."""

    later: str
    n: int
    change: Printed | None = None
    ci_low: Printed | None = None
    ci_high: Printed | None = None
    es: Printed | None = None
    significant: bool | None = None  # p < 0.05


@dataclass(frozen=True)
class SubscaleTarget:
    """Everything published about one subscale: timepoints in order, the first one the baseline."""

    timepoints: dict[str, TimepointTarget]
    changes: list[ChangeTarget] = field(default_factory=list)


@dataclass
class _Layout:
    """Where each timepoint's scores sit in the one vector the search moves, and the pairs."""

    segments: dict[str, slice]
    pairs: dict[str, tuple[np.ndarray, np.ndarray]]  # later -> (baseline positions, later positions)
    size: int


def _layout(valid: dict[str, list[str]], baseline: str) -> _Layout:
    segments, start = {}, 0
    for tp, people in valid.items():
        segments[tp] = slice(start, start + len(people))
        start += len(people)
    pairs = {}
    base = {pid: segments[baseline].start + i for i, pid in enumerate(valid[baseline])}
    for tp, people in valid.items():
        if tp == baseline:
            continue
        both = [(base[pid], segments[tp].start + i) for i, pid in enumerate(people) if pid in base]
        pairs[tp] = (np.array([b for b, _ in both], dtype=int), np.array([a for _, a in both], dtype=int))
    return _Layout(segments, pairs, start)


class _Figures:
    """The published figures as functions of a few sums of the scores.

    Every figure (means, SDs, mean change, its interval, the ES, t against its critical value)
    depends on the scores only through sums and sums of squares: of each timepoint's scores, and
    of each comparison's differences and baseline scores. A move of one score changes those sums
    by amounts known in advance, so thousands of candidate moves are scored at once.
    """

    def __init__(self, target: SubscaleTarget, layout: _Layout):
        self.layout = layout
        self.n: list[int] = []  # count behind each pair of sums
        self.sums: dict[tuple[str, str], int] = {}  # (what, where) -> column of the first of its two sums
        for tp, seg in layout.segments.items():
            self._add(("scores", tp), seg.stop - seg.start)
        for tp, (first, _) in layout.pairs.items():
            self._add(("diffs", tp), len(first))
            self._add(("baseline", tp), len(first))
        self.n_arr = np.array(self.n, dtype=float)
        self.checks: list[tuple[str, str, float, float]] = []  # (kind, where, centre, half-unit)
        for tp, t in target.timepoints.items():
            for kind in ("mean", "sd"):
                printed = getattr(t, kind)
                if printed is not None and t.n > (1 if kind == "sd" else 0):
                    self.checks.append((kind, tp, printed.value, printed.tolerance))
        self.critical: dict[str, float] = {}
        for c in target.changes:
            pairs = len(layout.pairs[c.later][0])
            if pairs < 2:
                continue
            self.critical[c.later] = float(scipy_stats.t.ppf(0.975, pairs - 1))
            for kind in ("change", "ci_low", "ci_high", "es"):
                printed = getattr(c, kind)
                if printed is not None:
                    self.checks.append((kind, c.later, printed.value, printed.tolerance))
            if c.significant is not None:
                self.checks.append(("t_ratio", c.later, 1.0 if c.significant else -1.0, 0.0))
        self.centre = np.array([c for _, _, c, _ in self.checks])
        self.tol = np.array([t for _, _, _, t in self.checks])
        self.value_checks = np.array([k != "t_ratio" for k, _, _, _ in self.checks])
        self._entry_moves()

    def _add(self, key: tuple[str, str], n: int) -> None:
        self.sums[key] = 2 * len(self.n)
        self.n.append(n)

    def _entry_moves(self) -> None:
        """For each score: which sums it enters, with what sign (as a score or a difference)."""
        size = self.layout.size
        k = 2 * len(self.n)
        self.linear = np.zeros((size, k))  # d sum / d score
        for tp, seg in self.layout.segments.items():
            self.linear[seg, self.sums[("scores", tp)]] = 1.0
        for tp, (first, later) in self.layout.pairs.items():
            self.linear[first, self.sums[("diffs", tp)]] += 1.0
            self.linear[later, self.sums[("diffs", tp)]] -= 1.0
            self.linear[first, self.sums[("baseline", tp)]] = 1.0

    def sums_of(self, x: np.ndarray) -> np.ndarray:
        """Sum and sum of squares of every group, in the column order of ``self.sums``."""
        out = np.zeros(2 * len(self.n))
        for (what, tp), col in self.sums.items():
            if what == "scores":
                v = x[self.layout.segments[tp]]
            else:
                first, later = self.layout.pairs[tp]
                v = x[first] - x[later] if what == "diffs" else x[first]
            out[col], out[col + 1] = v.sum(), (v * v).sum()
        return out

    def values(self, x: np.ndarray) -> np.ndarray:
        """The value each score contributes to the sum of squares of each group (its own or a difference)."""
        out = np.zeros((self.layout.size, len(self.n)))
        for (what, tp), col in self.sums.items():
            if what == "scores":
                seg = self.layout.segments[tp]
                out[seg, col // 2] = x[seg]
            else:
                first, later = self.layout.pairs[tp]
                v = x[first] - x[later] if what == "diffs" else x[first]
                out[first, col // 2] = v
                if what == "diffs":
                    out[later, col // 2] = v
        return out

    def move_deltas(self, x: np.ndarray, delta: np.ndarray) -> np.ndarray:
        """How every sum changes when score i moves by ``delta[i]`` (a row per score)."""
        v = self.values(x)
        lin = self.linear[:, 0::2]
        d = np.asarray(delta, dtype=float)[:, None]
        out = np.zeros_like(self.linear)
        out[:, 0::2] = lin * d
        # (v + s·d)² − v² = 2·v·s·d + d², where the score enters with sign s
        out[:, 1::2] = 2 * v * lin * d + (lin != 0) * d * d
        return out

    def figures(self, sums: np.ndarray) -> np.ndarray:
        """Every check's figure, from rows of sums."""
        sums = np.atleast_2d(sums)
        s1, s2 = sums[:, 0::2], sums[:, 1::2]
        n = self.n_arr
        mean = s1 / n
        sd = np.sqrt(np.maximum(s2 - s1 * s1 / n, 0.0) / np.maximum(n - 1, 1))
        out = np.empty((sums.shape[0], len(self.checks)))
        for j, (kind, where, _, _) in enumerate(self.checks):
            if kind in ("mean", "sd"):
                g = self.sums[("scores", where)] // 2
                out[:, j] = mean[:, g] if kind == "mean" else sd[:, g]
                continue
            g, b = self.sums[("diffs", where)] // 2, self.sums[("baseline", where)] // 2
            half = self.critical[where] * sd[:, g] / math.sqrt(n[g])
            if kind == "change":
                out[:, j] = mean[:, g]
            elif kind == "ci_low":
                out[:, j] = mean[:, g] - half
            elif kind == "ci_high":
                out[:, j] = mean[:, g] + half
            elif kind == "es":
                out[:, j] = mean[:, g] / np.maximum(sd[:, b], 1e-12)
            else:  # |t| over its critical value: above 1 is p < 0.05
                out[:, j] = np.abs(mean[:, g]) / np.maximum(half, 1e-12)
        return out

    def residuals(self, sums: np.ndarray) -> np.ndarray:
        """Distance from the centre of every printed figure in half-units; for p, the shortfall
        of |t| beyond (or within) its critical value, with room."""
        f = self.figures(sums)
        out = np.where(self.value_checks, (f - self.centre) / np.where(self.value_checks, self.tol, 1.0), 0.0)
        for j in np.flatnonzero(~self.value_checks):
            side = self.centre[j]
            out[:, j] = np.minimum(f[:, j] - 1.02, 0.0) / 0.01 if side > 0 else np.maximum(f[:, j] - 0.98, 0.0) / 0.01
        return out

    def misses(self, sums: np.ndarray, guide: float = 0.0) -> np.ndarray:
        """How far each row's figures fall outside what prints as published (0: every one prints so),
        plus a little of the distance to the centres, so that a walk has a direction on a plateau."""
        f = self.figures(sums)
        safe_tol = np.where(self.value_checks, self.tol, 1.0)
        off = np.where(self.value_checks, np.maximum(np.abs(f - self.centre) - MARGIN * self.tol, 0.0) / safe_tol, 0.0)
        for j in np.flatnonzero(~self.value_checks):
            if self.centre[j] > 0:
                off[:, j] = np.maximum(1.0005 - f[:, j], 0.0) / 0.01
            else:
                off[:, j] = np.maximum(f[:, j] - 0.9995, 0.0) / 0.01
        centred = np.where(self.value_checks, (f - self.centre) / safe_tol, 0.0)
        return off.sum(axis=1) + guide * (centred * centred).sum(axis=1)

    def failing(self, x: np.ndarray) -> list[str]:
        """The checks ``x`` does not meet, named for a message."""
        f = self.figures(self.sums_of(x))[0]
        out = []
        for j, (kind, where, centre, tol) in enumerate(self.checks):
            if kind == "t_ratio":
                if (f[j] > 1) != (centre > 0):
                    out.append(f"{where} p {'<' if centre > 0 else '>='} 0.05")
            elif abs(f[j] - centre) > tol:
                out.append(f"{where} {kind} {f[j]:.4g} (printed {centre:g})")
        return out


def _on_grid(value: float, step: float, lo: float, hi: float) -> float:
    return float(min(max(round(value / step) * step, lo), hi))


def _extreme(printed: Printed, step: float, lo: float, hi: float) -> float:
    """The grid value nearest a published minimum or maximum (it must print as published)."""
    value = _on_grid(printed.value, step, lo, hi)
    if abs(value - printed.value) >= printed.tolerance - 1e-9:  # half a unit away rounds away
        raise ValueError(f"no score on a grid of {step:.4g} prints as {printed.value:g}")
    return value


def impossible(target: SubscaleTarget, lo: float, hi: float) -> list[str]:
    """Figures no scores from ``lo`` to ``hi`` can give: a mean or extreme off the scale, or an SD
    wider than half the scale's range allows (n values can spread at most that far)."""
    out = []
    for tp, t in target.timepoints.items():
        for kind in ("mean", "min", "max"):
            printed = getattr(t, kind)
            if printed is not None and not lo - printed.tolerance <= printed.value <= hi + printed.tolerance:
                out.append(f"{tp} {kind} {printed.value:g} is outside the scale's {lo:g} to {hi:g}")
        if t.sd is not None and t.n > 1:
            widest = (hi - lo) / 2 * math.sqrt(t.n / (t.n - 1))
            if t.sd.value - t.sd.tolerance > widest:
                out.append(
                    f"{tp} SD {t.sd.value:g} is more than {t.n} scores from {lo:g} to {hi:g} can have ({widest:.3g})"
                )
    return out


def _least_squares(
    figures: _Figures, x: np.ndarray, free: np.ndarray, lower: np.ndarray, upper: np.ndarray, evaluations: int = 60
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
    >>> t = SubscaleTarget({"T1": TimepointTarget(5, Printed.parse("3.0"), Printed.parse("1.00"))})
    >>> s = calibrate_scores(np.random.default_rng(1), t, {"T1": list("abcde")}, step=1, lo=1, hi=5)
    >>> x = np.array(list(s["T1"].values())); f"{x.mean():.1f} {x.std(ddof=1):.2f}"
    '3.0 1.00'
    """
    problems = impossible(target, lo, hi)
    if problems:
        raise Impossible("; ".join(problems))
    tps = list(target.timepoints)
    layout = _layout(valid, tps[0])
    figures = _Figures(target, layout)
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
