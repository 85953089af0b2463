"""The embedded example study: deterministic, shaped like the paper, valid."""

import filecmp
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from peerimpact import load_study
from peerimpact.cli import main
from peerimpact.config.targets import default_targets, load_targets
from peerimpact.example.design import SERVICES, SITES
from peerimpact.example.generator import generate, write
from peerimpact.example.people import calibrated
from peerimpact.resources import example_study_dir


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The example as this process's generator writes it, once for the tests that read it."""
    return write(tmp_path_factory.mktemp("synth") / "a")


@pytest.mark.integration
def test_same_seed_same_files_in_another_process(tmp_path, written):
    """Deterministic on one machine: another process writes, byte for byte, what this one wrote."""
    mine = written
    subprocess.run(
        [sys.executable, "-m", "peerimpact.cli", "synth", "--out", str(tmp_path / "b")], check=True, capture_output=True
    )
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted(p.name for p in mine)
    for x in mine:
        assert filecmp.cmp(x, tmp_path / "b" / x.name, shallow=False), f"{x.name} differs between two processes"


def test_the_shipped_example_is_what_the_generator_writes(written):
    """Byte for byte, but for the questionnaire answers: the search that calibrates them stops where
    floating-point arithmetic leads it, which differs between BLAS builds of numpy and scipy, so
    on another machine the answers (and which items are left blank) may differ. Their frame,
    the people, timepoints and dates, may not."""
    for x in written:
        if x.name != "questionnaires.csv":
            assert filecmp.cmp(x, example_study_dir() / x.name, shallow=False), (
                f"{x.name} differs: run peerimpact synth"
            )
    fresh, shipped = (
        pd.read_csv(folder / "questionnaires.csv", dtype=str, keep_default_na=False)
        for folder in (written[0].parent, example_study_dir())
    )
    assert list(fresh.columns) == list(shipped.columns)
    frame = ["participant_id", "site", "timepoint", "completed_date"]
    assert fresh[frame].equals(shipped[frame])


@pytest.mark.integration
def test_other_seed_other_data():
    shipped = pd.read_csv(example_study_dir() / "questionnaires.csv")
    other = generate(1)["questionnaires"]
    items = [c for c in shipped.columns if c.split("_")[0] in ("wemwbs", "mjs", "itp", "mbi")]
    answers = other[items].fillna(-1).to_numpy(dtype=float), shipped[items].fillna(-1).to_numpy(dtype=float)
    assert other.shape == shipped.shape and not np.allclose(*answers)


@pytest.mark.integration
def test_synth_calibrates_to_the_figures_it_is_given(tmp_path, capsys):
    """A targets file of one's own: the example's wellbeing scores then print as its figures."""
    targets = load_targets(default_targets())
    wanted = {("T1", "mean"): "52.0", ("T1", "sd"): "8.50", ("T3", "mean"): "50.5"}
    cells = [
        c.model_copy(
            update={"published": wanted.get((c.timepoint, c.column), c.published), "erratum": None, "aim": None}
        )
        for c in targets.cells
        if c.table in ("table3", "table4") and c.instrument == "wemwbs"
    ]
    own = tmp_path / "mine.yml"
    own.write_text(
        yaml.safe_dump(
            {
                "source": "my own figures",
                "cells": [{k: v for k, v in c.model_dump().items() if v is not None} for c in cells],
            }
        )
    )
    own_t2_sd = next(c for c in cells if c.timepoint == "T2" and c.column == "sd")
    assert own_t2_sd.published == "9017"  # as printed: an impossible SD, which the search must report
    assert main(["synth", "--out", str(tmp_path / "bad"), "--calibrate", str(own)]) == 2
    assert "wemwbs total" in capsys.readouterr().err and not (tmp_path / "bad").exists()
    own.write_text(own.read_text().replace("'9017'", "'9.17'"))
    assert main(["synth", "--out", str(tmp_path / "ex"), "--calibrate", str(own)]) == 0
    study = load_study(tmp_path / "ex")
    wellbeing = study.scores[study.scores["instrument"] == "wemwbs"].dropna(subset=["score"])
    t1, t3 = (wellbeing.loc[wellbeing["timepoint"] == tp, "score"] for tp in ("T1", "T3"))
    assert (len(t1), f"{t1.mean():.1f}", f"{t1.std():.2f}", f"{t3.mean():.1f}") == (32, "52.0", "8.50", "50.5")


def test_shape_follows_the_paper():
    study = load_study()
    assert not study.problems
    people = study.participants
    assert people["site"].value_counts().reindex(list(SITES)).tolist() == [5, 7, 6, 5, 3, 3, 3]
    per_tp = study.questionnaires.groupby("timepoint")["participant_id"].nunique().to_dict()
    assert per_tp == {"T1": 32, "T2": 20, "T3": 21}
    assert people["gender"].value_counts().to_dict() == {"Female": 21, "Male": 10, "Prefer not to say": 1}
    assert (people["contract_type"] == "bank").sum() == 2
    assert people.loc[people["contract_type"] == "bank", ["contracted_hours", "sick_days"]].isna().all().all()
    assert (people["sick_days"] == 0).sum() == 12


def test_service_use_counts_are_table2():
    use = load_study().service_use
    counts = use[use["contact"]].groupby(["service", "timepoint"]).size()
    for sid, _, t1, t3 in SERVICES:
        assert counts.get((sid, "T1"), 0) == t1
        assert counts.get((sid, "T3"), 0) == t3
    assert use.groupby("timepoint")["participant_id"].nunique().to_dict() == {"T1": 32, "T3": 21}


