"""A study's own sections: notebooks in its ``sections/`` folder, listed by name in a report
definition of its own ``reports/`` folder, run on the same extract and released by the same rules."""

import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from peerimpact.builder.definitions import load_report_defs, resolve_section
from peerimpact.problems import Problems
from peerimpact.resources import example_study_dir, notebooks_dir, params_dir

MODEL_SECTION = """\
import pandas as pd
from peerimpact import notebook as pn

data = pn.setup(extract, tables_dir, study=study)
scores = data.scores.dropna(subset=["score"])
fit = scores.groupby("subscale", observed=True)["score"].agg(n="count", coef="mean").reset_index()
pn.show(pn.Table("my_model", "My model", fit, lambda d: d.astype(str), roles=ROLES))
"""


def section(folder: Path, name: str, roles: dict) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    parameters = nbformat.v4.new_code_cell("extract = None\ntables_dir = None\nstudy = None")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# My model"),
        parameters,
        nbformat.v4.new_code_cell(f"ROLES = {roles!r}\n" + MODEL_SECTION),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def site_report_with(study: Path, name: str) -> None:
    text = (params_dir() / "reports" / "site.yml").read_text()
    (study / "reports").mkdir(parents=True, exist_ok=True)
    (study / "reports" / "site.yml").write_text(text.replace("13_methods]", f"{name}, 13_methods]"))


def test_a_section_name_is_the_studys_own_before_the_packages(tmp_path):
    study = tmp_path / "study"
    source = study / "reports" / "study.yml"
    source.parent.mkdir(parents=True)
    assert resolve_section("01_sample", source, study) == notebooks_dir() / "01_sample.ipynb"
    own = section(study / "sections", "01_sample", {})
    assert resolve_section("01_sample", source, study) == own.resolve()
    assert resolve_section("nowhere", source, study) is None
    outside = section(tmp_path / "elsewhere", "escape", {})
    (study / "sections" / "escape.ipynb").symlink_to(outside)
    assert resolve_section("escape", source, study) is None  # a link out of the study folder is not its section


def test_a_studys_report_definitions_replace_the_shipped_ones_of_the_same_id(tmp_path):
    study = tmp_path / "study"
    site_report_with(study, "my_model")
    problems = Problems()
    defs = {d.id: (d, p) for d, p in load_report_defs(params_dir() / "reports", problems, study=study)}
    assert not problems
    assert set(defs) == {"study", "site", "cohort", "funder"}
    assert "my_model" in defs["site"][0].sections and defs["site"][1] == study / "reports" / "site.yml"
    assert "my_model" not in defs["study"][0].sections


def test_the_example_study_report_is_the_shipped_one_with_its_own_section():
    import yaml

    shipped = yaml.safe_load((params_dir() / "reports" / "study.yml").read_text())
    own = yaml.safe_load((example_study_dir() / "reports" / "study.yml").read_text())
    assert [s for s in own["sections"] if s != "score_spread"] == shipped["sections"]
    assert {k: v for k, v in own.items() if k != "sections"} == {k: v for k, v in shipped.items() if k != "sections"}
    assert (example_study_dir() / "sections" / "score_spread.ipynb").is_file()


@pytest.mark.kernel
def test_a_shared_report_refuses_an_unroled_figure_of_a_studys_own_section_and_builds_it_with_roles(
    example_copy, tmp_path
):
    from peerimpact.builder.pipeline import build

    shutil.rmtree(example_copy / "reports", ignore_errors=True)
    notebook = section(example_copy / "sections", "my_model", {})
    site_report_with(example_copy, "my_model")
    out = tmp_path / "reports"
    refused = build(example_copy, out=out, only=["site-S1"], jobs=1, echo=lambda m: None)
    [failure] = refused.failed
    assert failure.error.startswith(f"{notebook}, cell 3: refused: table 'my_model': column 'coef'")
    assert "Traceback" not in failure.error and not (out / "site-S1").exists()

    section(example_copy / "sections", "my_model", {"coef": "statistic of n in outcomes"})
    built = build(example_copy, out=out, only=["site-S1"], jobs=1, echo=lambda m: None)
    assert built.exit_code == 0, [o.error for o in built.failed]
    released = pd.read_csv(out / "site-S1" / "tables" / "my_model.csv")
    assert len(released) > 0 and set(released.columns) == {"subscale", "n", "coef"}
    assert "My model" in (out / "site-S1" / "report.html").read_text()


def test_the_example_study_report_shows_its_own_section_with_every_quartile(built):
    import numpy as np

    from peerimpact import load_study

    released = pd.read_csv(built / "study" / "tables" / "score_spread.csv")
    scores = load_study().scores.dropna(subset=["score"])
    assert len(released) == scores.groupby(["instrument", "subscale", "timepoint"], observed=True).ngroups
    for row in released.itertuples():
        mine = scores[(scores.subscale == row.subscale) & (scores.timepoint == row.timepoint)]["score"]
        assert row.n == len(mine)
        assert [row.q1, row.median, row.q3] == pytest.approx(np.percentile(mine, [25, 50, 75]))  # R's type 7
    assert "Score spread by timepoint" in (built / "study" / "report.html").read_text()


@pytest.mark.kernel
def test_a_section_runs_by_hand_on_a_study_folder_with_papermill(example_copy, tmp_path):
    import papermill

    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(example_study_dir() / "sections" / "score_spread.ipynb"),
        str(out),
        parameters={"study": str(example_copy)},
        progress_bar=False,
    )
    html = "".join(
        o.get("data", {}).get("text/html", "") for c in nbformat.read(out, 4).cells for o in c.get("outputs", [])
    )
    assert 'id="table-score_spread"' in html and "<td>T3</td>" in html
