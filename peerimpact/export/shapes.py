"""The frames an export writes, one per shape: ``long`` (a row per participant, timepoint and
subscale, every questionnaire due included), ``wide`` (a row per participant, a column per
subscale and timepoint) and ``items`` (a row per questionnaire returned, a column per item).

Items are named by their instrument and number only: a questionnaire's wording belongs to its
authors and is never written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ..ingest.study import Study
from ..ingest.tidy import days_since_baseline, with_cohorts
from ..registry import Registry
from ..schema import ID
from .labels import category_labels, variable_labels
from .missing import unreturned

SCORE_PART = 12  # tidy()'s columns up to completed_date; days since baseline, then the participant's attributes


@dataclass(frozen=True)
class Shaped:
    """A frame to export and what its columns mean."""

    frame: pd.DataFrame  # values as pandas holds them: categories, dates, nullable numbers
    labels: dict[str, str]  # column → variable label
    values: dict[str, dict[int, str]]  # column → code → label, codes as ``labels.coded`` writes them
    # score column → why each of its values is missing (a ``missing.REASONS`` key, else None),
    # and the text column that says so where a format has no missing codes
    reasons: dict[str, pd.Series] = field(default_factory=dict)
    reason_columns: dict[str, str] = field(default_factory=dict)
    lowest: float = 0.0  # the lowest score possible: missing codes go below it
    row: str = "participant × timepoint × subscale, with attributes"  # what a row is, in words
    ordinal: frozenset[str] = frozenset()  # numeric columns that are points on a scale: items


def _names(study: Study) -> dict[str, dict[str, str]]:
    """The words for the codes of tidy()'s ``instrument`` and ``subscale`` columns."""
    labels = study.labels
    subscales = {sub: label for (_, sub), label in labels.items() if sub is not None}
    instruments = {inst: label for (inst, sub), label in labels.items() if sub is None}
    return {"instrument": instruments, "subscale": subscales}


def _lowest(study: Study) -> float:
    return min(
        (inst.score_range(sub)[0] for inst in study.instruments.values() for sub in inst.subscales),
        default=0.0,
    )


def long_frame(study: Study) -> tuple[pd.DataFrame, pd.Series]:
    """``tidy()`` with a row for every subscale of every questionnaire due that has no score, and
    why each missing score is missing (a ``missing.REASONS`` key, else None)."""
    tidy = study.tidy()
    keys = [ID, "timepoint", "instrument", "subscale"]
    people = study.participants
    subscales = pd.DataFrame(
        [(name, sub) for name, inst in study.instruments.items() for sub in inst.subscales],
        columns=["instrument", "subscale"],
    )
    grid = (
        people[[ID]]
        .astype(str)
        .merge(pd.DataFrame({"timepoint": study.timepoints}), how="cross")
        .merge(subscales, how="cross")
    )
    scored = tidy.iloc[:, :SCORE_PART].astype({k: str for k in keys})
    part = grid.merge(scored, on=keys, how="outer")  # outer: a score is never dropped
    part["site"] = part["site"].fillna(part[ID].map(people.set_index(ID)["site"].astype(str)))
    names = _names(study)
    part["instrument_label"] = part["instrument"].map(names["instrument"]).fillna(part["instrument"])
    labels = study.labels
    part["subscale_label"] = [labels.get((i, s), s) for i, s in zip(part["instrument"], part["subscale"])]
    returns = study.questionnaires[[ID, "timepoint", "completed_date"]].astype({ID: str, "timepoint": str})
    returns = returns.drop_duplicates([ID, "timepoint"])
    part = part.drop(columns="completed_date").merge(returns, on=[ID, "timepoint"], how="left")
    back = set(zip(returns[ID], returns["timepoint"]))
    why = unreturned(people.astype({ID: str}), part[[ID, "timepoint"]], study.config, back)
    why = why.where(why.notna() | part["score"].notna(), "too_many_missing")  # returned, yet no score
    why = why.where(part["score"].isna(), None)
    part = part[list(tidy.columns[:SCORE_PART])].astype(tidy.dtypes.iloc[:SCORE_PART].to_dict())
    rank = {p: i for i, p in enumerate(people[ID].astype(str))}
    part["_rank"] = part[ID].map(rank)
    order = part.sort_values(["_rank", "timepoint", "instrument", "subscale"], kind="stable").index
    part = part.drop(columns="_rank").loc[order].reset_index(drop=True)
    why = why.loc[order].reset_index(drop=True)
    attributes = people.drop(columns=["site"]).astype({ID: str})
    out = part.merge(attributes, on=ID, how="left", validate="many_to_one", suffixes=("", "_participants"))
    # tidy()'s derived columns, for the rows it has not too: days from consent, cohorts
    out.insert(SCORE_PART, "days_since_baseline", days_since_baseline(out))
    out = with_cohorts(out, study)
    out.attrs = tidy.attrs
    return out, why


