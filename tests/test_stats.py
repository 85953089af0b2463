"""Statistics against references computed in R 4.2 (t.test, wilcox.test, p.adjust, sd)."""

import math

import numpy as np
import pandas as pd
import pytest

from peerimpact.analysis.descriptive import compare_to_norms, describe, summarise_scores
from peerimpact.analysis.stats import adjust_p, change_over_time, holm, paired_ttest, wilcoxon_p

DRUG1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
DRUG2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_r_sleep_data():
    # R: with(sleep, t.test(extra[group == 1], extra[group == 2], paired = TRUE))
    r = paired_ttest(pd.Series(DRUG1, index=range(10)), pd.Series(DRUG2, index=range(10)))
    assert r.n == 10 and r.df == 9
    assert r.t == pytest.approx(-4.0621, abs=1e-4)
    assert r.p == pytest.approx(0.002833, abs=1e-6)
    assert r.ci_low == pytest.approx(-2.4598858, abs=1e-7)
    assert r.ci_high == pytest.approx(-0.7001142, abs=1e-7)
    assert r.mean_diff == pytest.approx(-1.58, abs=1e-12)
    assert r["p"] == r.p and set(r.keys()) >= {"n", "mean_diff", "es_baseline_sd", "d_z", "estimable"}


def test_missing_values_drop_pairs_and_n_says_so():
    # R: x <- c(10, 12, NA, 15, 9, 11, 14); y <- c(8, 13, 10, NA, 7, 9, 11); t.test(x, y, paired = TRUE)
    # t = 2.3590712984784, df = 4, p = 0.0777416409479, CI -0.2830766883484 to 3.4830766883484, mean diff 1.6
    x = [10, 12, np.nan, 15, 9, 11, 14]
    y = [8, 13, 10, np.nan, 7, 9, 11]
    r = paired_ttest(x, y)
    assert r.n == 5
    assert (r.t, r.df, r.p) == pytest.approx((2.3590712984784, 4, 0.0777416409479), abs=1e-9)
    assert (r.ci_low, r.ci_high) == pytest.approx((-0.2830766883484, 3.4830766883484), abs=1e-9)
    assert r.mean_diff == pytest.approx(1.6)


def test_series_are_aligned_by_participant_not_position():
    x = pd.Series([10, 12, 15, 9, 11, 14], index=["a", "b", "d", "e", "f", "g"])
    y = pd.Series([11, 7, 9, 13, 8, 10], index=["g", "e", "f", "b", "a", "c"])
    r = paired_ttest(x, y)
    assert r.n == 5  # d has no later score, c no earlier one
    assert r.mean_diff == pytest.approx(np.mean([10 - 8, 12 - 13, 9 - 7, 11 - 9, 14 - 11]))


def test_unequal_arrays_are_refused_rather_than_tested_unpaired():
    with pytest.raises(ValueError, match="differ in length"):
        paired_ttest([1, 2, 3], [1, 2])


def test_two_pairs():
    # R: t.test(c(5, 7), c(4, 4), paired = TRUE): t = 2, df = 1, p = 0.295167235301,
    # CI -10.706204736175 to 14.706204736175
    r = paired_ttest([5, 7], [4, 4])
    assert r.estimable and r.n == 2
    assert (r.t, r.df, r.p) == pytest.approx((2.0, 1.0, 0.295167235301), abs=1e-9)
    assert (r.ci_low, r.ci_high) == pytest.approx((-10.706204736175, 14.706204736175), abs=1e-9)


def test_one_pair_is_not_estimable():
    r = paired_ttest([5, np.nan], [4, 3])
    assert not r.estimable and r.n == 1 and "at least 2" in r.reason
    assert math.isnan(r.p) and math.isnan(r.t)


def test_no_variation_in_differences_is_not_estimable():
    r = paired_ttest([5, 6, 7], [4, 5, 6])
    assert not r.estimable and "essentially constant" in r.reason
    assert r.mean_diff == 1 and math.isnan(r.t)


