"""The search behind `peerimpact synth --calibrate`: scores that print as published figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

import peerimpact
from peerimpact.example.calibration import calibrate_scores
from peerimpact.example.calibration_targets import ChangeTarget, Impossible, Printed, SubscaleTarget, TimepointTarget
from peerimpact.example.questionnaires import subscale_answers
from peerimpact.ingest.scoring import load_instrument

P = Printed.parse
PEOPLE = [f"P{i:02d}" for i in range(24)]
# A made-up subscale (sums of 5 items scored 0-6) at two timepoints, printed as a paper would.
TARGET = SubscaleTarget(
    {
        "T1": TimepointTarget(22, P("11.4"), P("6.20"), P("0.0"), P("27.0")),
        "T2": TimepointTarget(15, P("9.8"), P("5.85"), P("1.0"), P("24.0")),
    },
    [ChangeTarget("T2", 14, P("1.9"), P("-0.36"), P("4.14"), P("0.31"), p=P("0.092"))],
)
VALID = {"T1": PEOPLE[:22], "T2": PEOPLE[8:23]}  # 14 pairs: P08-P21


def printed(value: float, target: Printed) -> bool:
    return abs(value - target.value) <= target.tolerance + 1e-9


def test_scores_print_as_the_published_figures_checked_by_scipy():
    scores = calibrate_scores(np.random.default_rng(3), TARGET, VALID, step=1, lo=0, hi=30, prorated_step=5 / 4)
    t1, t2 = (pd.Series(scores[tp]) for tp in ("T1", "T2"))
    for series, t in ((t1, TARGET.timepoints["T1"]), (t2, TARGET.timepoints["T2"])):
        assert len(series) == t.n and printed(series.mean(), t.mean) and printed(series.std(), t.sd)
        assert series.min() == t.min.value and series.max() == t.max.value
    x, y = t1.align(t2, join="inner")
    assert len(x) == 14
    test = scipy_stats.ttest_rel(x, y)  # the reference: scipy's paired t-test and its interval
    low, high = test.confidence_interval(0.95)
    change = TARGET.changes[0]
    assert printed((x - y).mean(), change.change) and printed(low, change.ci_low) and printed(high, change.ci_high)
    assert printed((x - y).mean() / x.std(), change.es) and printed(test.pvalue, change.p)
    # every score is a sum of five answers, or a prorated sum of four (a multiple of 5/4)
    whole = np.concatenate([t1, t2])
    assert all(abs(v - round(v)) < 1e-9 or abs(v * 4 / 5 - round(v * 4 / 5)) < 1e-9 for v in whole)


def test_the_same_generator_state_gives_the_same_scores():
    a = calibrate_scores(np.random.default_rng(3), TARGET, VALID, step=1, lo=0, hi=30, prorated_step=5 / 4)
    b = calibrate_scores(np.random.default_rng(3), TARGET, VALID, step=1, lo=0, hi=30, prorated_step=5 / 4)
    assert a == b


@pytest.mark.integration
def test_one_search_can_miss_where_another_start_finds_scores():
    """A single search may end at a dead end; the example generator then starts again from a new
    guess (with new choices of who is missing), so a miss is a message, never a wrong table."""
    outcomes = []
    for seed in range(6):
        try:
            calibrate_scores(np.random.default_rng(seed), TARGET, VALID, step=1, lo=0, hi=30, prorated_step=5 / 4)
            outcomes.append(True)
        except ValueError as error:
            assert str(error).startswith("no scores found that print as published: T")
            outcomes.append(False)
    assert any(outcomes)


def test_figures_no_scale_allows_are_refused_at_once_with_the_reason():
    wide = SubscaleTarget({"T1": TimepointTarget(10, P("3.0"), P("2.50"))})
    with pytest.raises(Impossible, match=r"T1 SD 2.5 is more than 10 scores from 1 to 5 can have \(2.11\)"):
        calibrate_scores(np.random.default_rng(1), wide, {"T1": PEOPLE[:10]}, step=0.2, lo=1, hi=5)
    off = SubscaleTarget({"T1": TimepointTarget(10, P("5.6"))})
    with pytest.raises(Impossible, match="T1 mean 5.6 is outside the scale's 1 to 5"):
        calibrate_scores(np.random.default_rng(1), off, {"T1": PEOPLE[:10]}, step=0.2, lo=1, hi=5)


def test_figures_that_contradict_each_other_are_named_when_the_search_gives_up():
    # a change of 1.0 whose interval is centred on 3.0: no scores give both
    clash = SubscaleTarget(
        {"T1": TimepointTarget(10, P("3.0"), P("0.80")), "T2": TimepointTarget(10, P("2.0"), P("0.80"))},
        [ChangeTarget("T2", 10, P("1.00"), P("2.50"), P("3.50"))],
    )
    with pytest.raises(ValueError, match="no scores found that print as published: .*T2 (change|ci_low|ci_high)"):
        calibrate_scores(
            np.random.default_rng(1), clash, {"T1": PEOPLE[:10], "T2": PEOPLE[:10]}, step=0.2, lo=1, hi=5, max_rounds=5
        )


def test_a_p_that_no_scores_on_the_grid_give_with_the_interval_is_named():
    # 14 pairs of sums and quarter-step prorated sums change in steps of 1/56: the only change
    # and interval that print as TARGET's give p from 0.0920 to 0.0925, so 0.095 cannot print
    changes = [ChangeTarget("T2", 14, P("1.9"), P("-0.36"), P("4.14"), P("0.31"), p=P("0.095"))]
    wrong_p = SubscaleTarget(TARGET.timepoints, changes)
    with pytest.raises(ValueError, match=r"no scores found that print as published: .*T2 (p|ci_low|ci_high) "):
        calibrate_scores(
            np.random.default_rng(3), wrong_p, VALID, step=1, lo=0, hi=30, prorated_step=5 / 4, max_rounds=5
        )


@pytest.mark.parametrize(
    "instrument, subscale, score",
    [
        ("wemwbs", "total", 49.0),
        ("wemwbs", "total", 14 / 13 * 45),  # complete, and prorated from 13 answers
        ("mjs", "overall", 30 / 7),
        ("mjs", "overall", 4.5),  # 7 answers, and a mean of 6
        ("itp", "conflict_management", 27 / 8),  # 8 of 9 answered; reverse-keyed items stored reversed
        ("mbi", "personal_accomplishment", 0.0),
        (None, None, None),
    ],
)
def test_answers_score_back_to_their_score_with_the_study_scoring(instrument, subscale, score):
    rng = np.random.default_rng(11)
    if instrument is None:  # no score: two or three answers missing, so the subscale is not scored
        inst = load_instrument("itp")
        answers = subscale_answers(rng, inst, "leadership", None, 3.5)
        frame = pd.DataFrame([{"participant_id": "S1-PW01", "timepoint": "T1", **answers}])
        scored = peerimpact.score(frame, inst)
        row = scored[scored["subscale"] == "leadership"].iloc[0]
        assert np.isnan(row["score"]) and row["items_missing"] in (2, 3)
        return
    inst = load_instrument(instrument)
    answers = subscale_answers(rng, inst, subscale, score, 3.0)
    values = np.array([v for v in answers.values() if v == v])
    assert ((values >= inst.min) & (values <= inst.max) & (values == np.round(values))).all()
    frame = pd.DataFrame([{"participant_id": "S1-PW01", "timepoint": "T1", **answers}])
    scored = peerimpact.score(frame, inst)
    row = scored[scored["subscale"] == subscale].iloc[0]
    assert row["score"] == pytest.approx(score, abs=1e-9)