def test_contact_log_totals():
    contacts = load_study().contacts
    f2f = contacts[(contacts["mode"] == "face_to_face") & contacts["completed"]]
    per_worker = f2f.groupby("participant_id").size()
    assert len(per_worker) == 30 and per_worker.sum() == 1682
    assert per_worker.min() == 2 and per_worker.max() == 273


def test_items_in_range_with_some_missing():
    study = load_study()
    items = study.questionnaires.filter(regex=r"^wemwbs_")
    assert items.min().min() >= 1 and items.max().max() <= 5
    assert 0 < items.isna().sum().sum() < items.size * 0.05
    assert isinstance(study.scores, pd.DataFrame) and study.scores["prorated"].any()


def test_every_answer_is_written_as_a_plain_whole_number():
    # no "-0" (a negative zero rounded up to the scale's bottom) for data management to query
    text = (example_study_dir() / "questionnaires.csv").read_text(encoding="utf-8")
    cells = [cell for line in text.splitlines()[1:] for cell in line.split(",")[4:]]
    assert cells and all(re.fullmatch(r"\d+|", cell) for cell in cells), sorted({c for c in cells if "-" in c})


@pytest.mark.parametrize(
    "n, mean, sd, lo, hi, step, total",
    [
        (27, 42.9, 9.0, 26, 59, 1, None),
        (32, 17.7, 8.2, 6.1, 31.6, 0.1, None),
        (30, 1682 / 30, 54.0, 2, 273, 1, 1682),
    ],
)
def test_calibrated_values_print_as_the_published_figures(n, mean, sd, lo, hi, step, total):
    x = calibrated(np.random.default_rng(7), n, mean, sd, lo, hi, step, total=total)
    assert len(x) == n and x.min() == pytest.approx(lo) and x.max() == pytest.approx(hi)
    assert f"{x.mean():.1f}" == f"{mean:.1f}" and f"{x.std(ddof=1):.1f}" == f"{sd:.1f}"
    assert np.allclose(x / step, np.round(x / step))  # on the grid
    assert total is None or x.sum() == total
    again = calibrated(np.random.default_rng(7), n, mean, sd, lo, hi, step, total=total)
    assert np.array_equal(x, again)


def test_calibration_says_so_when_no_values_can_meet_the_targets():
    with pytest.raises(ValueError, match="no values on a grid of 1 between 0 and 10"):
        calibrated(np.random.default_rng(1), 10, 5.0, 9.0, 0, 10, 1)  # an SD of 9 does not fit in 0 to 10


@pytest.mark.integration
def test_a_larger_study_is_copied_from_the_example_site_by_site(tmp_path, capsys):
    out = tmp_path / "big"
    assert main(["synth", "--out", str(out), "--sites", "4", "--per-site", "3"]) == 0
    study = load_study(out)
    assert not study.problems.has_errors, study.problems.to_frame().head()
    people = study.participants
    assert len(people) == 12
    assert people["site"].astype(str).tolist() == [f"S{s}" for s in range(1, 5) for _ in range(3)]
    assert study.config.reproduces is None and study.config.targets.recruitment.total == 16
    # every copy answered as one of the example's peer workers did, at the same timepoints
    example = pd.read_csv(example_study_dir() / "questionnaires.csv", dtype=str, keep_default_na=False)
    copies = pd.read_csv(out / "questionnaires.csv", dtype=str, keep_default_na=False)
    items = [c for c in example.columns if c.split("_")[0] in ("wemwbs", "mjs", "itp", "mbi")]
    answers = set(map(tuple, example[["timepoint", *items]].to_numpy()))
    assert all(tuple(row) in answers for row in copies[["timepoint", *items]].to_numpy())
    excerpts = pd.read_csv(out / "excerpts.csv", dtype=str)
    assert all(e.startswith(f"{p}-") for e, p in zip(excerpts["excerpt_id"], excerpts["participant_id"]))
    assert main(["synth", "--out", str(tmp_path / "half"), "--sites", "4"]) == 2
    assert "--sites and --per-site go together" in capsys.readouterr().err
    assert (
        main(
            [
                "synth",
                "--out",
                str(tmp_path / "own"),
                "--sites",
                "2",
                "--per-site",
                "2",
                "--calibrate",
                str(default_targets()),
            ]
        )
        == 2
    )
    assert "--calibrate applies to the example alone" in capsys.readouterr().err and not (tmp_path / "own").exists()


def test_the_contact_log_runs_to_the_data_cut_but_at_s7():
    """Every site logs into the last month before the data cut but S7, whose log stops in December 2020;
    nobody logs before consenting or after leaving post; activity builds up to about the study's target
    of 100 completed contacts a month over the reporting period, and S7, with nothing since December,
    is below its share of it (100 × 4 / 38 a month)."""
    study = load_study()
    people = study.participants[["participant_id", "site", "consent_date", "left_post_date"]]
    log = study.contacts.merge(people, on="participant_id")
    assert not (log["date"] < log["consent_date"]).any()
    assert not (log["date"] >= log["left_post_date"]).any()
    last = log.groupby(log["site"].astype(str))["date"].max()
    cut = pd.Timestamp(study.config.data_cut)
    assert last["S7"].strftime("%Y-%m") == "2020-12"
    assert all(cut - last[site] < pd.Timedelta(days=31) for site in last.index if site != "S7")
    period = study.config.reporting_period
    done = log[
        log["completed"].astype(bool)
        & (log["date"] >= pd.Timestamp(period.start))
        & (log["date"] <= pd.Timestamp(period.end))
    ]
    assert 80 <= len(done) / 12 <= 110
    s7 = (done["site"] == "S7").sum() / 12
    assert s7 < 0.8 * 100 * 4 / 38
    assert not ((done["site"] == "S7") & (done["date"] > pd.Timestamp("2020-12-31"))).any()
