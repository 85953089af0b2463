"""The funder's progress report: dates checked where they are written, flow numbers that add up,
completeness that agrees with the scores, milestones and cohorts by rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from peerimpact import load_study
from peerimpact.analysis import programme
from peerimpact.builder.plan import plan
from peerimpact.config.cohorts import Cohort
from peerimpact.config.study import Milestone
from peerimpact.ingest.study import cohort_members
from peerimpact.resources import params_dir

STUDY = load_study()


def rewrite(path, change) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame)
    frame.to_csv(path, index=False)


def line_of(path, pid: str, timepoint: str | None = None) -> int:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    hit = frame["participant_id"] == pid
    if timepoint:
        hit &= frame["timepoint"] == timepoint
    return int(frame.index[hit][0]) + 2  # header is line 1


def test_dates_out_of_order_are_errors_at_their_line_and_column(example_copy):
    people, quest = example_copy / "participants.csv", example_copy / "questionnaires.csv"

    def people_change(f):
        f.loc[f["participant_id"] == "S1-PW01", "left_post_date"] = "2018-01-01"  # before consent
        f.loc[f["participant_id"] == "S1-PW02", "consent_date"] = "2021-06-01"  # after the data cut
        f.loc[f["participant_id"] == "S1-PW03", "left_post_reason"] = "new_job"  # no date for it
        f.loc[f["participant_id"] == "S1-PW05", "withdrawn_date"] = "31/02/2020"  # no such day

    def quest_change(f):
        f.loc[(f["participant_id"] == "S2-PW01") & (f["timepoint"] == "T1"), "completed_date"] = "2019-01-01"
        f.loc[(f["participant_id"] == "S3-PW01") & (f["timepoint"] == "T2"), "completed_date"] = "2021-04-02"

    rewrite(people, people_change)
    rewrite(quest, quest_change)
    problems = {(Path(p.file).name, p.line, p.column, p.rule): p for p in load_study(example_copy).problems.errors}
    assert set(problems) == {
        ("participants.csv", line_of(people, "S1-PW01"), "left_post_date", "date-order"),
        ("participants.csv", line_of(people, "S1-PW02"), "consent_date", "after-data-cut"),
        ("participants.csv", line_of(people, "S1-PW03"), "left_post_reason", "date-missing"),
        ("participants.csv", line_of(people, "S1-PW05"), "withdrawn_date", "not-a-date"),
        ("questionnaires.csv", line_of(quest, "S2-PW01", "T1"), "completed_date", "date-order"),
        ("questionnaires.csv", line_of(quest, "S3-PW01", "T2"), "completed_date", "after-data-cut"),
    }
    before = problems[("questionnaires.csv", line_of(quest, "S2-PW01", "T1"), "completed_date", "date-order")]
    assert before.value == "2019-01-01" and "before consent (2019-03-11)" in before.message


def test_a_questionnaire_after_withdrawal_is_an_error(example_copy):
    quest = example_copy / "questionnaires.csv"
    returned = pd.read_csv(quest, dtype=str)
    by_person = returned.groupby("participant_id")["timepoint"].agg(set)
    pid = next(p for p, tps in by_person.items() if tps == {"T1", "T3"})  # came back at T3 after missing T2
    t1 = returned.loc[(returned["participant_id"] == pid) & (returned["timepoint"] == "T1"), "completed_date"].iloc[0]
    withdrawn = (pd.Timestamp(t1) + pd.Timedelta(days=30)).date().isoformat()
    rewrite(
        example_copy / "participants.csv",
        lambda f: f.__setitem__("withdrawn_date", f["withdrawn_date"].where(f["participant_id"] != pid, withdrawn)),
    )
    [problem] = load_study(example_copy).problems.errors
    assert (problem.line, problem.column) == (line_of(quest, pid, "T3"), "completed_date")
    assert f"after withdrawal ({withdrawn})" in problem.message


def test_flow_numbers_add_up_by_site_and_in_total():
    by_site = programme.recruitment(STUDY.participants, STUDY.returns, STUDY.sites, STUDY.timepoints)
    wide = by_site.pivot(index="site", columns="stage", values="count")
    totals = by_site.groupby("stage")["n"].first()
    for frame in (wide, totals.to_frame().T):
        for tp in STUDY.timepoints:
            assert (frame[tp] <= frame["consented"]).all()
        for tp in STUDY.timepoints[1:]:  # a later timepoint is counted among those who returned the first
            assert (frame[tp] <= frame[STUDY.timepoints[0]]).all()
    assert (wide.sum() == totals).all()
    assert dict(totals) == {"consented": 32, "T1": 32, "T2": 20, "T3": 21, "left_post": 6, "withdrawn": 2}
    follow = programme.follow_up(STUDY.participants, STUDY.returns, STUDY.timepoints)
    sums = follow.groupby("box", sort=False).agg(parts=("count", "sum"), n=("n", "first"))
    assert (sums["parts"] == sums["n"]).all()
    assert follow.set_index(["box", "outcome"]).loc[("T3", "returned"), "count"] == 21


def test_follow_up_puts_leaving_post_before_withdrawal_and_counts_no_reply():
    people = pd.DataFrame(
        {
            "participant_id": list("abcde"),
            "site": "S1",
            "left_post_date": [pd.NaT, pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-01"), pd.NaT, pd.NaT],
            "withdrawn_date": [pd.NaT, pd.NaT, pd.Timestamp("2020-02-01"), pd.Timestamp("2020-02-01"), pd.NaT],
        }
    )
    returns = pd.DataFrame({"participant_id": list("abcde") + ["a"], "timepoint": ["T1"] * 5 + ["T2"]})
    follow = programme.follow_up(people, returns, ["T1", "T2"]).set_index(["box", "outcome"])["count"]
    assert follow[("T2", "returned")] == 1 and follow[("T2", "left_post")] == 2
    assert follow[("T2", "withdrawn")] == 1 and follow[("T2", "no_reply")] == 1


def test_completeness_agrees_with_the_scores():
    table = programme.completeness(STUDY.returns, STUDY.scores, STUDY.instruments, STUDY.timepoints)
    scores = STUDY.scores.assign(
        instrument=STUDY.scores["instrument"].astype(str), timepoint=STUDY.scores["timepoint"].astype(str)
    )
    items = STUDY.questionnaires
    for row in table.itertuples():
        inst = STUDY.instruments[row.instrument]
        mine = scores[(scores["instrument"] == row.instrument) & (scores["timepoint"] == row.timepoint)]
        assert row.scores == mine["score"].notna().sum()
        assert row.scores + row.scores_lost == row.returned * len(inst.subscales)
        answered = items.loc[items["timepoint"] == row.timepoint, inst.columns]
        answered = answered[answered.notna().any(axis=1)]
        assert row.returned == len(answered) and row.items_missing == answered.isna().sum().sum()
    assert table["scores_lost"].sum() > 0  # the example has subscales lost to missing items


def test_milestones_are_met_on_the_date_the_data_show_due_or_late():
    marks = [
        Milestone(name="ten consented", due=dt.date(2019, 1, 1), evidence={"consented": 10}),
        Milestone(name="all consented", due=dt.date(2019, 1, 1), evidence={"consented": 40}),
        Milestone(name="final", due=dt.date(2022, 1, 1)),
        Milestone(name="T3", due=dt.date(2021, 1, 1), evidence={"returned": {"timepoint": "T3", "at_least": 5}}),
        Milestone(name="recorded", due=dt.date(2020, 1, 1), done=dt.date(2020, 2, 1)),
    ]
    status = programme.milestones(
        marks,
        data_cut=dt.date(2021, 3, 31),
        participants=STUDY.participants,
        returns=STUDY.returns,
        contacts=STUDY.contacts,
    ).set_index("milestone")
    tenth = STUDY.participants["consent_date"].sort_values().iloc[9]
    assert status.loc["ten consented", "status"] == "met" and status.loc["ten consented", "met_on"] == tenth
    assert status.loc["all consented", "status"] == "late" and pd.isna(status.loc["all consented", "met_on"])
    assert status.loc["final", "status"] == "due"
    fifth = STUDY.returns.loc[STUDY.returns["timepoint"] == "T3"].groupby("participant_id")["completed_date"].min()
    assert status.loc["T3", "met_on"] == fifth.sort_values().iloc[4]
    assert status.loc["recorded", "met_on"] == pd.Timestamp("2020-02-01")


def crafted() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "participant_id": list("abcde"),
            "contract_type": ["bank", "contracted", None, "bank", "contracted"],
            "months_in_post": [6.0, 12.0, 24.0, None, 36.0],
            "consent_date": pd.to_datetime(["2019-01-01", "2019-02-01", None, "2019-03-01", "2019-06-30"]),
        }
    )


@pytest.mark.parametrize(
    "where, members",
    [
        ({"contract_type": "bank"}, "ad"),
        ({"contract_type": ["bank", "contracted"]}, "abde"),
        ({"months_in_post": {"min": 12}}, "bce"),
        ({"months_in_post": {"min": 12, "max": 24}}, "bc"),
        ({"consent_date": {"from": "2019-02-01"}}, "bde"),
        ({"consent_date": {"to": "2019-03-01"}}, "abd"),
        ({"contract_type": "contracted", "consent_date": {"from": "2019-06-01", "to": "2019-06-30"}}, "e"),
        ({"months_in_post": {"max": 1}}, ""),
    ],
)
def test_cohort_rules_on_crafted_participants(where, members):
    cohort = Cohort(label="x", where=where)
    assert "".join(cohort_members(crafted(), cohort)) == members


def test_cohort_rules_of_the_wrong_kind_are_located_problems(example_copy):
    yml = example_copy / "study.yml"
    text = yml.read_text().replace("where: {contract_type: bank}", "where: {contract_type: {min: 3}}")
    text = text.replace("where: {consent_date: {to: 2019-01-31}}", "where: {months_in_post: {from: 2019-01-31}}")
    yml.write_text(text)
    problems = load_study(example_copy).problems.errors
    found = {(p.column, p.line) for p in problems}
    lines = yml.read_text().splitlines()
    assert found == {
        ("cohorts.bank.where.contract_type", lines.index("    where: {contract_type: {min: 3}}") + 1),
        (
            "cohorts.early_starters.where.months_in_post",
            lines.index("    where: {months_in_post: {from: 2019-01-31}}") + 1,
        ),
    }


@pytest.mark.integration
def test_an_empty_cohort_is_reported_not_a_crash(example_copy):
    yml = example_copy / "study.yml"
    yml.write_text(
        yml.read_text().replace(
            "cohorts:\n",
            "cohorts:\n  veterans:\n    label: Ten years in post\n    where: {months_in_post: {min: 120}}\n",
            1,
        )
    )
    study = load_study(example_copy)
    assert not study.problems.has_errors and study.cohort_ids("veterans") == []
    planned, problems = plan(study, params_dir() / "reports", params=params_dir(), kinds=["cohort"])
    assert not problems.has_errors
    [warning] = [p for p in problems if p.rule == "empty-scope"]
    assert "Ten years in post has no participants" in warning.message
    assert "cohort-veterans" not in {r.id for r in planned} and "cohort-bank" in {r.id for r in planned}


def test_targets_must_name_the_study_sites_and_timepoints(example_copy):
    yml = example_copy / "study.yml"
    yml.write_text(
        yml.read_text()
        .replace("S7: 4}", "S9: 4}")
        .replace("retention: {T2: 70, T3: 70}", "retention: {T1: 70, T3: 70}")
    )
    with pytest.raises(Exception) as refused:
        load_study(example_copy)
    found = {(p.column, p.value) for p in refused.value.problems.errors}
    assert found == {("targets.recruitment.sites.S9", "S9"), ("targets.retention.T1", "T1")}
