"""The reproduction check: a study report beside the figures of Gillard et al. (2022)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from peerimpact.report.reproduction import reproduction, within
from peerimpact.cli import main
from peerimpact.config import Targets, parse_model
from peerimpact.problems import Problems
from peerimpact.resources import params_dir

TARGETS = parse_model(Targets, params_dir() / "targets" / "gillard2022.yml", Problems())


def test_the_targets_hold_every_published_cell_of_tables_1_to_4():
    tables = pd.Series([c.table for c in TARGETS.cells]).value_counts().to_dict()
    # Table 3: 20 subscales x 3 timepoints x (n, mean, SD, min, max); Table 4: 20 x 2 comparisons x 6
    assert tables == {"table3": 300, "table4": 240, "table1": 138, "table2": 48}
    errata = [c for c in TARGETS.cells if c.erratum]
    assert len(errata) == 23 and all(c.aim is not None for c in errata)
    sd = next(c for c in TARGETS.cells if c.table == "table3" and c.row == {
        "instrument": "wemwbs", "subscale": "total", "timepoint": "T2"} and c.column == "sd")
    assert (sd.published, sd.target) == ("9017", "9.17")


@pytest.mark.parametrize("column, printed, value, expected", [
    ("mean", "49.8", 49.849, True), ("mean", "49.8", 49.851, False), ("sd", "9.07", 9.0749, True),
    ("sd", "9.07", 9.076, False), ("min", "28.0", 28.0, True), ("percent", "15.6", 15.625, True),
    ("count", "5", 5.0, True), ("n", "32", 31.0, False), ("p", "0.020", 0.049, True), ("p", "0.052", 0.049, False),
    ("es", "-0.27", -0.274, True), ("change", "3.9", 3.96, False),
])
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
    assert any(line.split()[:7] == ["table3", "wemwbs", "/", "total", "/", "T1", "mean"] and " no " in line
               for line in out)
    assert out[-1].startswith("726 published figures: 725 reproduced within printed precision, 1 not (0 missing)")


def test_every_target_is_found_in_the_example_study_report(built, tmp_path):
    checked = reproduction(built / "study", TARGETS)
    assert (checked["within"] != "missing").all(), checked[checked["within"] == "missing"].head()
    assert (checked["within"] == "yes").sum() >= 325  # see the README for how far the example is calibrated
    calibrated = checked[checked["table"].isin(["table1", "table2"])]
    assert len(calibrated) == 186 and (calibrated["within"] == "yes").all(), \
        calibrated[calibrated["within"] != "yes"][["table", "row", "column", "target", "reproduced"]]