def test_differences_constant_up_to_rounding_follow_r():
    # R: t.test(c(3.8, 4.2), c(3.2, 3.6), paired = TRUE) stops: "data are essentially constant".
    # The differences are 0.6 and 0.6000000000000001: their SD is ~8e-17, not 0.
    r = paired_ttest([3.8, 4.2], [3.2, 3.6])
    assert not r.estimable and "essentially constant" in r.reason
    assert all(math.isnan(v) for v in (r.t, r.p, r.ci_low, r.ci_high, r.d_z, r.p_wilcoxon))
    assert r.mean_diff == pytest.approx(0.6)


def test_neighbours_of_the_constant_case_match_r():
    # R: t.test(c(3.8, 4.2), c(3.2, 3.5), paired = TRUE): t = 12.9999999999999, df = 1,
    # p = 0.0488745039443951, CI 0.0146897631912618 to 1.2853102368087379
    r = paired_ttest([3.8, 4.2], [3.2, 3.5])
    assert r.estimable
    assert (r.t, r.df, r.p) == pytest.approx((13.0, 1.0, 0.0488745039443951), abs=1e-9)
    assert (r.ci_low, r.ci_high) == pytest.approx((0.0146897631912618, 1.2853102368087379), abs=1e-9)
    # R: t.test(c(1e6, 1e6 + 1e-8)): t = 1.99765920744187e+14, p = 3.18682871430715e-15 (R runs it)
    big = paired_ttest([1e6, 1e6 + 1e-8], [0.0, 0.0])
    assert big.estimable and big.p == pytest.approx(3.18682871430715e-15, rel=1e-6)
    # R: t.test(c(1e6, 1e6 + 2e-9)) stops: essentially constant (se 1e-9 < 10 * eps * 1e6)
    assert not paired_ttest([1e6, 1e6 + 2e-9], [0.0, 0.0]).estimable


def test_all_differences_zero_is_not_estimable_rather_than_nan():
    # R: t.test(c(1, 2, 3), c(1, 2, 3), paired = TRUE) returns t = NaN, p = NA; we say why.
    r = paired_ttest([1, 2, 3], [1, 2, 3])
    assert not r.estimable and r.mean_diff == 0 and math.isnan(r.p) and math.isnan(r.d_z)


def test_baseline_constant_up_to_rounding_leaves_the_es_undefined():
    # 0.1 + 0.2 and 0.3 are one score; an SD of ~3e-17 must not become an ES of 1e16.
    r = paired_ttest([0.1 + 0.2, 0.3, 0.3], [0.1, 0.2, 0.25])
    assert r.estimable and math.isnan(r.es_baseline_sd) and "baseline" in r.reason
    assert abs(r.d_z) < 10


def test_wilcoxon_sees_ties_hidden_by_rounding_as_r_does_on_the_recorded_values():
    # Differences 0.6, 0.6, 1.0, 0, 1.4 as recorded; floating point makes them 0.59999999999999964,
    # 0.60000000000000009, 1, 0, 1.4000000000000004.
    # R: wilcox.test(c(0.6, 0.6, 1.0, 0, 1.4)) -> p = 0.0975125381781096 (ties and a zero: normal
    # approximation with continuity correction).
    r = paired_ttest([3.8, 4.2, 5.0, 2.6, 4.4], [3.2, 3.6, 4.0, 2.6, 3.0])
    assert r.p_wilcoxon == pytest.approx(0.0975125381781096, abs=1e-12)
    # (0.1 + 0.2) - 0.3 is a zero, not 5.6e-17. R: wilcox.test(c(0, 0.3, 0.8, 0.4)) -> 0.18144920772142
    r = paired_ttest([0.1 + 0.2, 0.5, 0.9, 0.7], [0.3, 0.2, 0.1, 0.3])
    assert r.p_wilcoxon == pytest.approx(0.18144920772142, abs=1e-12)


