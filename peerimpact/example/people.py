"""The example's peer workers, shaped to the paper's Tables 1 and 2: their characteristics, their
service use and their contact log. Table 1's continuous characteristics are drawn on their own
grid and moved until their mean and SD print as published (:func:`calibrated`)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from .design import CATEGORIES, CONTACT_DAYS, CONTACTS_START, FLAGS, SERVICES, SICK_DAYS, SITES, TABLE1


def _printed(value: float, target: float, digits: int = 1) -> bool:
    """Whether ``value`` prints as ``target`` at ``digits`` decimals (with a margin for float error)."""
    return abs(value - target) < 0.5 * 10**-digits - 1e-9


def calibrated(
    rng: np.random.Generator,
    n: int,
    mean: float,
    sd: float,
    lo: float,
    hi: float,
    step: float,
    total: int | None = None,
) -> np.ndarray:
    """``n`` values on a grid of ``step`` from ``lo`` to ``hi`` (both taken once) whose mean and SD
    (n − 1) print as ``mean`` and ``sd`` to one decimal (and add up to ``total`` when given).

    The values between the two ends are normal draws scaled to the mean and SD exactly, put on the
    grid, then moved a step at a time, the move that most reduces the distance to the targets first.
    (A search on a grid: scipy's optimisers work on continuous values, and the affine fit is exact.)
    """
    k = n - 2
    z = np.sort(standardised(rng.normal(size=k)))
    whole = total if total is not None else n * mean
    inner_sum = whole - lo - hi
    inner_squares = (n - 1) * sd**2 + whole**2 / n - lo**2 - hi**2
    centre = inner_sum / k
    spread = math.sqrt(max(inner_squares - k * centre**2, 0.0) / (k - 1))
    inner = np.clip(np.round((centre + spread * z) / step) * step, lo, hi)
    if total is not None:  # on the grid, the sum is off by a few steps: take them from the middle
        middle = k // 2
        while abs(inner.sum() - inner_sum) >= step / 2:
            delta = step if inner.sum() < inner_sum else -step
            if lo <= inner[middle] + delta <= hi:
                inner[middle] += delta
            middle = (middle + 1) % k

    def distance(total_: np.ndarray, squares: np.ndarray) -> np.ndarray:
        """How far sums and sums of squares of all n values are from the targets, in printed units."""
        mean_ = total_ / n
        sd_ = np.sqrt(np.maximum(squares - total_**2 / n, 0.0) / (n - 1))
        off = np.abs(total_ - total) if total is not None else 0.0
        return np.abs(mean_ - mean) / 0.05 + np.abs(sd_ - sd) / 0.05 + off

    for _ in range(20 * n):
        x = np.concatenate([[lo, hi], inner])
        if _printed(x.std(ddof=1), sd) and (total is None and _printed(x.mean(), mean) or x.sum() == total):
            return np.round(x / step) * step
        sum_, squares = x.sum(), (x**2).sum()
        # every single move (one value a step up or down) and every pair move (one up, another down)
        singles = (
            []
            if total is not None
            else [(distance(sum_ + d, squares + 2 * inner * d + d * d), d) for d in (-step, step)]
        )
        up, down = inner[:, None], inner[None, :]
        pairs = distance(np.full((k, k), sum_), squares + 2 * step * (up - down) + 2 * step**2)
        pairs[(up + step > hi + 1e-9) | (down - step < lo - 1e-9) | np.eye(k, dtype=bool)] = np.inf
        best, move = distance(np.array(sum_), np.array(squares)), None
        for scores, delta in singles:
            scores = np.where((inner + delta >= lo - 1e-9) & (inner + delta <= hi + 1e-9), scores, np.inf)
            if scores.min() < best:
                best, i = scores.min(), int(scores.argmin())
                move = inner.copy()
                move[i] += delta
        if pairs.min() < best:
            i, j = map(int, np.unravel_index(int(pairs.argmin()), pairs.shape))
            move = inner.copy()
            move[i] += step
            move[j] -= step
        if move is None:
            break
        inner = move
    raise ValueError(f"no values on a grid of {step} between {lo} and {hi} with mean {mean} and SD {sd}")


def _by_rank(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``new``'s values put in ``old``'s order: the largest where ``old`` was largest (so that what was
    derived from ``old``, such as the recruitment wave, still holds)."""
    out = np.empty(len(old))
    out[np.argsort(old, kind="stable")] = np.sort(new)
    return out


def _fill(rng: np.random.Generator, counts: dict[str, int], n: int) -> list[str | None]:
    values: list[str | None] = [level for level, c in counts.items() for _ in range(c)]
    values += [None] * (n - len(values))
    return [values[i] for i in rng.permutation(n)]


def standardised(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std(ddof=1)


def _scaled(rng: np.random.Generator, n: int, mean: float, sd: float, lo: float, hi: float) -> np.ndarray:
    """n values with about the given mean and SD, whose smallest and largest are lo and hi."""
    x = standardised(rng.normal(size=n)) * sd + mean
    x = np.clip(x, lo, hi)
    x[np.argmin(x)], x[np.argmax(x)] = lo, hi
    return x


def _table1(cal: np.random.Generator, name: str, n: int, **kwargs) -> np.ndarray:
    mean, sd, lo, hi, step = TABLE1[name]
    return calibrated(cal, n, mean, sd, lo, hi, step, **kwargs)


def participants(rng: np.random.Generator, cal: np.random.Generator) -> pd.DataFrame:
    """Participants with the paper's Table 1 counts; ``cal`` draws the values of the continuous
    characteristics, which replace the first draws rank for rank (so the waves stay as they were)."""
    ids = [f"{site}-PW{i:02d}" for site, n in SITES.items() for i in range(1, n + 1)]
    n = len(ids)
    frame = pd.DataFrame({"participant_id": ids, "site": [i.split("-")[0] for i in ids]})
    for column, levels in CATEGORIES.items():
        frame[column] = _fill(rng, {label: count for label, count in levels.values()}, n)
    for column, counts in FLAGS.items():
        frame[column] = _fill(rng, counts, n)
    ages = np.full(n, np.nan)
    ages[rng.permutation(n)[:27]] = np.round(_scaled(rng, 27, 42.9, 9.0, 26, 59))
    known = ~np.isnan(ages)
    ages[known] = _by_rank(ages[known], _table1(cal, "age", int(known.sum())))
    frame["age"] = ages
    bank = set(rng.choice(n, size=2, replace=False).tolist())
    frame["contract_type"] = ["bank" if i in bank else "contracted" for i in range(n)]
    months = np.round(_scaled(rng, n, 17.7, 8.2, 6.1, 31.6), 1)
    frame["wave"] = np.where(months >= np.median(months), "1", "2")
    frame["months_in_post"] = np.round(_by_rank(months, _table1(cal, "months_in_post", n)), 1)
    contracted = [i for i in range(n) if i not in bank]
    hours = np.full(n, np.nan)
    hours[contracted] = rng.choice([10, 15, 15, 16, 18.75, 18.75, 20, 22.5], size=len(contracted))
    hours[contracted[0]], hours[contracted[1]] = 10, 30
    hours[contracted] = _by_rank(hours[contracted], _table1(cal, "contracted_hours", len(contracted)))
    frame["contracted_hours"] = hours
    sick = np.full(n, np.nan)
    sick[contracted] = [SICK_DAYS[i] if i < len(SICK_DAYS) else 0 for i in rng.permutation(len(contracted))]
    frame["sick_days"] = sick
    return frame


def service_use(rng: np.random.Generator, people: pd.DataFrame, who_t3: list[str]) -> pd.DataFrame:
    ids = people["participant_id"].tolist()
    rows = []
    for tp, respondents, col in (("T1", ids, 2), ("T3", who_t3, 3)):
        for service in SERVICES:
            yes = set(rng.choice(respondents, size=int(service[col]), replace=False).tolist())
            rows += [
                {
                    "participant_id": pid,
                    "timepoint": tp,
                    "service": service[0],
                    "contact": "yes" if pid in yes else "no",
                }
                for pid in respondents
            ]
    return pd.DataFrame(rows).sort_values(["participant_id", "timepoint"], kind="stable").reset_index(drop=True)


def contacts(rng: np.random.Generator, people: pd.DataFrame, cal: np.random.Generator) -> pd.DataFrame:
    """The contact log; ``cal`` draws the completed face-to-face contacts and the people supported of each
    worker to the paper's Table 1 (more contacts, more people), and each person is met at least once."""
    ids = people["participant_id"].tolist()
    recording = sorted(rng.choice(ids, size=len(ids) - 2, replace=False).tolist())
    n = len(recording)
    f2f = np.exp(rng.normal(3.6, 0.8, size=n))
    f2f = np.round(f2f / f2f.sum() * (1682 - 2 - 273)).astype(int)
    lo, hi = np.argmin(f2f), np.argmax(f2f)
    f2f[lo], f2f[hi] = 2, 273
    rest = [i for i in range(n) if i not in (lo, hi)]
    f2f[rest[0]] += 1682 - f2f.sum()
    f2f = _by_rank(f2f, _table1(cal, "completed_face_to_face_contacts", n, total=1682)).astype(int)
    supported = _by_rank(f2f, _table1(cal, "number_of_peers", n)).astype(int)
    start = CONTACTS_START
    rows = []
    for i, pid in enumerate(recording):
        people_ids = [f"{pid}-P{j:02d}" for j in range(1, supported[i] + 1)]
        kinds = (
            [("face_to_face", "yes")] * int(f2f[i])
            + [("face_to_face", "no")] * int(rng.integers(0, 1 + f2f[i] // 8))
            + [("telephone", "yes")] * int(rng.integers(0, 1 + f2f[i] // 3))
        )
        offsets = np.sort(rng.integers(0, CONTACT_DAYS, size=len(kinds)))
        for j, ((mode, done), day) in enumerate(zip([kinds[j] for j in rng.permutation(len(kinds))], offsets)):
            drawn = people_ids[int(rng.integers(0, len(people_ids)))] if len(people_ids) > 1 else people_ids[0]
            person = people_ids[j] if j < len(people_ids) else drawn  # everyone supported is met once
            minutes = int(rng.choice([15, 30, 45, 60, 60, 90, 120])) if done == "yes" else 0
            rows.append(
                {
                    "participant_id": pid,
                    "person_id": person,
                    "date": (start + dt.timedelta(days=int(day))).isoformat(),
                    "mode": mode,
                    "duration_minutes": minutes,
                    "completed": done,
                }
            )
    return pd.DataFrame(rows)
