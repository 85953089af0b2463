"""The reproduction check: a study report beside the figures of Gillard et al. (2022)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import BUILT
from peerimpact import notebook as pn
from peerimpact.analysis import descriptive
from peerimpact.cli import main
from peerimpact.config import PublishedFigures, parse_model
from peerimpact.problems import Problems
from peerimpact.report import outcome_tables
from peerimpact.report.reproduction import failures, reproduction, within
from peerimpact.resources import example_study_dir, params_dir

TARGETS = parse_model(PublishedFigures, params_dir() / "targets" / "gillard2022.yml", Problems())


def test_the_targets_hold_every_published_cell_of_tables_1_to_4():
    tables = pd.Series([c.table for c in TARGETS.cells]).value_counts().to_dict()
    # Table 3: 20 subscales x 3 timepoints x (n, mean, SD, min, max); Table 4: 20 x 2 comparisons x 6
    assert tables == {"table3": 300, "table4": 240, "table1": 138, "table2": 48}
    errata = [c for c in TARGETS.cells if c.erratum]
    assert len(errata) == 27 and all(c.aim is not None for c in errata)
    # four p values cannot be printed with their change and interval (a lattice of changes, or an
    # interval that gives another p): each is aimed at what the interval gives
    assert sum(c.column == "p" for c in errata) == 4
    sd = next(
        c
        for c in TARGETS.cells
        if c.table == "table3"
        and c.row == {"instrument": "wemwbs", "subscale": "total", "timepoint": "T2"}
        and c.column == "sd"
    )
    assert (sd.published, sd.target) == ("9017", "9.17")


@pytest.mark.parametrize(
    "column, printed, value, expected",
    [
        ("mean", "49.8", 49.849, True),
        ("mean", "49.8", 49.851, False),
        ("sd", "9.07", 9.0749, True),
        ("sd", "9.07", 9.076, False),
        ("min", "28.0", 28.0, True),
        ("percent", "15.6", 15.625, True),
        ("count", "5", 5.0, True),
        ("n", "32", 31.0, False),
        ("p", "0.020", 0.0204, True),
        ("p", "0.020", 0.0206, False),
        ("p", "0.052", 0.049, False),
        ("es", "-0.27", -0.274, True),
        ("change", "3.9", 3.96, False),
        ("max", "4.7", 4.75, False),
        ("min", "1.2", 1.25, False),
    ],
)
def test_a_figure_is_reproduced_at_the_precision_it_was_printed_with(column, printed, value, expected):
    assert within(column, printed, value) is expected


def published_report(folder: Path) -> Path:
    """A report folder whose tables hold exactly what the targets aim at."""
    rows: dict[tuple, dict] = {}
    for cell in TARGETS.cells:
        row = rows.setdefault((cell.table, *cell.row.items()), {"table": cell.table, **cell.row})
        row[cell.column] = cell.target
    tables = folder / "tables"
    tables.mkdir(parents=True)
    frame = pd.DataFrame(rows.values())
    for name, part in frame.groupby("table"):
        part = part.drop(columns="table").dropna(axis=1, how="all")
        if name == "table1":
            part["level"] = part["level"].fillna("")
        part.to_csv(tables / f"{name}.csv", index=False)
    return folder


def test_a_report_that_holds_the_targets_passes_and_a_perturbed_one_fails_naming_the_cell(tmp_path, capsys):
    report = published_report(tmp_path / "study")
    assert main(["reproduce", str(report), "--csv", str(tmp_path / "r.csv")]) == 0
    checked = pd.read_csv(tmp_path / "r.csv", dtype=str, keep_default_na=False)
    assert len(checked) == len(TARGETS.cells) and set(checked["within"]) == {"yes"}
    table3 = pd.read_csv(report / "tables" / "table3.csv", dtype=str)
    at = table3.index[(table3["subscale"] == "total") & (table3["timepoint"] == "T1")][0]
    table3.loc[at, "mean"] = "49.9"
    table3.to_csv(report / "tables" / "table3.csv", index=False)
    capsys.readouterr()
    assert main(["reproduce", str(report), "--csv", str(tmp_path / "r.csv"), "--failures"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any(
        line.split()[:7] == ["table3", "wemwbs", "/", "total", "/", "T1", "mean"] and " no " in line for line in out
    )
    assert out[-1].startswith("726 published figures: 725 reproduced within printed precision, 1 not (0 missing)")


@pytest.mark.kernel
def test_the_example_study_report_reproduces_every_published_figure(built, tmp_path, capsys):
    assert main(["reproduce", str(built / "study"), "--csv", str(tmp_path / "r.csv")]) == 0
    checked = pd.read_csv(tmp_path / "r.csv", dtype=str, keep_default_na=False)
    assert len(checked) == 726 and set(checked["within"]) == {"yes"}, checked[checked["within"] != "yes"].head()
    assert (
        capsys.readouterr()
        .out.splitlines()[-1]
        .startswith(
            "726 published figures: 726 reproduced within printed precision, 0 not (0 missing), "
            "27 errata (27 at their aim)"
        )
    )
    p = checked[checked["column"] == "p"]
    assert len(p) == 40 and (p["erratum"] == "").sum() == 36  # 36 of the 40 p values print as published


def test_the_study_report_has_the_reproduction_appendix_and_no_other_report_has(built):
    appendix = pd.read_csv(built / "study" / "tables" / "reproduction.csv", dtype=str, keep_default_na=False)
    assert len(appendix) == 726 and set(appendix["within"]) == {"yes"}
    html = (built / "study" / "report.html").read_text(encoding="utf-8")
    assert "Appendix: reproduction check" in html and "Errata: published figures" in html
    for rid in BUILT:
        if rid != "study":
            assert not (built / rid / "tables" / "reproduction.csv").exists(), rid
            assert "reproduction check" not in (built / rid / "report.html").read_text(encoding="utf-8")


@pytest.mark.integration
def test_a_perturbed_dataset_fails_the_check_and_names_the_cells(tmp_path):
    """One answer changed in the study's own files: its subscale's figures no longer print as published."""
    study = tmp_path / "study"
    shutil.copytree(example_study_dir(), study)
    quest = pd.read_csv(study / "questionnaires.csv", dtype=str, keep_default_na=False)
    row = quest.index[(quest["participant_id"] == "S1-PW01") & (quest["timepoint"] == "T1")][0]
    for item in ("wemwbs_1", "wemwbs_2", "wemwbs_3", "wemwbs_4"):
        quest.loc[row, item] = "1" if quest.loc[row, item] != "1" else "5"
    quest.to_csv(study / "questionnaires.csv", index=False)
    data = pn.setup(study=study)
    summary = descriptive.compare_to_norms(descriptive.summarise_scores(data.scores), data.norms)
    (tmp_path / "report" / "tables").mkdir(parents=True)
    outcome_tables.table3(summary, data.labels, data.timepoints, data.scales).to_csv(tmp_path / "report" / "tables")
    checked = reproduction(tmp_path / "report", TARGETS)
    failed = failures(checked[checked["table"] == "table3"])
    named = set(zip(failed["row"], failed["column"]))
    assert ("wemwbs / total / T1", "mean") in named or ("wemwbs / total / T1", "sd") in named, named
    assert {row for row, _ in named} == {"wemwbs / total / T1"}  # the other subscales still reproduce


@pytest.mark.kernel
def test_a_study_that_names_unknown_published_figures_is_told_where(example_copy, tmp_path, capsys):
    yml = example_copy / "study.yml"
    yml.write_text(yml.read_text().replace("reproduces: gillard2022", "reproduces: smith2030"))
    assert main(["build", "--study", str(example_copy), "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    err = captured.out + captured.err
    line = next(i for i, text in enumerate(yml.read_text().splitlines(), 1) if text.startswith("reproduces:"))
    assert f"study.yml:{line}" in err and "smith2030" in err and "targets/smith2030.yml" in err
    assert not (tmp_path / "out" / "study").exists()