def test_wilcoxon_p_alone_matches_r():
    # R: wilcox.test(c(0.6, 0.6, 1.0, 1.4)) -> 0.0975125381781096; wilcox.test(c(1, -2, 3)) -> 0.75 (exact)
    assert wilcoxon_p([0.6, 0.6, 1.0, 1.4]) == pytest.approx(0.0975125381781096, abs=1e-12)
    assert wilcoxon_p([1, -2, 3]) == pytest.approx(0.75, abs=1e-12)
    assert math.isnan(wilcoxon_p([0.0, 0.0]))


def test_too_few_pairs_keep_n_and_change_but_no_test():
    out = change_over_time(scores_frame(), [("T1", "T2")], adjust=True, min_pairs=5)
    row = out.iloc[0]
    assert row["n"] == 4 and row["change"] == pytest.approx(np.mean([5, 1, 6, 5]))
    assert not row["estimable"] and "fewer than 5 complete pairs" in row["note"]
    assert all(math.isnan(row[c]) for c in ("ci_low", "ci_high", "p", "es", "d_z", "p_wilcoxon", "p_adjusted"))
    assert change_over_time(scores_frame(), [("T1", "T2")], min_pairs=4).iloc[0]["estimable"]
    with pytest.raises(ValueError):
        change_over_time(scores_frame(), [("T1", "T2")], min_pairs=1)


def test_tables_follow_the_category_order_not_the_row_order():
    frame = scores_frame()
    frame = frame.iloc[::-1].reset_index(drop=True)  # T2 rows first
    frame["timepoint"] = pd.Categorical(frame["timepoint"], categories=["T1", "T2"])
    late = frame.assign(subscale="b_first")
    both = pd.concat([late, frame], ignore_index=True)
    both["subscale"] = pd.Categorical(both["subscale"], categories=["total", "b_first"])
    summary = summarise_scores(both)
    assert summary[["subscale", "timepoint"]].values.tolist() == [
        ["total", "T1"],
        ["total", "T2"],
        ["b_first", "T1"],
        ["b_first", "T2"],
    ]
    change = change_over_time(both, [("T1", "T2")])
    assert change["subscale"].tolist() == ["total", "b_first"]


def test_direction_and_effect_sizes():
    # earlier scores higher than later: a positive change, a decrease
    t1 = [50.0, 44.0, 61.0, 39.0, 52.0]
    t2 = [45.0, 43.0, 55.0, 40.0, 47.0]
    r = paired_ttest(t1, t2)
    # by hand: differences 5, 1, 6, −1, 5 (mean 3.2; squared deviations 3.24 + 4.84 + 7.84 + 17.64 +
    # 3.24 = 36.8, variance 36.8 / 4 = 9.2); T1 mean 49.2 (squared deviations 0.64 + 27.04 + 139.24 +
    # 104.04 + 7.84 = 278.8, variance 278.8 / 4 = 69.7)
    assert r.mean_diff == pytest.approx(3.2) and r.mean_diff > 0
    assert r.es_baseline_sd == pytest.approx(3.2 / math.sqrt(69.7), abs=1e-12)  # 0.3833
    assert r.d_z == pytest.approx(3.2 / math.sqrt(9.2), abs=1e-12)  # 1.0550
    assert r.t == pytest.approx(3.2 / math.sqrt(9.2 / 5), abs=1e-12)  # t = mean / (sd / √n)
    assert paired_ttest(t2, t1).mean_diff == pytest.approx(-3.2)


