"""The build-wide differencing search: which figures each shared report withholds so that no
combination of the reports of a build can be added and subtracted to find a group of fewer people
than the threshold.

People are split into parts by which published figures count them; a union of parts can be
derived exactly when its indicator lies in the span of the figures' indicators. The planner asks
:func:`differencing_withheld` across every shared report of a build, and each report withholds
what it names (:mod:`peerimpact.report.disclosure`).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np

MAX_SMALL_ATOMS = 10  # up to this many small parts, their unions are tried one by one; beyond, exactly by MILP
_IN_SPAN = 1e-9  # squared distance from the span below which an indicator lies in it


People = frozenset | np.ndarray  # who is behind a figure: IDs, or a mask over a study's people


def _size(people: People) -> int:
    return int(people.sum()) if isinstance(people, np.ndarray) else len(people)


def _atoms(sets: list[People]) -> dict[tuple[bool, ...], int]:
    """People split into parts by which of ``sets`` hold them: each part's pattern and size."""
    masks = [s for s in sets if isinstance(s, np.ndarray)]
    if sets and len(masks) == len(sets):  # masks: one pass of numpy
        codes = np.zeros(masks[0].shape, dtype=np.int64)
        for i, mask in enumerate(masks):  # bit i set where sets[i] holds the person
            codes |= mask.astype(np.int64) << i
        found, counts = np.unique(codes[codes > 0], return_counts=True)
        return {tuple(bool(code >> i & 1) for i in range(len(sets))): int(n) for code, n in zip(found, counts)}
    everyone = frozenset().union(*sets) if sets else frozenset()
    parts = [everyone] if everyone else []
    for s in sets:  # split every part by each set, with set operations rather than person by person
        parts = [piece for part in parts for piece in (part & s, part - s) if piece]
    return {tuple(next(iter(part)) in s for s in sets): len(part) for part in parts}


def _disclosive(sets: list[People], threshold: int) -> list[int] | None:
    """The indexes of published sets from which a group of 1 to ``threshold − 1`` people
    can be found by adding and subtracting their figures; ``None`` if there is none."""
    found = _derivation(sets, threshold)
    return None if found is None else found[1]


def _derivation(sets: list[People], threshold: int) -> tuple[list[int], list[int]] | None:
    """How a group of 1 to ``threshold − 1`` people can be found from the published sets: the
    sets without any one of which it cannot be, and every set the arithmetic uses; ``None`` if
    no such group can be found.

    People are split into parts by which sets hold them; a union of parts can be derived
    exactly when its indicator lies in the span of the sets' indicators.
    """
    atoms = _atoms(sets)
    if not atoms:
        return None
    keys = sorted(atoms, reverse=True)
    matrix = np.array([[1.0 if key[i] else 0.0 for key in keys] for i in range(len(sets))])
    small = [j for j, key in enumerate(keys) if atoms[key] < threshold]
    if not small:
        return None
    # An orthonormal basis of the sets' span (the tolerance of numpy's matrix_rank). A union
    # of parts is derivable when its indicator t equals its projection: |t|² − |Bᵀt|² = 0,
    # and Bᵀt is the sum of the basis rows of its parts, so no decomposition per candidate.
    _, values, vt = np.linalg.svd(matrix, full_matrices=False)
    basis = vt[values > values.max() * max(matrix.shape) * np.finfo(float).eps].T[small]
    count = np.array([atoms[keys[j]] for j in small])  # every part holds someone: counts are 1 or more
    norms = (basis**2).sum(axis=1)

    def found(combo: tuple[int, ...]) -> tuple[list[int], list[int]]:
        """The sets without which the group cannot be derived (withholding one of them is enough),
        and every set the arithmetic used."""
        target = np.zeros(len(keys))
        target[[small[c] for c in combo]] = 1.0
        solution = np.linalg.lstsq(matrix.T, target, rcond=None)[0]
        involved = [i for i in range(len(sets)) if abs(solution[i]) > 1e-9]
        essential = []
        for i in involved:
            others = np.delete(matrix, i, axis=0)
            if not len(others):
                essential.append(i)
                continue
            if not _in_span(others, target):
                essential.append(i)
        return essential, involved

    hits = np.flatnonzero(1 - norms < _IN_SPAN)
    if len(hits):
        return found((int(hits[0]),))
    if len(small) > 1:  # pairs, all at once from the Gram matrix, the first in the order of combinations
        residual = 2 - norms[:, None] - norms[None, :] - 2 * basis @ basis.T
        ok = np.triu((residual < _IN_SPAN) & (count[:, None] + count[None, :] < threshold), k=1)
        pairs = np.argwhere(ok)
        if len(pairs):
            return found((int(pairs[0][0]), int(pairs[0][1])))
    if len(small) > MAX_SMALL_ATOMS:  # too many unions to try one by one: the exact search
        parts = smallest_union(matrix, np.array([atoms[k] for k in keys]), threshold)
        return None if parts is None else found(tuple(small.index(j) for j in parts))
    for size in range(3, len(small) + 1):
        for combo in itertools.combinations(range(len(small)), size):
            if count[list(combo)].sum() < threshold and size - (basis[list(combo)].sum(axis=0) ** 2).sum() < _IN_SPAN:
                return found(combo)
    return None


def _in_span(matrix: np.ndarray, target: np.ndarray) -> bool:
    """Whether ``target`` is a combination of ``matrix``'s rows (least squares leaves nothing over)."""
    solution = np.linalg.lstsq(matrix.T, target, rcond=None)[0]
    return bool(np.abs(matrix.T @ solution - target).max() < 1e-6)


