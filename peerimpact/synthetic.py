"""The embedded example study: synthetic, deterministic, shaped like Gillard et al. (2022).

Sample sizes, site sizes, attrition, Table 1 category counts and Table 2 service-use
counts follow the paper's published figures (Gillard et al. 2022, BMC Psychiatry,
doi:10.1186/s12888-022-03999-9, CC BY 4.0). Item responses are calibrated so that the
study's own scoring reproduces the paper's Tables 3 and 4 (see :mod:`peerimpact.calibration`);
no real participant's data is involved.
"""

from __future__ import annotations

import datetime as dt
import errno
import itertools
import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .calibration import ChangeTarget, Impossible, Printed, SubscaleTarget, TimepointTarget, calibrate_scores
from .config import Instrument
from .config import PublishedFigures as Targets
from .config.targets import default_targets, load_targets
from .example_interviews import CODES, EXCERPTS, THEMES
from .ingest.scoring import load_instrument

DEFAULT_SEED = 2022
# Peer workers of a scaled study (sites × per site): each brings about 63 contacts, so 20,000 keep the
# contact log well under the 2,000,000 rows a study's table may have (peerimpact.limits).
MAX_PEOPLE = 20_000
SITES = {"S1": 5, "S2": 7, "S3": 6, "S4": 5, "S5": 3, "S6": 3, "S7": 3}
RECRUITMENT_TARGETS = {"S1": 6, "S2": 8, "S3": 6, "S4": 6, "S5": 4, "S6": 4, "S7": 4}  # 38 planned
TIMEPOINTS = ["T1", "T2", "T3"]
N_T2, N_T3 = 20, 21
INSTRUMENTS = ["wemwbs", "mjs", "itp", "mbi"]

# Published Table 1 counts (code: (label, count)); participants without a count have the item missing.
CATEGORIES = {
    "gender": {"M": ("Male", 10), "F": ("Female", 21), "X": ("Prefer not to say", 1)},
    "sexual_orientation": {
        "BI": ("Bisexual", 3),
        "LG": ("Lesbian/Gay", 2),
        "HE": ("Heterosexual", 22),
        "X": ("Prefer not to say", 4),
    },
    "ethnicity": {
        "WB": ("White British", 20),
        "WI": ("White Irish", 3),
        "WO": ("White other", 2),
        "AR": ("Arab", 1),
        "BA": ("Black/Black British African", 1),
        "AP": ("Asian/Asian British Pakistani", 1),
        "MWA": ("Mixed White & Asian", 1),
        "MO": ("Mixed other Mixed background", 1),
    },
    "highest_education_level": {
        "SEC": ("Secondary school", 7),
        "FE": ("More than secondary school", 10),
        "UG": ("University graduate", 4),
        "PG": ("Post-graduate", 4),
    },
    "marital_status": {
        "MA": ("Married", 3),
        "SI": ("Single", 16),
        "DI": ("Divorced", 2),
        "RE": ("In a relationship", 4),
    },
    "religion": {
        "NO": ("No religion", 14),
        "CH": ("Christian", 8),
        "MU": ("Muslim", 3),
        "NS": ("Religion not stated", 3),
    },
}
FLAGS = {"english_first_language": {"yes": 24, "no": 1}, "child_under_18_in_household": {"yes": 1, "no": 22}}
# Days of sick leave of the 18 contracted workers with any (12 more had none): mean 7.7, SD 13.8, max 55.
SICK_DAYS = [1, 1, 2, 2, 3, 4, 4, 5, 5, 5, 6, 7, 9, 22, 26, 30, 44, 55]
# Published Table 1 mean, SD, minimum and maximum of the continuous characteristics, and the grid their
# values lie on (whole years, tenths of a month, quarter hours, whole people and contacts).
TABLE1 = {
    "age": (42.9, 9.0, 26, 59, 1),
    "months_in_post": (17.7, 8.2, 6.1, 31.6, 0.1),
    "contracted_hours": (17.8, 5.6, 10, 30, 0.25),
    "number_of_peers": (9.7, 8.0, 1, 39, 1),  # the paper's table prints a maximum of 40; its text says 39
    "completed_face_to_face_contacts": (1682 / 30, 54.0, 2, 273, 1),  # 1,682 in all
}