def test_wilcoxon_matches_r_exact_p():
    # R: wilcox.test(a, b, paired = TRUE): V = 32, p-value = 0.0546875 (exact, no ties, no zeros)
    a = [3.1, 4.5, 2.2, 5.0, 3.8, 4.1, 2.9, 3.3]
    b = [2.0, 4.1, 2.9, 3.2, 3.0, 3.2, 1.5, 3.6]
    r = paired_ttest(a, b)
    assert r.p_wilcoxon == pytest.approx(0.0546875, abs=1e-9)
    # and the t-test on the same data: t = 2.2692166262549, df = 7, p = 0.0575439238189
    assert r.t == pytest.approx(2.2692166262549, abs=1e-9) and r.p == pytest.approx(0.0575439238189, abs=1e-9)


def test_holm_matches_r_p_adjust():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.2, 0.005), "holm") -> 0.040 0.090 0.090 0.200 0.025
    assert holm([0.01, 0.04, 0.03, 0.2, 0.005]) == pytest.approx([0.04, 0.09, 0.09, 0.2, 0.025])


def _bh_by_definition(p: list[float]) -> list[float]:
    """Benjamini-Hochberg from its definition, by brute force: the adjusted p of a test is the least
    m × p_j / rank_j over the tests j whose p is at least its own (rank_j: how many p are at most
    p_j), capped at 1; a missing p is no test. Nothing shared with the library's step-up loop."""
    tests = [v for v in p if not math.isnan(v)]
    m = len(tests)
    return [
        math.nan if math.isnan(v) else min(1.0, min(m * q / sum(r <= q for r in tests) for q in tests if q >= v))
        for v in p
    ]


def test_fdr_bh_matches_its_definition_and_r_p_adjust():
    # worked by hand from the definition, as R's p.adjust(c(0.01, 0.04, 0.03, 0.2, 0.005, 0.04), "BH")
    # computes it: sorted 0.005 0.01 0.03 0.04 0.04 0.2 give 6p/rank 0.03 0.03 0.06 0.06 0.048 0.2,
    # then the running minimum from the top: 0.03 0.03 0.048 0.048 0.048 0.2
    p = [0.01, 0.04, 0.03, 0.2, 0.005, 0.04]
    assert adjust_p(p, "fdr_bh") == pytest.approx([0.03, 0.048, 0.048, 0.2, 0.03, 0.048])
    assert _bh_by_definition(p) == pytest.approx([0.03, 0.048, 0.048, 0.2, 0.03, 0.048])
    rng = np.random.default_rng(7)
    for _ in range(20):  # ties, values near 1 and missing tests included
        p = list(np.round(rng.uniform(0, 1, 25) ** 3, 2))
        p[3] = p[7] = math.nan
        assert adjust_p(p, "fdr_bh") == pytest.approx(_bh_by_definition(p), nan_ok=True)


def test_an_unknown_adjustment_is_refused():
    with pytest.raises(ValueError, match="adjustments are holm, fdr_bh"):
        adjust_p([0.1], "bonferroni")
    with pytest.raises(ValueError, match="adjustments are none, holm, fdr_bh"):
        change_over_time(scores_frame(), [("T1", "T2")], adjust="BH")


def test_change_over_time_adds_the_adjustment_asked_for_across_its_tests():
    two = pd.concat([scores_frame(), scores_frame().assign(subscale="other", score=lambda f: f["score"] * 0.9 + 3)])
    for adjust, method in (("fdr_bh", "fdr_bh"), ("holm", "holm"), (True, "holm")):
        out = change_over_time(two, [("T1", "T2"), ("T1", "T3")], adjust=adjust, min_pairs=2)
        assert "p_adjusted" in out.columns and out.attrs["adjust"] == method
        assert out.attrs["tests"] == 2  # T1-T3 has no pairs: no test, not in the family
        assert out["p_adjusted"].tolist() == pytest.approx(adjust_p(out["p"], method), nan_ok=True)
    plain = change_over_time(two, [("T1", "T2")], adjust="none", min_pairs=2)
    # no adjustment, but the frame still counts its tests, for a table of some of its rows to say
    assert "p_adjusted" not in plain.columns and plain.attrs["tests"] == 2 and plain.attrs["adjust"] == "none"


