"""Disclosure by audience and kind of data: each reader sees what is theirs to see, and no more."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from conftest import BUILT
from peerimpact.builder.audiences import load_audiences, load_policies, policy_of_report
from peerimpact.config import DATA_KINDS, ReportDef
from peerimpact.ingest.study import load_study
from peerimpact.problems import Problems
from peerimpact.report.blocks import FigureBlock, Table, release
from peerimpact.report.differencing import differencing_withheld
from peerimpact.report.formats import fmt_count
from peerimpact.report.roles import UnknownFigure
from peerimpact.report.rule_policies import report_policy as engine_policy

STUDY = load_study()


def policies():
    problems = Problems()
    rules = load_policies(None, problems)
    audiences = load_audiences(None, rules, problems)
    assert not problems.has_errors, [p.format() for p in problems]
    return rules, audiences


def policy_for(audience: str, disclosure: str | None = None):
    rules, audiences = policies()
    report = ReportDef(id="r", kind="site", title="t", sections=["01_sample"], disclosure=disclosure)
    return engine_policy(policy_of_report(report, audience, rules, audiences))


def counts(name: str, values: list[int]) -> Table:
    data = pd.DataFrame({"stage": [f"s{i}" for i in range(len(values))], "count": values})
    return Table(name, "t", data, lambda d: d.astype(str))


def test_every_audience_names_rules_for_every_kind_of_data():
    rules, audiences = policies()
    assert set(audiences) == {"study_team", "funder", "site_lead", "public"}
    for audience in audiences.values():
        assert set(audience.kinds) == set(DATA_KINDS) and set(audience.kinds.values()) <= set(rules)


@pytest.mark.parametrize(
    "audience, programme, people",
    [("funder", [3, 12], ["*", 12]), ("site_lead", [3, 12], ["*", 12]), ("public", ["*", 10], ["*", 10])],
)
def test_a_programme_count_is_exact_for_the_funder_and_a_site_lead_and_a_count_of_people_is_not(
    audience, programme, people
):
    policy = policy_for(audience)
    assert release(counts("recruitment", [3, 12]), policy).data["count"].tolist() == programme
    assert release(counts("table2", [3, 12]), policy).data["count"].tolist() == people


def test_a_definition_naming_one_policy_applies_it_to_every_kind():
    policy = policy_for("funder", disclosure="threshold10")
    assert release(counts("recruitment", [9, 12]), policy).data["count"].tolist() == ["*", 12]


def test_a_number_with_no_role_fails_closed_in_a_shared_report_naming_table_and_column():
    block = Table(
        "table2", "t", pd.DataFrame({"service": ["gp"], "count": [9], "secret": [4.5]}), lambda d: d.astype(str)
    )
    with pytest.raises(UnknownFigure, match=r"'table2'.*'secret'"):
        release(block, policy_for("funder"))
    unknown_table = Table("mystery", "t", pd.DataFrame({"count": [9]}), lambda d: d.astype(str))
    with pytest.raises(UnknownFigure, match="mystery"):
        release(unknown_table, policy_for("site_lead"))
    assert release(block, policy_for("study_team")).data["secret"].tolist() == [4.5]  # internal: as computed


def test_a_figure_with_nothing_left_to_draw_is_not_drawn_and_keeps_no_caption():
    data = pd.DataFrame(
        {"instrument": ["wemwbs"], "subscale": ["total"], "timepoint": ["T1"], "n": [3], "mean": [50.0]}
    )
    drawn = []
    block = FigureBlock("means", data, lambda d: drawn.append(d), caption="**Figure 1.** The dashed line is the norm.")
    out = release(block, policy_for("site_lead"))
    assert out.withheld and "fewer than 8 people" in out.withheld
    html = out.to_html()  # the sentence names the figure; the caption, which describes a drawing, is gone
    assert html.startswith('<p class="pi-withheld">Figure 1 is not drawn: every figure in it rests on fewer than 8')
    assert "dashed" not in html and not out.files() and not drawn


def test_a_table_note_speaks_of_a_star_only_where_the_table_shows_one():
    shown = release(counts("table2", [9, 12]), policy_for("site_lead"))
    assert not any("*" in note for note in shown.all_notes)
    some = release(counts("table2", [3, 12, 40]), policy_for("site_lead"))
    assert any(note.startswith("* not shown: fewer than 8 people") for note in some.all_notes)
    assert not any("nhs_digital" in note or "threshold8" in note for note in some.all_notes)


def test_differencing_withholds_the_figure_without_which_the_small_group_cannot_be_found():
    # study = early + late = contracted + bank (2 people): the contracted cohort's figure gives the bank's
    # away whatever else is shown, so it goes, and the early and late starters keep theirs
    key = ("scores", "wemwbs", "total", "T1")
    people = [f"p{i}" for i in range(32)]
    early, late = frozenset(people[:16]), frozenset(people[16:])
    bank = frozenset({people[0], people[20]})
    contracted = frozenset(people) - bank
    withheld = differencing_withheld(
        {"early": {key: early}, "late": {key: late}, "contracted": {key: contracted}}, {key: frozenset(people)}, 8
    )
    assert withheld == {"early": set(), "late": set(), "contracted": {key}}


# ------------------------------------------------------------------------------ the example's build


@pytest.mark.kernel
def test_the_funder_sees_recruitment_and_returns_exactly_site_by_site(built):
    folder = built / "funder"
    people, returns = STUDY.participants, STUDY.returns
    consented = len(people)
    target = 38
    table = pd.read_csv(folder / "tables" / "recruitment.csv", dtype=str).set_index(["stage", "site"])
    for site, part in people.groupby("site", observed=True):
        assert table.loc[("consented", str(site)), "count"] == str(len(part))
        for tp in ("T1", "T2", "T3"):
            returned = returns[(returns["timepoint"] == tp) & (returns["site"] == site)]["participant_id"].nunique()
            assert table.loc[(tp, str(site)), "count"] == str(returned), (tp, site)
    assert consented == 32 and f"{consented} ({round(100 * consented / target)}%)" == "32 (84%)"
    html = (folder / "report.html").read_text()
    assert "32 (84%)" in html
    # the same 32 everywhere in it: the flow, the table's total and the milestones
    assert "n = 32" in html or "Consented\nn = 32" in html or re.search(r"Consented.{0,40}32", html, re.S)
    milestones = pd.read_csv(folder / "tables" / "milestones.csv", dtype=str)
    stated = milestones.loc[milestones["evidence"] == "consented", "count"].astype(int).tolist()
    assert stated and set(stated) == {32} and "32 consented (38 needed)" in html
    assert "*" not in set(table["count"])


def test_every_site_report_leads_with_its_own_recruitment_against_its_target(built):
    for rid in [r for r in BUILT if r.startswith("site-")]:
        site = rid.removeprefix("site-")
        table = pd.read_csv(built / rid / "tables" / "recruitment.csv", dtype=str).set_index("stage")
        own = STUDY.participants[STUDY.participants["site"] == site]
        assert table.loc["consented", "count"] == fmt_count(len(own)), rid
        assert table["site"].unique().tolist() == [site]


def test_a_theme_count_of_table5_is_withheld_where_the_code_table_withholds_one_of_its_timepoints():
    from peerimpact.report.synthesis import ROLES

    data = pd.DataFrame(
        {
            "evidence": ["theme", "theme"],
            "name": ["Valued", "Connected"],
            "excerpts": [14, 20],
            "participants": [10, 12],
            "fewest_at_a_timepoint": [3, 9],
        }
    )
    shown = release(Table("table5", "t", data, lambda d: d.astype(str), roles=ROLES), policy_for("funder")).data
    # Valued: 3 people at one timepoint, so its total less the other timepoints would give their excerpts
    assert shown.loc[0, ["excerpts", "participants"]].tolist() == ["*", "*"]
    assert shown.loc[1, ["excerpts", "participants"]].tolist() == [20, 12]


def test_the_withheld_levels_of_a_characteristic_share_one_row_and_its_csv_keeps_every_level():
    from peerimpact.report.tables import table1_from

    data = pd.DataFrame(
        {
            "variable": "ethnicity",
            "level": ["White British", "Asian", "Black"],
            "n": 23,
            "count": [14, 5, 4],
            "percent": [60.9, 21.7, 17.4],
            "mean": None,
            "sd": None,
            "min": None,
            "max": None,
        }
    )
    shown = release(table1_from(data), policy_for("funder"))
    display = shown.display
    assert display["Level"].tolist() == ["White British", "Asian; Black"]
    assert display.iloc[1, 3] == "*" and display.iloc[0, 2] == "23" and display.iloc[1, 2] == ""
    assert shown.data["level"].tolist() == ["White British", "Asian", "Black"]  # every level in the CSV


def test_a_level_a_table_does_not_list_is_protected_as_the_rest_of_its_total(tmp_path):
    from peerimpact.builder.audit import audit_reports

    # a yes/no characteristic lists only "yes": 10 of 11 would give away the one "no"
    data = pd.DataFrame(
        {
            "variable": "english_first_language",
            "level": ["yes"],
            "n": [11],
            "count": [10],
            "percent": [90.9],
            "mean": None,
            "sd": None,
            "min": None,
            "max": None,
        }
    )
    from peerimpact.report.tables import table1_from

    shown = release(table1_from(data), policy_for("funder")).data
    assert shown.loc[0, "count"] == "*" and shown.loc[0, "n"] == 11
    # and the audit finds it in a table that shows it
    folder = tmp_path / "cohort-x" / "tables"
    folder.mkdir(parents=True)
    (folder / "table1.csv").write_text("variable,level,n,count,percent\nenglish_first_language,yes,11,10,90.9\n")
    rules, audiences = policies()
    audits, problems = audit_reports([folder.parent], rules, audiences, "funder")
    assert [a.status for a in audits] == ["fail"]
    assert any("found by subtraction" in p.message for p in problems)
