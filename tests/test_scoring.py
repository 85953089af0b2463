"""Scoring rules, each checked against a hand computation."""

import math

import numpy as np
import pandas as pd
import pytest

from peerimpact import Instrument, load_instrument, score


def frame(prefix: str, rows: list[list[float]]) -> pd.DataFrame:
    data = {"participant_id": [f"P{i}" for i in range(len(rows))], "timepoint": "T1"}
    for j in range(len(rows[0])):
        data[f"{prefix}_{j + 1}"] = [r[j] for r in rows]
    return pd.DataFrame(data)


NAN = math.nan


def test_wemwbs_complete_sum():
    out = score(frame("wemwbs", [[1, 2, 3, 4, 5] * 2 + [1, 2, 3, 4]]), "wemwbs")
    assert out.loc[0, "score"] == 40
    assert out.loc[0, ["items_answered", "items_missing"]].tolist() == [14, 0]
    assert not out.loc[0, "prorated"]


def test_wemwbs_one_missing_is_prorated_unrounded():
    # 13 answered items summing to 50: mean 50/13, times 14 items = 53.846...
    row = [4] * 12 + [2, NAN]
    out = score(frame("wemwbs", [row]), "wemwbs")
    assert out.loc[0, "score"] == pytest.approx(50 / 13 * 14, abs=1e-12)
    assert out.loc[0, "score"] != round(out.loc[0, "score"])
    assert out.loc[0, "prorated"]
    assert out.loc[0, "items_missing"] == 1


def test_two_missing_items_make_the_subscale_missing():
    out = score(frame("wemwbs", [[4] * 12 + [NAN, NAN]]), "wemwbs")
    assert math.isnan(out.loc[0, "score"])
    assert out.loc[0, "items_missing"] == 2
    assert not out.loc[0, "prorated"]


def test_record_without_any_answer_is_left_out():
    out = score(frame("wemwbs", [[NAN] * 14, [3] * 14]), "wemwbs")
    assert out["participant_id"].tolist() == ["P1"]


def test_mbi_subscales_use_published_item_numbers():
    # item i answered with value (i mod 7): each subscale's sum is checked by hand
    row = [i % 7 for i in range(1, 23)]
    out = score(frame("mbi", [row]), "mbi").set_index("subscale")["score"]
    ee = [1, 2, 3, 6, 8, 13, 14, 16, 20]
    dp = [5, 10, 11, 15, 22]
    pa = [4, 7, 9, 12, 17, 18, 19, 21]
    assert out["emotional_exhaustion"] == 1 + 2 + 3 + 6 + 1 + 6 + 0 + 2 + 6 == sum(i % 7 for i in ee)
    assert out["depersonalization"] == 5 + 3 + 4 + 1 + 1 == sum(i % 7 for i in dp)
    assert out["personal_accomplishment"] == 4 + 0 + 2 + 5 + 3 + 4 + 5 + 0 == sum(i % 7 for i in pa)


def test_mean_subscale_with_one_missing_is_mean_of_answered():
    mjs = load_instrument("mjs")
    row = [3.0] * 53
    row[0] = NAN  # personal satisfaction items 1-6: five answered
    row[1] = 5.0
    row[46], row[47], row[48] = NAN, NAN, 4.0  # overall satisfaction items 47-53: two missing, not scored
    out = score(frame("mjs", [row]), mjs).set_index("subscale")
    assert out.loc["personal_satisfaction", "score"] == pytest.approx((5 + 3 * 4) / 5)
    assert out.loc["personal_satisfaction", "prorated"]
    assert out.loc["workload", "score"] == 3.0
    assert np.isnan(out.loc["overall", "score"]) and out.loc["overall", "items_missing"] == 2


def test_reverse_keyed_items():
    itp = load_instrument("itp")
    assert itp.subscales["conflict_management"].items == [str(i) for i in range(29, 38)]
    assert itp.subscales["conflict_management"].reverse == ["32", "35"]
    row = [4.0] * 54
    row[31] = 1.0  # item 32, reversed: 5 + 1 - 1 = 5
    row[34] = 2.0  # item 35, reversed: 4
    out = score(frame("itp", [row]), itp).set_index("subscale")
    assert out.loc["conflict_management", "score"] == pytest.approx((7 * 4 + 5 + 4) / 9)


def custom(**missing) -> Instrument:
    return Instrument.model_validate(
        {
            "id": "demo",
            "name": "Demo",
            "min": 0,
            "max": 3,
            "items": [1, 2, 3, 4],
            "missing": missing or {"max_missing": 1, "prorate": True},
            "subscales": {
                "total": {"label": "Total", "items": "1-4", "method": "sum"},
                "strict": {"label": "Strict", "items": [1, 2], "method": "sum", "max_missing": 0},
            },
        }
    )


def test_max_missing_is_configurable_per_instrument_and_subscale():
    inst = custom(max_missing=2, prorate=True)
    out = score(frame("demo", [[3, NAN, NAN, 1]]), inst).set_index("subscale")
    assert out.loc["total", "score"] == pytest.approx(2 * 4)  # mean 2 × 4 items
    assert math.isnan(out.loc["strict", "score"])  # this subscale allows none missing


def test_without_prorating_a_sum_is_the_sum_of_answered_items():
    inst = custom(max_missing=1, prorate=False)
    out = score(frame("demo", [[3, 2, NAN, 1]]), inst).set_index("subscale")
    assert out.loc["total", "score"] == 6
    assert not out.loc["total", "prorated"]


def test_instrument_definition_errors_are_reported():
    with pytest.raises(ValueError, match="not listed"):
        Instrument.model_validate(
            {
                "id": "bad",
                "name": "Bad",
                "min": 1,
                "max": 5,
                "items": [1, 2],
                "subscales": {"x": {"label": "X", "items": [1, 3], "method": "sum"}},
            }
        )


def test_scores_are_ordered_and_carry_ids():
    f = frame("wemwbs", [[3] * 14, [4] * 14])
    f["site"] = ["S1", "S2"]
    out = score(f, "wemwbs")
    assert out.columns.tolist() == [
        "participant_id",
        "site",
        "timepoint",
        "instrument",
        "subscale",
        "score",
        "items_answered",
        "items_missing",
        "prorated",
    ]
    assert out["site"].tolist() == ["S1", "S2"]
    assert np.allclose(out["score"], [42, 56])
