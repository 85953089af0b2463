"""Display formats of the paper-style tables."""

import math

import numpy as np
import pandas as pd
import pytest

from peerimpact.analysis.stats import change_over_time
from peerimpact.report import tables
from peerimpact.report.blocks import Table
from peerimpact.report.formats import fmt_count, fmt_mean_sd_range, fmt_norm, fmt_number, fmt_p
from peerimpact.report.outcome_tables import table3, table4
from peerimpact.report.tables import table1

LABELS = {
    ("wemwbs", None): "Wellbeing scale",
    ("wemwbs", "total"): "Wellbeing",
    ("mbi", None): "Burnout",
    ("mbi", "ee"): "Exhaustion",
    ("mbi", "dp"): "Depersonalisation",
}
NO_CONTACTS = pd.DataFrame(columns=["participant_id", "person_id", "mode", "completed"])


def test_formats_like_the_paper():
    assert fmt_mean_sd_range(49.8, 9.07, 28.0, 70.0, 1, 2) == "49.8 (9.07) 28.0–70.0"
    assert fmt_p(0.0201) == "0.020" and fmt_p(0.0004) == "<0.001" and fmt_p(math.nan) == "–"
    assert fmt_number(-0.001, 2) == "0.00" and fmt_number(-0.006, 2) == "-0.01"
    assert fmt_norm(4.0, 0.73) == "4.0 (0.73)" and fmt_norm(3.44, 0.53) == "3.44 (0.53)"
    assert fmt_norm(51.6, 8.71) == "51.6 (8.71)" and fmt_norm(math.nan, math.nan) == "–"


def test_too_few_pairs_show_n_and_change_with_one_footnote_per_reason():
    rows = []
    for subscale in ("ee", "dp"):
        for pid, t1, t2 in (("a", 10.0, 12.0), ("b", 20.0, 15.0), ("c", 5.0, 9.0)):
            rows += [
                {"participant_id": pid, "timepoint": "T1", "instrument": "mbi", "subscale": subscale, "score": t1},
                {"participant_id": pid, "timepoint": "T2", "instrument": "mbi", "subscale": subscale, "score": t2},
            ]
    change = change_over_time(pd.DataFrame(rows), [("T1", "T2")], min_pairs=6)
    table = table4(change, LABELS)
    assert table.display["Change (95% CI)"].tolist() == ["-0.33ᵃ", "-0.33ᵃ"]
    assert (table.display[["p", "ES", "d_z", "Wilcoxon p"]] == "–").all().all()
    marked = [n for n in table.all_notes if n.startswith("ᵃ")]
    assert marked == ["ᵃ Fewer than 6 complete pairs: the mean change is shown without a test."]
    assert "positive change is a decrease" in table.to_html()


def test_an_es_dash_has_its_footnote_too():
    # baseline identical for everyone: t is fine, the ES is not defined
    scores = pd.DataFrame(
        {
            "participant_id": list("abcabc"),
            "timepoint": ["T1"] * 3 + ["T2"] * 3,
            "instrument": "wemwbs",
            "subscale": "total",
            "score": [40.0, 40.0, 40.0, 42.0, 45.0, 41.0],
        }
    )
    table = table4(change_over_time(scores, [("T1", "T2")], min_pairs=2), LABELS)
    row = table.display.iloc[0]
    assert row["ES"] == "–ᵃ" and row["p"] != "–"
    assert "ᵃ No variation at baseline, so the ES is undefined." in table.all_notes


def test_cells_break_lines_and_headers_have_scopes():
    display = pd.DataFrame({"Measure": ["Scale", ""], "Evidence": ["first line\nsecond <line>", None]})
    html = Table("t", "T", display, display, row_headers=("Measure",)).to_html()
    assert "first line<br>second &lt;line&gt;" in html and "\\n" not in html and "\n" not in html
    assert '<th scope="col">Measure</th>' in html and '<th scope="row">Scale</th>' in html
    assert "<td>–</td>" in html  # missing is a dash; an empty row label is a plain cell
    assert "<td></td>" in html


def test_table1_of_one_site_does_not_tabulate_site_and_says_once_what_nobody_answered():
    people = pd.DataFrame(
        {
            "participant_id": ["a", "b"],
            "site": ["S7", "S7"],
            "marital_status": pd.Categorical([None, None], categories=["Married", "Single"]),
            "age": [30.0, 40.0],
        }
    )
    table = table1(people, NO_CONTACTS)
    assert "site" not in set(table.data["variable"])
    marital = table.display[table.display["Characteristic"] == "Marital status"]
    assert len(marital) == 1 and marital.iloc[0]["n (%) or mean (SD) min–max"] == "not recorded"
    assert len(table.data[table.data["variable"] == "marital_status"]) == 1
    assert "0 (–%)" not in table.to_html()
    two_sites = table1(people.assign(site=["S1", "S2"]), NO_CONTACTS)
    assert "site" in set(two_sites.data["variable"])


