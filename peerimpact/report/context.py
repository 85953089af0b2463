"""The whole study's figures a scoped report may show as context: aggregates, never rows.

A site or cohort report whose own figures rest on too few people shows the whole study's in
their place (:func:`peerimpact.notebook.show`'s ``study=``). The planner computes them here
once per build, from the whole study, and puts them in each such report's extract, beside the
study's approved quotes: excerpts the study team pinned in ``params/qualitative.yml``, shown
with no site, ID or timepoint, and never a report's own. Tables 3 and 4 are computed by
:func:`peerimpact.report.results.outcome_results`, which also computes each report's own.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..analysis.descriptive import describe
from ..analysis.qualitative import code_counts, select_quotes
from .meta import AnalysisParams
from .results import outcome_results
from .synthesis import joint_display
from .tables import TABLE1_VARIABLES, sample_frame, table2

CONTEXT = (
    "study_table1",
    "study_table2",
    "study_summary",
    "study_change",
    "study_codes",
    "study_table5",
    "study_programme",
    "study_models",
)
POOL_COLUMNS = ["theme", "text"]


def study_context(
    participants: pd.DataFrame,
    contacts: pd.DataFrame,
    service_use: pd.DataFrame,
    scores: pd.DataFrame,
    excerpts: pd.DataFrame,
    codebook: pd.DataFrame,
    *,
    services: dict[str, str],
    timepoints: list[str],
    comparisons: list[tuple[str, str]],
    multiplicity: str,
    params: AnalysisParams,
    labels: dict,
) -> dict[str, pd.DataFrame]:
    """The data of Tables 1–5, the code counts and Figures 1–3 for the whole study, by the names of
    :data:`CONTEXT`. Quote rows of Table 5 are kept only where they are approved quotes, without
    their IDs."""
    frame = sample_frame(participants, contacts)
    # people per site are the programme's recruitment, shown exactly in a site's own report
    table1 = describe(frame, [v for v in TABLE1_VARIABLES if v in frame.columns and v != "site"])
    results = outcome_results(scores, params, comparisons=comparisons, multiplicity=multiplicity)
    summary, change = results["summary"], results["change"]
    analysis = params.analysis
    codes = code_counts(excerpts, codebook, "timepoint")
    table5 = joint_display(params.synthesis, change, summary, excerpts, codebook, labels, min_n=analysis.min_pairs).data
    approved = _approved_ids(params)
    quotes = table5["evidence"] == "quote"
    table5 = table5[~quotes | table5["excerpt_id"].isin(approved)].copy()
    table5.loc[table5["evidence"] == "quote", ["excerpt_id", "label", "timepoint"]] = ["", "Peer worker", None]
    return {
        "study_table1": table1,
        "study_table2": table2(service_use, services, timepoints).data,
        "study_summary": summary,
        "study_change": change,
        "study_codes": codes,
        "study_table5": table5.reset_index(drop=True),
    }


def _approved_ids(params: AnalysisParams) -> set[str]:
    return {e for ids in params.qualitative.pinned.values() for e in ids}


def approved_pool(
    excerpts: pd.DataFrame, codebook: pd.DataFrame, params: AnalysisParams, exclude: Iterable[str] = ()
) -> pd.DataFrame:
    """The study's approved quotes (pinned in ``params/qualitative.yml``) as ``theme, text`` only,
    leaving out those of the people in ``exclude`` (a report's own)."""
    if excerpts is None or excerpts.empty or codebook is None or codebook.empty:
        return pd.DataFrame(columns=POOL_COLUMNS)
    own = set(map(str, exclude))
    others = excerpts[~excerpts["participant_id"].astype(str).isin(own)]
    pinned = {
        theme: [e for e in ids if e in set(others["excerpt_id"])] for theme, ids in params.qualitative.pinned.items()
    }
    chosen = select_quotes(others, codebook, pinned=pinned, per_theme=params.qualitative.quotes_per_theme)
    chosen = chosen[chosen["pinned"]]
    return chosen[POOL_COLUMNS].reset_index(drop=True)
