"""Display formats of the paper-style tables."""

import math

import pandas as pd

from peerimpact.stats import change_over_time
from peerimpact.tables import fmt_mean_sd_range, fmt_norm, fmt_number, fmt_p, table1, table4


def test_formats_like_the_paper():
    assert fmt_mean_sd_range(49.8, 9.07, 28.0, 70.0, 1, 2) == "49.8 (9.07) 28.0–70.0"
    assert fmt_p(0.0201) == "0.020" and fmt_p(0.0004) == "<0.001" and fmt_p(math.nan) == "–"
    assert fmt_number(-0.001, 2) == "0.00" and fmt_number(-0.006, 2) == "-0.01"
    assert fmt_norm(4.0, 0.73) == "4.0 (0.73)" and fmt_norm(3.44, 0.53) == "3.44 (0.53)"
    assert fmt_norm(51.6, 8.71) == "51.6 (8.71)" and fmt_norm(math.nan, math.nan) == "–"


def test_not_estimable_is_a_dash_with_a_footnote():
    scores = pd.DataFrame({"participant_id": ["a", "a", "b"], "timepoint": ["T1", "T2", "T1"],
                           "instrument": "wemwbs", "subscale": "total", "score": [40.0, 42.0, 50.0]})
    change = change_over_time(scores, [("T1", "T2")])
    table = table4(change, {("wemwbs", None): "Wellbeing scale", ("wemwbs", "total"): "Wellbeing"})
    row = table.display.iloc[0]
    assert row["Change (95% CI)"] == "–ᵃ" and row["n"] == "1"
    assert any(n.startswith("ᵃ Wellbeing, T1 − T2: not estimable (1 complete pair") for n in table.notes)
    assert "positive change is a decrease" in table.to_html()


def test_table1_escapes_text_from_the_data():
    people = pd.DataFrame({"participant_id": ["a", "b"], "site": ["S1", "S1"],
                           "gender": pd.Categorical(["<script>alert(1)</script>", "F"])})
    html = table1(people, pd.DataFrame(columns=["participant_id", "person_id", "mode", "completed"])).to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_sample_summary_counts_and_leaves_out_what_is_missing():
    from peerimpact import load_study
    from peerimpact.tables import sample_summary

    study = load_study()
    text = sample_summary(study.participants, study.contacts)
    assert text.startswith("This report covers 32 peer workers at 7 sites.")
    assert "30 were on contracts and 2 were bank staff" in text
    assert "Of the 30 sick-leave records, 12 showed none; the other 18 had a median of 5 days (range 1 to 55)" in text
    assert "30 peer workers recorded contacts: 1682 completed face to face." in text
    one = study.participants[study.participants["participant_id"] == "S5-PW01"].assign(sick_days=float("nan"))
    text = sample_summary(one, study.contacts.iloc[0:0])
    assert text.startswith("This report covers 1 peer worker at 1 site.")
    assert "sick-leave" not in text and "recorded contacts" not in text and "nan" not in text
