"""The release ledger: what each report shows, keyed by what it is, so that one figure prints one
value in every report of a build (peerimpact.report.ledger)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pandas as pd
import pytest

from conftest import BUILT
from peerimpact.analysis import programme
from peerimpact.builder.audiences import load_policies
from peerimpact.config.study import Milestone
from peerimpact.ingest.study import load_study
from peerimpact.problems import Problems
from peerimpact.report import conduct
from peerimpact.report.blocks import FigureBlock, Table, TextBlock, release
from peerimpact.report.ledger import (
    LEDGER_COLUMNS,
    LEDGER_FILE,
    conflicts,
    normal,
    population,
    read_ledger,
    released_figures,
)
from peerimpact.report.policies import Context
from peerimpact.report.roles import Role
from peerimpact.report.rule_policies import rules_policy
from peerimpact.report.tables import SAMPLE_FACT_ROLES, sample_sentences

NHS = load_policies(None, Problems())["nhs_digital"]


def keys(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """The ledger's rows as (population, measure, statistic, timepoint, value)."""
    return [
        tuple(r)
        for r in frame[["population", "measure", "statistic", "timepoint", "value"]].itertuples(index=False, name=None)
    ]


def table(name: str, data: dict, **kw) -> Table:
    frame = pd.DataFrame(data)
    return Table(name, name, frame, lambda d: d, **kw)


# ------------------------------------------------------------------------------ keys of crafted blocks


def test_a_recruitment_row_names_its_site_and_its_total_is_the_reports_and_a_withheld_cell_is_no_figure():
    block = table(
        "recruitment",
        {
            "stage": ["consented", "T1", "left_post"],
            "site": ["S1", "S1", "S1"],
            "count": [5, "*", 0],
            "n": [32, 30, 6],
            "target": [6, None, None],
        },
    )
    assert keys(released_figures(block, "study")) == [
        ("site S1", "consented", "n", "", "5"),
        ("study", "consented", "n", "", "32"),
        ("study", "returned", "n", "T1", "30"),
        ("site S1", "left post", "n", "", "0"),
        ("study", "left post", "n", "", "6"),
    ]
    # the site's own report: its row and its total are both the site's; a cohort's row of a site is both
    assert set(keys(released_figures(block, "site S1"))) == {
        ("site S1", "consented", "n", "", "5"),
        ("site S1", "consented", "n", "", "32"),
        ("site S1", "returned", "n", "T1", "30"),
        ("site S1", "left post", "n", "", "0"),
        ("site S1", "left post", "n", "", "6"),
    }
    assert keys(released_figures(block, "cohort bank"))[0] == ("cohort bank, site S1", "consented", "n", "", "5")


def test_a_study_wide_block_and_a_study_column_are_about_the_whole_study():
    data = {
        "instrument": ["wemwbs"],
        "subscale": ["total"],
        "timepoint": ["T1"],
        "n": [3],
        "mean": [50.5],
        "study_n": [32],
        "study_mean": [49.84375],
        "study_sd": [9.0],
    }
    beside = released_figures(table("table3_study", data), "site S7")
    assert keys(beside) == [
        ("site S7", "wemwbs/total", "n", "T1", "3"),
        ("site S7", "wemwbs/total", "mean", "T1", "50.5"),
        ("study", "wemwbs/total", "n", "T1", "32"),
        ("study", "wemwbs/total", "mean", "T1", "49.84375"),
        ("study", "wemwbs/total", "sd", "T1", "9"),
    ]
    whole = released_figures(table("table3_study_wide", {**data, "norm_mean": [51.6], "range_max": [70.0]}), "site S7")
    assert set(whole["population"]) == {"study"} and set(whole["table"]) == {"table3_study_wide"}
    assert not {"norm_mean", "range_max"} & set(whole["column"])  # published references are nobody's figures