def long_shape(study: Study) -> Shaped:
    frame, why = long_frame(study)
    return Shaped(
        frame,
        variable_labels(frame),
        category_labels(frame, _names(study)),
        {"score": why},
        {"score": "missing_reason"},
        _lowest(study),
    )


def _column(instrument: str, subscale: str, timepoint: str) -> str:
    return f"{instrument}_{subscale}_{timepoint}"


def wide_shape(study: Study) -> Shaped:
    """A row per participant: site and attributes, each timepoint's completion date, then each
    subscale's score at each timepoint (``wemwbs_total_T1`` …, labelled ``Wellbeing (WEMWBS), T1``)."""
    long, why = long_frame(study)
    people = long.drop_duplicates(ID).reset_index(drop=True)
    attributes = list(long.columns[SCORE_PART + 1 :])  # after days_since_baseline, a questionnaire's
    frame = people[[ID, "site", *attributes]].copy()
    known: dict[str, str] = {}
    ids = frame[ID].astype(str)
    for tp in study.timepoints:
        returns = long[long["timepoint"].astype(str) == tp].drop_duplicates(ID).set_index(ID)["completed_date"]
        frame[f"completed_date_{tp}"] = ids.map(returns).astype(long["completed_date"].dtype).to_numpy()
        known[f"completed_date_{tp}"] = f"Date the {tp} questionnaire was completed"
    reasons: dict[str, pd.Series] = {}
    texts: dict[str, str] = {}
    key = long[ID].astype(str) + "|" + long["timepoint"].astype(str)
    key = key + "|" + long["instrument"].astype(str) + "|" + long["subscale"].astype(str)
    score, reason = long.set_index(key)["score"], why.set_axis(key)
    for name, inst in study.instruments.items():
        for sub, definition in inst.subscales.items():
            for tp in study.timepoints:
                column = _column(name, sub, tp)
                cells = ids + f"|{tp}|{name}|{sub}"
                frame[column] = cells.map(score).astype(float).to_numpy()
                reasons[column] = pd.Series(cells.map(reason).to_numpy(), dtype=object)
                texts[column] = f"{column}_missing_reason"
                known[column] = f"{definition.label} ({name.upper()}), {tp}"
    return Shaped(
        frame,
        variable_labels(frame, known),
        category_labels(frame),
        reasons,
        texts,
        _lowest(study),
        "a participant each",
    )


def items_shape(study: Study) -> Shaped:
    """A row per questionnaire returned: participant, site, timepoint, completion date, then every
    item of the study's instruments (``wemwbs_1`` …), labelled with its number and instrument, and
    its answers' labels where the instrument's definition gives them (``answers``)."""
    answers = study.questionnaires
    items = [c for inst in study.instruments.values() for c in inst.columns]
    frame = answers[[ID, "site", "timepoint", "completed_date", *items]].copy()
    frame["site"] = pd.Categorical(frame["site"].astype(str), categories=study.sites)
    frame["timepoint"] = pd.Categorical(frame["timepoint"].astype(str), categories=study.timepoints)
    known, values = {}, category_labels(frame)
    for inst in study.instruments.values():
        for item in inst.items:
            known[inst.column(item)] = f"{inst.name}, item {item}"
            if inst.answers:
                values[inst.column(item)] = dict(inst.answers)
    return Shaped(
        frame, variable_labels(frame, known), values, row="a questionnaire returned each", ordinal=frozenset(items)
    )


# Shape → the frame of a study an export writes in it.
SHAPES: Registry[Callable[[Study], Shaped]] = Registry("shape")
SHAPES.register("long", long_shape)
SHAPES.register("wide", wide_shape)
SHAPES.register("items", items_shape)
