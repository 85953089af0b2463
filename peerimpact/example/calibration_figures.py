"""The published figures of a subscale as functions of a few sums of its scores, so that the
calibration's search scores thousands of candidate moves at once."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

from .calibration_targets import ChangeTarget, SubscaleTarget

# A figure is aimed inside this share of its printed half-unit, so float error never tips it over.
MARGIN = 0.999
# p follows from the change and its interval, and a half-unit of a p printed to three decimals is
# several times narrower in t than a half-unit of the interval's bounds: at full weight in the
# continuous stage it outweighs the means and holds them off their targets. The walk on the grid
# still requires every p to print as published.
P_WEIGHT = 0.1


@dataclass
class ScoreLayout:
    """Where each timepoint's scores sit in the one vector the search moves, and the pairs."""

    segments: dict[str, slice]
    pairs: dict[str, tuple[np.ndarray, np.ndarray]]  # later -> (baseline positions, later positions)
    size: int


def score_layout(valid: dict[str, list[str]], baseline: str) -> ScoreLayout:
    """The scores of ``valid`` laid out timepoint by timepoint, with each later timepoint's pairs."""
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
    return ScoreLayout(segments, pairs, start)


def _direction(change: ChangeTarget) -> float:
    """The sign of a published change: its interval's midpoint where both ends are printed (a
    change printed 0.0 has one), else the change itself."""
    if change.ci_low is not None and change.ci_high is not None:
        return change.ci_low.value + change.ci_high.value
    return change.change.value if change.change is not None else 1.0


class FiguresOfSums:
    """The published figures as functions of a few sums of the scores.

    Every figure (means, SDs, mean change, its interval, the ES, and the paired t test's t for p)
    depends on the scores only through sums and sums of squares: of each timepoint's scores, and
    of each comparison's differences and baseline scores. A move of one score changes those sums
    by amounts known in advance, so thousands of candidate moves are scored at once.
    """

    def __init__(self, target: SubscaleTarget, layout: ScoreLayout):
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
            if c.p is not None:
                # p prints as published while |t| lies between the t's of its rounding's two ends.
                # t is aimed at rather than p, which is flat near 0 and 1 and gives the search no
                # slope, and with the sign of the change, so that the search is not held on the
                # wrong side of no change (where p is as far off as it can be)
                ends = [c.p.value + c.p.tolerance, max(c.p.value - c.p.tolerance, 1e-300)]
                t_low, t_high = (float(scipy_stats.t.isf(min(e, 1.0) / 2, pairs - 1)) for e in ends)
                sign = -1.0 if _direction(c) < 0 else 1.0
                self.checks.append(("p", c.later, sign * (t_low + t_high) / 2, (t_high - t_low) / 2))
        self.weight = np.array([P_WEIGHT if k == "p" else 1.0 for k, _, _, _ in self.checks])
        self.centre = np.array([c for _, _, c, _ in self.checks])
        self.tol = np.array([t for _, _, _, t in self.checks])
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
            else:  # p, as the paired t test's t
                out[:, j] = mean[:, g] / np.maximum(sd[:, g] / math.sqrt(n[g]), 1e-12)
        return out

    def residuals(self, sums: np.ndarray) -> np.ndarray:
        """Distance from the centre of every printed figure, in half-units of its last decimal (p's
        weighed down: :data:`P_WEIGHT`)."""
        return (self.figures(sums) - self.centre) / self.tol * self.weight

    def misses(self, sums: np.ndarray, guide: float = 0.0) -> np.ndarray:
        """How far each row's figures fall outside what prints as published (0: every one prints so),
        plus a little of the distance to the centres, so that a walk has a direction on a plateau."""
        f = self.figures(sums)
        off = np.maximum(np.abs(f - self.centre) - MARGIN * self.tol, 0.0) / self.tol
        centred = (f - self.centre) / self.tol
        return off.sum(axis=1) + guide * (centred * centred).sum(axis=1)

    def failing(self, x: np.ndarray) -> list[str]:
        """The checks ``x`` does not meet, named for a message."""
        f = self.figures(self.sums_of(x))[0]
        out = []
        for j, (kind, where, centre, tol) in enumerate(self.checks):
            if kind == "p" and abs(f[j] - centre) > tol:
                df = len(self.layout.pairs[where][0]) - 1
                p, low, high = (2 * scipy_stats.t.sf(abs(v), df) for v in (f[j], centre - tol, centre + tol))
                out.append(f"{where} p {p:.4g} (printed {(low + high) / 2:.3g})")
            elif abs(f[j] - centre) > tol:
                out.append(f"{where} {kind} {f[j]:.4g} (printed {centre:g})")
        return out
