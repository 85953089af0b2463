"""A report's analysis results, computed once where its extract is made.

Table 3's summary (n, mean, SD, min and max of every outcome at every timepoint, beside its norm)
and Table 4's paired change over time are computed by :func:`outcome_results`: once per report,
from the report's own scores (:func:`peerimpact.report.extract.make_extract`, the extract's
``summary`` and ``change``), and once per build, from the whole study's
(:mod:`peerimpact.report.context`, ``study_summary`` and ``study_change``). The sections, the
synthesis and the headline read them and never compute them again, so no two of them can
disagree, and a report's figures and the whole study's are made by one method.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..analysis.descriptive import compare_to_norms, summarise_scores
from ..analysis.stats import change_over_time
from .meta import AnalysisParams

RESULTS = ("summary", "change")
NORM_COLUMNS = ["instrument", "subscale", "norm_mean", "norm_sd", "norm_source"]


def norms_frame(params: AnalysisParams) -> pd.DataFrame:
    """The population norms of ``params`` (``params/norms.yml``): ``instrument, subscale, norm_mean,
    norm_sd, norm_source``."""
    return pd.DataFrame([n.model_dump() for n in params.norms], columns=NORM_COLUMNS)


def outcome_results(
    scores: pd.DataFrame,
    params: AnalysisParams,
    *,
    comparisons: Iterable[tuple[str, str]],
    multiplicity: str,
) -> dict[str, pd.DataFrame]:
    """Table 3's ``summary`` (:func:`~peerimpact.analysis.descriptive.compare_to_norms`) and Table 4's
    ``change`` (:func:`~peerimpact.analysis.stats.change_over_time`, its p values adjusted by
    ``multiplicity`` and tested from ``params``' ``min_pairs``) of these scores, by the names of
    :data:`RESULTS`."""
    return {
        "summary": compare_to_norms(summarise_scores(scores), norms_frame(params)),
        "change": change_over_time(scores, comparisons, adjust=multiplicity, min_pairs=params.analysis.min_pairs),
    }