def test_table3_states_each_scales_range_and_direction():
    summary = pd.DataFrame(
        {
            "instrument": ["wemwbs", "mbi"],
            "subscale": ["total", "ee"],
            "timepoint": ["T1", "T1"],
            "n": [10, 10],
            "mean": [50.0, 12.0],
            "sd": [8.0, 5.0],
            "min": [30.0, 2.0],
            "max": [66.0, 30.0],
            "norm_mean": [51.6, 19.7],
            "norm_sd": [8.71, 9.6],
        }
    )
    scales = pd.DataFrame(
        {
            "instrument": ["wemwbs", "mbi"],
            "subscale": ["total", "ee"],
            "range_min": [14.0, 0.0],
            "range_max": [70.0, 54.0],
            "higher": ["better mental wellbeing", "more exhausted"],
        }
    )
    table = table3(summary, LABELS, ["T1"], scales)
    assert table.display["Subscale"].tolist() == [
        "Wellbeing\n(14–70; higher: better mental wellbeing)",
        "Exhaustion\n(0–54; higher: more exhausted)",
    ]
    assert table.data[["range_min", "range_max"]].values.tolist() == [[14.0, 70.0], [0.0, 54.0]]


def test_table1_escapes_text_from_the_data():
    people = pd.DataFrame(
        {
            "participant_id": ["a", "b"],
            "site": ["S1", "S1"],
            "gender": pd.Categorical(["<script>alert(1)</script>", "F"]),
        }
    )
    html = table1(people, NO_CONTACTS).to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_sample_summary_counts_and_leaves_out_what_is_missing():
    from peerimpact import load_study
    from peerimpact.report.tables import sample_summary

    study = load_study()
    text = sample_summary(study.participants, study.contacts).text
    assert text.startswith("This report covers 32 peer workers at 7 sites.")
    assert "30 were on contracts and 2 were bank staff" in text
    assert "Of the 30 sick-leave records, 12 showed none; the other 18 had a median of 5 days (range 1 to 55)" in text
    assert "30 peer workers recorded contacts; contact activity below counts them by mode." in text
    activity = tables.activity(study.contacts).data.set_index("mode")
    assert activity.loc["face_to_face", "completed"] == 1682  # the total the paper's text gives
    assert activity["contacts"].sum() == activity["all_contacts"].iloc[0] == len(study.contacts)
    s7 = study.contacts[study.contacts["participant_id"].str.startswith("S7-")]
    last = pd.to_datetime(s7["date"]).max()  # the log that stops early says when, beside its counts
    assert f"to {last:%b %Y}, the whole log" in tables.activity(s7).notes[0] and last.year == 2020
    one = study.participants[study.participants["participant_id"] == "S5-PW01"].assign(sick_days=float("nan"))
    text = sample_summary(one, study.contacts.iloc[0:0]).text
    assert text.startswith("This report covers 1 peer worker at 1 site.")
    assert "sick-leave" not in text and "recorded contacts" not in text and "nan" not in text
    few = study.participants[study.participants["site"] == "S7"]
    text = sample_summary(few, study.contacts).text
    assert "All 3 peer workers were on contracts." in text and "0 were bank staff" not in text
    assert "the other showed 2 days." in text and "range 2 to 2" not in text
    text = sample_summary(few.iloc[:1], study.contacts.iloc[0:0]).text
    assert "The peer worker was on a contract." in text and "The one sick-leave record showed" in text
    assert "Of the 1 " not in text and "The 1 " not in text


@pytest.mark.parametrize(
    ("value", "digits", "printed"),
    [
        (1769, 0, "1,769"),
        (999, 0, "999"),
        (-12345.675, 2, "-12,345.68"),
        (1234567.25, 1, "1,234,567.3"),
        (-0.001, 2, "0.00"),
    ],
)
def test_numbers_print_with_their_thousands_grouped(value, digits, printed):
    assert fmt_number(value, digits) == printed
    if digits == 0 and value >= 0:
        assert fmt_count(value) == printed


def test_p_values_round_half_away_from_zero_as_every_other_figure():
    # 0.0215 is stored as 0.021499999999999998: printed as read at 10 digits, as SPSS prints it
    assert (fmt_p(0.0215), fmt_p(0.0125), fmt_p(0.02149), fmt_p(0.0004)) == ("0.022", "0.013", "0.021", "<0.001")


def test_a_table_of_some_of_the_tests_says_how_many_were_made_in_all():
    rng = np.random.default_rng(1)
    rows = [
        {"participant_id": f"p{i}", "timepoint": tp, "instrument": "mbi", "subscale": sub, "score": float(v)}
        for sub in ("ee", "dp", "pa", "x1")
        for i in range(10)
        for tp, v in (("T1", rng.normal(10, 3)), ("T2", rng.normal(11, 3)))
    ]
    change = change_over_time(pd.DataFrame(rows), [("T1", "T2")], min_pairs=6)
    some = change[change["subscale"].isin(["ee", "dp"])].reset_index(drop=True)
    assert some.attrs.get("tests") == 4  # a table of some of the rows keeps the count of all
    notes = table4(some, LABELS).all_notes
    assert "p values are not adjusted for multiple comparisons: these 2 tests are among the 4 made" in " ".join(notes)
    whole = table4(change, LABELS).all_notes
    assert "across the 4 tests in this table" in " ".join(whole)