def smallest_union(matrix: np.ndarray, sizes: np.ndarray, threshold: int) -> list[int] | None:
    """The parts (columns of ``matrix``, one row per published set, 1 where the set holds the part)
    of a smallest union of 1 to ``threshold − 1`` people whose indicator is a combination of the
    rows, or ``None``: a mixed-integer program, solved exactly by HiGHS (``scipy.optimize.milp``).

    Variables: a free coefficient per set, and a 0/1 choice per part of fewer than ``threshold``
    people. The coefficients' combination must equal the chosen parts' indicator, part by part;
    at least one part is chosen and the chosen people number fewer than ``threshold``; their
    number is minimised. A solution the solver's tolerances let through but exact arithmetic
    would not is refused and cut off, and the program solved again.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    n_sets, n_parts = matrix.shape
    small = [j for j in range(n_parts) if sizes[j] < threshold]
    if not small:
        return None
    chosen = np.zeros((n_parts, len(small)))
    chosen[small, range(len(small))] = -1.0
    rows = [LinearConstraint(np.hstack([matrix.T, chosen]), 0, 0)]  # Σ coefficient·set − chosen = 0, per part
    weights = np.concatenate([np.zeros(n_sets), sizes[small].astype(float)])
    rows.append(LinearConstraint(weights, 1, threshold - 1))  # 1 to threshold − 1 people
    objective = weights
    integrality = np.concatenate([np.zeros(n_sets), np.ones(len(small))])
    bounds = Bounds(np.concatenate([np.full(n_sets, -np.inf), np.zeros(len(small))]),
                    np.concatenate([np.full(n_sets, np.inf), np.ones(len(small))]))  # fmt: skip
    for _ in range(64):
        result = milp(objective, constraints=rows, integrality=integrality, bounds=bounds)
        if result.status != 0 or result.x is None:  # infeasible: no such union
            return None
        picked = [small[i] for i, v in enumerate(result.x[n_sets:]) if v > 0.5]
        target = np.zeros(n_parts)
        target[picked] = 1.0
        if picked and sizes[picked].sum() < threshold and _in_span(matrix, target):
            return picked
        cut = np.zeros(n_sets + len(small))  # not this union again
        cut[n_sets:] = [1.0 if small[i] in picked else -1.0 for i in range(len(small))]
        rows.append(LinearConstraint(cut, -np.inf, len(picked) - 1))
    raise RuntimeError("the differencing search did not settle")  # a solver fault, not a study's


def derivable_group(populations: Sequence[Iterable[Hashable]], threshold: int) -> set | None:
    """A smallest group of 1 to ``threshold − 1`` people that adding and subtracting the sizes of
    ``populations`` reveals, or ``None`` if there is none.

    Each population is the people behind one released figure (a site's n, a cohort's, the
    study's). People are split into parts by which populations hold them; a union of parts can
    be found exactly when its indicator is a combination of the populations' indicators. Every
    union is considered, whatever the number of parts (:func:`smallest_union`).

    Parameters
    ----------
    populations : list of sets of participant IDs
    threshold : int
        The smallest group a release may reveal.

    Returns
    -------
    set or None
        The IDs of a smallest revealed group.

    Examples
    --------
    >>> site = {"a", "b", "c", "d", "e"}
    >>> study = site | {"f", "g"}
    >>> sorted(derivable_group([site, study], threshold=3))   # the study minus the site
    ['f', 'g']
    >>> derivable_group([site, study], threshold=2) is None
    True
    """
    sets = [frozenset(p) for p in populations]
    everyone = frozenset().union(*sets)
    parts: dict[tuple[bool, ...], set] = {}
    for person in everyone:
        parts.setdefault(tuple(person in s for s in sets), set()).add(person)
    keys = list(parts)
    if not keys:
        return None
    matrix = np.array([[1.0 if key[i] else 0.0 for key in keys] for i in range(len(sets))])
    picked = smallest_union(matrix, np.array([len(parts[k]) for k in keys]), threshold)
    return None if picked is None else set().union(*(parts[keys[j]] for j in picked))


def differencing_withheld(
    published: Mapping[str, Mapping[tuple[str, ...], People]], fixed: Mapping[tuple[str, ...], People], threshold: int
) -> dict[str, set[tuple[str, ...]]]:
    """Which figures each shared report must withhold so that no two reports can be subtracted.

    ``published`` maps a report to the people behind each figure it would show (only figures
    resting on at least ``threshold`` people), as sets of IDs or as boolean masks over one
    list of people; ``fixed`` holds figures every report shows and
    that are never withheld (the study-wide comparators). For each figure, while some
    combination of the published ones reveals a group of 1 to ``threshold − 1`` people, the
    smallest report's figure taking part is withheld.
    """
    out: dict[str, set[tuple[str, ...]]] = {report: set() for report in published}
    keys = {key for figures in published.values() for key in figures}
    for key in sorted(keys):
        reports = [r for r in published if key in published[r]]
        while True:
            sets = [published[r][key] for r in reports] + ([fixed[key]] if key in fixed else [])
            derivation = _derivation(sets, threshold)
            if derivation is None:
                break
            essential, involved = derivation
            # withhold a figure without which the group cannot be found, in the smallest report
            candidates = [i for i in essential if i < len(reports)] or [i for i in involved if i < len(reports)]
            if not candidates:
                break  # only study-wide figures: nothing a report can withhold
            drop = min(candidates, key=lambda i: (_size(sets[i]), reports[i]))
            out[reports[drop]].add(key)
            reports.pop(drop)
    return out
