"""A report's facts (read back from its released CSVs) and the key messages written from them."""

from pathlib import Path

import pytest

from peerimpact.report.facts import read_facts
from peerimpact.report.meta import InstrumentMeta, ReportMeta, Scale
from peerimpact.report.summary import change_sentence, key_messages


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.csv").write_text(text)


RECRUITMENT = """stage,site,count,n,target
consented,S1,5,8,6
consented,S2,3,8,4
T1,S1,5,8,
T1,S2,3,8,
T2,S1,4,6,
T2,S2,2,6,
"""


def meta(**fields) -> ReportMeta:
    base = dict(
        report_id="funder",
        kind="funder",
        title="t",
        scope=None,
        scope_label="Whole study",
        study_name="s",
        sites=("S1", "S2"),
        timepoints=("T1", "T2"),
        data_cut="2021-03-31",
    )
    return ReportMeta(**{**base, **fields})


def test_facts_name_each_released_figure_and_add_a_total_row(tmp_path):
    write(tmp_path, "recruitment", RECRUITMENT)
    facts = read_facts(tmp_path)
    assert facts.value("recruitment.consented.S1") == 5
    assert facts.value("recruitment.consented.total") == 8  # the stage's n
    assert facts.value("recruitment.consented.total.target") == 10  # 6 + 4
    assert facts.value("recruitment.T2.total") == 6
    assert facts["recruitment.consented.S2"].row == 2  # where the table holds it
    assert "recruitment.T1.S1.target" not in facts  # an empty cell is no fact


def test_a_withheld_cell_is_a_withheld_fact_and_withholds_a_sum_it_is_part_of(tmp_path):
    write(tmp_path, "recruitment", RECRUITMENT.replace("consented,S2,3,8,4", "consented,S2,*,8,*"))
    facts = read_facts(tmp_path)
    assert facts["recruitment.consented.S2"].withheld and facts.value("recruitment.consented.S2") is None
    assert facts["recruitment.consented.total.target"].withheld
    assert str(facts["recruitment.consented.S2"]) == "withheld"


def test_study_wide_tables_are_named_apart_and_tables_without_a_reader_give_nothing(tmp_path):
    write(
        tmp_path,
        "table4_study_wide",
        "instrument,subscale,comparison,n,change,ci_low,ci_high,p\nwemwbs,total,T1-T2,20,3.9,0.67,7.13,0.02\n",
    )
    write(tmp_path, "_released", "population,measure\nstudy,x\n")
    write(tmp_path, "quotes", "theme,text\na,b\n")
    facts = read_facts(tmp_path)
    assert facts.value("study_wide.change.wemwbs.total.T1_T2.n") == 20
    assert sorted({f.table for f in facts}) == ["table4"]


def test_tree_reads_a_name_that_is_also_the_start_of_longer_names(tmp_path):
    write(tmp_path, "recruitment", RECRUITMENT)
    tree = read_facts(tmp_path).tree()
    assert str(tree["recruitment"]["consented"]["S1"]) == "5"
    assert str(tree["recruitment"]["consented"]["S1"]["target"]) == "6"


WEMWBS = InstrumentMeta(
    name="WEMWBS",
    subscales={"total": "Wellbeing"},
    scales={"total": Scale(range=(14, 70), higher="better mental wellbeing")},
)


@pytest.mark.parametrize(
    "change, low, high, words",
    [
        # change is earlier minus later: a positive change is a fall
        (
            3.9,
            0.67,
            7.13,
            "Wellbeing was 3.90 points lower at T2 than at T1 (95% CI 0.67 to 7.13 lower; 20 peer workers)",
        ),
        (
            -2.71,
            -5.89,
            0.46,
            "Wellbeing was 2.71 points higher at T2 than at T1 (95% CI from 0.46 lower to 5.89 higher, "
            "which includes no change; 20 peer workers)",
        ),
        (-2.0, -3.5, -0.5, "Wellbeing was 2.00 points higher at T2 than at T1 (95% CI 0.50 to 3.50 higher"),
    ],
)
def test_a_change_in_words_says_its_direction_and_its_interval_the_reader_s_way(tmp_path, change, low, high, words):
    write(
        tmp_path,
        "table4",
        f"instrument,subscale,comparison,n,change,ci_low,ci_high,p\nwemwbs,total,T1-T2,20,{change},{low},{high},0.02\n",
    )
    sentence = change_sentence(
        read_facts(tmp_path), meta(instruments={"wemwbs": WEMWBS}), "change", "wemwbs", "total", "T1-T2"
    )
    assert sentence.startswith(words)
    assert sentence.endswith("; higher scores mean better mental wellbeing.")


