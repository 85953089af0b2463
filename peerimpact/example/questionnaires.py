"""The example's questionnaires, item by item: who answered at each timepoint, and answers whose
scores, by the study's own scoring, print as the published Tables 3 and 4 (the scores found by
:func:`peerimpact.example.calibration.calibrate_scores`)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..config import Instrument, PublishedFigures
from ..ingest.scoring import load_instrument
from .calibration import calibrate_scores
from .calibration_targets import ChangeTarget, Impossible, Printed, SubscaleTarget, TimepointTarget
from .design import INSTRUMENTS, N_T2, N_T3, TIMEPOINTS
from .people import standardised
from .qualitative import interviewees

ITEM_NOISE = 0.6  # SD of an answer around its person's item mean, in response units
CALIBRATION_ATTEMPTS = 24
# Burnout subscales run the other way: the same person's standing gives a low score there.
AGAINST = {("mbi", "emotional_exhaustion"), ("mbi", "depersonalization")}


def _respondents(rng: np.random.Generator, ids: list[str]) -> dict[str, list[str]]:
    """Who answered the questionnaires at each timepoint: everyone at T1; at T2 those interviewed
    then and a few more; at T3 mostly those interviewed then (people still taking part do both)."""
    interviewed = interviewees()
    t2 = sorted(interviewed["T2"])[:N_T2]
    t2 += rng.choice([pid for pid in ids if pid not in t2], size=N_T2 - len(t2), replace=False).tolist()
    pool = sorted(interviewed["T3"])
    t3 = rng.choice(pool, size=min(N_T3, len(pool)), replace=False).tolist()
    t3 += rng.choice([pid for pid in t2 if pid not in t3], size=N_T3 - len(t3), replace=False).tolist()
    return {"T1": list(ids), "T2": sorted(t2), "T3": sorted(t3)}


def subscale_targets(targets: PublishedFigures) -> dict[tuple[str, str], SubscaleTarget]:
    """Table 3 and Table 4 cells of ``targets`` by instrument and subscale (an erratum by its aim)."""
    levels: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    changes: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    for cell in targets.cells:
        key = (cell.instrument or "", cell.subscale or "")
        if cell.table == "table3" and cell.timepoint:
            levels.setdefault(key, {}).setdefault(cell.timepoint, {})[cell.column] = cell.target
        elif cell.table == "table4" and cell.comparison:
            changes.setdefault(key, {}).setdefault(cell.comparison, {})[cell.column] = cell.target

    def printed(row: dict[str, str], column: str) -> Printed | None:
        return Printed.parse(row[column]) if column in row else None

    out = {}
    for key, by_tp in levels.items():
        timepoints = {
            tp: TimepointTarget(int(row["n"]), *(printed(row, c) for c in ("mean", "sd", "min", "max")))
            for tp in TIMEPOINTS
            if (row := by_tp.get(tp)) is not None and "n" in row
        }
        if TIMEPOINTS[0] not in timepoints:
            continue
        comparisons = []
        for comparison, row in changes.get(key, {}).items():
            first, _, later = comparison.partition("-")
            if first == TIMEPOINTS[0] and later in timepoints and "n" in row:
                comparisons.append(
                    ChangeTarget(
                        later,
                        int(row["n"]),
                        change=printed(row, "change"),
                        ci_low=printed(row, "ci_low"),
                        ci_high=printed(row, "ci_high"),
                        es=printed(row, "es"),
                        p=printed(row, "p"),
                    )
                )
        out[key] = SubscaleTarget(timepoints, comparisons)
    return out


def _valid_sets(rng: np.random.Generator, who: dict[str, list[str]], target: SubscaleTarget) -> dict[str, list[str]]:
    """Who has a score at each timepoint: the published n's, with the published pairs at baseline."""
    base, order = TIMEPOINTS[0], {pid: i for i, pid in enumerate(who[TIMEPOINTS[0]])}
    n = {tp: t.n for tp, t in target.timepoints.items()}
    pairs = {c.later: c.n for c in target.changes}
    if any(n[tp] > len(who[tp]) for tp in n):
        raise ValueError(f"more scores published than people answered at {', '.join(n)}")
    later_tps = [tp for tp in n if tp != base]
    for _ in range(100):
        later = {tp: set(rng.choice(who[tp], size=n[tp], replace=False).tolist()) for tp in later_tps}
        # Baseline people by the later timepoints they have a score at, and how many of each
        # group the published pairs allow: pick one such split at random.
        groups: dict[tuple[bool, ...], list[str]] = {}
        for pid in who[base]:
            groups.setdefault(tuple(pid in later[tp] for tp in later_tps), []).append(pid)
        keys = list(groups)

        def fits(counts: tuple[int, ...], keys: list[tuple[bool, ...]] = keys) -> bool:
            paired = {tp: sum(c for c, k in zip(counts, keys) if k[i]) for i, tp in enumerate(later_tps)}
            return sum(counts) == n[base] and all(paired[tp] == k for tp, k in pairs.items())

        splits = [c for c in itertools.product(*(range(len(groups[k]) + 1) for k in keys)) if fits(c)]
        if not splits:
            continue
        counts = splits[int(rng.integers(len(splits)))]
        first = {pid for k, c in zip(keys, counts) for pid in rng.choice(groups[k], size=c, replace=False).tolist()}
        chosen = {base: first, **later}
        # everyone answered at the first timepoint, so everyone chosen has a place in its order
        return {tp: sorted(chosen[tp], key=order.__getitem__) for tp in n}
    raise ValueError(f"no participants can give the published n's {n} and pairs {pairs}")


