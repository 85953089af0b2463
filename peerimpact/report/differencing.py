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
from collections.abc import Mapping

import numpy as np

MAX_SMALL_ATOMS = 10  # beyond this many small parts, only single parts and pairs are tried
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
            x = np.linalg.lstsq(others.T, target, rcond=None)[0]
            if np.abs(others.T @ x - target).max() > 1e-6:
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
    if len(small) > MAX_SMALL_ATOMS:
        return None
    for size in range(3, len(small) + 1):
        for combo in itertools.combinations(range(len(small)), size):
            if count[list(combo)].sum() < threshold and size - (basis[list(combo)].sum(axis=0) ** 2).sum() < _IN_SPAN:
                return found(combo)
    return None


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