def test_a_withheld_change_gives_no_sentence(tmp_path):
    write(
        tmp_path, "table4", "instrument,subscale,comparison,n,change,ci_low,ci_high,p\nwemwbs,total,T1-T2,*,*,*,*,*\n"
    )
    assert (
        change_sentence(
            read_facts(tmp_path), meta(instruments={"wemwbs": WEMWBS}), "change", "wemwbs", "total", "T1-T2"
        )
        is None
    )


def test_key_messages_use_only_released_figures(tmp_path):
    write(tmp_path, "recruitment", RECRUITMENT.replace("consented,S2,3,8,4", "consented,S2,*,8,4"))
    text = key_messages(read_facts(tmp_path), meta()).text
    assert "Recruitment: 8 peer workers consented across the study, 80% of the target of 10" in text
    assert "S2" not in text  # its count is withheld, so neither it nor its status is said


def test_key_messages_give_each_site_and_follow_up_the_status_its_table_gives(tmp_path):
    write(
        tmp_path,
        "recruitment",
        "stage,site,count,n,target,status,all_target,all_status,retained,returned_first,"
        "target_percent,retention_status,all_retained,all_returned_first,"
        "all_retention_status\n"
        "consented,S1,6,9,6,on track,10,at risk,,,,,,,\n"
        "consented,S2,3,9,4,behind,10,at risk,,,,,,,\n"
        "T1,S1,6,9,,,,,,,,,,,\n"
        "T1,S2,3,9,,,,,,,,,,,\n"
        "T2,S1,5,6,,,,,5,6,70,on track,6,9,behind\n"
        "T2,S2,1,6,,,,,1,3,70,behind,6,9,behind\n",
    )
    text = key_messages(read_facts(tmp_path), meta()).text
    assert "9 peer workers consented across the study, 90% of the target of 10" in text
    assert text.count(": at risk.") == 1
    assert "S1 (6 of 6) on track; S2 (3 of 4) behind." in text
    assert "of the 9 who returned the T1 questionnaire, 6 (67%) returned T2 (target 70%: behind)." in text


def test_a_change_says_whether_it_reaches_the_minimal_important_difference(tmp_path):
    from peerimpact.config.instruments import MinimalImportantDifference as MinimalDifference

    with_mid = WEMWBS.model_copy(update={"mid": MinimalDifference(value=3, source="a paper")})
    line = "the minimal important difference of 3 points"
    # change is T1 minus T2 with its interval: the estimate and the interval each against the line
    for (change, low, high), words in (
        ((3.9, 0.5, 7.1), f"as large as {line}, though the interval includes smaller"),
        ((4.5, 3.2, 5.8), f"at least {line} across its whole interval"),
        ((2.5, 0.5, 4.5), f"smaller than {line}, though the interval includes changes as large as it"),
        ((1.0, -3.5, 1.8), f"smaller than {line}, though the interval includes"),
        ((1.0, 0.2, 1.8), f"smaller than {line}, as is every change"),
    ):
        write(
            tmp_path,
            "table4",
            "instrument,subscale,comparison,n,change,ci_low,ci_high,p\n"
            f"wemwbs,total,T1-T2,20,{change},{low},{high},0.02\n",
        )
        sentence = change_sentence(
            read_facts(tmp_path), meta(instruments={"wemwbs": with_mid}), "change", "wemwbs", "total", "T1-T2"
        )
        assert words in sentence, sentence