# Published Table 2: (service id, label, people with any contact at T1, at T3).
SERVICES = [
    ("admission_mh", "Hospital admission (mental health)", 0, 0),
    ("admission_ph", "Hospital admission (physical health)", 1, 0),
    ("ae_mh", "A&E attendance (mental health)", 0, 0),
    ("ae_ph", "A&E attendance (physical health)", 4, 0),
    ("outpatient_mh", "Outpatient visit (mental health)", 5, 0),
    ("psychiatrist", "Psychiatrist", 7, 3),
    ("community_mh", "Community mental health services", 13, 6),
    ("crisis_team", "Crisis & home treatment team", 0, 0),
    ("psychological_therapy", "Psychological therapy", 4, 7),
    ("gp", "GP", 13, 10),
    ("primary_care_nurse", "Primary care nurse", 8, 3),
    ("wellbeing_services", "Wellbeing services (community-based)", 9, 12),
]

ITEM_NOISE = 0.6  # SD of an answer around its person's item mean, in response units
CALIBRATION_ATTEMPTS = 24
# Burnout subscales run the other way: the same person's standing gives a low score there.
AGAINST = {("mbi", "emotional_exhaustion"), ("mbi", "depersonalization")}

STUDY_YML = """\
# The embedded example study. Synthetic data shaped like Gillard et al. (2022),
# BMC Psychiatry, doi:10.1186/s12888-022-03999-9: made by `peerimpact synth`.
name: Example peer worker study (synthetic)
data_cut: {data_cut}
sites: [{sites}]
timepoints: [T1, T2, T3]
instruments: [{instruments}]
missing_codes: ["", "NA", "-99", "-9"]
services:
{services}
categories:
{categories}
cohorts:
  contracted:
    label: Contracted staff
    where: {{contract_type: contracted}}
  bank:
    label: Bank staff
    where: {{contract_type: bank}}
  early_starters:
    label: Early starters (consented by January 2019)
    where: {{consent_date: {{to: 2019-01-31}}}}
  late_starters:
    label: Late starters (consented from February 2019)
    where: {{consent_date: {{from: 2019-02-01}}}}
funder:
  name: Example research funder (programme grant)
  grant: EX-2018-0001
reporting_period: {{start: 2020-04-01, end: 2021-03-31}}
targets:
  recruitment:
    sites: {{{recruitment}}}
    total: {recruit}
    start: 2018-10-01
    by: 2019-08-31
  retention: {{T2: 70, T3: 70}}   # percent of those who completed T1
  contacts_per_month: {per_month}         # completed contacts, study-wide
{reproduces}milestones:
  - {{name: Recruitment target reached, due: 2019-08-31, evidence: {{consented: {recruit}}}}}
  - name: Baseline (T1) questionnaires returned
    due: 2019-09-30
    evidence: {{returned: {{timepoint: T1, at_least: {n}}}}}
  - {{name: {contacts} completed contacts logged, due: 2020-03-31, evidence: {{contacts: {contacts}}}}}
  - {{name: Interim report to the funder, due: 2020-06-30, done: 2020-06-26}}
  - name: Follow-up (T3) questionnaires returned
    due: 2020-09-30
    evidence: {{returned: {{timepoint: T3, at_least: {t3}}}}}   # 70% of the {n} who returned T1
  - {{name: Final report to the funder, due: 2021-09-30}}
files:
  participants: participants.csv
  questionnaires: questionnaires.csv
  service_use: service_use.csv
  contacts: contacts.csv
  codebook: codebook.csv
  excerpts: excerpts.csv
windows:   # when each questionnaire is due, in days after consent (from, to: both included)
  T1: {{from: 0, to: 60}}       # at consent
  T2: {{from: 80, to: 164}}     # about 4 months after consent (122 days), give or take 6 weeks
  T3: {{from: 323, to: 407}}    # about 12 months after consent (365 days), give or take 6 weeks
alerts: {{quiet_months: 2, items_missing_percent: 10}}   # when the data-quality alerts speak
"""


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
    z = np.sort(_standardised(rng.normal(size=k)))
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
            i, j = np.unravel_index(int(pairs.argmin()), pairs.shape)
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


