"""Data-quality alerts: each kind on small hand-made frames whose answer is worked out by hand,
its boundaries, nothing when all is well, and the example study's alerts."""

from __future__ import annotations

import pandas as pd
import pytest

from peerimpact import load_study
from peerimpact.analysis import alert_frames, gap_alerts, questionnaire_alerts
from peerimpact.analysis.alert_frames import ALERT_COLUMNS
from peerimpact.analysis.quality import data_alerts
from peerimpact.config import StudyConfig, parse_model
from peerimpact.config.study import Alerts, Period, Window
from peerimpact.problems import Problems

CUT = "2021-03-31"
T2 = {"T2": Window(start=80, end=164)}


def people(*rows: tuple) -> pd.DataFrame:
    """Participants from (id, site, consent, left post, withdrawn)."""
    frame = pd.DataFrame(rows, columns=["participant_id", "site", "consent_date", "left_post_date", "withdrawn_date"])
    for column in ("consent_date", "left_post_date", "withdrawn_date"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def log(*rows: tuple) -> pd.DataFrame:
    """Contacts from (id, date)."""
    return pd.DataFrame({"participant_id": [r[0] for r in rows], "date": pd.to_datetime([r[1] for r in rows])})


def returned(*rows: tuple, items: int = 14) -> pd.DataFrame:
    """Returns from (id, timepoint, completed date[, items missing])."""
    return pd.DataFrame(
        {
            "participant_id": [r[0] for r in rows],
            "timepoint": [r[1] for r in rows],
            "instrument": "wemwbs",
            "completed_date": pd.to_datetime([r[2] for r in rows]),
            "items": items,
            "items_missing": [r[3] if len(r) > 3 else 0 for r in rows],
        }
    )


NO_RETURNS = returned()


# ---------------------------------------------------------------------------------------- whole months


@pytest.mark.parametrize(
    "earlier, later, months",
    [
        ("2020-12-15", "2021-03-31", 3),  # 3 months and 16 days
        ("2020-12-31", "2021-03-31", 3),  # exactly 3
        ("2021-01-01", "2021-03-31", 2),  # a day short of 3
        ("2021-03-01", "2021-03-31", 0),  # 30 days: not a whole month
        ("2021-02-28", "2021-03-31", 1),
        ("2021-01-31", "2021-02-28", 1),  # to the end of a shorter month is a whole month
        ("2021-03-31", "2021-03-01", 0),  # backwards: none
    ],
)
def test_whole_months_are_counted_as_a_calendar_counts_them(earlier, later, months):
    assert alert_frames.whole_months(earlier, later) == months


# ---------------------------------------------------------------------------------------- contacts_stop


def test_a_site_whose_log_stops_months_before_the_cut_is_named_with_how_many():
    roster = people(
        ("A", "S1", "2019-01-01", None, None),
        ("B", "S2", "2019-01-01", None, None),
        ("C", "S3", "2019-01-01", None, None),
        ("D", "S4", "2019-01-01", None, None),
        ("E", "S5", "2019-01-01", "2020-06-15", None),
        ("F", "S6", "2019-01-01", None, "2020-05-01"),
    )
    contacts = log(
        ("A", "2021-03-20"),
        ("B", "2020-11-02"),
        ("B", "2020-12-15"),
        ("C", "2021-02-28"),
        ("D", "2021-03-01"),
        ("E", "2020-06-01"),
        ("F", "2020-04-20"),
    )
    alerts = gap_alerts.contacts_stop(contacts, roster, data_cut=CUT)
    # S2: 15 Dec to 31 Mar is 3 months and 16 days; S3: 28 Feb to 31 Mar is 1 month and 3 days.
    # S4 (30 days) is less than a month short; S5's one worker left post, S6's withdrew: nobody to log.
    assert list(alerts.columns) == ALERT_COLUMNS
    assert alerts[["alert", "site", "file", "count"]].values.tolist() == [
        ["contacts_stop", "S2", "contacts.csv", 3],
        ["contacts_stop", "S3", "contacts.csv", 1],
    ]
    assert alerts.loc[0, "message"] == (
        "S2's contact log stops on 15 Dec 2020, 3 months before the data cut (31 Mar 2021)."
    )
    assert alerts.loc[1, "message"] == (
        "S3's contact log stops on 28 Feb 2021, 1 month before the data cut (31 Mar 2021)."
    )
    assert alerts.loc[0, "check"] == "Check that S2's contacts after 15 Dec 2020 have been entered in contacts.csv."


def test_a_log_is_measured_against_the_reporting_periods_end_when_it_comes_first():
    roster = people(("A", "S1", "2019-01-01", None, None))
    contacts = log(("A", "2020-12-15"))
    ends_in_january = Period(start="2020-02-01", end="2021-01-31")
    [row] = gap_alerts.contacts_stop(contacts, roster, data_cut=CUT, period=ends_in_january).to_dict("records")
    assert row["count"] == 1  # 15 Dec to 31 Jan: 1 month and 16 days
    assert row["message"] == (
        "S1's contact log stops on 15 Dec 2020, 1 month before the reporting period's end (31 Jan 2021)."
    )
    ends_in_december = Period(start="2020-01-01", end="2020-12-31")
    assert gap_alerts.contacts_stop(contacts, roster, data_cut=CUT, period=ends_in_december).empty


# ---------------------------------------------------------------------------------- period_outside_data


def _period_alert(start: str, end: str, cut: str | None = CUT) -> list[dict]:
    roster = people(("A", "S1", "2018-10-01", None, None))
    return gap_alerts.period_outside_data(
        Period(start=start, end=end),
        data_cut=cut,
        participants=roster,
        returns=returned(("A", "T1", "2018-10-05")),
        contacts=log(("A", "2019-01-10")),
    ).to_dict("records")


def test_a_reporting_period_after_the_data_cut_has_no_data():
    [row] = _period_alert("2021-04-01", "2022-03-31")
    assert (row["alert"], row["site"], row["file"], row["count"]) == ("period_outside_data", None, "study.yml", 12)
    assert row["message"] == (
        "The reporting period (1 Apr 2021 to 31 Mar 2022) starts after the data cut "
        "(31 Mar 2021): none of its 12 months has data."
    )


def test_a_reporting_period_ending_after_the_data_cut_says_by_how_much():
    [row] = _period_alert("2020-07-01", "2021-06-30")
    assert row["count"] == 3  # April, May and June 2021
    assert row["message"] == (
        "The reporting period (1 Jul 2020 to 30 Jun 2021) ends 91 days after the data cut "
        "(31 Mar 2021): its last 3 months have no data, so its figures per month are too low."
    )
    [row] = _period_alert("2020-04-02", "2021-04-01")
    assert row["count"] == 1
    assert "ends 1 day after the data cut (31 Mar 2021): its last month has no data" in row["message"]


def test_a_reporting_period_before_the_first_record_has_no_data():
    [row] = _period_alert("2017-04-01", "2018-03-31")
    assert row["count"] == 12
    assert row["message"] == (
        "The reporting period (1 Apr 2017 to 31 Mar 2018) ends before the first record "
        "(1 Oct 2018): none of its 12 months has data."
    )


def test_a_reporting_period_ending_on_the_data_cut_is_covered():
    assert _period_alert("2020-04-01", "2021-03-31") == []
    assert _period_alert("2018-10-01", "2019-09-30") == []  # starts on the first record
    assert _period_alert("2021-04-01", "2022-03-31", cut=None) == []  # no cut: nothing to be after


# ------------------------------------------------------------------------------------------------ overdue


def test_a_questionnaire_is_overdue_once_its_window_closed_before_the_cut_with_nothing_returned():
    roster = people(
        ("A", "S1", "2020-10-17", None, None),  # window closes 30 Mar 2021: overdue
        ("B", "S1", "2020-10-18", None, None),  # closes 31 Mar 2021, the cut itself: not yet
        ("C", "S1", "2019-01-01", None, None),  # returned T2: not overdue
        ("D", "S1", "2019-01-01", "2020-01-01", None),  # left post: no longer asked
        ("E", "S1", "2019-01-01", None, "2020-01-01"),  # withdrew: no longer asked
        ("F", "S2", "2019-01-01", "2021-04-15", None),  # leaves after the cut: still in post at it, overdue
        ("G", "S2", "2019-01-01", None, None),
    )  # returned only T1: overdue at T2
    returns = returned(("C", "T2", "2019-05-01"), ("G", "T1", "2019-01-10"))
    alerts = questionnaire_alerts.overdue(roster, returns, T2, data_cut=CUT)
    assert alerts[["alert", "site", "file", "count"]].values.tolist() == [
        ["overdue", "S1", "questionnaires.csv", 1],
        ["overdue", "S2", "questionnaires.csv", 2],
    ]
    assert alerts.loc[1, "message"] == (
        "2 T2 questionnaires at S2 are overdue: their window (80 to 164 days after "
        "consent) closed before the data cut (31 Mar 2021) and nothing was returned."
    )
    assert alerts.loc[0, "message"].startswith("1 T2 questionnaire at S1 is overdue: its window")


def test_without_windows_or_a_cut_nothing_is_overdue():
    roster = people(("A", "S1", "2019-01-01", None, None))
    assert questionnaire_alerts.overdue(roster, NO_RETURNS, {}, data_cut=CUT).empty
    assert questionnaire_alerts.overdue(roster, NO_RETURNS, T2, data_cut=None).empty
    assert len(questionnaire_alerts.overdue(roster, NO_RETURNS, T2, data_cut=CUT)) == 1


# ----------------------------------------------------------------------------------------- outside_window


def test_a_questionnaire_on_its_windows_edge_is_inside_it():
    roster = people(*((pid, "S1", "2020-01-01", None, None) for pid in "ABCDE"))
    # days after consent: 0 and 60 (2020 is a leap year: 31 + 29) are the edges, inside; 61 is late;
    # a day before consent is early
    returns = returned(
        ("A", "T1", "2020-01-01"),
        ("B", "T1", "2020-03-01"),
        ("C", "T1", "2020-03-02"),
        ("D", "T1", "2019-12-31"),
        ("E", "T1", "2020-02-15"),
    )
    [row] = questionnaire_alerts.outside_window(roster, returns, {"T1": Window(start=0, end=60)}).to_dict("records")
    assert (row["alert"], row["site"], row["file"], row["count"]) == ("outside_window", "S1", "questionnaires.csv", 2)
    assert row["message"] == (
        "2 T1 questionnaires at S1 were completed outside the window (0 to 60 days after consent): 1 early and 1 late."
    )


def test_a_questionnaire_with_several_instruments_is_counted_once():
    roster = people(("A", "S1", "2020-01-01", None, None))
    one = returned(("A", "T1", "2020-04-01"))
    late = pd.concat([one, one.assign(instrument="mjs")])
    [row] = questionnaire_alerts.outside_window(roster, late, {"T1": Window(start=0, end=60)}).to_dict("records")
    assert row["count"] == 1


# ------------------------------------------------------------------------------------------------- quiet_site


def test_a_site_with_no_record_for_the_set_months_is_quiet():
    roster = people(
        ("A", "S1", "2019-01-01", None, None),
        ("B", "S2", "2019-01-01", None, None),
        ("C", "S3", "2019-01-01", None, None),
        ("D", "S4", "2019-01-01", "2020-01-01", None),
        ("E", "S5", "2020-06-01", None, None),
    )
    contacts = log(("A", "2021-03-20"), ("B", "2020-10-01"), ("C", "2021-02-01"), ("D", "2019-12-01"))
    returns = returned(("B", "T1", "2021-01-15"))  # S2's latest record is a questionnaire
    alerts = gap_alerts.quiet_sites(roster, returns, contacts, data_cut=CUT, months=2)
    # S2: 15 Jan to 31 Mar is 2 months; S3: 1 Feb to 31 Mar is 1; S4's only worker left post;
    # S5 has no record at all since its first consent, 1 Jun 2020: 9 months
    assert alerts[["alert", "site", "count"]].values.tolist() == [["quiet_site", "S2", 2], ["quiet_site", "S5", 9]]
    assert alerts.loc[0, "message"] == (
        "S2 has no contact or questionnaire on record since 15 Jan 2021, 2 months before the data cut (31 Mar 2021)."
    )
    assert alerts.loc[0, "file"] == "contacts.csv and questionnaires.csv"
    assert alerts.loc[1, "message"].startswith("S5 has no contact or questionnaire on record, 9 months after")
    assert list(gap_alerts.quiet_sites(roster, returns, contacts, data_cut=CUT, months=3)["site"]) == ["S5"]


def test_a_site_whose_log_stopped_is_quiet_only_when_its_questionnaires_stopped_too():
    roster = people(("A", "S1", "2020-08-01", None, None))
    contacts = log(("A", "2020-12-15"))
    returns = returned(("A", "T1", "2020-08-05"))
    stopped = ["S1"]
    # no windows: the contact log's own alert says it
    assert gap_alerts.quiet_sites(roster, returns, contacts, data_cut=CUT, log_stopped=stopped).empty
    # T2 was due from day 80 to 164 after 1 Aug 2020 (20 Oct 2020 to 12 Jan 2021), open after the last
    # record (15 Dec 2020), and nothing came: the questionnaires stopped too
    [row] = gap_alerts.quiet_sites(roster, returns, contacts, data_cut=CUT, log_stopped=stopped, windows=T2).to_dict(
        "records"
    )
    assert (row["site"], row["count"]) == ("S1", 3)
    # with T2 returned, only the log stopped
    back = pd.concat([returns, returned(("A", "T2", "2020-11-20"))])
    assert gap_alerts.quiet_sites(roster, back, contacts, data_cut=CUT, log_stopped=stopped, windows=T2).empty
    # not alerted for its log: quiet whatever the questionnaires did
    assert len(gap_alerts.quiet_sites(roster, back, contacts, data_cut=CUT, windows=T2)) == 1


# ---------------------------------------------------------------------------------------------- items_missing


def test_an_instrument_with_more_than_the_set_share_of_items_missing_is_named():
    five = [(pid, "T1", "2020-01-01", missing) for pid, missing in zip("ABCDE", [3, 2, 1, 1, 0])]  # 7 of 70: 10%
    assert questionnaire_alerts.items_missing(returned(*five), percent=10).empty  # exactly 10% is not more than 10%
    five[-1] = ("E", "T1", "2020-01-01", 1)  # 8 of 70: 11.4%
    [row] = questionnaire_alerts.items_missing(returned(*five), percent=10, names={"wemwbs": "WEMWBS"}).to_dict(
        "records"
    )
    assert (row["alert"], row["site"], row["file"], row["count"]) == ("items_missing", None, "questionnaires.csv", 11)
    assert row["message"] == "11% of the WEMWBS items at T1 were left blank: 8 of 70 items in 5 questionnaires."
    assert len(questionnaire_alerts.items_missing(returned(*five), percent=5)) == 1
    assert questionnaire_alerts.items_missing(returned(*five), percent=12).empty


# ------------------------------------------------------------------------------------------------ all together


def test_no_alert_when_all_is_well():
    roster = people(("A", "S1", "2020-01-01", None, None), ("B", "S2", "2020-01-15", None, None))
    contacts = log(("A", "2021-03-25"), ("B", "2021-03-10"))
    returns = returned(
        ("A", "T1", "2020-01-10", 1), ("A", "T2", "2020-05-01"), ("B", "T1", "2020-01-15"), ("B", "T2", "2020-06-27")
    )  # B's T2 on day 164, the window's last day
    alerts = data_alerts(
        roster,
        returns,
        contacts,
        data_cut=CUT,
        period=Period(start="2020-04-01", end=CUT),
        windows={"T1": Window(start=0, end=60), **T2},
        settings=Alerts(),
        sites=["S1", "S2"],
    )
    assert list(alerts.columns) == ALERT_COLUMNS and alerts.empty


def test_data_alerts_puts_every_kind_in_one_frame_and_honours_its_settings():
    roster = people(("A", "S1", "2020-01-01", None, None), ("B", "S2", "2020-01-15", None, None))
    contacts = log(("A", "2021-03-25"), ("B", "2021-01-10"))
    returns = returned(("A", "T1", "2020-01-10", 2), ("B", "T1", "2020-01-15"))
    alerts = data_alerts(
        roster,
        returns,
        contacts,
        data_cut=CUT,
        period=Period(start="2020-07-01", end="2021-06-30"),
        windows=T2,
        settings=Alerts(quiet_months=2, items_missing_percent=5),
        files={"contacts": "log.xlsx"},
    )
    assert alerts[["alert", "site", "count"]].values.tolist() == [
        ["period_outside_data", None, 3],
        ["contacts_stop", "S2", 2],  # 10 Jan to 31 Mar
        ["overdue", "S1", 1],
        ["overdue", "S2", 1],
        ["items_missing", None, 7],  # 2 of 28 items: 7.1%
    ]
    assert alerts.loc[1, "file"] == "log.xlsx"
    assert alerts["count"].dtype == "int64"
    quieter = data_alerts(roster, returns, contacts, data_cut=CUT, settings=Alerts(items_missing_percent=10))
    assert quieter["alert"].tolist() == ["contacts_stop"]


# ------------------------------------------------------------------------------------------------ the example


@pytest.fixture(scope="module")
def example():
    return load_study()


def _example_alerts(study) -> pd.DataFrame:
    config = study.config
    return data_alerts(
        study.participants,
        study.returns,
        study.contacts,
        data_cut=config.data_cut,
        period=config.reporting_period,
        windows=config.windows,
        settings=config.alerts,
        sites=config.sites,
        timepoints=config.timepoints,
    )


def test_the_example_finds_s7s_contact_log_stopping_three_months_before_the_cut(example):
    alerts = _example_alerts(example)
    stops = alerts[alerts["alert"] == "contacts_stop"]
    assert stops["site"].tolist() == ["S7"] and stops["count"].tolist() == [3]
    site = example.participants.set_index("participant_id")["site"].astype(str)
    last = example.contacts.loc[example.contacts["participant_id"].map(site) == "S7", "date"].max()
    assert pd.Timestamp("2020-12-01") <= last <= pd.Timestamp("2020-12-31")  # stops in December 2020
    assert stops["message"].iloc[0] == (
        f"S7's contact log stops on {last.day} Dec 2020, 3 months before the data cut (31 Mar 2021)."
    )
    # S7's questionnaires were all due before its log stopped: not also a quiet site; the period is covered
    assert not alerts["alert"].isin(["quiet_site", "period_outside_data"]).any()


def test_the_examples_alerts_name_no_participant(example):
    alerts = _example_alerts(example)
    assert set(alerts["alert"]) >= {"contacts_stop", "overdue", "outside_window"}
    text = " ".join(alerts["message"]) + " " + " ".join(alerts["check"])
    assert not [pid for pid in example.participants["participant_id"] if pid in text]


def test_the_examples_overdue_and_late_questionnaires_are_counted_as_the_windows_say(example):
    """Worked out from the data directly: people in post and taking part at the cut with no T2
    questionnaire; T2 questionnaires returned more than 164 days after consent."""
    alerts = _example_alerts(example)
    people = example.participants
    cut = pd.Timestamp(example.config.data_cut)
    taking_part = people[
        (people["left_post_date"].isna() | (people["left_post_date"] > cut))
        & (people["withdrawn_date"].isna() | (people["withdrawn_date"] > cut))
    ]
    t2 = example.returns[example.returns["timepoint"] == "T2"].drop_duplicates("participant_id")
    missing = taking_part[~taking_part["participant_id"].isin(t2["participant_id"])]
    overdue = alerts[(alerts["alert"] == "overdue") & alerts["message"].str.contains(" T2 ")]
    assert overdue["count"].sum() == len(missing) > 0
    consent = people.set_index("participant_id")["consent_date"]
    days = (t2["completed_date"] - t2["participant_id"].map(consent)).dt.days
    late = alerts[(alerts["alert"] == "outside_window") & alerts["message"].str.contains(" T2 ")]
    assert late["count"].sum() == (days > 164).sum() + (days < 80).sum() > 0


# ----------------------------------------------------------------------------------------------- the settings


BASE = """\
name: Demo
sites: [S1]
timepoints: [T1, T2]
files:
  participants: p.csv
  questionnaires: q.csv
"""


def _parse(tmp_path, extra: str):
    path = tmp_path / "study.yml"
    path.write_text(BASE + extra)
    problems = Problems()
    return parse_model(StudyConfig, path, problems), problems


def test_windows_and_alert_settings_are_read_with_defaults(tmp_path):
    config, problems = _parse(tmp_path, "")
    assert not problems and config.windows == {} and config.alerts == Alerts(quiet_months=2, items_missing_percent=10)
    config, problems = _parse(
        tmp_path,
        "windows:\n  T1: {from: 0, to: 60}\n  T2: {from: 80, to: 164}\n"
        "alerts: {quiet_months: 3, items_missing_percent: 12.5}\n",
    )
    assert not problems
    assert (config.windows["T2"].start, config.windows["T2"].end) == (80, 164)
    assert (config.alerts.quiet_months, config.alerts.items_missing_percent) == (3, 12.5)


@pytest.mark.parametrize(
    "extra, line, column, words",
    [
        ("windows:\n  T1: {from: 0, to: 60}\n  T9: {from: 80, to: 164}\n", 9, "windows.T9", "unknown timepoint 'T9'"),
        ("windows:\n  T2: {from: 164, to: 80}\n", 8, "windows.T2.from", "starts after it ends: day 164 > day 80"),
        ("windows:\n  T2: {from: 80}\n", 8, "windows.T2.to", "required"),
        ("windows:\n  T2: {from: -1, to: 80}\n", 8, "windows.T2.from", "greater than or equal to 0"),
        ("alerts: {quiet_months: 0}\n", 7, "alerts.quiet_months", "greater than or equal to 1"),
        ("alerts: {items_missing_percent: 101}\n", 7, "alerts.items_missing_percent", "less than or equal to 100"),
        ("alerts: {quiet: 2}\n", 7, "alerts.quiet", "unknown key"),
    ],
)
def test_a_wrong_window_or_alert_setting_is_a_located_problem(tmp_path, extra, line, column, words):
    config, problems = _parse(tmp_path, extra)
    assert config is None
    [problem] = problems
    assert (problem.line, problem.column) == (line, column) and words in problem.message, problem.format()


def test_an_overdue_questionnaire_whose_next_one_is_in_is_said_to_be_missed_not_to_be_chased():
    from peerimpact.config.study import Window

    windows = {"T2": Window(start=80, end=164), "T3": Window(start=323, end=407)}
    roster = people(
        ("A", "S1", "2019-01-01", None, None),  # no T2, but T3 in: missed
        ("B", "S1", "2019-01-01", None, None),  # neither: both still out
        ("C", "S2", "2019-01-01", None, None),
    )  # no T2, T3 in: missed
    returns = returned(("A", "T3", "2020-01-01"), ("C", "T3", "2020-01-10"))
    alerts = questionnaire_alerts.overdue(roster, returns, windows, data_cut=CUT).set_index(["site", "timepoint"])
    assert alerts.loc[("S1", "T2"), "count"] == 2
    assert alerts.loc[("S1", "T2"), "message"].endswith("1 of them was missed: a later questionnaire is in.")
    assert alerts.loc[("S1", "T2"), "check"].endswith("and follow up those still out.")
    assert alerts.loc[("S2", "T2"), "message"].endswith("It was missed: a later questionnaire is in.")
    assert alerts.loc[("S2", "T2"), "check"].endswith("in questionnaires.csv.")
    assert alerts.loc[("S1", "T3"), "count"] == 1 and "missed" not in alerts.loc[("S1", "T3"), "message"]