def test_alerts_about_questionnaires_at_several_sites_are_one_line_per_timepoint():
    from peerimpact.report.meta import DataAlert
    from peerimpact.report.quality_alerts import alerts_box

    alerts = (
        DataAlert(
            alert="contacts_stop", site="S7", count=3, file="contacts.csv", message="S7 stops.", check="Check S7."
        ),
        DataAlert(alert="overdue", site="S1", timepoint="T2", count=1, file="q.csv", message="m", check="c"),
        DataAlert(alert="overdue", site="S2", timepoint="T2", count=3, file="q.csv", message="m", check="c"),
        DataAlert(
            alert="overdue", site="S2", timepoint="T3", count=2, file="q.csv", message="One T3.", check="Check T3."
        ),
    )
    lines = alerts_box(alerts).text.splitlines()
    assert lines[0] == "- S7 stops. Check S7."
    assert lines[1].startswith("- 4 T2 questionnaires overdue") and ": S1 1, S2 3." in lines[1]
    assert lines[2] == "- One T3. Check T3."


def test_alerts_are_shown_only_to_readers_who_see_programme_figures_exactly():
    from peerimpact.builder.audiences import audience_policy, load_audiences, load_policies
    from peerimpact.problems import Problems
    from peerimpact.report.meta import DataAlert
    from peerimpact.report.quality_alerts import alerts_for

    problems = Problems()
    rules = load_policies(None, problems)
    audiences = load_audiences(None, rules, problems)
    alert = (DataAlert(alert="overdue", site="S1", count=1, message="m", check="c"),)
    shown = {
        name: bool(alerts_for(meta(alerts=alert, policy=audience_policy(audiences[name], rules)))) for name in audiences
    }
    exact = {name: audiences[name].kinds["programme"] for name in audiences}
    assert shown == {
        name: rules[exact[name]].exact or not audience_policy(audiences[name], rules).shared for name in audiences
    }
    assert shown["funder"] and shown["site_lead"] and not shown["public"]


def test_a_report_showing_no_figures_says_so(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    assert "No key messages" in key_messages(read_facts(tmp_path), meta()).text


def test_a_site_whose_log_stops_early_is_named_beside_its_activity_rate(tmp_path):
    from peerimpact.report.meta import DataAlert

    write(
        tmp_path,
        "activity_by_site",
        "scope,site,months,completed,per_month,target_per_month,status,"
        "all_completed,all_per_month,all_target_per_month,all_status\n"
        "period,S1,12,120,10,10,on track,150,12.5,20,behind\n"
        "period,S2,12,30,2.5,10,behind,150,12.5,20,behind\n",
    )
    stop = DataAlert(alert="contacts_stop", site="S2", count=3, file="contacts.csv", message="m", check="c")
    text = key_messages(read_facts(tmp_path), meta(alerts=(stop,))).text
    assert "S1 (10.0 of 10.0) on track; S2 (2.5 of 10.0) behind." in text
    assert "S2's log stops 3 months early (see the alerts)" in text
    assert "log stops" not in key_messages(read_facts(tmp_path), meta()).text


def test_a_site_report_gives_the_whole_study_s_programme_for_comparison(tmp_path):
    write(
        tmp_path,
        "programme_study_wide",
        "measure,timepoint,people,of_people,per_month,months,percent_of_goal,target,status\n"
        "consented,,32,,,,84.2,38.0,behind\n"
        "retained_T2,T2,20,32,,,62.5,70.0,behind\n"
        "contacts_per_month,,,,88.58,12.0,88.58,100.0,at risk\n",
    )
    text = key_messages(read_facts(tmp_path), meta(sites=("S7",), kind="site", scope="S7")).text
    assert (
        "Across the whole study, for comparison: 32 peer workers consented, 84% of the 38 due (behind); "
        "20 of 32 (63%) returned T2, target 70% (behind); 88.6 completed contacts a month against a target "
        "of 100 (at risk)."
    ) in " ".join(text.split())
