"""Inferential statistics, by R's conventions: the paired tests (:mod:`.paired`, imported here), p
values adjusted across a family of tests, and the paired change of every outcome over time as a
tidy DataFrame, its comparisons checked against the timepoints the scores have."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .descriptive import in_study_order, per_group
from .paired import CONFIDENCE, WILCOXON_EXACT_BELOW, PairedTest, paired_ttest, wilcoxon_p
from .terms import MIN_PAIRS, ChangeSettings

__all__ = [
    "ADJUSTED",
    "ADJUSTMENTS",
    "CHANGE_COLUMNS",
    "CONFIDENCE",
    "WILCOXON_EXACT_BELOW",
    "PairedTest",
    "adjust_p",
    "adjustment",
    "change_over_time",
    "checked_comparisons",
    "holm",
    "paired_ttest",
    "too_few_pairs",
    "wilcoxon_p",
]


# How Table 4's p values may be adjusted across its tests (``none`` adds no column), and the column
# an adjustment adds, whichever it is: the frame's ``attrs["adjust"]`` says which
ADJUSTMENTS = ("holm", "fdr_bh")
ADJUSTED = "p_adjusted"


def adjust_p(p: Iterable[float], method: str) -> np.ndarray:
    """p values adjusted across a family of tests, by pingouin's ``multicomp``.

    Parameters
    ----------
    p : array-like of float
        One p value per test; NaN (no test made) stays NaN and is not counted in the family.
    method : {"holm", "fdr_bh"}
        Holm's step-down adjustment (family-wise error), or Benjamini and Hochberg's false
        discovery rate; R's ``p.adjust(p, "holm")`` and ``p.adjust(p, "BH")``.

    Returns
    -------
    ndarray
        The adjusted p values, in the order given.

    Examples
    --------
    >>> adjust_p([0.01, 0.04, 0.03, float("nan")], "fdr_bh").round(3)
    array([0.03, 0.04, 0.04,  nan])
    """
    import pingouin

    if method not in ADJUSTMENTS:
        raise ValueError(f"unknown adjustment {method!r}; adjustments are {', '.join(ADJUSTMENTS)}")
    values = np.asarray(list(p), dtype=float)
    out = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    if ok.any():
        out[ok] = pingouin.multicomp(values[ok], method=method)[1]
    return out


def holm(p: Iterable[float]) -> np.ndarray:
    """Holm-adjusted p values (NaN stays NaN and does not count towards the family).

    >>> holm([0.01, 0.04, 0.03, float("nan")]).round(3)
    array([0.03, 0.06, 0.06,  nan])
    """
    return adjust_p(p, "holm")


def adjustment(adjust: bool | str | None) -> str:
    """The adjustment ``adjust`` names: ``none``, ``holm`` or ``fdr_bh`` (True is ``holm``, as before
    adjustments were named)."""
    method = "holm" if adjust is True else "none" if adjust in (False, None) else adjust
    if method != "none" and method not in ADJUSTMENTS:
        raise ValueError(f"unknown adjustment {adjust!r}; adjustments are none, {', '.join(ADJUSTMENTS)}")
    return method


CHANGE_COLUMNS = [
    "instrument",
    "subscale",
    "comparison",
    "n",
    "change",
    "ci_low",
    "ci_high",
    "p",
    "es",
    "d_z",
    "p_wilcoxon",
    "estimable",
    "note",
]


def too_few_pairs(min_pairs: int) -> str:
    """The note of a comparison with fewer pairs than a report tests."""
    return f"fewer than {min_pairs} complete pairs: the mean change is shown without a test"


def change_over_time(
    scores: pd.DataFrame,
    comparisons: Iterable[tuple[str, str]] | None = None,
    *,
    adjust: bool | str | None = None,
    min_pairs: int | None = None,
    by: str | Iterable[str] | None = None,
    settings: ChangeSettings | None = None,
) -> pd.DataFrame:
    """Paired change of every instrument and subscale for each ``(earlier, later)`` comparison.

    Parameters
    ----------
    scores : DataFrame
        ``participant_id, timepoint, instrument, subscale, score`` (``Study.scores`` or
        ``Study.tidy()``), and the columns ``by`` names.
    comparisons : list of (str, str), optional
        Pairs of timepoints, earlier first: ``[("T1", "T2"), ("T1", "T3")]``. Default: the
        study's (``settings.comparisons``), else the first timepoint against each later one, in
        the order of the ``timepoint`` categories.
    adjust : {"none", "holm", "fdr_bh"} or bool, optional
        Adds ``p_adjusted``: p adjusted across the tests of the whole table
        (:func:`adjust_p`), the method in ``attrs["adjust"]``; True is ``holm``. Default: ``settings.multiplicity``, else none.
    min_pairs : int, optional
        A comparison with fewer complete pairs keeps its ``n`` and mean ``change`` but no
        interval, test or effect size (``estimable`` is False and ``note`` says why). Default:
        ``settings.min_pairs``, else 6, as the reports (``params/analysis.yml``); 2 is the least
        a t-test needs.
    by : str or list of str, optional
        Columns whose groups are tested each on their own, their values in front (an
        adjustment, when asked for, runs within each group).
    settings : ChangeSettings, optional
        A study's settings (``Study.settings``): the defaults of the three above.

    Returns
    -------
    DataFrame
        ``instrument, subscale, comparison, n, change, ci_low, ci_high, p, es, d_z, p_wilcoxon,
        estimable, note``: ``change`` is earlier − later, as the paper reports it (a positive
        change is a decrease), ``es`` the change over the SD at the earlier timepoint. The
        number of tests made (which any adjustment ran across) is ``attrs["tests"]``, so that a
        table of some of the rows can say across how many. Rows follow the order of the
        ``instrument``, ``subscale`` and ``timepoint`` categories when those columns are
        categorical (as in ``Study.scores``), else the order of first appearance.

    Raises
    ------
    ValueError
        A comparison that is not a pair of two different timepoints, or that names one
        that is not a category of a categorical ``timepoint`` (the message names those
        there are).

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"participant_id": ["a", "b", "c", "a", "b", "c"],
    ...                        "timepoint": ["T1"] * 3 + ["T2"] * 3, "instrument": "wemwbs",
    ...                        "subscale": "total", "score": [50.0, 44.0, 61.0, 45.0, 43.0, 55.0]})
    >>> change_over_time(scores, [("T1", "T2")], min_pairs=2)[["comparison", "n", "change", "p", "es"]].round(3)
      comparison  n  change     p     es
    0      T1-T2  3     4.0  0.12  0.464
    >>> change_over_time(scores, [("T1", "T2")])[["n", "change", "p", "note"]]
       n  change   p                                               note
    0  3     4.0 NaN  fewer than 6 complete pairs: the mean change i...
    >>> scores["timepoint"] = pd.Categorical(scores["timepoint"], categories=["T1", "T2", "T3"])
    >>> change_over_time(scores, [("T1", "T4")])
    Traceback (most recent call last):
    ...
    ValueError: comparison ('T1', 'T4') names 'T4', not a timepoint of these scores; their timepoints are T1, T2, T3
    """
    known = _timepoints(scores)
    if comparisons is None:
        comparisons = settings.comparisons if settings is not None else _first_against_later(scores, known)
    pairs = checked_comparisons(comparisons, known)
    method = adjustment(adjust if adjust is not None else settings.multiplicity if settings is not None else "none")
    least = min_pairs if min_pairs is not None else settings.min_pairs if settings is not None else MIN_PAIRS
    if least < 2:
        raise ValueError("min_pairs must be at least 2: a t-test needs two pairs")
    return per_group(scores, by, _change, comparisons=pairs, adjust=method, min_pairs=least)


_PAIR_FORM = "a comparison is a pair (earlier, later) of timepoints, such as ('T1', 'T3')"


def _timepoints(scores: pd.DataFrame) -> list[str] | None:
    """The timepoints comparisons may name: the ``timepoint`` categories (as ``Study.scores`` and
    ``Study.tidy()`` have them). Plain values cannot say which timepoints there are, only which
    have data: a comparison naming one without is a comparison with no pairs, not a mistake."""
    column = scores.get("timepoint")
    if column is not None and isinstance(column.dtype, pd.CategoricalDtype):
        return [str(c) for c in column.cat.categories]
    return None


def _first_against_later(scores: pd.DataFrame, known: list[str] | None) -> list[tuple[str, str]]:
    if "timepoint" not in scores or not isinstance(scores["timepoint"].dtype, pd.CategoricalDtype) or not known:
        raise ValueError(
            "give comparisons (or settings=study.settings): without them the first timepoint is compared "
            "with each later one, which needs the timepoint column to be categorical in the study's order"
        )
    return [(known[0], later) for later in known[1:]]


def checked_comparisons(comparisons: Iterable, timepoints: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """``comparisons`` as ``(earlier, later)`` pairs, each two different ``timepoints``.

    >>> checked_comparisons([["T1", "T3"]], ["T1", "T2", "T3"])
    [('T1', 'T3')]
    >>> checked_comparisons(["T1-T3"], ["T1", "T2", "T3"])
    Traceback (most recent call last):
    ...
    ValueError: comparison 'T1-T3' is not a pair of timepoints: a comparison is a pair (earlier, later) of timepoints, such as ('T1', 'T3'); write ('T1', 'T3')
    """
    if isinstance(comparisons, str) or (
        isinstance(comparisons, tuple) and len(comparisons) == 2 and all(isinstance(t, str) for t in comparisons)
    ):
        raise ValueError(f"comparisons are a list of pairs: write [{tuple(comparisons)!r}], not {comparisons!r}")
    known = f"; their timepoints are {', '.join(timepoints)}" if timepoints else ""
    pairs = []
    for pair in comparisons:
        if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
            parts = tuple(p.strip() for p in pair.replace("–", "-").split("-")) if isinstance(pair, str) else ()
            hint = f"; write {parts!r}" if len(parts) == 2 else ""
            raise ValueError(f"comparison {pair!r} is not a pair of timepoints: {_PAIR_FORM}{hint}")
        first, later = (str(t) for t in pair)
        unknown = [t for t in (first, later) if timepoints is not None and t not in timepoints]
        if unknown:
            names = " and ".join(map(repr, dict.fromkeys(unknown)))
            raise ValueError(f"comparison {(first, later)!r} names {names}, not a timepoint of these scores{known}")
        if first == later:
            raise ValueError(f"comparison {(first, later)!r} compares {first} with itself: {_PAIR_FORM}")
        pairs.append((first, later))
    return pairs


def _change(scores: pd.DataFrame, *, comparisons: list[tuple[str, str]], adjust: str, min_pairs: int) -> pd.DataFrame:
    nan = float("nan")
    rows = []
    valid = in_study_order(scores.dropna(subset=["score"]))
    keys = valid[["instrument", "subscale"]].drop_duplicates().itertuples(index=False)
    # One pivot for every instrument and subscale: a pivot each cost more than their tests.
    pivot = valid.pivot_table(
        index=["instrument", "subscale", "participant_id"], columns="timepoint", values="score", observed=True
    )
    for instrument, subscale in keys:
        wide = pivot.loc[(instrument, subscale)].dropna(axis=1, how="all")
        for first, later in comparisons:
            x = wide[first] if first in wide else pd.Series(dtype=float)
            y = wide[later] if later in wide else pd.Series(dtype=float)
            r = paired_ttest(x, y)
            row = {
                "instrument": instrument,
                "subscale": subscale,
                "comparison": f"{first}-{later}",
                "n": r.n,
                "change": r.mean_diff,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "p": r.p,
                "es": r.es_baseline_sd,
                "d_z": r.d_z,
                "p_wilcoxon": r.p_wilcoxon,
                "estimable": r.estimable,
                "note": r.reason,
            }
            if r.n < min_pairs:
                row.update(
                    ci_low=nan,
                    ci_high=nan,
                    p=nan,
                    es=nan,
                    d_z=nan,
                    p_wilcoxon=nan,
                    estimable=False,
                    note=too_few_pairs(min_pairs) if r.n else "no complete pairs",
                )
            rows.append(row)
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    for column in ("instrument", "subscale"):
        out[column] = out[column].astype(str)
    if adjust != "none":
        out[ADJUSTED] = adjust_p(out["p"], adjust)
    out.attrs["adjust"] = adjust
    # the family of tests made (and any adjustment ran across), which a table of some rows still says
    out.attrs["tests"] = int(out["p"].notna().sum())
    return out
