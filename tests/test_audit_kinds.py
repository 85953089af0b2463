"""``peerimpact audit`` checks each column of a report under the rules its audience has for the column's
kind of data: programme facts exactly for a funder or a site lead, figures about people only above
the threshold, and everything under NHS Digital's rule for the public.

The report folders are made by hand as a build leaves them (``tables/`` in a build's output folder,
with the build's ``manifest.json`` naming each report's audience); the last tests audit the example's
own build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import BUILT
from peerimpact.builder.publish import Manifest, ManifestEntry, read_manifest
from peerimpact.cli import main

SHARED = [rid for rid in BUILT if rid != "study"]
LEDGER = "population,measure,statistic,timepoint,value,table,column,row\n"
# every kind of data, each passing for a site lead: its own recruitment exact (3 people consented),
# figures about people resting on 8 or more, quotes unattributed
CLEAN = {
    "recruitment.csv": "stage,site,count,n,target\nconsented,S7,3,3,4\nreturned T1,S7,2,3,4\n",
    "table1.csv": "variable,level,n,count,percent,mean,sd,min,max\ngender,Female,20,12,60.0,,,,\n"
    "gender,Male,20,8,40.0,,,,\nage,,20,,,41.2,9.9,,\n",
    "table2.csv": "service,timepoint,n,count\ngp,T1,20,9\n",
    "table3.csv": "instrument,subscale,timepoint,n,mean,sd\nwemwbs,total,T1,12,48.5,7.1\n",
    "codes_by_timepoint.csv": "theme,code_id,code,timepoint,excerpts,participants\nValued,C1,Respect,T1,11,9\n",
    "quotes.csv": "theme,excerpt_id,label,timepoint,text,pinned\nValued,,Peer worker (study-wide),,I felt heard.,True\n",
    "_suppression.csv": "table,row,column,rule,kind\ntable2,2,count,fewer than 8,primary\n",
    "_released.csv": LEDGER + "site S7,consented,count,,3,recruitment,count,1\n"
    "site S7,wemwbs/total,n,T1,12,table3,n,1\n",
}


def report(build: Path, rid: str, audience: str, tables: dict[str, str] = CLEAN) -> Path:
    """A built report ``rid`` in the output folder ``build``, written for ``audience`` (or under one
    rules file), as the build's manifest records it."""
    folder = build / rid
    (folder / "tables").mkdir(parents=True)
    for name, text in tables.items():
        (folder / "tables" / name).write_text(text, encoding="utf-8")
    manifest = build / "manifest.json"
    entries = read_manifest(build).reports if manifest.exists() else {}
    entries[rid] = ManifestEntry(
        kind="site",
        title=rid,
        scope=None,
        scope_label=rid,
        formats=("html",),
        sections=(),
        disclosure=audience,
        params={},
        hashes={},
        cache_key=None,
        peerimpact_version="0",
        seconds={},
        status="ok",
    )
    manifest.write_text(Manifest(reports=entries).to_json(), encoding="utf-8")
    return folder


def audit(capsys, *folders: Path, policy: str | None = None) -> tuple[int, str, pd.DataFrame]:
    summary = folders[0].parent / "summary.csv"
    code = main(["audit", *map(str, folders), "--summary", str(summary), *(["--policy", policy] if policy else [])])
    out = capsys.readouterr()
    return code, out.out + out.err, pd.read_csv(summary, keep_default_na=False).set_index(["report", "table"])


def with_table(name: str, text: str) -> dict[str, str]:
    return {**CLEAN, name: text}


def test_a_clean_report_for_a_site_lead_passes_every_table(tmp_path, capsys):
    folder = report(tmp_path, "site-S7", "site_lead")
    code, out, summary = audit(capsys, folder)
    assert code == 0, out
    # the ledger and the suppression record are records, not tables of figures
    assert sorted(t for _, t in summary.index) == [
        "codes_by_timepoint",
        "quotes",
        "recruitment",
        "table1",
        "table2",
        "table3",
    ]
    assert set(summary["status"]) == {"pass"}, summary


def test_an_outcome_count_of_3_in_a_funder_report_fails(tmp_path, capsys):
    table3 = "instrument,subscale,timepoint,n,mean,sd\nwemwbs,total,T1,3,48.5,7.1\n"
    folder = report(tmp_path, "cohort-bank", "funder", with_table("table3.csv", table3))
    code, out, summary = audit(capsys, folder)
    assert code == 1, out
    assert "table3.csv:2: n: error: a count below 8 is shown [disclosure] (value '3')" in out
    assert "table3.csv:2: mean: error: rests on 3 people; the policy needs 8" in out
    assert summary.loc[("cohort-bank", "table3"), "status"] == "fail"
    assert summary.loc[("cohort-bank", "recruitment"), "status"] == "pass"