def test_table1_keys_a_level_by_variable_and_level_and_the_variable_by_its_name():
    block = table(
        "table1",
        {
            "variable": ["gender", "age"],
            "level": ["Female", None],
            "n": [32, 31],
            "count": [21, None],
            "percent": [65.625, None],
            "mean": [None, 41.5],
            "sd": [None, 9.25],
            "min": [None, "*"],
            "max": [None, "*"],
        },
    )
    assert keys(released_figures(block, "study")) == [
        ("study", "gender", "n", "", "32"),
        ("study", "gender=Female", "n", "", "21"),
        ("study", "gender=Female", "percent", "", "65.625"),
        ("study", "age", "n", "", "31"),
        ("study", "age", "mean", "", "41.5"),
        ("study", "age", "sd", "", "9.25"),
    ]


def test_the_flow_keys_its_first_boxes_as_the_recruitment_table_does_and_later_ones_apart():
    follow = pd.DataFrame(
        {
            "box": ["consented", "consented", "T2", "T2", "T2", "T2"],
            "outcome": ["returned", "no_reply", "returned", "left_post", "withdrawn", "no_reply"],
            "count": [30, 2, 20, 3, 1, 6],
            "n": [32, 32, 30, 30, 30, 30],
        }
    )
    found = set(keys(released_figures(conduct.flow(follow, ["T1", "T2"]), "study")))
    assert found == {
        ("study", "consented", "n", "", "32"),
        ("study", "returned", "n", "T1", "30"),
        ("study", "no reply", "n", "T1", "2"),
        ("study", "returned (of those who returned T1)", "n", "T2", "20"),
        ("study", "left post (of those who returned T1 and not T2)", "n", "T2", "3"),
        ("study", "withdrawn (of those who returned T1 and not T2)", "n", "T2", "1"),
        ("study", "no reply (of those who returned T1 and not T2)", "n", "T2", "6"),
    }


def test_code_counts_key_a_code_by_its_label_in_the_tables_the_heatmap_and_the_joint_display():
    counts = {
        "theme": ["Valued", "Valued"],
        "code_id": ["", "paid"],
        "code": ["", "Paid for experience"],
        "excerpts": [6, 4],
        "participants": [5, 4],
    }
    by_time = released_figures(table("codes_by_timepoint", {**counts, "timepoint": ["T1", "T1"]}))
    by_site = released_figures(table("codes_by_site", {**counts, "site": ["S2", "S2"]}))
    heatmap = released_figures(FigureBlock("heatmap", pd.DataFrame({**counts, "group": ["T1", "T1"]}), print))
    joint = released_figures(
        table(
            "table5",
            {
                "evidence": ["code", "quote"],
                "name": ["Paid for experience", None],
                "excerpts": [9, None],
                "participants": [7, None],
                "label": [None, "Peer worker"],
            },
        ),
        "site S2",
    )
    assert keys(by_time)[:2] == [
        ("study", "theme Valued", "excerpts", "T1", "6"),
        ("study", "theme Valued", "participants", "T1", "5"),
    ]
    assert keys(heatmap) == keys(by_time)
    assert keys(by_site)[2] == ("site S2", "code Paid for experience", "excerpts", "", "4")
    assert keys(joint) == [
        ("site S2", "code Paid for experience", "excerpts", "", "9"),
        ("site S2", "code Paid for experience", "participants", "", "7"),
    ]


def test_the_samples_sentences_are_keyed_as_table1_and_the_recruitment_table_key_the_same_facts():
    facts = {
        "n": 32,
        "bank": 10,
        "contracted": 22,
        "sick_known": 20,
        "no_sick_leave": 12,
        "with_sick_leave": 8,
        "sick_median_among_some": 4.5,
        "sick_min_among_some": 1.0,
        "sick_max_among_some": 30.0,
        "recording_contacts": 30,
        "sites": 7,
    }
    found = released_figures(TextBlock("sample_summary", facts, sample_sentences, roles=SAMPLE_FACT_ROLES), "study")
    assert ("study", "consented", "n", "", "32") in keys(found)
    assert ("study", "sick_days", "n", "", "20") in keys(found)
    assert ("study", "contract_type=bank", "n", "", "10") in keys(found)
    assert "sites" not in set(found["column"]) and len(found) == 10  # how many sites: the design, not a figure