def test_describe_continuous_and_categorical_with_missing():
    frame = pd.DataFrame(
        {
            "age": [30.0, 41.0, np.nan, 55.0],
            "gender": pd.Categorical(["F", None, "M", "F"], categories=["M", "F", "X"]),
            "yes_no": pd.array([True, False, None, True], dtype="boolean"),
        }
    )
    out = describe(frame)
    age = out[out["variable"] == "age"].iloc[0]
    assert age["n"] == 3 and age["mean"] == pytest.approx(42.0)
    assert age["sd"] == pytest.approx(12.529964086141668)  # R: sd(c(30, 41, 55))
    assert (age["min"], age["max"]) == (30.0, 55.0)
    gender = out[out["variable"] == "gender"].set_index("level")
    assert gender["n"].unique().tolist() == [3]
    assert gender["count"].to_dict() == {"M": 1, "F": 2, "X": 0}
    assert gender.loc["F", "percent"] == pytest.approx(200 / 3)
    flag = out[out["variable"] == "yes_no"].iloc[0]
    assert (flag["level"], flag["n"], flag["count"]) == ("yes", 3, 2)


def scores_frame():
    rows = []
    t1 = {"a": 50, "b": 44, "c": 61, "d": 39, "e": 52}
    t2 = {"a": 45, "b": 43, "c": 55, "e": 47, "f": 60}
    for tp, values in (("T1", t1), ("T2", t2)):
        for pid, v in values.items():
            rows.append(
                {
                    "participant_id": pid,
                    "site": "S1",
                    "timepoint": tp,
                    "instrument": "wemwbs",
                    "subscale": "total",
                    "score": float(v),
                }
            )
    rows.append(
        {
            "participant_id": "g",
            "site": "S1",
            "timepoint": "T1",
            "instrument": "wemwbs",
            "subscale": "total",
            "score": np.nan,
        }
    )
    return pd.DataFrame(rows)


def test_change_over_time_uses_complete_pairs_and_states_direction():
    out = change_over_time(scores_frame(), [("T1", "T2")], min_pairs=2)
    row = out.iloc[0]
    assert row["comparison"] == "T1-T2" and row["n"] == 4
    assert row["change"] == pytest.approx(np.mean([5, 1, 6, 5]))
    from scipy import stats

    # the complete pairs, tested by scipy; the ES by hand: T1 of the pairs 50, 44, 61, 52 (mean
    # 51.75, squared deviations 3.0625 + 60.0625 + 85.5625 + 0.0625 = 148.75, variance 148.75 / 3)
    assert row["p"] == pytest.approx(stats.ttest_rel([50, 44, 61, 52], [45, 43, 55, 47]).pvalue, abs=1e-12)
    assert row["es"] == pytest.approx(4.25 / math.sqrt(148.75 / 3), abs=1e-12)
    assert out.columns.tolist() == [
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


def test_change_over_time_with_a_timepoint_missing_is_not_estimable():
    out = change_over_time(scores_frame(), [("T1", "T3")], adjust=True, min_pairs=2)
    row = out.iloc[0]
    assert row["n"] == 0 and not row["estimable"] and row["note"] == "no complete pairs"
    assert math.isnan(row["p_adjusted"])


def test_summary_and_norms():
    summary = compare_to_norms(
        summarise_scores(scores_frame()),
        pd.DataFrame({"instrument": ["wemwbs"], "subscale": ["total"], "norm_mean": [51.6], "norm_sd": [8.71]}),
    )
    t1 = summary[summary["timepoint"] == "T1"].iloc[0]
    assert t1["n"] == 5 and t1["mean"] == pytest.approx(49.2)
    assert t1["sd"] == pytest.approx(np.std([50, 44, 61, 39, 52], ddof=1))
    assert t1["difference"] == pytest.approx(49.2 - 51.6)
    assert t1["std_difference"] == pytest.approx((49.2 - 51.6) / 8.71)
