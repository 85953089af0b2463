"""Internal consistency of each subscale: Cronbach's α from the item-level answers.

What an instrument's subscales are made of is read through :class:`ItemLayout`, a protocol that
an instrument's definition (:class:`peerimpact.config.Instrument`, ``params/instruments/*.yml``)
satisfies as it is, so this layer reads no YAML. Reverse-keyed items are turned round before α is
computed, as they are before a score is, or they would lower it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from .stats import CONFIDENCE

RELIABILITY_COLUMNS = ["instrument", "subscale", "timepoint", "items", "n", "alpha", "ci_low", "ci_high", "note"]

# Fewest complete responses α is given for: with two people the item covariances are each one pair.
MIN_RESPONSES = 3


class SubscaleItems(Protocol):
    """The items a subscale is made of and those of them that are reverse-keyed."""

    @property
    def items(self) -> Sequence[str]: ...

    @property
    def reverse(self) -> Sequence[str]: ...


class ItemLayout(Protocol):
    """An instrument's answer range (``min`` to ``max``), its subscales, and the column of an item."""

    @property
    def min(self) -> float: ...

    @property
    def max(self) -> float: ...

    @property
    def subscales(self) -> Mapping[str, SubscaleItems]: ...

    def column(self, item: str) -> str: ...


def feldt_interval(alpha: float, n: int, k: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Feldt's interval of Cronbach's α from ``n`` people and ``k`` items: 1 − (1 − α)·F, with F the
    F(n − 1, (n − 1)(k − 1)) quantiles (pingouin's interval, which it rounds to 3 decimals)."""
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence) / 2
    return (
        float(1 - (1 - alpha) * scipy_stats.f.isf(tail, df1, df2)),
        float(1 - (1 - alpha) * scipy_stats.f.isf(1 - tail, df1, df2)),
    )


def cronbach(answers: pd.DataFrame, confidence: float = CONFIDENCE) -> dict:
    """α of the complete rows of ``answers`` (one column per item, already keyed one way), with
    Feldt's interval, ``n``, ``items`` and a ``note`` where α is undefined or rests on an item that
    does not vary."""
    import pingouin

    complete = answers.dropna(how="any").astype(float)
    n, k = complete.shape
    out = {"items": k, "n": n, "alpha": np.nan, "ci_low": np.nan, "ci_high": np.nan, "note": None}
    if k < 2:
        return {**out, "note": "one item: α needs at least two"}
    if n < MIN_RESPONSES:
        return {**out, "note": f"fewer than {MIN_RESPONSES} complete responses"}
    if complete.sum(axis=1).var(ddof=1) == 0:
        return {**out, "note": "the total does not vary, so α is undefined"}
    alpha, _ = pingouin.cronbach_alpha(data=complete, ci=confidence)
    low, high = feldt_interval(float(alpha), n, k, confidence)
    constant = [str(c) for c in complete.columns if complete[c].var(ddof=1) == 0]
    note = f"items that do not vary: {', '.join(constant)}" if constant else None
    return {**out, "alpha": float(alpha), "ci_low": low, "ci_high": high, "note": note}


def reliability(
    items: pd.DataFrame,
    instruments: Mapping[str, ItemLayout],
    *,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Cronbach's α of every subscale at every timepoint, from complete item responses.

    Parameters
    ----------
    items : DataFrame
        Item-level answers, one row per participant and timepoint, an item's answers in the column
        its instrument names (``Study.questionnaires``: ``participant_id, timepoint, wemwbs_1`` …).
    instruments : mapping of name to instrument
        Each instrument's subscales, their items and reverse-keyed items, and its answer range
        (``Study.instruments``). Reverse-keyed answers x become min + max − x before α.
    confidence : float
        Level of Feldt's interval.

    Returns
    -------
    DataFrame
        ``instrument, subscale, timepoint, items`` (k), ``n`` (people who answered every item of the
        subscale at that timepoint: α uses only them), ``alpha, ci_low, ci_high`` and ``note``:
        why α is missing (one item, fewer than 3 complete responses, a total that does not vary),
        or the items that do not vary. Instruments and subscales in the order given, timepoints in
        the category order of ``items["timepoint"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace as NS
    >>> scale = NS(min=1, max=5, column=lambda item: f"s_{item}",
    ...            subscales={"total": NS(items=["1", "2", "3"], reverse=["3"])})
    >>> answers = pd.DataFrame({"participant_id": list("abcde"), "timepoint": "T1",
    ...                         "s_1": [1, 2, 3, 4, 5], "s_2": [2, 2, 3, 5, 4], "s_3": [5, 4, 3, 2, 2]})
    >>> reliability(answers, {"s": scale})[["subscale", "n", "alpha"]].round(3)
      subscale  n  alpha
    0    total  5  0.964
    """
    column = items["timepoint"] if "timepoint" in items else pd.Series(dtype=object)
    timepoints = (
        [t for t in column.cat.categories if (column == t).any()]
        if isinstance(column.dtype, pd.CategoricalDtype)
        else list(dict.fromkeys(column.dropna()))
    )
    rows = []
    for name, instrument in instruments.items():
        for subscale, sub in instrument.subscales.items():
            columns = [instrument.column(i) for i in sub.items]
            reverse = {instrument.column(i) for i in sub.reverse}
            for timepoint in timepoints:
                answers = items.loc[column == timepoint].reindex(columns=columns)
                answers = answers.apply(pd.to_numeric, errors="coerce")
                for c in reverse:
                    answers[c] = instrument.min + instrument.max - answers[c]
                rows.append({"instrument": name, "subscale": subscale, "timepoint": str(timepoint)} | cronbach(answers))
    return pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)