def _grid(inst: Instrument, subscale: str) -> tuple[float, float, float, float]:
    """Step of a complete score, step of a score with one item missing, lowest and highest score."""
    sub = inst.subscales[subscale]
    k = len(sub.items)
    if sub.method == "mean":
        return 1 / k, 1 / (k - 1), inst.min, inst.max
    return 1.0, k / (k - 1), inst.min * k, inst.max * k


def _answers(rng: np.random.Generator, total: int, m: int, lo: int, hi: int) -> np.ndarray:
    """``m`` whole-number answers from ``lo`` to ``hi`` adding up to ``total``, scattered around
    their mean as a person's answers are."""
    wanted = total / m + rng.normal(0, ITEM_NOISE, size=m)
    values = np.clip(np.round(wanted), lo, hi)
    while (gap := total - values.sum()) != 0:
        room = values < hi if gap > 0 else values > lo
        pull = np.where(room, (wanted - values) * np.sign(gap), -np.inf)
        values[int(np.argmax(pull))] += np.sign(gap)
    return values


def subscale_answers(
    rng: np.random.Generator, inst: Instrument, subscale: str, score: float | None, level: float
) -> dict[str, float]:
    """A person's answers to one subscale: for a ``score``, answers the study's scoring turns back
    into it (one item missing when the score lies between complete ones); without one, answers
    around ``level`` (per item) with two or three items missing, so the subscale is not scored."""
    sub = inst.subscales[subscale]
    k = len(sub.items)
    per_item = 1 if sub.method == "mean" else k
    if score is None:
        m = k - int(rng.choice([2, 2, 3]))
        values = np.clip(np.round(level + rng.normal(0, ITEM_NOISE, size=m)), inst.min, inst.max)
    else:
        whole = score * k / per_item
        m = k if abs(whole - round(whole)) < 1e-6 else k - 1
        values = _answers(rng, int(round(score * m / per_item)), m, inst.min, inst.max)
    answers = np.full(k, np.nan)
    # + 0.0: an answer rounded up from just below the scale's 0 is -0.0, which a CSV writes "-0"
    answers[np.sort(rng.choice(k, size=m, replace=False))] = values + 0.0
    out = {}
    for item, value in zip(sub.items, answers):
        out[inst.column(item)] = float(inst.min + inst.max - value if item in sub.reverse and value == value else value)
    return out


def questionnaires(
    rng: np.random.Generator, people: pd.DataFrame, cal: np.random.Generator, targets: PublishedFigures | None = None
) -> pd.DataFrame:
    """Item-level answers of the respondents at each timepoint, calibrated to ``targets``.

    ``rng`` picks who answered at each timepoint (as it always has); ``cal`` draws the rest.
    For each subscale, who has a score follows the published n's and pairs, the scores are found
    by :func:`peerimpact.example.calibration.calibrate_scores`, and the answers are made from the scores.
    A subscale without targets gets scores around the middle of its range.
    """
    ids = people["participant_id"].tolist()
    who = _respondents(rng, ids)
    insts = {name: load_instrument(name) for name in INSTRUMENTS}
    published = subscale_targets(targets) if targets is not None else {}
    standing = dict(zip(ids, standardised(cal.normal(size=len(ids)))))
    answers: dict[tuple[str, str], dict] = {(tp, pid): {} for tp in TIMEPOINTS for pid in who[tp]}
    for name in INSTRUMENTS:
        inst = insts[name]
        for subscale in inst.subscales:
            step, _, lo, hi = _grid(inst, subscale)
            target = published.get((name, subscale))
            scores = (
                _calibrated_subscale(cal, inst, subscale, target, who, standing)
                if target
                else {
                    tp: {
                        pid: float(
                            np.clip(round(((lo + hi) / 2 + (hi - lo) / 6 * standing[pid]) / step) * step, lo, hi)
                        )
                        for pid in who[tp]
                    }
                    for tp in TIMEPOINTS
                }
            )
            per_item = 1 if inst.subscales[subscale].method == "mean" else len(inst.subscales[subscale].items)
            for tp in TIMEPOINTS:
                mean = target.timepoints[tp].mean if target and tp in target.timepoints else None
                typical = (mean.value if mean else (lo + hi) / 2) / per_item
                for pid in who[tp]:
                    score = scores.get(tp, {}).get(pid)
                    answers[(tp, pid)].update(subscale_answers(cal, inst, subscale, score, typical))
    rows = [
        {"participant_id": pid, "site": pid.split("-")[0], "timepoint": tp, **answers[(tp, pid)]}
        for tp in TIMEPOINTS
        for pid in who[tp]
    ]
    item_cols = [c for name in INSTRUMENTS for c in insts[name].columns]
    return pd.DataFrame(rows)[["participant_id", "site", "timepoint", *item_cols]]


def _calibrated_subscale(
    cal: np.random.Generator,
    inst: Instrument,
    subscale: str,
    target: SubscaleTarget,
    who: dict[str, list[str]],
    standing: dict[str, float],
) -> dict[str, dict[str, float]]:
    step, prorated_step, lo, hi = _grid(inst, subscale)
    sign = -1.0 if (inst.id, subscale) in AGAINST else 1.0
    latent = {pid: sign * z for pid, z in standing.items()}
    problem = None
    for _ in range(CALIBRATION_ATTEMPTS):
        valid = _valid_sets(cal, who, target)
        try:
            # BLAS threads only slow the small matrices of the search down
            with threadpool_limits(1):
                return calibrate_scores(
                    cal,
                    target,
                    valid,
                    step=step,
                    lo=lo,
                    hi=hi,
                    prorated_step=prorated_step,
                    latent=latent,
                    max_rounds=25,
                )
        except Impossible as error:
            raise ValueError(f"{inst.id} {subscale}: {error}") from None
        except ValueError as error:
            problem = error
    raise ValueError(f"{inst.id} {subscale}: {problem}")
