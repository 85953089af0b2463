"""A report's analysis results, computed once where its extract is made.

Table 3's summary (n, mean, SD, min and max of every outcome at every timepoint, beside its norm)
and Table 4's paired change over time are computed by :func:`outcome_results`: once per report,
from the report's own scores (:func:`peerimpact.report.extract.make_extract`, the extract's
``summary`` and ``change``), and once per build, from the whole study's
(:mod:`peerimpact.report.context`, ``study_summary`` and ``study_change``). The sections, the
synthesis and the headline read them and never compute them again, so no two of them can
disagree, and a report's figures and the whole study's are made by one method. The mixed models and
Cronbach's α (:func:`optional_results`) are computed for a report whose sections read them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import pandas as pd

from ..analysis.descriptive import compare_to_norms, summarise_scores
from ..analysis.models import mixed_models
from ..analysis.reliability import ItemLayout, reliability
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


# Results a report's extract holds only when one of its sections reads them (``data.models``):
# the mixed models fit a model per subscale, and α reads the item-level answers.
OPTIONAL_RESULTS = ("models", "reliability")


def optional_results(
    names: Iterable[str],
    scores: pd.DataFrame,
    items: pd.DataFrame,
    instruments: Mapping[str, ItemLayout],
    *,
    comparisons: Iterable[tuple[str, str]],
    multiplicity: str,
    covariates: Iterable[str] = (),
) -> dict[str, pd.DataFrame]:
    """The results of :data:`OPTIONAL_RESULTS` in ``names``: ``models``, the mixed models of change over
    time (:func:`~peerimpact.analysis.models.mixed_models`, for the study's comparisons, or the first
    timepoint against each later one, adjusted by ``multiplicity``, with the ``covariates`` among the
    scores' columns as fixed effects) and ``reliability``, Cronbach's α
    of every subscale from the item-level answers ``items``
    (:func:`~peerimpact.analysis.reliability.reliability`)."""
    wanted = set(names)
    out = {}
    if "models" in wanted:
        out["models"] = model_results(scores, comparisons, multiplicity, covariates)
    if "reliability" in wanted:
        out["reliability"] = reliability(items, instruments)
    return out


_FITTED: dict[str, pd.DataFrame] = {}  # models by what they were fitted to: a fit takes a second or two
_MOST_FITTED = 32


def model_results(
    scores: pd.DataFrame, comparisons: Iterable[tuple[str, str]], multiplicity: str, covariates: Iterable[str] = ()
) -> pd.DataFrame:
    """The mixed models of these scores, for the study's comparisons (by default the first timepoint
    against each later one), their p values adjusted by ``multiplicity``, adjusted for ``covariates``
    (study.yml's, columns of the scores: :func:`with_covariates`): a report's own and the whole
    study's alike. The same scores and settings are fitted once in a process (the whole study's
    report and the study-wide figures beside a cohort's are one fit; so are a build's replans)."""
    comparisons, covariates = list(comparisons), list(covariates)
    used = [c for c in ("participant_id", "timepoint", "instrument", "subscale", "score", *covariates) if c in scores]
    digest = hashlib.sha256(pd.util.hash_pandas_object(scores[used].astype(str), index=False).to_numpy().tobytes())
    digest.update(repr((used, comparisons, multiplicity, covariates)).encode())
    key = digest.hexdigest()
    if key not in _FITTED:
        if len(_FITTED) >= _MOST_FITTED:
            _FITTED.pop(next(iter(_FITTED)))
        _FITTED[key] = mixed_models(scores, comparisons or None, covariates=covariates, adjust=multiplicity)
    out = _FITTED[key].copy()
    out.attrs = dict(_FITTED[key].attrs)
    return out


def with_covariates(scores: pd.DataFrame, participants: pd.DataFrame, covariates: Iterable[str]) -> pd.DataFrame:
    """The scores with the participants columns ``covariates`` names joined, those the scores lack."""
    joined = [c for c in covariates if c not in scores.columns]
    if not joined:
        return scores
    return scores.merge(participants[["participant_id", *joined]], on="participant_id", how="left")