def test_a_programme_count_of_3_passes_for_the_funder_and_fails_for_the_public(tmp_path, capsys):
    recruitment = "stage,site,count,n,target\nconsented,S7,3,3,4\n"
    folder = report(tmp_path / "funder", "funder", "funder", {"recruitment.csv": recruitment})
    code, out, summary = audit(capsys, folder)
    assert code == 0, out
    assert summary.loc[("funder", "recruitment"), "status"] == "pass"
    # the same table in a report for the public: NHS Digital's rule for programme facts too
    public = report(tmp_path / "public", "funder", "public", {"recruitment.csv": recruitment})
    code, out, summary = audit(capsys, public)
    assert code == 1, out
    assert "recruitment.csv:2: count: error: a count below 8 is shown [disclosure] (value '3')" in out
    assert summary.loc[("funder", "recruitment"), "status"] == "fail"
    # --policy names an audience as the manifest does
    code, out, _ = audit(capsys, folder, policy="public")
    assert code == 1 and "recruitment.csv:2: count: error: a count below 8 is shown" in out


def test_a_characteristics_count_of_5_in_a_site_lead_report_fails(tmp_path, capsys):
    table1 = "variable,level,n,count,percent\ngender,Female,20,15,75.0\ngender,Male,20,5,25.0\n"
    folder = report(tmp_path, "site-S1", "site_lead", with_table("table1.csv", table1))
    code, out, summary = audit(capsys, folder)
    assert code == 1, out
    assert "table1.csv:3: count: error: a count below 8 is shown [disclosure] (value '5')" in out
    assert summary.loc[("site-S1", "table1"), "status"] == "fail"
    assert summary.loc[("site-S1", "recruitment"), "status"] == "pass"  # its 3 consented: exact


def test_the_group_check_of_a_table_uses_the_rules_of_its_kind(tmp_path, capsys):
    # 9 of 12 contacts completed: the 3 not completed are found by subtraction, which matters for
    # figures about people but not for the programme's own record a site lead sees exactly
    activity = "scope,mode,contacts,completed,people_supported,all_contacts\nS7,face_to_face,12,9,8,12\n"
    folder = report(tmp_path / "a", "site-S7", "site_lead", with_table("activity.csv", activity))
    code, out, summary = audit(capsys, folder)
    assert code == 0 and summary.loc[("site-S7", "activity"), "status"] == "pass", out
    code, out, summary = audit(capsys, folder, policy="threshold8")
    assert code == 1, out
    assert "activity.csv:2: contacts: error: the rest of the contacts (3 people) is found by subtraction" in out
    # a characteristic withheld beside its total and the other level: found by subtraction under threshold8
    table1 = "variable,level,n,count,percent\ngender,Female,20,14,70.0\ngender,Male,20,*,*\n"
    other = report(tmp_path / "b", "site-S1", "site_lead", with_table("table1.csv", table1))
    code, out, _ = audit(capsys, other)
    assert code == 1 and "table1.csv:3: count: error: the withheld cells can be found from the n shown: about 6" in out


def test_a_column_of_numbers_with_no_role_or_kind_fails_naming_it(tmp_path, capsys):
    table2 = "service,timepoint,n,count,nights\ngp,T1,20,9,4\n"
    extra = "stage,value,note\nconsented,3,see the text\nleft,1,2\n"
    folder = report(tmp_path, "site-S1", "site_lead", {**with_table("table2.csv", table2), "extra.csv": extra})
    code, out, summary = audit(capsys, folder)
    assert code == 1, out
    assert "table2.csv:1: nights: error: column 'nights' of table table2 holds numbers whose role or kind" in out
    assert "extra.csv:1: value: error: column 'value' of table extra holds numbers" in out
    assert summary.loc[("site-S1", "table2"), "status"] == "fail"
    assert summary.loc[("site-S1", "extra"), "status"] == "fail"
    # words, or words with a number among them, are labels
    assert "note" not in out and "stage" not in out
    assert summary.loc[("site-S1", "table1"), "status"] == "pass"


