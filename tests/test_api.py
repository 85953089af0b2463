"""The statistician's API: defaults from the study's settings, comparisons checked, the tidy frame's
orders, labels, days and cohorts, and the summary's SE, interval and quartiles."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from peerimpact import load_study
from peerimpact.analysis.descriptive import drop_unused_categories, summarise_scores
from peerimpact.analysis.stats import change_over_time
from peerimpact.analysis.terms import MIN_PAIRS
from peerimpact.config import AnalysisConfig
from peerimpact.ingest.study import AnalysisSettings

STUDY = load_study()


# ------------------------------------------------------------------ defaults from the study


def test_the_default_of_min_pairs_is_the_reports():
    assert MIN_PAIRS == AnalysisConfig().min_pairs == STUDY.settings.min_pairs == 6


def test_settings_are_the_reports_defaults():
    plain = change_over_time(STUDY.scores)  # first against each later, by the categories' order
    study = change_over_time(STUDY.scores, settings=STUDY.settings)
    explicit = change_over_time(STUDY.scores, [("T1", "T2"), ("T1", "T3")], adjust="none", min_pairs=6)
    pd.testing.assert_frame_equal(plain, explicit)
    pd.testing.assert_frame_equal(study, explicit)


@pytest.mark.integration
def test_by_site_tests_no_site_on_fewer_pairs_than_the_report():
    change = change_over_time(STUDY.tidy(), [("T1", "T3")], by="site")
    few = change[change["n"] < 6]
    assert len(few) and few["p"].isna().all() and few["es"].isna().all() and not few["estimable"].any()


def test_settings_give_the_multiplicity_and_the_comparisons_and_arguments_win():
    settings = AnalysisSettings(comparisons=(("T2", "T3"),), multiplicity="holm", min_pairs=3)
    out = change_over_time(STUDY.scores, settings=settings)
    assert set(out["comparison"]) == {"T2-T3"} and "p_adjusted" in out
    out = change_over_time(STUDY.scores, [("T1", "T2")], adjust="none", settings=settings)
    assert set(out["comparison"]) == {"T1-T2"} and "p_adjusted" not in out


@pytest.mark.parametrize(
    "comparisons, message",
    [
        (
            [("T1", "T4")],
            "comparison ('T1', 'T4') names 'T4', not a timepoint of these scores; their timepoints are T1, T2, T3",
        ),
        (
            ["T1-T3"],
            "comparison 'T1-T3' is not a pair of timepoints: a comparison is a pair (earlier, later) of "
            "timepoints, such as ('T1', 'T3'); write ('T1', 'T3')",
        ),
        (
            [("T1", "T2", "T3")],
            "comparison ('T1', 'T2', 'T3') is not a pair of timepoints: a comparison is a pair (earlier, later)",
        ),
        (("T1", "T3"), "comparisons are a list of pairs: write [('T1', 'T3')], not ('T1', 'T3')"),
        ([("T2", "T2")], "comparison ('T2', 'T2') compares T2 with itself"),
    ],
)
def test_a_comparison_that_is_not_one_says_what_one_is(comparisons, message):
    with pytest.raises(ValueError) as info:
        change_over_time(STUDY.tidy(), comparisons)
    assert str(info.value).startswith(message), str(info.value)


def test_plain_timepoints_without_data_are_no_pairs_not_a_mistake():
    scores = STUDY.scores.astype({"timepoint": str})
    out = change_over_time(scores[scores["timepoint"] != "T3"], [("T1", "T3")])
    assert (out["n"] == 0).all() and (out["note"] == "no complete pairs").all()
    with pytest.raises(ValueError, match="give comparisons"):
        change_over_time(scores)


# ------------------------------------------------------------------ the tidy frame


def test_timepoint_is_ordered_in_the_studys_order():
    tidy = STUDY.tidy()
    assert tidy["timepoint"].cat.ordered and list(tidy["timepoint"].cat.categories) == STUDY.timepoints
    assert (tidy["timepoint"] > "T1").sum() == (tidy["timepoint"].astype(str) != "T1").sum()


def test_filters_keep_only_the_categories_left():
    tidy = STUDY.tidy(instrument="wemwbs", site=["S2", "S1"], timepoint=["T1", "T3"])
    assert set(tidy["instrument"]) == {"wemwbs"} and set(tidy["site"]) == {"S1", "S2"}
    assert list(tidy["subscale"].cat.categories) == ["total"]
    assert list(tidy["site"].cat.categories) == ["S1", "S2"]  # the study's order, not the filter's
    assert list(tidy["timepoint"].cat.categories) == ["T1", "T3"] and tidy["timepoint"].cat.ordered
    assert list(tidy.attrs["instruments"]) == ["wemwbs"] and tidy.attrs["timepoints"] == ["T1", "T3"]
    whole = STUDY.tidy()
    mine = whole[(whole["instrument"] == "wemwbs") & whole["site"].isin(["S1", "S2"])]
    assert len(mine["subscale"].cat.categories) > 1  # an own filter keeps them, until dropped
    assert list(drop_unused_categories(mine)["subscale"].cat.categories) == ["total"]
    with pytest.raises(ValueError, match="'S9' is not a site of this study; its sites are S1, S2"):
        STUDY.tidy(site="S9")


def test_labels_are_in_attrs():
    attrs = STUDY.tidy().attrs
    assert attrs["timepoints"] == STUDY.timepoints and attrs["sites"] == STUDY.sites
    for name, inst in STUDY.instruments.items():
        assert attrs["instruments"][name] == STUDY.labels[(name, None)]
        assert attrs["subscales"][name] == {sub: STUDY.labels[(name, sub)] for sub in inst.subscales}
    assert attrs["cohorts"] == {name: c.label for name, c in STUDY.config.cohorts.items()}
    assert attrs["baseline"] == "consent_date"


def test_days_since_baseline_by_brute_force():
    tidy = STUDY.tidy()
    consent = {r.participant_id: r.consent_date for r in STUDY.participants.itertuples()}
    completed = {(r.participant_id, str(r.timepoint)): r.completed_date for r in STUDY.questionnaires.itertuples()}
    checked = 0
    for row in tidy.itertuples():
        start, end = consent[row.participant_id], completed.get((row.participant_id, str(row.timepoint)))
        if pd.isna(start) or end is None or pd.isna(end):
            assert math.isnan(row.days_since_baseline)
        else:
            assert row.days_since_baseline == (pd.Timestamp(end) - pd.Timestamp(start)).days
            checked += 1
    assert checked > 1000 and (tidy["days_since_baseline"].dropna() >= 0).all()


def test_cohort_columns_are_the_cohorts():
    tidy = STUDY.tidy()
    for name in STUDY.config.cohorts:
        members = set(tidy.loc[tidy[f"cohort_{name}"], "participant_id"])
        scored = set(STUDY.cohort_ids(name)) & set(tidy["participant_id"])
        assert members == scored and tidy[f"cohort_{name}"].dtype == bool
    with pytest.raises(KeyError, match="no cohort 'nobody'; the study's cohorts are contracted, bank"):
        STUDY.cohort_ids("nobody")


# ------------------------------------------------------------------ the summary


def type7(x: list[float], p: float) -> float:
    """R's ``quantile(x, p, type = 7)`` of sorted ``x``: h = (n - 1) p, between x[floor h] and the next."""
    h = (len(x) - 1) * p
    lo = math.floor(h)
    return x[lo] + (h - lo) * (x[min(lo + 1, len(x) - 1)] - x[lo])


