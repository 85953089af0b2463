"""Status against targets: on track, at risk or behind beside every target, by rules study.yml may
change; the recruitment target due at the data cut pro rata; each site's share; retention of those
who returned the first questionnaire; contacts per month of the reporting period to the cut; the
status words in the tables' CSVs, and withheld with the figures they are read from."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from peerimpact import load_study
from peerimpact.analysis import programme, progress
from peerimpact.analysis.programme import ALL_SITES
from peerimpact.builder.audiences import audience_policy, load_audiences, load_policies
from peerimpact.builder.plan import plan
from peerimpact.config.study import RecruitmentTarget, RetentionRule, StatusRule, StatusRules
from peerimpact.problems import Problems
from peerimpact.report import progress as blocks
from peerimpact.report import progress_figures
from peerimpact.report.blocks import release
from peerimpact.report.extract import read_extract, serialise, write_extract
from peerimpact.report.ledger import released_figures
from peerimpact.report.rule_policies import report_policy
from peerimpact.resources import params_dir

START, BY = dt.date(2018, 10, 1), dt.date(2019, 8, 31)  # 334 days apart
GOAL = RecruitmentTarget(sites={"S1": 30, "S2": 8}, total=38, start=START, by=BY)


def people(counts: dict[str, int]) -> pd.DataFrame:
    """Participants: ``counts`` people at each site."""
    sites = [site for site, n in counts.items() for _ in range(n)]
    return pd.DataFrame({"participant_id": [f"{s}-{i}" for i, s in enumerate(sites)], "site": sites})


# ------------------------------------------------------------------------------ the words and the rules


@pytest.mark.parametrize(
    "value, target, word",
    [
        (10, 10, "on track"),  # exactly on_track
        (12, 10, "on track"),
        (9.99, 10, "at risk"),
        (8, 10, "at risk"),  # exactly at_risk
        (7.99, 10, "behind"),  # just below at_risk
        (0, 10, "behind"),
        (0, 0, "on track"),  # nothing due yet
        (None, 10, None),
        (5, None, None),
    ],
)
def test_the_boundaries_of_on_track_at_risk_and_behind(value, target, word):
    assert progress.status_of(value, target, StatusRule(on_track=100, at_risk=80)) == word


def test_a_study_sets_its_own_rules_and_gets_the_defaults_otherwise():
    rules = StatusRules()
    assert (rules.recruitment.on_track, rules.recruitment.at_risk) == (100, 80)
    assert (rules.retention.on_track, rules.retention.at_risk) == (100, 90)
    assert (rules.activity.on_track, rules.activity.at_risk) == (100, 80)
    given = StatusRules(retention={"on_track": 95}, activity={"on_track": 90, "at_risk": 50})
    assert (given.retention.on_track, given.retention.at_risk) == (95, 90)  # its own default kept
    assert progress.status_of(46, 50, given.activity) == "on track"  # 92% of the target
    assert progress.status_of(44, 50, given.retention) == "behind"  # 88%


def test_rules_in_the_wrong_order_are_located_problems(example_copy):
    yml = example_copy / "study.yml"
    yml.write_text(
        yml.read_text() + "status:\n  recruitment: {on_track: 90, at_risk: 95}\n"
        "  retention: {on_track: 0}\n  activity: {on_track: 100, at_risk: 80}\n"
    )
    with pytest.raises(Exception) as refused:
        load_study(example_copy)
    lines = yml.read_text().splitlines()
    found = {(p.column, p.line) for p in refused.value.problems.errors}
    assert found == {
        ("status.recruitment.at_risk", lines.index("  recruitment: {on_track: 90, at_risk: 95}") + 1),
        ("status.retention.on_track", lines.index("  retention: {on_track: 0}") + 1),
    }
    said = next(p.message for p in refused.value.problems.errors if p.column == "status.recruitment.at_risk")
    assert "at_risk 95 is above on_track 90" in said and "pydantic" not in said


# ---------------------------------------------------------------------------------- recruitment


def test_the_recruitment_target_at_the_cut_is_pro_rata_on_hand_worked_dates():
    # 1 January 2019 is 92 of the 334 days: 38 × 92 / 334 = 10.47, and S2's 8 × 92 / 334 = 2.20
    assert progress.expected_by(dt.date(2019, 1, 1), 38, START, BY) == 10.5
    assert progress.expected_by(dt.date(2019, 1, 1), 8, START, BY) == 2.2
    assert progress.expected_by(START, 38, START, BY) == 0
    assert progress.expected_by(dt.date(2018, 9, 1), 38, START, BY) == 0  # before the start
    assert progress.expected_by(BY, 38, START, BY) == 38
    assert progress.expected_by(dt.date(2021, 3, 31), 38, START, BY) == 38  # after it: the whole target
    # the same line as Figure F2's at a month's end (31 March 2019: 181 days, 20.6 people)
    line = programme.cumulative_recruitment(
        pd.DataFrame({"consent_date": pd.to_datetime(["2018-11-02"])}),
        start=START,
        end=dt.date(2019, 3, 31),
        total=38,
        by=BY,
    )
    assert line["target"].iloc[-1] == progress.expected_by(dt.date(2019, 3, 31), 38, START, BY) == 20.6


def test_each_site_is_set_against_its_share_of_the_target_due_at_the_cut():
    frame = progress.recruitment_status(
        people({"S1": 9, "S2": 1}), ["S1", "S2"], GOAL, "2019-01-01", StatusRule()
    ).set_index("site")
    # S1: 30 × 92 / 334 = 8.3 due, 9 consented; S2: 2.2 due, 1 consented (45%); all: 10 of 10.5 (95%)
    assert frame.loc["S1", ["target", "expected", "status"]].tolist() == [30, 8.3, "on track"]
    assert frame.loc["S2", ["target", "expected", "status"]].tolist() == [8, 2.2, "behind"]
    assert frame.loc["S2", "percent_of_expected"] == pytest.approx(100 / 2.2)
    assert frame.loc[ALL_SITES, ["consented", "target", "expected", "status"]].tolist() == [10, 38, 10.5, "at risk"]
    # after the target's date the whole target is due and 84% of it cannot be made up: behind, not at risk
    late = progress.recruitment_status(
        people({"S1": 25, "S2": 7}), ["S1", "S2"], GOAL, "2019-09-01", StatusRule()
    ).set_index("site")
    assert late.loc[ALL_SITES, ["expected", "percent_of_expected", "status"]].tolist() == [
        38,
        pytest.approx(84.2, 0.01),
        "behind",
    ]
    assert late.loc["S2", ["target", "status"]].tolist() == [8, "behind"]
    nothing = progress.recruitment_status(people({"S1": 1}), ["S1"], None, "2019-01-01", StatusRule())
    assert nothing["status"].isna().all() and nothing["expected"].isna().all()


# ------------------------------------------------------------------------------------ retention


def test_retention_is_of_those_who_returned_the_first_questionnaire_against_70_percent():
    who = people({"S1": 10, "S2": 3})
    ids = list(who["participant_id"])
    s1, s2 = ids[:10], ids[10:]
    returns = pd.DataFrame(
        {
            "participant_id": [*s1, *s2, *s1[:7], *s2[:2], *s1[:6], s2[0]],
            "timepoint": ["T1"] * 13 + ["T2"] * 9 + ["T3"] * 7,
        }
    )
    late = pd.DataFrame({"participant_id": ["late"], "timepoint": ["T2"]})  # no T1: not retained
    who = pd.concat([who, pd.DataFrame({"participant_id": ["late"], "site": ["S1"]})], ignore_index=True)
    frame = progress.retention_status(
        who, pd.concat([returns, late]), ["S1", "S2"], ["T1", "T2", "T3"], {"T2": 70, "T3": 70}, RetentionRule()
    ).set_index(["timepoint", "site"])
    # 7 of 10 is 70%: on track; 2 of 3 is 67%, 95% of the target: at risk; 6 of 10 is 86% of it: behind
    assert frame.loc[("T2", "S1"), ["returned", "returned_first", "status"]].tolist() == [7, 10, "on track"]
    assert frame.loc[("T2", "S2"), "status"] == "at risk"
    assert frame.loc[("T3", "S1"), "status"] == "behind"
    assert frame.loc[("T2", ALL_SITES), ["returned", "returned_first"]].tolist() == [9, 13]
    assert frame.loc[("T2", ALL_SITES), "target_percent"] == 70
    # the flow diagram counts the same people
    dates = who.assign(left_post_date=pd.NaT, withdrawn_date=pd.NaT)
    follow = programme.follow_up(dates, pd.concat([returns, late]), ["T1", "T2", "T3"]).set_index(["box", "outcome"])
    assert follow.loc[("T2", "returned"), "count"] == 9 and follow.loc[("T2", "returned"), "n"] == 13


# ------------------------------------------------------------------------------------- activity


def log(rows: list[tuple[str, str]]) -> pd.DataFrame:
    """Completed contacts: (peer worker, date) each."""
    return pd.DataFrame(
        {
            "participant_id": [p for p, _ in rows],
            "person_id": [f"x{i}" for i in range(len(rows))],
            "date": pd.to_datetime([d for _, d in rows]),
            "mode": "telephone",
            "completed": True,
        }
    )


def test_months_are_counted_whole_or_in_part_by_days():
    assert progress.months_counted(dt.date(2020, 4, 1), dt.date(2021, 3, 31)) == 12
    assert progress.months_counted(dt.date(2020, 4, 16), dt.date(2020, 5, 31)) == pytest.approx(1.5)
    assert progress.months_counted(dt.date(2020, 4, 1), dt.date(2020, 3, 31)) == 0
    assert progress.counted_span(dt.date(2020, 4, 1), dt.date(2021, 3, 31), "2020-12-31") == (
        dt.date(2020, 4, 1),
        dt.date(2020, 12, 31),
    )


def test_contacts_per_month_run_to_the_cut_against_each_sites_share_of_the_target():
    workers = pd.DataFrame({"participant_id": ["a", "b"], "site": ["S1", "S2"]})
    contacts = log(
        [("a", "2020-04-10")] * 30 + [("a", "2020-05-10")] * 30 + [("b", "2020-04-10")] * 5 + [("a", "2020-07-10")] * 99
    )  # after the cut: not counted
    goal = RecruitmentTarget(sites={"S1": 30, "S2": 8}, total=38, start=START, by=BY)
    frame = progress.activity_status(
        contacts,
        workers,
        ["S1", "S2"],
        per_month=38,
        goal=goal,
        start=dt.date(2020, 4, 1),
        end=dt.date(2021, 3, 31),
        cut="2020-05-31",
        rule=StatusRule(),
    ).set_index("site")
    assert set(frame["months"]) == {2}
    # S1: 60 in 2 months against 38 × 30 / 38 = 30 a month; S2: 2.5 a month against 8 (31%)
    assert frame.loc["S1", ["completed", "per_month", "target_per_month", "status"]].tolist() == [
        60,
        30,
        30,
        "on track",
    ]
    assert frame.loc["S2", ["per_month", "target_per_month", "status"]].tolist() == [2.5, 8, "behind"]
    assert frame.loc["S2", "percent_of_target"] == pytest.approx(31.25)
    assert frame.loc[ALL_SITES, ["completed", "per_month", "target_per_month", "status"]].tolist() == [
        65,
        32.5,
        38,
        "at risk",
    ]
    # the same 86% once the period is over (it ends by the cut): too late to be at risk
    over = progress.activity_status(
        contacts,
        workers,
        ["S1", "S2"],
        per_month=38,
        goal=goal,
        start=dt.date(2020, 4, 1),
        end=dt.date(2020, 5, 31),
        cut="2020-05-31",
        rule=StatusRule(),
    ).set_index("site")
    assert over.loc[ALL_SITES, ["per_month", "status"]].tolist() == [32.5, "behind"]
    assert over.loc["S1", "status"] == "on track"


@pytest.mark.integration
def test_figure_f3_says_where_the_log_stops_before_the_cut():
    workers = pd.DataFrame({"participant_id": ["a", "b"], "site": ["S1", "S2"]})
    contacts = log(
        [("a", f"2020-{m:02d}-10") for m in range(1, 13) for _ in range(3)]
        + [("b", f"2020-{m:02d}-10") for m in range(1, 10) for _ in range(2)]
    )
    monthly = programme.monthly_activity(contacts, ["S1", "S2"], workers, end=dt.date(2021, 3, 31))
    alt = progress_figures.activity_over_time(monthly, 10, None).alt
    assert "no completed contacts logged after Dec 2020 at S1; no completed contacts logged after Sep 2020 at S2" in alt
    assert "from 3 to 5 a month" in alt and alt.endswith("against a target of 10 a month.")
    one = programme.monthly_activity(
        contacts[contacts["participant_id"] == "a"], ["S1"], workers.iloc[:1], end=dt.date(2021, 3, 31)
    )
    assert "(no completed contacts logged after Dec 2020)" in progress_figures.activity_over_time(one, None, None).alt
    to_december = progress_figures.activity_over_time(
        programme.monthly_activity(contacts, ["S1", "S2"], workers, end=dt.date(2020, 12, 31)), 10, None
    ).alt
    assert "(no completed contacts logged after Sep 2020 at S2)" in to_december and "at S1" not in to_december
    every = programme.monthly_activity(
        contacts[contacts["participant_id"] == "a"], ["S1", "S2"], workers, end=dt.date(2020, 12, 31)
    )  # S2 logs nothing at all
    assert "(no completed contacts logged at S2)" in progress_figures.activity_over_time(every, 10, None).alt


# ------------------------------------------------------------------------- the funder's tables


@pytest.fixture(scope="module")
def funder():
    study = load_study()
    reports, problems = plan(study, params_dir() / "reports", params=params_dir(), kinds=["funder"])
    assert not problems.has_errors
    return {r.id: r for r in reports}["funder"].extract


def tables(data) -> tuple:
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
    recruitment = blocks.recruitment_table(by_site, data.timepoints, targets.retention, status, retained, rules)
    in_period = programme.period_activity(
        data.contacts, data.participants, data.meta.sites, start=period.start, end=period.end
    )
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
    activity = blocks.period_activity_table(
        in_period, per_month, rules.activity, progress.counted_span(period.start, period.end, data.meta.data_cut)
    )
    return recruitment, activity


def policy(audience: str):
    problems = Problems()
    rules = load_policies(params_dir(), problems)
    return report_policy(audience_policy(load_audiences(params_dir(), rules, problems)[audience], rules))


@pytest.mark.integration
def test_the_funders_tables_carry_the_status_in_words_and_in_their_csv(funder, tmp_path):
    assert funder.meta.status == StatusRules()  # the example sets none: the defaults reach the report
    write_extract(serialise(funder), tmp_path / "extract")
    assert read_extract(tmp_path / "extract").meta.status == funder.meta.status
    recruitment, activity = tables(funder)
    for block in (recruitment, activity):
        release(block, policy("funder"), tmp_path / "tables")
    csv = pd.read_csv(tmp_path / "tables" / "recruitment.csv", dtype=str, keep_default_na=False)
    consented = csv[csv["stage"] == "consented"].set_index("site")
    assert {
        "expected",
        "percent_of_expected",
        "status",
        "all_status",
        "retention_status",
        "all_retention_status",
        "target_percent",
    } <= set(csv.columns)
    assert set(consented["status"]) <= {"on track", "at risk", "behind"} and consented["status"].ne("").all()
    # the example's 32 of 38 (84%) after the target's date: too late to be at risk, though 84% is above 80%
    assert set(consented["all_status"]) == {"behind"} and set(consented["all_expected"]) == {"38.0"}
    assert set(consented["status"]) == {"on track", "behind"}  # S3 filled its 6 posts, the others did not
    later = csv[csv["stage"].isin(["T2", "T3"])]
    assert later["retention_status"].ne("").all() and csv.loc[csv["stage"] == "T1", "retention_status"].eq("").all()
    shown = recruitment.display.set_index("Site")
    assert shown.loc[ALL_SITES, "Consented"] == "32 (84%), behind"
    assert all(any(w in cell for w in (", on track", ", at risk", ", behind")) for cell in shown["T2 (target 70%)"])
    per_site = pd.read_csv(tmp_path / "tables" / "activity_by_site.csv", dtype=str, keep_default_na=False)
    assert {
        "completed",
        "months",
        "per_month",
        "target_per_month",
        "percent_of_target",
        "status",
        "all_per_month",
        "all_status",
    } <= set(per_site.columns)
    assert per_site["status"].isin(["on track", "at risk", "behind"]).all()
    s7 = per_site.set_index("site").loc["S7"]
    assert float(s7["target_per_month"]) == pytest.approx(100 * 4 / 38)  # its share, as its own report has it
    words = activity.display.set_index("Site")["Status"]
    assert all(cell.split(" (")[0] in ("on track", "at risk", "behind") for cell in words)


def test_a_status_is_withheld_with_the_figures_it_is_read_from(funder):
    recruitment, activity = tables(funder)
    public = release(recruitment, policy("public")).data
    consented = public[public["stage"] == "consented"]
    withheld = consented["count"] == "*"
    assert withheld.any() and (consented.loc[withheld, "status"] == "*").all()
    # 32 consented is shown rounded to 30: the status read from 32 would say more than 30 does
    assert (consented["all_status"] == "*").all() and (consented["n"] == 30).all()
    assert "at risk" not in " ".join(release(recruitment, policy("public")).display["Consented"])
    exact = release(recruitment, policy("funder")).data
    assert (exact.loc[exact["stage"] == "consented", "status"] != "*").all()
    shown = release(activity, policy("public")).data
    assert (shown["per_month"] == "*").all() and (shown["status"] == "*").all()


def test_the_figures_set_against_targets_have_keys_of_their_own_in_the_ledger(funder):
    recruitment, activity = tables(funder)
    found = released_figures(release(recruitment, policy("funder")))
    consented = found[(found["population"] == "study") & (found["measure"] == "consented")]
    assert set(consented["statistic"]) == {"n", "percent of expected"}
    assert set(consented.loc[consented["statistic"] == "n", "value"]) == {"32"}
    kept = found[found["measure"] == "returned, of those who returned the first questionnaire"]
    of_study = kept[(kept["population"] == "study") & (kept["timepoint"] == "T3")].set_index("statistic")["value"]
    assert set(of_study["n"]) == {"21"} and set(of_study["percent"]) == {"65.625"}  # 21 of the 32 who returned T1
    contacts = released_figures(release(activity, policy("funder")))
    assert {"completed", "percent of target"} <= set(contacts.loc[contacts["measure"] == "contacts", "statistic"])


def test_figure_f3_draws_no_month_after_a_sites_log_stops(monkeypatch):
    workers = pd.DataFrame({"participant_id": ["a", "b"], "site": ["S1", "S2"]})
    contacts = log(
        [("a", f"2020-{m:02d}-10") for m in range(1, 13) for _ in range(3)]
        + [("b", f"2020-{m:02d}-10") for m in range(1, 10) for _ in range(2)]
    )
    monthly = programme.monthly_activity(contacts, ["S1", "S2"], workers, end=dt.date(2021, 3, 31))
    seen = {}
    render = progress_figures.to_figure

    def keep(fig, name, alt):
        seen.update({ax.get_title(): ax for ax in fig.axes})
        return render(fig, name, alt)

    monkeypatch.setattr(progress_figures, "to_figure", keep)
    _ = progress_figures.activity_over_time(monthly, 10, None).svg
    s2 = next(ax for title, ax in seen.items() if title.startswith("S2"))
    last = max(max(line.get_xdata()) for line in s2.get_lines() if len(line.get_xdata()) > 2)
    assert pd.Timestamp(last) == pd.Timestamp("2020-09-01")  # September, the log's last month, not March 2021
