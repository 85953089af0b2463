"""A site's report opens with the site's own programme facts: its recruitment, retention and
withdrawals against its own targets, its activity against its share of the contact target, and
its data completeness, with no total that merely repeats the site."""

from __future__ import annotations

import re

import pytest

from peerimpact import load_study
from peerimpact.analysis import programme, progress
from peerimpact.analysis.programme import ALL_SITES
from peerimpact.builder.plan import plan
from peerimpact.report import progress as blocks
from peerimpact.report import progress_figures
from peerimpact.report.extract import read_extract, serialise, write_extract
from peerimpact.resources import params_dir


@pytest.fixture(scope="module")
def planned():
    study = load_study()
    reports, problems = plan(study, params_dir() / "reports", params=params_dir(), kinds=["site", "funder"])
    assert not problems.has_errors, [p.format() for p in problems.errors]
    return study, {r.id: r for r in reports}


def texts(svg: str) -> list[str]:
    """The words an SVG figure prints (its text is text, not outlines)."""
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


@pytest.mark.integration
def test_a_site_report_opens_with_its_programme_facts(planned):
    _, reports = planned
    sections = [path.stem for path in reports["site-S7"].sections]
    assert sections == [
        "00_key_messages",
        "07_recruitment",
        "09_activity",
        "08_completeness",
        "01_sample",
        "02_service_use",
        "03_outcomes",
        "04_change",
        "05_qualitative",
        "06_synthesis",
        "13_methods",
    ]


def test_a_site_takes_its_share_of_the_contact_target_by_its_recruitment_target(planned, tmp_path):
    study, reports = planned
    # the example: 100 completed contacts a month study-wide; S7 is to recruit 4 of the 38, S2 8
    assert study.config.targets.contacts_per_month == 100 and study.config.targets.recruitment.total == 38
    s7 = reports["site-S7"].extract.meta.targets
    assert s7.contacts_per_month == pytest.approx(10.5263158)  # 100 × 4 / 38
    assert reports["site-S2"].extract.meta.targets.contacts_per_month == pytest.approx(21.0526316)  # 100 × 8 / 38
    assert (s7.share.sites_recruitment, s7.share.study_recruitment, s7.share.study_contacts_per_month) == (4, 38, 100)
    assert s7.recruitment.sites == {"S7": 4} and s7.recruitment.total == 4
    assert (s7.recruitment.start, s7.recruitment.by) == (
        study.config.targets.recruitment.start,
        study.config.targets.recruitment.by,
    )
    funder = reports["funder"].extract.meta.targets
    assert funder.contacts_per_month == 100 and funder.share is None and funder.recruitment.total == 38
    # the fraction survives the extract's meta.json, which is read back with the same types
    write_extract(serialise(reports["site-S7"].extract), tmp_path / "extract")
    assert read_extract(tmp_path / "extract").meta.targets == s7


@pytest.mark.integration
def test_the_activity_figure_of_one_site_is_one_panel_against_its_share(planned):
    _, reports = planned
    data = reports["site-S7"].extract
    targets = data.meta.targets
    monthly = programme.monthly_activity(data.contacts, data.meta.sites, data.participants)
    assert set(monthly["site"]) == {"S7"}
    figure = progress_figures.activity_over_time(monthly, targets.contacts_per_month, None, targets.share)
    words = texts(figure.svg)
    assert words.count("S7") == 1 and ALL_SITES not in words  # one panel, titled with the site
    assert "S7's share of the target" in words
    assert figure.alt.endswith("against a target of 10.5 a month.")
    assert figure.note == (
        "Dashed line: S7's share of the study's target of 100 completed contacts a month, in "
        "proportion to its recruitment target: 100 × 4 / 38 (the study's recruitment target) "
        "= 10.5 a month."
    )
    funder = reports["funder"].extract
    every = programme.monthly_activity(funder.contacts, funder.meta.sites, funder.participants)
    whole = progress_figures.activity_over_time(
        every, funder.meta.targets.contacts_per_month, None, funder.meta.targets.share
    )
    assert ALL_SITES in texts(whole.svg) and whole.note is None
    assert whole.alt.endswith("against a target of 100 a month.")


def test_the_recruitment_table_of_one_site_has_its_row_and_no_total_repeating_it(planned):
    _, reports = planned
    rows = {}
    for rid in ("site-S7", "funder"):
        data = reports[rid].extract
        targets = data.meta.targets
        by_site = programme.recruitment(
            data.participants, data.returns, data.meta.sites, data.timepoints, targets.recruitment.sites
        )
        table = blocks.recruitment_table(by_site, data.timepoints, targets.retention)
        rows[rid] = table.display
    s7 = rows["site-S7"]
    assert list(s7["Site"]) == ["S7"]
    assert list(s7.columns) == [
        "Site",
        "Target",
        "Consented",
        "T1",
        "T2 (target 70%)",
        "T3 (target 70%)",
        "Left post",
        "Withdrew",
    ]
    assert s7.loc[0, "Target"] == "4"
    assert list(rows["funder"]["Site"]) == [f"S{i}" for i in range(1, 8)] + [ALL_SITES]