def test_summary_by_brute_force():
    scores = STUDY.tidy()
    summary = summarise_scores(scores, by="site")
    assert summary.columns.tolist()[1:] == [
        "instrument",
        "subscale",
        "timepoint",
        "n",
        "mean",
        "sd",
        "se",
        "ci_low",
        "ci_high",
        "median",
        "q1",
        "q3",
        "min",
        "max",
    ]
    for row in summary.sample(40, random_state=1).itertuples():
        part = scores[
            (scores["site"] == row.site)
            & (scores["instrument"] == row.instrument)
            & (scores["subscale"] == row.subscale)
            & (scores["timepoint"] == row.timepoint)
        ]
        x = sorted(part["score"].dropna())
        n = len(x)
        mean = sum(x) / n
        sd = math.sqrt(sum((v - mean) ** 2 for v in x) / (n - 1)) if n > 1 else math.nan
        se = sd / math.sqrt(n)
        half = scipy_stats.t.ppf(0.975, n - 1) * se if n > 1 else math.nan
        quartiles = [type7(x, 0.5), type7(x, 0.25), type7(x, 0.75)]
        expected = [n, mean, sd, se, mean - half, mean + half, *quartiles, x[0], x[-1]]
        got = [row.n, row.mean, row.sd, row.se, row.ci_low, row.ci_high, row.median, row.q1, row.q3, row.min, row.max]
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_quartiles_and_interval_are_rs():
    # R: x <- c(2, 4, 4, 5, 7, 9, 10); quantile(x, c(.25, .75)) gives 4 and 8;
    # print(t.test(x)$conf.int, digits = 12) gives 3.16455639343 8.54972932086
    scores = pd.DataFrame(
        {"instrument": "i", "subscale": "s", "timepoint": "T1", "score": [2.0, 4.0, 4.0, 5.0, 7.0, 9.0, 10.0]}
    )
    row = summarise_scores(scores).iloc[0]
    assert (row["q1"], row["median"], row["q3"]) == (4.0, 5.0, 8.0)
    assert row["ci_low"] == pytest.approx(3.16455639343, abs=1e-11)
    assert row["ci_high"] == pytest.approx(8.54972932086, abs=1e-11)


def test_settings_read_min_pairs_from_the_params_given_and_refuse_a_bad_one(tmp_path):
    from peerimpact import InvalidStudy

    (tmp_path / "analysis.yml").write_text("min_pairs: 8\n")
    assert load_study(params=tmp_path).settings.min_pairs == 8
    (tmp_path / "analysis.yml").write_text("min_pairs: 1\n")
    with pytest.raises(InvalidStudy, match="analysis.yml:1: min_pairs"):
        _ = load_study(params=tmp_path).settings