def test_one_figure_with_two_values_in_two_reports_of_a_build_fails(tmp_path, capsys):
    site = report(tmp_path, "site-S7", "site_lead")
    funder = report(
        tmp_path,
        "funder",
        "funder",
        {
            "recruitment.csv": "stage,site,count,n,target\nconsented,S7,4,4,4\n",
            "_released.csv": LEDGER + "site S7,consented,count,,4,recruitment,count,1\n",
        },
    )
    code, out, summary = audit(capsys, site, funder)
    assert code == 1, out
    assert (
        "site-S7/tables/_released.csv:2: value: error: site S7, consented, count: one figure shown with 2 values" in out
    )
    assert "funder/tables/_released.csv:2: value: error" in out
    assert "3 in site-S7/recruitment (count); 4 in funder/recruitment (count)" in out
    assert summary.loc[("site-S7", "recruitment"), "status"] == "fail"
    assert summary.loc[("funder", "recruitment"), "status"] == "fail"
    assert summary.loc[("site-S7", "table3"), "status"] == "pass"
    # the same value written two ways is one value
    (funder / "tables" / "_released.csv").write_text(
        LEDGER + "site S7,consented,count,,3.0,recruitment,count,1\n", encoding="utf-8"
    )
    (funder / "tables" / "recruitment.csv").write_text("stage,site,count,n,target\nconsented,S7,3,3,4\n")
    assert audit(capsys, site, funder)[0] == 0


def test_a_ledger_the_audit_cannot_read_is_a_located_problem(tmp_path, capsys):
    folder = report(tmp_path, "site-S7", "site_lead", with_table("_released.csv", "population,value\nsite S7,3\n"))
    code, out, summary = audit(capsys, folder)
    assert code == 2, out
    assert "_released.csv:1: error: no column measure, statistic, timepoint, table, column, row" in out
    assert summary.loc[("site-S7", "_released"), "status"] == "fail"


def test_a_report_for_the_study_team_is_internal(tmp_path, capsys):
    folder = report(tmp_path, "study", "study_team")
    code, out, summary = audit(capsys, folder)
    assert code == 1 and "an internal report (study_team withholds nothing): not for distribution" in out
    assert summary.loc[("study", "*"), "status"] == "fail"


def test_an_unknown_audience_is_named_with_those_there_are(tmp_path, capsys):
    folder = report(tmp_path, "site-S7", "board")
    code, out, _ = audit(capsys, folder)
    assert code == 2 and "unknown disclosure policy; audiences are " in out and "site_lead" in out
    assert main(["audit", str(folder), "--policy", "board", "--summary", str(tmp_path / "s.csv")]) == 2
    assert "audiences are" in capsys.readouterr().err


# --------------------------------------------------------------------------- the example's own build


@pytest.mark.kernel
def test_every_shared_report_of_the_example_passes_under_its_audience(built, tmp_path, capsys):
    summary = tmp_path / "summary.csv"
    assert main(["audit", *(str(built / rid) for rid in SHARED), "--summary", str(summary)]) == 0, (
        capsys.readouterr().out
    )
    checked = pd.read_csv(summary)
    assert set(checked["report"]) == set(SHARED) and set(checked["status"]) <= {"pass", "review"}
    # a site lead's own programme facts are exact, and pass as such
    recruitment = pd.read_csv(built / "site-S7" / "tables" / "recruitment.csv", dtype=str).set_index("stage")
    assert recruitment.loc["consented", "count"] == "3"
    assert checked.set_index(["report", "table"]).loc[("site-S7", "recruitment"), "status"] == "pass"


def test_a_tampered_copy_of_an_example_report_fails(built, tmp_path, capsys):
    build = tmp_path / "build"
    shutil.copytree(built / "site-S7", build / "site-S7")
    shutil.copy(built / "manifest.json", build / "manifest.json")
    assert audit(capsys, build / "site-S7")[0] == 0
    # the whole study's Table 2, shown in place of the site's own
    path = build / "site-S7" / "tables" / "table2_study_wide.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert (frame["count"] == "*").any()
    first = int(frame.index[frame["count"] == "*"][0])
    frame.loc[frame["count"] == "*", "count"] = "3"
    frame.to_csv(path, index=False)
    code, out, summary = audit(capsys, build / "site-S7")
    assert code == 1 and f"table2_study_wide.csv:{first + 2}: count: error: a count below 8 is shown" in out
    assert summary.loc[("site-S7", "table2_study_wide"), "status"] == "fail"