def test_a_block_the_ledger_does_not_know_is_keyed_by_its_name_and_row_labels():
    block = table(
        "waiting", {"service": ["gp"], "where": ["clinic"], "n": [12]}, roles={"n": Role("count", data="health")}
    )
    assert keys(released_figures(block, "site S3")) == [("site S3", "waiting service=gp where=clinic", "n", "", "12")]


def test_a_figure_a_policy_rounded_is_not_the_same_key_as_the_same_figure_shown_exactly():
    block = table("table2", {"service": ["gp", "gp"], "timepoint": ["T1", "T2"], "n": [32, 20], "count": [12, 10]})
    shown = release(block, rules_policy(NHS))
    found = released_figures(shown, "study", original=block)
    assert keys(found) == [
        ("study", "service gp", "n, rounded", "T1", "30"),
        ("study", "service gp", "users, rounded", "T1", "10"),
        ("study", "service gp", "n", "T2", "20"),
        ("study", "service gp", "users", "T2", "10"),
    ]


def test_values_are_compared_as_shown_whole_numbers_without_their_point():
    assert [normal(v) for v in (32, 32.0, "32", "32.0", 0.1 + 0.2, "*", "", None, True, float("nan"), "n/a")] == [
        "32",
        "32",
        "32",
        "32",
        "0.30000000000000004",
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    assert normal(-2.5) == "-2.5" and normal("1e3") == "1000"


def test_a_reports_population_is_the_study_a_site_or_a_cohort():
    assert population("study", None) == population("funder", None) == "study"
    assert population("site", "S7") == "site S7" and population("cohort", "bank") == "cohort bank"


# ------------------------------------------------------------------------------ the milestones' figures


def test_a_milestone_holds_the_count_the_recruitment_table_holds_and_says_it_with_its_target():
    study = load_study()
    marks = [
        Milestone(name="Recruited", due=dt.date(2019, 8, 31), evidence={"consented": 38}),
        Milestone(name="T3 back", due=dt.date(2020, 9, 30), evidence={"returned": {"timepoint": "T3", "at_least": 21}}),
        Milestone(name="Report", due=dt.date(2020, 6, 30), done=dt.date(2020, 6, 26)),
    ]
    status = programme.milestones(
        marks,
        data_cut=dt.date(2021, 3, 31),
        participants=study.participants,
        returns=study.returns,
        contacts=study.contacts,
    )
    by_site = programme.recruitment(study.participants, study.returns, study.config.sites, study.config.timepoints)
    total = {stage: int(n) for stage, n in zip(by_site["stage"], by_site["n"])}
    assert status["count"].tolist()[:2] == [total["consented"], total["T3"]] == [32, 21]
    assert status["target"].tolist()[:2] == [38, 21] and pd.isna(status["count"].iloc[2])
    block = conduct.milestones_table(status, "2021-03-31")
    assert block.display["Shown by"].tolist() == [
        "32 consented (38 needed)",
        "21 questionnaires returned at T3 (21 needed)",
        "recorded as done",
    ]
    assert block.display["Status"].tolist() == ["Late", "Met", "Met"]  # the 21st T3 return came in June 2020
    late = dataclasses.replace(block, data=block.data.assign(met_on=[None, "2020-10-02", "2020-06-26"]))
    assert late.display["Status"].tolist() == ["Late", "Met late", "Met"]
    assert keys(released_figures(block, "study")) == [
        ("study", "consented", "n", "", "32"),
        ("study", "returned", "n", "T3", "21"),
    ]
    # its words are written from the figures as a policy returns them, never from the data before it
    withheld = release(dataclasses.replace(block, data=block.data.assign(count=[32, 5, None])), rules_policy(NHS))
    assert withheld.display["Shown by"].tolist()[:2] == [
        "30 consented (38 needed)",
        "* questionnaires returned at T3 (21 needed)",
    ]


# ------------------------------------------------------------------------------ the ledger file and conflicts


def test_release_records_each_block_once_in_the_reports_ledger(tmp_path):
    first = table("table2", {"service": ["gp"], "timepoint": ["T1"], "n": [32], "count": [12]})
    other = table(
        "activity",
        {
            "scope": ["all"],
            "mode": ["telephone"],
            "contacts": [40],
            "completed": [38],
            "people_supported": [9],
            "all_contacts": [40],
        },
    )
    context = Context(population="cohort bank")
    release(first, "none", tmp_path, context)
    release(other, "none", tmp_path, context)
    release(dataclasses.replace(first, data=first.data.assign(count=[13])), "none", tmp_path, context)
    ledger = read_ledger(tmp_path / LEDGER_FILE)
    assert list(ledger.columns) == LEDGER_COLUMNS
    assert keys(ledger[ledger["table"] == "table2"]) == [
        ("cohort bank", "service gp", "n", "T1", "32"),
        ("cohort bank", "service gp", "users", "T1", "13"),
    ]
    assert ("cohort bank", "contacts telephone", "completed", "", "38") in keys(ledger)
    assert ledger.loc[ledger["table"] == "activity", "row"].tolist() == ["1"] * 4
    with pytest.raises(ValueError, match="not a release ledger: no column population"):
        read_ledger(tmp_path / "table2.csv")


def ledger(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame([(*r, "t", "c", "1") for r in rows], columns=LEDGER_COLUMNS)


def test_conflicts_lists_every_place_of_a_figure_shown_with_two_values():
    found = conflicts(
        {
            "funder": ledger(("study", "consented", "n", "", "32"), ("study", "returned", "n", "T1", "32.0")),
            "study": ledger(("study", "consented", "n", "", "32.0"), ("study", "returned", "n", "T1", "32")),
            "site-S7": ledger(("site S7", "consented", "n", "", "3"), ("site S7", "consented", "n", "", "4")),
            "cohort-bank": ledger(("study", "consented", "n", "", "38")),
        }
    )
    assert list(found.columns) == [
        "population",
        "measure",
        "statistic",
        "timepoint",
        "value",
        "report",
        "table",
        "column",
        "row",
    ]
    assert [tuple(r) for r in found[["population", "value", "report"]].itertuples(index=False, name=None)] == [
        ("site S7", "3", "site-S7"),
        ("site S7", "4", "site-S7"),  # two values within one report
        ("study", "32", "funder"),
        ("study", "32", "study"),
        ("study", "38", "cohort-bank"),
    ]
    assert conflicts({"a": ledger(("study", "x", "n", "", "5")), "b": ledger(("site S1", "x", "n", "", "6"))}).empty
    assert conflicts({}).empty and conflicts({"a": ledger()}).empty


# ------------------------------------------------------------------------------ the example's build


def test_every_figure_of_the_example_build_prints_one_value_in_every_report(built):
    ledgers = {rid: read_ledger(built / rid / "tables" / LEDGER_FILE) for rid in BUILT}
    assert all(len(frame) > 100 for frame in ledgers.values()), {r: len(f) for r, f in ledgers.items()}
    every = pd.concat([f.assign(report=r) for r, f in ledgers.items()])
    shared = every.groupby(["population", "measure", "statistic", "timepoint"])["report"].nunique()
    assert (shared > 1).sum() > 1000  # the reports do show the same figures: the check has something to check
    assert set(ledgers["site-S7"]["population"]) == {"site S7", "study"}
    assert set(ledgers["cohort-bank"]["population"]) == {"cohort bank", "study"}
    assert (
        ledgers["site-S7"].loc[ledgers["site-S7"]["table"].str.endswith("_study_wide"), "population"] == "study"
    ).all()
    found = conflicts(ledgers)
    assert found.empty, found.head(20).to_string()


def test_the_funders_consented_count_is_one_number_in_the_flow_the_recruitment_table_and_the_milestones(built):
    frame = read_ledger(built / "funder" / "tables" / LEDGER_FILE)
    consented = frame[
        (frame["population"] == "study")
        & (frame["measure"] == "consented")
        & (frame["statistic"] == "n")
        & (frame["timepoint"] == "")
    ]
    assert set(consented["table"]) == {"flow", "recruitment", "milestones"}
    assert set(consented["value"]) == {str(len(load_study().participants))} == {"32"}
    html = (built / "funder" / "report.html").read_text()
    assert "32 consented (38 needed)" in html and "32 (84%)" in html  # the milestone and the table's total
    assert not re.search(r"\b38 consented\b", html)  # the target is never told as the count