def _standardised(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std(ddof=1)


def _scaled(rng: np.random.Generator, n: int, mean: float, sd: float, lo: float, hi: float) -> np.ndarray:
    """n values with about the given mean and SD, whose smallest and largest are lo and hi."""
    x = _standardised(rng.normal(size=n)) * sd + mean
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


def _interviewed() -> dict[str, set[str]]:
    """Who the example interviews at each timepoint."""
    out: dict[str, set[str]] = {tp: set() for tp in TIMEPOINTS}
    for pid, tp, _, _ in EXCERPTS:
        out[tp].add(pid)
    return out


def _respondents(rng: np.random.Generator, ids: list[str]) -> dict[str, list[str]]:
    """Who answered the questionnaires at each timepoint: everyone at T1; at T2 those interviewed
    then and a few more; at T3 mostly those interviewed then (people still taking part do both)."""
    interviewed = _interviewed()
    t2 = sorted(interviewed["T2"])[:N_T2]
    t2 += rng.choice([pid for pid in ids if pid not in t2], size=N_T2 - len(t2), replace=False).tolist()
    pool = sorted(interviewed["T3"])
    t3 = rng.choice(pool, size=min(N_T3, len(pool)), replace=False).tolist()
    t3 += rng.choice([pid for pid in t2 if pid not in t3], size=N_T3 - len(t3), replace=False).tolist()
    return {"T1": list(ids), "T2": sorted(t2), "T3": sorted(t3)}


def subscale_targets(targets: Targets) -> dict[tuple[str, str], SubscaleTarget]:
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
                        *(printed(row, c) for c in ("change", "ci_low", "ci_high", "es")),
                        significant=float(row["p"]) < 0.05 if "p" in row else None,
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
        return {tp: sorted(chosen[tp], key=order.get) for tp in n}
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


def _subscale_answers(
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
    answers[np.sort(rng.choice(k, size=m, replace=False))] = values
    out = {}
    for item, value in zip(sub.items, answers):
        out[inst.column(item)] = float(inst.min + inst.max - value if item in sub.reverse and value == value else value)
    return out


def questionnaires(
    rng: np.random.Generator, people: pd.DataFrame, cal: np.random.Generator, targets: Targets | None = None
) -> pd.DataFrame:
    """Item-level answers of the respondents at each timepoint, calibrated to ``targets``.

    ``rng`` picks who answered at each timepoint (as it always has); ``cal`` draws the rest.
    For each subscale, who has a score follows the published n's and pairs, the scores are found
    by :func:`peerimpact.calibration.calibrate_scores`, and the answers are made from the scores.
    A subscale without targets gets scores around the middle of its range.
    """
    ids = people["participant_id"].tolist()
    who = _respondents(rng, ids)
    insts = {name: load_instrument(name) for name in INSTRUMENTS}
    published = subscale_targets(targets) if targets is not None else {}
    standing = dict(zip(ids, _standardised(cal.normal(size=len(ids)))))
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
                typical = (
                    target.timepoints[tp].mean.value
                    if target and tp in target.timepoints and target.timepoints[tp].mean
                    else (lo + hi) / 2
                ) / per_item
                for pid in who[tp]:
                    score = scores.get(tp, {}).get(pid)
                    answers[(tp, pid)].update(_subscale_answers(cal, inst, subscale, score, typical))
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


def service_use(rng: np.random.Generator, people: pd.DataFrame, who_t3: list[str]) -> pd.DataFrame:
    ids = people["participant_id"].tolist()
    rows = []
    for tp, respondents, col in (("T1", ids, 2), ("T3", who_t3, 3)):
        for service in SERVICES:
            yes = set(rng.choice(respondents, size=service[col], replace=False).tolist())
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


def codebook() -> pd.DataFrame:
    """The example coding framework: 18 codes under three themes."""
    return pd.DataFrame(
        [
            {"code_id": cid, "code": name, "theme": THEMES[theme], "description": description}
            for cid, (theme, name, description) in CODES.items()
        ]
    )


def excerpts() -> pd.DataFrame:
    """The example excerpts, numbered within each interview: ``S4-PW02-T2-1``."""
    rows, count = [], {}
    for pid, tp, codes, text in EXCERPTS:
        count[(pid, tp)] = count.get((pid, tp), 0) + 1
        rows.append(
            {
                "excerpt_id": f"{pid}-{tp}-{count[(pid, tp)]}",
                "participant_id": pid,
                "timepoint": tp,
                "codes": ";".join(codes),
                "text": text,
            }
        )
    return pd.DataFrame(rows).sort_values(["participant_id", "timepoint", "excerpt_id"]).reset_index(drop=True)


LEAVERS = ["contract_end", "new_job", "health", "new_job", "personal", "contract_end"]
WITHDRAWN = 2
CONTACTS_START = dt.date(2019, 1, 7)  # the contact log began
CONTACT_DAYS = 540  # a worker's contacts are drawn on days 0-539, then spread (_over_time_in_post)
DATA_CUT = dt.date(2021, 3, 31)
# Sites whose log stops before the data cut (the first day not logged): S7 has entered nothing
# since December 2020, so the data-quality alerts have something to find.
LOG_STOPS = {"S7": dt.date(2021, 1, 1)}


def _day(d: dt.date, days: float) -> dt.date:
    return d + dt.timedelta(days=int(days))


def dates(rng: np.random.Generator, people: pd.DataFrame, quest: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Consent, completion, leaving-post and withdrawal dates (their own random stream, so that adding
    them left every other value of the example as it was).

    The first wave consented from October 2018 to January 2019, the second from March to August
    2019; T2 came four to five months after T1 and T3 about a year after. Six of those without T3
    left post after their last questionnaire, and two withdrew.
    """
    people, quest = people.copy(), quest.copy()
    consent = [
        _day(dt.date(2018, 10, 1) if wave == "1" else dt.date(2019, 3, 1), rng.integers(0, 120))
        for wave in people["wave"]
    ]
    people["consent_date"] = consent
    first = dict(zip(people["participant_id"], consent))
    t1 = {pid: _day(c, rng.integers(0, 28)) for pid, c in first.items()}
    after_t1 = {"T1": (0, 1), "T2": (120, 150), "T3": (330, 380)}
    quest.insert(
        3,
        "completed_date",
        [_day(t1[pid], rng.integers(*after_t1[tp])) for pid, tp in zip(quest["participant_id"], quest["timepoint"])],
    )
    last = quest.groupby("participant_id")["completed_date"].max()
    # Those who leave or withdraw are among those without T3, and never interviewed after their last questionnaire.
    order = {tp: i for i, tp in enumerate(TIMEPOINTS)}
    last_tp = quest.groupby("participant_id")["timepoint"].agg(lambda tps: max(order[t] for t in tps))
    interviewed = _interviewed()
    interviewed_last = {
        pid: max(order[tp] for tp, who in interviewed.items() if pid in who)
        for pid in people["participant_id"]
        if any(pid in who for who in interviewed.values())
    }
    no_t3 = sorted(set(people["participant_id"]) - set(quest.loc[quest["timepoint"] == "T3", "participant_id"]))
    free = [pid for pid in no_t3 if interviewed_last.get(pid, 0) <= last_tp[pid]]
    chosen = [free[i] for i in rng.permutation(len(free))[: len(LEAVERS) + WITHDRAWN]]
    people["left_post_date"], people["left_post_reason"], people["withdrawn_date"] = None, None, None
    for i, pid in enumerate(chosen):
        row = people.index[people["participant_id"] == pid][0]
        when = _day(last[pid], rng.integers(20, 90))
        if i < len(LEAVERS):
            people.loc[row, ["left_post_date", "left_post_reason"]] = [when, LEAVERS[i]]
        else:
            people.loc[row, "withdrawn_date"] = when
    return people, quest


def _over_time_in_post(log: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """The contact log's dates spread over each peer worker's time in the log (same contacts, same order).

    A worker logs from consent (or from :data:`CONTACTS_START`, when the log began, if later) up to
    the data cut, or up to the day they left post; a site in :data:`LOG_STOPS` has entered nothing
    since its date. A worker who withdrew from the study's questionnaires is still in post and keeps
    the log. Contacts grow steadily over a worker's time in the log, from none, as referrals build
    up a caseload: a contact drawn a share ``s`` of the way through :data:`CONTACT_DAYS` is put a
    share ``sqrt(s)`` of the way through the worker's time (a rate rising in a straight line reaches
    the share ``s`` of its contacts there). Only the dates change, not who was seen, how or for how
    long, so the counts of Table 1 stay as they were.
    """
    consent = dict(zip(people["participant_id"], people["consent_date"]))
    left = dict(zip(people["participant_id"], people["left_post_date"]))
    out = log.copy()
    dates = []
    for pid, day in zip(log["participant_id"], log["date"]):
        start = max(CONTACTS_START, consent[pid])
        stop = LOG_STOPS.get(pid.split("-")[0], DATA_CUT + dt.timedelta(days=1))  # the first day not logged
        if left.get(pid) is not None:
            stop = min(stop, left[pid])
        share = ((dt.date.fromisoformat(day) - CONTACTS_START).days + 0.5) / CONTACT_DAYS
        dates.append(_day(start, (stop - start).days * math.sqrt(share)).isoformat())
    out["date"] = dates
    return out


def generate(seed: int = DEFAULT_SEED, targets: Targets | str | Path | None = None) -> dict[str, pd.DataFrame]:
    """All frames of the example study, as they are written to CSV, with questionnaires calibrated to
    ``targets`` (a :class:`~peerimpact.config.PublishedFigures` or its file; default: the paper's)."""
    if not isinstance(targets, Targets):
        targets = load_targets(Path(targets) if targets is not None else default_targets())
    rng, cal = np.random.default_rng(seed), np.random.default_rng([seed, 2])
    people = participants(rng, cal)
    quest = questionnaires(rng, people, np.random.default_rng([seed, 3]), targets)
    who_t3 = sorted(quest.loc[quest["timepoint"] == "T3", "participant_id"])
    use, log = service_use(rng, people, who_t3), contacts(rng, people, cal)
    people, quest = dates(np.random.default_rng([seed, 1]), people, quest)
    return {
        "participants": people,
        "questionnaires": quest,
        "service_use": use,
        "contacts": _over_time_in_post(log, people),
        "codebook": codebook(),
        "excerpts": excerpts(),
    }


def _csv_text(frame: pd.DataFrame) -> str:
    def cell(v: object) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float):
            return f"{v:g}"
        return str(v)

    text = frame.map(cell).to_csv(index=False, lineterminator="\n")
    return text


def scaled(
    frames: dict[str, pd.DataFrame], sites: int, per_site: int, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """A larger study made from the example, for timing builds at national scale: ``sites`` sites of
    ``per_site`` peer workers, each a copy of one of the example's (drawn at random), with its
    answers, service use, contacts and interviews under its new ID and its dates moved by up to
    two weeks (never past the data cut). A bootstrap of the example: its figures no longer
    reproduce the paper's."""
    people = frames["participants"]
    templates = people["participant_id"].to_numpy()
    new_ids = [f"S{s}-PW{i:02d}" for s in range(1, sites + 1) for i in range(1, per_site + 1)]
    drawn = rng.choice(templates, size=len(new_ids))
    shifts = rng.integers(-14, 15, size=len(new_ids))
    # a worker who logs up to the data cut keeps every date on or before it
    latest = pd.concat(
        [
            pd.to_datetime(frames[name].set_index("participant_id")[column]).dropna()
            for name, column in (
                ("participants", "left_post_date"),
                ("participants", "withdrawn_date"),
                ("questionnaires", "completed_date"),
                ("contacts", "date"),
            )
        ]
    )
    room = (pd.Timestamp(DATA_CUT) - latest.groupby(level=0).max()).dt.days
    shifts = np.minimum(shifts, room.reindex(drawn).fillna(14).to_numpy().astype(int))
    copies = pd.DataFrame({"template": drawn, "participant_id": new_ids, "shift": shifts})

    def copied(frame: pd.DataFrame, key: str = "participant_id") -> pd.DataFrame:
        out = copies.merge(frame.rename(columns={key: "template"}), on="template").drop(columns="template")
        for column in ("consent_date", "left_post_date", "withdrawn_date", "completed_date", "date"):
            if column in out.columns:
                dates = pd.to_datetime(out[column])
                out[column] = (dates + pd.to_timedelta(out["shift"], unit="D")).dt.date.where(dates.notna(), None)
        return out.drop(columns="shift")

    out = {name: copied(frames[name]) for name in ("participants", "questionnaires", "service_use", "contacts")}
    out["participants"]["site"] = out["participants"]["participant_id"].str.split("-").str[0]
    out["questionnaires"]["site"] = out["questionnaires"]["participant_id"].str.split("-").str[0]
    contacts = out["contacts"]
    contacts["person_id"] = contacts["participant_id"] + contacts["person_id"].str.extract(r"(-P\d+)$")[0]
    excerpts = copied(frames["excerpts"])
    excerpts["excerpt_id"] = excerpts["participant_id"] + excerpts["excerpt_id"].str.extract(r"(-T\d+-\d+)$")[0]
    out["excerpts"] = excerpts
    out["codebook"] = frames["codebook"]
    order = ["participants", "questionnaires", "service_use", "contacts", "codebook", "excerpts"]
    return {name: out[name][frames[name].columns].reset_index(drop=True) for name in order}


def example_frames() -> dict[str, pd.DataFrame]:
    """The embedded example's data files as written (text, empty cells missing), for :func:`scaled`.

    A larger study copies these rather than a freshly generated example: the calibration that
    sets the questionnaire answers stops where the search's floating-point arithmetic leads it,
    which differs with the BLAS build numpy and scipy use, so only the shipped files are the same
    on every machine.
    """
    from .resources import example_study_dir

    folder = example_study_dir()
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False).replace("", None)
        for name in ("participants", "questionnaires", "service_use", "contacts", "codebook", "excerpts")
    }


def out_refusal(out: str | Path) -> str | None:
    """Why the example must not be written to ``out``, or ``None``: it is written only into a new or
    an empty folder, so no study (or anything else) is ever written over."""
    out = Path(out)
    if out.is_symlink() and not out.exists():
        return "it is a symbolic link to nothing"
    if not out.exists():
        return None
    if not out.is_dir():
        return "it exists and is not a folder"
    try:
        names = sorted(os.listdir(out))
    except OSError as error:
        return f"it cannot be listed ({error.strerror or error})"
    if names:
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        return (
            f"it is not empty (it holds {', '.join(names[:3])}{more}); the example is written only into a new "
            "or empty folder"
        )
    return None


def size_refusal(sites: int | None, per_site: int | None) -> str | None:
    """Why ``sites`` and ``per_site`` make no study :func:`scaled` can write, or ``None``."""
    if sites is None and per_site is None:
        return None
    if sites is None or per_site is None:
        return "--sites and --per-site go together (e.g. --sites 60 --per-site 15)"
    if sites < 1 or per_site < 1:
        return f"a study needs at least one site and one peer worker per site, not {sites} and {per_site}"
    if sites * per_site > MAX_PEOPLE:
        return (
            f"{sites} sites of {per_site} is {sites * per_site:,} peer workers; at most {MAX_PEOPLE:,}, so the "
            "study's tables stay within the row limit a study is read with"
        )
    return None


def write(
    out: str | Path,
    seed: int = DEFAULT_SEED,
    targets: Targets | str | Path | None = None,
    *,
    sites: int | None = None,
    per_site: int | None = None,
) -> list[Path]:
    """Write the example study (``study.yml`` and its CSV files) to ``out``; with ``sites`` and
    ``per_site``, the larger study :func:`scaled` makes from the embedded example's files (``seed``
    then draws the copies, and ``targets`` is not used).

    Parameters
    ----------
    out
        A new or empty folder; see :func:`out_refusal`.
    seed, targets
        As for :func:`generate`.
    sites, per_site
        Both or neither; positive, and at most :data:`MAX_PEOPLE` peer workers in all.

    Raises
    ------
    FileExistsError
        ``out`` exists and is not an empty folder (or a file appeared in it while it was written);
        nothing is written over.
    ValueError
        ``sites`` and ``per_site`` make no study, or the targets are figures no data can give.
    """
    out = Path(out)
    reason = out_refusal(out)
    if reason:
        raise FileExistsError(errno.EEXIST, reason, str(out))
    reason = size_refusal(sites, per_site)
    if reason:
        raise ValueError(reason)
    if sites is not None and per_site is not None:
        frames = scaled(example_frames(), sites, per_site, np.random.default_rng([seed, 4]))
    else:
        frames = generate(seed, targets)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in frames.items():
        path = out / f"{name}.csv"
        _create(path, _csv_text(frame))
        written.append(path)
    services = "\n".join(f"  {sid}: {json.dumps(label)}" for sid, label, _, _ in SERVICES)
    categories = "\n".join(
        f"  {column}: {{{', '.join(f'{code}: {json.dumps(label)}' for code, (label, _) in levels.items())}}}"
        for column, levels in CATEGORIES.items()
    )
    if sites is None:
        site_ids, recruitment, scale = list(SITES), RECRUITMENT_TARGETS, 1.0
        reproduces = (
            "reproduces: gillard2022   # the study report's appendix checks it against the paper's Tables 1-4\n"
        )
    else:  # the paper's targets, per site and in proportion
        site_ids = [f"S{s}" for s in range(1, sites + 1)]
        recruitment = {site: (per_site or 1) + 1 for site in site_ids}
        scale, reproduces = len(frames["participants"]) / sum(SITES.values()), ""
    yml = STUDY_YML.format(
        data_cut=DATA_CUT.isoformat(),
        sites=", ".join(site_ids),
        instruments=", ".join(INSTRUMENTS),
        services=services,
        categories=categories,
        recruitment=", ".join(f"{site}: {n}" for site, n in recruitment.items()),
        recruit=sum(recruitment.values()),
        n=len(frames["participants"]),
        t3=math.ceil(0.7 * len(frames["participants"])),
        contacts=round(1500 * scale),
        per_month=round(100 * scale),
        reproduces=reproduces,
    )
    _create(out / "study.yml", yml)
    return [out / "study.yml", *written]


def _create(path: Path, text: str) -> None:
    """Write a new file: ``O_EXCL`` fails rather than write over a file (or through a link) that
    appeared since the folder was found empty."""
    with open(path, "x", encoding="utf-8", newline="") as handle:
        handle.write(text)
