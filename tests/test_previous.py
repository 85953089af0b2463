"""``build --previous DIR``: a progress report beside the same report of an earlier build."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from peerimpact.builder.pipeline import build
from peerimpact.builder.prepare import prepare
from peerimpact.builder.request import BuildRequest
from peerimpact.report.facts import read_facts

CUT = "2019-03-31"


def earlier_study(study: Path, cut: str) -> Path:
    """``study`` as it stood at an earlier data cut ``cut``: only the people consented by then, the
    questionnaires and contacts dated by then, and leaving or withdrawing only if it happened by then."""
    import pandas as pd

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(study / name, dtype=str, keep_default_na=False)

    people = read("participants.csv")
    people = people[people["consent_date"] <= cut]
    for column in ("left_post_date", "withdrawn_date"):
        later = people[column] > cut
        people.loc[later, column] = ""
        if column == "left_post_date":
            people.loc[later, "left_post_reason"] = ""
    kept = set(people["participant_id"])
    people.to_csv(study / "participants.csv", index=False)
    quest = read("questionnaires.csv")
    quest = quest[quest["participant_id"].isin(kept) & (quest["completed_date"] <= cut)]
    quest.to_csv(study / "questionnaires.csv", index=False)
    returned = set(zip(quest["participant_id"], quest["timepoint"]))
    for name in ("service_use.csv", "excerpts.csv"):
        frame = read(name)
        frame = frame[[(p, t) in returned for p, t in zip(frame["participant_id"], frame["timepoint"])]]
        frame.to_csv(study / name, index=False)
    contacts = read("contacts.csv")
    contacts[contacts["participant_id"].isin(kept) & (contacts["date"] <= cut)].to_csv(
        study / "contacts.csv", index=False
    )
    yml = study / "study.yml"
    text = yml.read_text()
    yml.write_text(text.replace("data_cut: 2021-03-31", f"data_cut: {cut}"))
    return study


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> tuple[Path, Path]:
    """The example's funder report built at an earlier data cut, and the study it was built from."""
    from peerimpact.resources import example_study_dir

    root = tmp_path_factory.mktemp("earlier")
    study = earlier_study(Path(shutil.copytree(example_study_dir(), root / "study")), CUT)
    out = root / "reports"
    result = build(study, out=out, only=["funder"], formats=["html"], jobs=1, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed] + [p.format() for p in result.problems]
    return out, study


def test_the_funder_report_shows_each_count_and_milestone_beside_the_earlier_build(earlier, tmp_path):
    before, _ = earlier
    out = tmp_path / "reports"
    result = build(out=out, only=["funder"], formats=["html"], jobs=1, previous=before, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed] + [p.format() for p in result.problems]
    # the expected change, counted from the example's own participants file
    people = pd.read_csv(Path(__file__).parents[1] / "peerimpact/data/example/participants.csv", dtype=str)
    now, then = len(people), int((people["consent_date"] <= CUT).sum())
    assert then < now
    table = pd.read_csv(out / "funder" / "tables" / "since_last_report.csv")
    row = table.set_index("figure").loc["Consented"]
    assert (row["previous"], row["now"], row["change"]) == (then, now, now - then)
    earlier_facts = read_facts(before / "funder" / "tables")
    assert earlier_facts.value("recruitment.consented.total") == then  # read from what the earlier build released
    html = " ".join((out / "funder" / "report.html").read_text().split())
    assert f"Since the last report (data cut 31 Mar 2019): consented {then} → {now} (+{now - then})" in html
    milestones = table[table["figure"].str.startswith("Milestone: ")]
    assert set(milestones["status"]) <= {"met", "late", "due"} and len(milestones) == 6


def test_an_earlier_build_of_another_study_is_refused(earlier, tmp_path):
    before, _ = earlier
    other = tmp_path / "other"
    shutil.copytree(before, other)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["study_name"] = "Another study"
    (other / "manifest.json").write_text(json.dumps(manifest))
    prep = prepare(BuildRequest(out=tmp_path / "reports", only=("funder",), previous=other))
    [problem] = prep.problems.errors
    assert problem.file == "--previous" and "another study ('Another study'" in problem.message


def test_an_earlier_report_for_another_audience_is_refused(earlier, tmp_path):
    before, _ = earlier
    other = tmp_path / "other"
    shutil.copytree(before, other)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["reports"]["funder"]["disclosure"] = "public"
    (other / "manifest.json").write_text(json.dumps(manifest))
    prep = prepare(BuildRequest(out=tmp_path / "reports", only=("funder",), previous=other))
    [problem] = prep.problems.errors
    assert "another audience" in problem.message and "'public'" in problem.message


def test_a_folder_that_is_no_build_or_not_earlier_is_refused(earlier, tmp_path):
    before, study = earlier
    prep = prepare(BuildRequest(out=tmp_path / "reports", only=("funder",), previous=tmp_path))
    assert "no manifest.json" in prep.problems.errors[0].message
    prep = prepare(BuildRequest(study=study, out=tmp_path / "reports", only=("funder",), previous=before))
    assert "not earlier" in prep.problems.errors[0].message