def test_the_period_activity_of_one_site_has_no_total_row_repeating_it(planned):
    _, reports = planned
    shown = {}
    for rid in ("site-S7", "funder"):
        data = reports[rid].extract
        period = data.meta.reporting_period
        in_period = programme.period_activity(
            data.contacts, data.participants, data.meta.sites, start=period.start, end=period.end
        )
        shown[rid] = list(blocks.period_activity_table(in_period).display["Site"])
    assert shown == {"site-S7": ["S7"], "funder": [f"S{i}" for i in range(1, 8)] + [ALL_SITES]}


def test_the_recruitment_line_of_a_site_runs_to_its_own_target(planned):
    _, reports = planned
    data = reports["site-S7"].extract
    goal, share = data.meta.targets.recruitment, data.meta.targets.share
    cumulative = programme.cumulative_recruitment(
        data.participants, start=goal.start, end=data.meta.data_cut, total=goal.total, by=goal.by
    )
    assert cumulative["target"].max() == 4
    figure = progress_figures.recruitment_over_time(cumulative, goal, share, data.meta.sites)
    assert figure.note == (
        "Dashed line: S7's own recruitment target, 4 people from 1 October 2018 to 31 August 2019 (the study's is 38)."
    )


def test_a_site_report_sets_its_own_row_against_its_own_targets_with_a_status(planned):
    _, reports = planned
    data = reports["site-S7"].extract
    targets, rules, period = data.meta.targets, data.meta.status, data.meta.reporting_period
    by_site = programme.recruitment(
        data.participants, data.returns, data.meta.sites, data.timepoints, targets.recruitment.sites
    )
    status = progress.recruitment_status(
        data.participants, data.meta.sites, targets.recruitment, data.meta.data_cut, rules.recruitment
    )
    retained = progress.retention_status(
        data.participants, data.returns, data.meta.sites, data.timepoints, targets.retention, rules.retention
    )
    table = blocks.recruitment_table(by_site, data.timepoints, targets.retention, status, retained, rules)
    assert set(table.data["site"]) == {"S7"}
    shown = table.display
    # S7's 3 of its own 4 (75%) after the target's date: behind under the default 80% rule; no total row
    assert list(shown["Site"]) == ["S7"] and shown.loc[0, "Consented"] == "3 (75%), behind"
    assert list(shown.columns) == [
        "Site",
        "Target",
        "Consented",
        "T1",
        "T2 (target 70%)",
        "T3 (target 70%)",
        "Left post",
        "Withdrew",
    ]
    per_month = progress.activity_status(
        data.contacts,
        data.participants,
        data.meta.sites,
        per_month=targets.contacts_per_month,
        goal=targets.recruitment,
        start=period.start,
        end=period.end,
        cut=data.meta.data_cut,
        rule=rules.activity,
    )
    in_period = programme.period_activity(
        data.contacts, data.participants, data.meta.sites, start=period.start, end=period.end
    )
    activity = blocks.period_activity_table(in_period, per_month, rules.activity)
    assert list(activity.display["Site"]) == ["S7"]
    # its share of the target is the one its figure F3 draws: 100 × 4 / 38 a month
    assert activity.data.loc[0, "target_per_month"] == pytest.approx(targets.contacts_per_month)
    assert activity.display.loc[0, "Target per month"] == "10.5"
    assert activity.display.loc[0, "Status"].split(" (")[0] in ("on track", "at risk", "behind")


def test_a_site_report_sets_the_whole_study_s_programme_beside_its_own(planned):
    import pandas as pd

    study, reports = planned
    assert reports["funder"].extract.study_programme.empty  # the funder's report is the whole study
    summary = reports["site-S7"].extract.study_programme.set_index("measure")
    # counted here from the study's files, not by the functions that made it
    people, returns = study.participants, study.returns
    returned = {tp: set(returns.loc[returns["timepoint"] == tp, "participant_id"]) for tp in ("T1", "T2", "T3")}
    assert summary.loc["consented", ["people", "target"]].tolist() == [len(people), 38]
    for tp in ("T2", "T3"):
        both = returned["T1"] & returned[tp] & set(people["participant_id"])
        assert summary.loc[f"retained_{tp}", ["people", "of_people"]].tolist() == [len(both), len(returned["T1"])]
    dates = pd.to_datetime(study.contacts["date"])
    done = study.contacts["completed"].astype(bool) & dates.between("2020-04-01", "2021-03-31")
    assert summary.loc["contacts_per_month", "per_month"] == pytest.approx(done.sum() / 12)
    assert summary.loc["consented", "status"] == "behind"  # 84% after the target's date
    table = blocks.programme_context(summary.reset_index(), "T1")
    assert table.display["Whole study"].tolist()[0] == f"{len(people)} of 38 due (84%)"
    assert not any("S" + str(i) in " ".join(table.display.to_numpy().ravel()) for i in range(1, 8))
