"""The build end to end: real kernels, real nbconvert templates, real PDFs."""

import json
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from conftest import (
    BUILT,
    GOLDEN_REPORTS,
    SECTIONED,
    pdf_pages,
)  # every report of the example, built once (the ``built`` fixture)
from peerimpact.builder.pipeline import build
from peerimpact.config import ReportDef
from peerimpact.resources import params_dir

REPORTS = params_dir() / "reports"
TABLE_COLUMNS = {
    "table1": ["variable", "level", "n", "count", "percent", "mean", "sd", "min", "max"],
    "table2": ["service", "timepoint", "n", "count"],
    "table3": [
        "instrument",
        "subscale",
        "timepoint",
        "n",
        "mean",
        "sd",
        "min",
        "max",
        "norm_mean",
        "norm_sd",
        "range_min",
        "range_max",
        "higher",
    ],
    "table4": [
        "instrument",
        "subscale",
        "comparison",
        "n",
        "change",
        "ci_low",
        "ci_high",
        "p",
        "es",
        "d_z",
        "p_wilcoxon",
        "estimable",
        "note",
    ],
}


def work(out: Path) -> Path:
    return out.parent / f"{out.name}-work"


def notebook(path: Path, *code: str) -> Path:
    cells = [
        nbformat.v4.new_markdown_cell(f"# {path.stem}"),
        nbformat.v4.new_code_cell("extract = None\ntables_dir = None", metadata={"tags": ["parameters"]}),
        *[nbformat.v4.new_code_cell(c) for c in code],
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def reports_dir(tmp_path: Path, **sections: list[str]) -> Path:
    folder = tmp_path / "defs"
    folder.mkdir(exist_ok=True)
    for kind, names in sections.items():
        (folder / f"{kind}.yml").write_text(
            f"id: {kind}\nkind: {kind}\ntitle: {kind} report\nsections: {json.dumps(names)}\nformats: [html]\n"
        )
    return folder


def shown(report: Path, name: str) -> Path:
    """A report's table as shown: its own, or the whole study's where every figure of its own is withheld."""
    own = report / "tables" / f"{name}.csv"
    return own if own.exists() else report / "tables" / f"{name}_study_wide.csv"


def test_outputs_are_laid_out_for_sharing(built, tmp_path):
    for rid in ("study", "site-S2", "cohort-early_starters"):
        assert (built / rid / "report.html").is_file()
        assert (built / rid / "report.pdf").is_file()
        for name, columns in TABLE_COLUMNS.items():
            assert pd.read_csv(shown(built / rid, name)).columns.tolist() == columns, (rid, name)
        assert (work(built) / rid / "01_sample.ipynb").is_file()  # executed notebook, kept apart
        assert (work(built) / rid / "extract" / "participants.csv").is_file()
    # nothing row-level in the folder that is shared: no extract, no notebook, no log
    shared = [p.name for p in built.rglob("*") if p.is_file()]
    assert not [n for n in shared if n.endswith((".ipynb", ".log")) or n in ("participants.csv", "meta.json")]
    manifest = json.loads((built / "manifest.json").read_text())
    entry = manifest["reports"]["site-S2"]
    assert entry["status"] == "ok" and entry["scope"] == "S2"
    assert set(entry["hashes"]) == {
        "notebooks",
        "extract",
        "params",
        "templates",
        "package",
        "commentary",
        "word_template",
    }
    assert entry["seconds"]["total"] > 0
    index = (built / "index.html").read_text()
    for rid in ("study", "site-S2", "cohort-early_starters"):
        assert f'href="{rid}/report.pdf"' in index
        for csv in (built / rid / "tables").glob("*.csv"):  # each file, not a folder listing
            assert f'href="{rid}/tables/{csv.name}"' in index
    assert 'tables/"' not in index

    # study first, then sites, then cohorts, whatever order the last build went in
    def listed() -> list[str]:
        index = (built / "index.html").read_text()
        return sorted(BUILT, key=lambda rid: index.index(f'href="{rid}/report.html"'))

    assert listed() == BUILT
    assert list(json.loads((built / "manifest.json").read_text())["reports"]) == BUILT
    # a manifest in the order reports were last built (site-S7 rebuilt last) is still listed in order
    from peerimpact.builder.publish import read_manifest, write_manifest_and_index

    copy = tmp_path / "reports"
    copy.mkdir()
    for rid in BUILT:
        (copy / rid).symlink_to(built / rid)
    manifest = read_manifest(built)
    manifest.reports = dict(sorted(manifest.reports.items(), key=lambda item: item[0] != "site-S7", reverse=True))
    assert list(manifest.reports)[-1] == "site-S7"
    write_manifest_and_index(copy, manifest)
    index = (copy / "index.html").read_text()
    assert sorted(BUILT, key=lambda rid: index.index(f'href="{rid}/report.html"')) == BUILT
    assert list(json.loads((copy / "manifest.json").read_text())["reports"]) == BUILT


def test_html_shows_no_code_and_no_parameters(built):
    html = (built / "site-S2" / "report.html").read_text()
    for leaked in (
        "import ",
        "injected-parameters",
        "papermill",
        "peerimpact-reset",
        "%reset",
        "tables_dir",
        "pn.setup",
        "In&nbsp;[",
        "jp-InputArea",
    ):
        assert leaked not in html, leaked
    assert "Table 1. Sample characteristics" in html
    assert "Site S2" in html and "Data cut" in html and "31 March 2021" in html
    assert 'href="#section-01_sample"' in html and 'id="section-01_sample"' in html
    for section in ("02_service_use", "03_outcomes", "04_change"):
        assert f'id="section-{section}"' in html
    assert html.count("<svg") >= 2  # the means figure and the forest plot
    assert "Table 4. Change in outcomes over time" in html and "a positive change is a decrease" in html


def test_study_tables_agree_with_the_study_data(built):
    from peerimpact import load_study

    study = load_study()
    table3 = pd.read_csv(built / "study" / "tables" / "table3.csv")
    wemwbs_t1 = table3[(table3["instrument"] == "wemwbs") & (table3["timepoint"] == "T1")].iloc[0]
    scores = study.scores[(study.scores["instrument"] == "wemwbs") & (study.scores["timepoint"] == "T1")]
    assert wemwbs_t1["n"] == scores["score"].notna().sum() == 32
    assert wemwbs_t1["mean"] == pytest.approx(scores["score"].mean(), abs=1e-12)
    assert (wemwbs_t1["norm_mean"], wemwbs_t1["norm_sd"]) == (51.6, 8.71)
    _table4_is_scipy_on_the_complete_pairs(pd.read_csv(built / "study" / "tables" / "table4.csv"), study.scores)
    table2 = pd.read_csv(built / "study" / "tables" / "table2.csv")
    assert list(dict.fromkeys(table2["service"])) == list(study.config.services)  # the study's order
    html = (built / "study" / "report.html").read_text()
    labels = list(study.config.services.values())
    assert [html.index(label.replace("&", "&amp;")) for label in labels] == sorted(
        html.index(label.replace("&", "&amp;")) for label in labels
    )
    gp = table2[table2["service"] == "gp"].set_index("timepoint")
    assert (gp.loc["T1", "n"], gp.loc["T1", "count"], gp.loc["T3", "n"], gp.loc["T3", "count"]) == (32, 13, 21, 10)


def _table4_is_scipy_on_the_complete_pairs(table4: pd.DataFrame, scores: pd.DataFrame) -> None:
    """Every row of Table 4 recomputed from the scores with scipy: the paired t-test, its 95% CI,
    the two effect sizes, and the Wilcoxon signed-rank test as R's wilcox.test runs it (exact
    below 50 differences with no ties and no zeros, else normal with continuity correction),
    on differences rounded to 10 significant digits as the README says R needs."""
    from scipy import stats

    wide = scores.pivot_table(
        index=["participant_id"], columns=["instrument", "subscale", "timepoint"], values="score", observed=True
    )
    assert len(table4) == 40
    for row in table4.itertuples():
        first, later = row.comparison.split("-")
        pairs = wide[[(row.instrument, row.subscale, first), (row.instrument, row.subscale, later)]].dropna()
        x, y = pairs.iloc[:, 0].to_numpy(), pairs.iloc[:, 1].to_numpy()
        assert row.n == len(x)
        if not row.estimable:
            assert math.isnan(row.p)
            continue
        test = stats.ttest_rel(x, y)
        low, high = test.confidence_interval(0.95)
        d = x - y
        assert row.change == pytest.approx(d.mean(), abs=1e-9)
        assert (row.ci_low, row.ci_high, row.p) == pytest.approx((low, high, test.pvalue), abs=1e-9)
        assert row.es == pytest.approx(d.mean() / x.std(ddof=1), abs=1e-9)
        assert row.d_z == pytest.approx(d.mean() / d.std(ddof=1), abs=1e-9)
        d = np.array([float(f"{v:.10g}") for v in d])
        nonzero = d[d != 0]
        exact = len(nonzero) < 50 and len(np.unique(np.abs(nonzero))) == len(nonzero) and len(nonzero) == len(d)
        wilcoxon = stats.wilcoxon(nonzero, correction=True, method="exact" if exact else "approx")
        assert row.p_wilcoxon == pytest.approx(wilcoxon.pvalue, abs=1e-9), row


def test_site_extract_holds_only_that_site(built):
    folder = work(built) / "site-S2" / "extract"
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["sites"] == ["S2"] and meta["scope"] == "S2"
    for name in ("participants", "scores", "service_use", "contacts"):
        frame = pd.read_csv(folder / f"{name}.csv", dtype=str)
        assert len(frame) > 0
        assert frame["participant_id"].str.startswith("S2-").all(), name
    assert "participant_id" not in pd.read_csv(folder / "comparators.csv").columns
    text = "".join(p.read_text() for p in folder.iterdir())
    for other in ("S1-PW", "S3-PW", "S4-PW", "S5-PW", "S6-PW", "S7-PW"):
        assert other not in text
    table = pd.read_csv(shown(built / "site-S2", "table1"))
    assert "site" not in set(table["variable"])  # one site: nothing to tabulate
    assert len(pd.read_csv(folder / "participants.csv")) == 7


@pytest.mark.kernel
def test_pdf_is_a4_with_page_numbers_and_the_table(built):
    reader = PdfReader(built / "study" / "report.pdf")
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Table 1. Sample characteristics" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert "Prefer not to say" in text and "21 (65.6%)" in text
    # the widest table keeps its last column on the page
    assert "Wilcoxon" in text and "Table 4. Change in outcomes over time" in text


@pytest.mark.kernel
def test_second_run_executes_nothing(built):
    before = (built / "study" / "report.html").read_bytes()
    messages = []
    result = build(out=built, only=BUILT, jobs=2, echo=messages.append)
    assert [o.status for o in result.outcomes] == ["cached"] * len(BUILT)
    assert messages == [f"everything is up to date ({len(BUILT)} reports in {built})"]
    assert (built / "study" / "report.html").read_bytes() == before


@pytest.mark.kernel
def test_isolated_and_shared_kernels_give_identical_tables(built, tmp_path):
    # the sections after the first are where a shared kernel could leak state from one to the next
    defs = reports_dir(tmp_path, study=["03_outcomes", "04_change", "06_synthesis"])
    study_yml = defs / "study.yml"
    study_yml.write_text(study_yml.read_text() + "disclosure: none\n")  # as params/reports/study.yml
    result = build(
        out=tmp_path / "out",
        reports_dir=defs,
        only=["study"],
        isolated=True,
        formats=["html"],
        jobs=1,
        echo=lambda m: None,
    )
    assert result.exit_code == 0
    # the ledger of three sections is not the whole report's: the tables are compared
    isolated = sorted(p for p in (tmp_path / "out" / "study" / "tables").iterdir() if p.name != "_released.csv")
    assert [p.name for p in isolated] == ["table3.csv", "table4.csv", "table5.csv"]
    for path in isolated:
        assert path.read_bytes() == (built / "study" / "tables" / path.name).read_bytes()


@pytest.mark.kernel
def test_changed_data_of_one_site_rebuilds_only_reports_that_include_it(tmp_path, example_copy):
    out = tmp_path / "out"
    only = ["study", "site-S1", "site-S2", "cohort-early_starters", "cohort-late_starters"]
    # sections that show no whole-study figure in a site or cohort report: a change at S1 then reaches
    # no report without S1's people (a site's Table 1 shows the study's in place of its own, so with
    # 01_sample every site report would rightly change with it)
    defs = reports_dir(tmp_path, study=["01_sample"], site=["07_recruitment"], cohort=["07_recruitment"])
    first = build(example_copy, out=out, reports_dir=defs, only=only, jobs=2, echo=lambda m: None)
    assert first.exit_code == 0
    people = pd.read_csv(example_copy / "participants.csv", dtype=str, keep_default_na=False)
    changed = people.index[people["participant_id"] == "S1-PW02"][0]
    starters = {"1": ("early", "late"), "2": ("late", "early")}[people.loc[changed, "wave"]]
    people.loc[changed, "age"] = "33"
    people.to_csv(example_copy / "participants.csv", index=False)
    second = build(example_copy, out=out, reports_dir=defs, only=only, jobs=2, echo=lambda m: None)
    status = {o.id: o.status for o in second.outcomes}
    assert status == {
        "study": "built",
        "site-S1": "built",
        "site-S2": "cached",
        f"cohort-{starters[0]}_starters": "built",
        f"cohort-{starters[1]}_starters": "cached",
    }
    forced = build(example_copy, out=out, reports_dir=defs, only=["site-S2"], force=True, jobs=1, echo=lambda m: None)
    assert [o.status for o in forced.outcomes] == ["built"]


@pytest.mark.kernel
def test_failing_section_keeps_previous_report_and_other_reports_build(tmp_path):
    out = tmp_path / "out"
    defs = reports_dir(tmp_path, study=["01_sample"], site=["01_sample"])
    assert build(out=out, reports_dir=defs, only=["study", "site-S3"], jobs=1, echo=lambda m: None).exit_code == 0
    good = (out / "site-S3" / "report.html").read_bytes()
    good_table = shown(out / "site-S3", "table1").read_bytes()
    notebook(tmp_path / "broken.ipynb", "values = [1, 2]", "ratio = values[0] / (values[1] - 2)")
    reports_dir(tmp_path, site=["01_sample", "../broken.ipynb"])
    result = build(out=out, reports_dir=defs, only=["study", "site-S3"], jobs=2, force=True, echo=lambda m: None)
    assert result.exit_code == 1
    status = {o.id: o.status for o in result.outcomes}
    assert status == {"study": "built", "site-S3": "failed"}
    [failed] = result.failed
    assert "ZeroDivisionError" in failed.error and "ratio = values[0] / (values[1] - 2)" in failed.error
    assert "section broken, cell 4 (counting from 1)" in failed.error
    assert failed.error.count("ZeroDivisionError: division by zero") == 1
    assert (out / "site-S3" / "report.html").read_bytes() == good
    assert shown(out / "site-S3", "table1").read_bytes() == good_table
    kept = nbformat.read(work(out) / "site-S3" / "broken.ipynb", as_version=4)
    assert any(o.get("ename") == "ZeroDivisionError" for c in kept.cells for o in c.get("outputs", []))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["reports"]["site-S3"]["status"] == "failed"
    assert "previous report kept" in (out / "index.html").read_text()
    assert not (out / ".staging").exists()


@pytest.mark.kernel
def test_sections_share_a_kernel_but_not_variables(tmp_path):
    notebook(tmp_path / "first.ipynb", "leak = 'from the first section'", "import json as imported_module")
    notebook(
        tmp_path / "second.ipynb",
        "assert 'leak' not in dir(), 'variable leaked between sections'\nassert 'imported_module' not in dir()",
    )
    defs = reports_dir(tmp_path, study=["../first.ipynb", "../second.ipynb"])
    result = build(out=tmp_path / "out", reports_dir=defs, jobs=1, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed]
    html = (tmp_path / "out" / "study" / "report.html").read_text()
    assert html.index('id="section-first"') < html.index('id="section-second"')


@pytest.mark.parametrize(
    "text, key",
    [
        ("id: study\nkind: study\ntitle: T\nsections: [no_such_section]\n", "sections.0"),
        ("id: study\nkind: planet\ntitle: T\nsections: [01_sample]\n", "kind"),
        ("id: study\nkind: study\ntitle: T\nsections: [01_sample]\ncolour: red\n", "colour"),
        ("id: site\nkind: site\ntitle: T\nsections: [01_sample]\nsites: [S1, S9]\n", "sites.1"),
        ("id: study\nkind: study\ntitle: T\nsections: [01_sample]\nformats: [rtf]\n", "formats.0"),
        ("id: study\nkind: study\ntitle: T\nsections: [01_sample]\ndisclosure: secret\n", "disclosure"),
        ("id: other\nkind: study\ntitle: T\nsections: [01_sample]\n", "id"),  # not its file name
    ],
)
@pytest.mark.kernel
def test_params_problems_stop_the_build_before_any_kernel(tmp_path, text, key):
    defs = tmp_path / "defs"
    defs.mkdir()
    name = "site" if "kind: site" in text else "study"
    (defs / f"{name}.yml").write_text(text)
    result = build(out=tmp_path / "out", reports_dir=defs, echo=lambda m: None)
    assert result.exit_code == 2
    assert key in {p.column for p in result.problems.errors}
    assert all(p.file.endswith(f"{name}.yml") for p in result.problems.errors)
    assert not (tmp_path / "out").exists()


def test_unknown_kind_and_report_id_in_options(tmp_path):
    result = build(out=tmp_path / "out", kinds=["sites"], only=["site-S99"], echo=lambda m: None)
    assert result.exit_code == 2
    assert {(p.file, p.value) for p in result.problems.errors} == {("--reports", "sites"), ("--only", "site-S99")}


@pytest.mark.integration
def test_notebook_must_declare_the_injected_parameters(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})])
    nbformat.write(nb, tmp_path / "bare.ipynb")
    defs = reports_dir(tmp_path, study=["../bare.ipynb"])
    result = build(out=tmp_path / "out", reports_dir=defs, echo=lambda m: None)
    assert result.exit_code == 2
    assert {p.value for p in result.problems.errors} == {"extract", "tables_dir"}


def test_site_codes_in_report_definitions_stay_strings():
    report = ReportDef.model_validate(
        {"id": "site", "kind": "site", "title": "T", "sections": ["01_sample"], "sites": ["029", 7]}
    )
    assert report.sites == ["029", "7"]


def test_committed_notebooks_are_stripped_and_declare_parameters():
    from peerimpact.resources import notebooks_dir

    for path in sorted(notebooks_dir().glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and "extract = None" in tagged[0].source


@pytest.mark.kernel
def test_figures_are_inline_svg_and_vector_in_the_pdf(tmp_path):
    notebook(
        tmp_path / "figure.ipynb",
        "from peerimpact import notebook as pn\npn.setup(extract, tables_dir)\nimport matplotlib.pyplot as plt",
        "fig, ax = plt.subplots(figsize=(4, 2))\nax.plot([1, 2, 3], [2, 1, 3])\nax.set_title('Vector check')\n"
        "import pandas as pd\nfrom peerimpact.report.blocks import FigureBlock\nfrom peerimpact.report.plots import to_figure\n"
        "pn.show(FigureBlock('vector', pd.DataFrame({'x': [1]}), lambda d: to_figure(fig, 'vector', 'A line')))",
    )
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "study.yml").write_text("id: study\nkind: study\ntitle: Figures\nsections: [../figure.ipynb]\n")
    result = build(out=tmp_path / "out", reports_dir=defs, jobs=1, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed]
    html = (tmp_path / "out" / "study" / "report.html").read_text()
    assert "<svg" in html and "data:image/png" not in html
    reader = PdfReader(tmp_path / "out" / "study" / "report.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Vector check" in text  # text inside the figure is text, not pixels
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        images = [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]
        assert not images


@pytest.mark.kernel
def test_each_section_runs_with_its_default_parameters(tmp_path):
    """As a statistician opening it in JupyterLab would: no injected parameters (one kernel, its
    namespace reset before each section, as a build runs them)."""
    from peerimpact.builder.execute import execute_sections
    from peerimpact.resources import notebooks_dir

    sections = sorted(notebooks_dir().glob("*.ipynb"))
    execution = execute_sections(sections, {}, tmp_path)
    assert execution.failure is None, execution.failure and execution.failure.format()
    assert [p.stem for p in execution.notebooks] == [p.stem for p in sections]
    for path in execution.notebooks:
        nb = nbformat.read(path, as_version=4)
        assert not [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])], path.name
        shown = [
            o for c in nb.cells for o in c.get("outputs", []) if {"text/html", "text/markdown"} & set(o.get("data", {}))
        ]
        assert shown, f"{path.name} showed nothing"


@pytest.mark.kernel
def test_cli_build_reports_and_exit_codes(tmp_path, capsys):
    from peerimpact.cli import main

    defs = reports_dir(tmp_path, site=["01_sample"])
    out = tmp_path / "out"
    assert main(["build", "--reports-dir", str(defs), "--only", "site-S6", "--jobs", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].startswith("Using the embedded example study (")  # said first
    assert "built  site-S6" in printed and "1 built, 0 up to date, 0 failed" in printed
    assert main(["build", "--reports-dir", str(defs), "--only", "site-S6", "--out", str(out)]) == 0
    assert "everything is up to date (1 report in" in capsys.readouterr().out
    assert main(["list", "--reports-dir", str(defs), "--only", "site-S6,site-S7", "--out", str(out)]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("Using the embedded example study")
    assert listed[1].startswith("site-S6") and "up to date" in listed[1]
    assert listed[2].startswith("site-S7") and "to build" in listed[2]
    assert listed[-1] == "2 reports, 1 up to date"
    assert main(["list", "--reports-dir", str(defs), "--only", "site-S6", "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 report, 1 up to date"
    example = Path(__file__).resolve().parents[1] / "peerimpact" / "data" / "example"
    assert (
        main(["list", "--study", str(example), "--reports-dir", str(defs), "--only", "site-S6", "--out", str(out)]) == 0
    )
    assert "embedded example" not in capsys.readouterr().out  # a named study is not announced
    assert main(["build", "--reports-dir", str(defs), "--only", "site-S66", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert "--only: error: no such report" in captured.out and "nothing was built" in captured.err


@pytest.mark.kernel
def test_site_codes_with_leading_zeros_survive_the_whole_build(example_copy, tmp_path):
    for name in ("participants.csv", "questionnaires.csv"):
        path = example_copy / name
        path.write_text(path.read_text().replace("S1-PW", "029-PW").replace(",S1,", ",029,"))
    for name in ("service_use.csv", "contacts.csv", "excerpts.csv"):
        path = example_copy / name
        path.write_text(path.read_text().replace("S1-PW", "029-PW"))
    yml = example_copy / "study.yml"
    yml.write_text(
        yml.read_text().replace("sites: [S1,", 'sites: ["029",').replace("{S1: 6,", '{"029": 6,') + "holm: true\n"
    )
    defs = reports_dir(tmp_path, site=["01_sample", "04_change"])
    result = build(example_copy, out=tmp_path / "out", reports_dir=defs, only=["site-029"], jobs=1, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed] + [p.format() for p in result.problems]
    meta = json.loads((tmp_path / "out-work" / "site-029" / "extract" / "meta.json").read_text())
    assert meta["sites"] == ["029"] and meta["scope"] == "029"
    assert "Site 029" in (tmp_path / "out" / "site-029" / "report.html").read_text()
    table4 = pd.read_csv(shown(tmp_path / "out" / "site-029", "table4"))
    assert "p_adjusted" in table4.columns
    family = table4["p"].notna()
    assert (table4.loc[family, "p_adjusted"] >= table4.loc[family, "p"] - 1e-15).all()
    assert "Holm p" in (tmp_path / "out" / "site-029" / "report.html").read_text()


@pytest.mark.kernel
def test_a_second_build_into_the_same_folder_waits_its_turn(tmp_path):
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    defs = reports_dir(tmp_path, study=["01_sample"])
    with open(out / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running build holds it
        result = build(out=out, reports_dir=defs, echo=lambda m: None)
    assert result.exit_code == 2 and result.problems.errors[0].rule == "busy"
    assert not (out / "manifest.json").exists()
    assert build(out=out, reports_dir=defs, echo=lambda m: None).exit_code == 0


@pytest.mark.kernel
def test_a_report_of_one_peer_worker_still_builds_every_section(example_copy, tmp_path):
    yml = example_copy / "study.yml"
    yml.write_text(
        yml.read_text().replace(
            "cohorts:\n",
            "cohorts:\n  single:\n    label: One peer worker\n"
            "    where: {participant_id: S5-PW03}\n"
            "  nobody:\n    label: Nobody\n"
            "    where: {participant_id: X9-PW99}\n",
            1,
        )
    )
    result = build(
        example_copy, out=tmp_path / "out", only=["cohort-single"], formats=["html"], jobs=1, echo=lambda m: None
    )
    assert result.exit_code == 0, [o.error for o in result.failed]
    table4 = pd.read_csv(tmp_path / "out" / "cohort-single" / "tables" / "table4.csv", dtype=str)
    assert not (table4["estimable"] == "True").any() and table4["n"].isin(["*", "0"]).all()
    html = (tmp_path / "out" / "cohort-single" / "report.html").read_text()
    # nothing of one person is shown: the whole study's tables stand in for the withheld ones; one person
    # has no pair, and the figure of change says that in a sentence, not in an empty box
    assert "Table 1. Sample characteristics — whole study" in html
    assert '<p class="pi-withheld" id="figure-forest">Figure 2: No change could be tested' in html
    [warning] = [p for p in result.problems.warnings if p.rule == "empty-scope"]
    assert warning.value == "nobody" and "no cohort-nobody report" in warning.message


def test_site_report_sets_its_means_beside_the_whole_study(built):
    assert not (built / "study" / "tables" / "table3_study.csv").exists()
    study = pd.read_csv(built / "study" / "tables" / "table3.csv")
    keys = ["instrument", "subscale", "timepoint"]
    shown = 0
    for name in ("early_starters", "late_starters"):  # 16 peer workers each: their means beside the study's
        beside = pd.read_csv(built / f"cohort-{name}" / "tables" / "table3_study.csv", dtype=str)
        cohort = pd.read_csv(built / f"cohort-{name}" / "tables" / "table3.csv", dtype=str)
        assert (beside["mean"] == cohort["mean"]).all()
        merged = beside.merge(study, on=keys, suffixes=("", "_study_table"))
        assert len(merged) == len(beside) == len(cohort)
        # the study-wide figures are exact and the same as the study report's (one value per figure)
        assert pd.to_numeric(merged["study_mean"]).to_numpy() == pytest.approx(
            merged["mean_study_table"].to_numpy(), abs=1e-12
        )
        assert (pd.to_numeric(merged["study_n"]) == merged["n_study_table"]).all()
        shown += (beside["mean"] != "*").sum()
    assert shown > 10
    # a site of 7 has no mean of its own to set beside the study's: the study's table stands in for its own
    # (its own table, every cell withheld, is not written: even its rows would say what occurs there)
    assert not (built / "site-S2" / "tables" / "table3.csv").exists()
    assert not (built / "site-S2" / "tables" / "table3_study.csv").exists()
    whole = pd.read_csv(built / "site-S2" / "tables" / "table3_study_wide.csv").merge(
        study, on=keys, suffixes=("", "_study")
    )
    assert len(whole) == len(study) and (whole["n"] == whole["n_study"]).all()
    assert (
        "Table 3. Outcomes over time and population norms — whole study"
        in (built / "site-S2" / "report.html").read_text()
    )


def test_smallest_site_tests_nothing_on_too_few_pairs_and_prints_no_absurd_number(built):
    for rid in SECTIONED:
        table4 = pd.read_csv(shown(built / rid, "table4"), na_values=["*"])
        few = table4["n"] < 6
        assert table4.loc[few, ["p", "ci_low", "es", "d_z", "p_wilcoxon"]].isna().all().all(), rid
        assert (table4["d_z"].dropna().abs() < 100).all() and (table4["es"].dropna().abs() < 100).all(), rid
    study = pd.read_csv(built / "study" / "tables" / "table4.csv")
    assert (study["n"] >= 6).all() and (study["n"] < 30).any()
    # 3 peer workers: no change of theirs shown, tested or not; the whole study's stands in its place
    assert not (built / "site-S7" / "tables" / "table4.csv").exists()
    assert (built / "site-S7" / "tables" / "table4_study_wide.csv").is_file()
    html = (built / "site-S7" / "report.html").read_text()
    assert "Fewer than 6 complete pairs" not in html  # no footnote to a figure that is not shown


def test_every_report_lists_subscales_in_the_instruments_order(built):
    order = pd.read_csv(built / "study" / "tables" / "table3.csv")[["instrument", "subscale"]].drop_duplicates()
    expected = list(order.itertuples(index=False, name=None))
    for rid in SECTIONED:
        for name in ("table3", "table4"):
            frame = pd.read_csv(shown(built / rid, name))
            seen = list(frame[["instrument", "subscale"]].drop_duplicates().itertuples(index=False, name=None))
            assert seen == [k for k in expected if k in seen], (rid, name)
        t3 = pd.read_csv(shown(built / rid, "table3"))
        for _, part in t3.groupby(["instrument", "subscale"], sort=False):
            assert part["timepoint"].tolist() == sorted(part["timepoint"]), rid


@pytest.mark.kernel
def test_joint_display_reads_as_text_in_html_and_pdf(built):
    for rid in SECTIONED:
        html = (built / rid / "report.html").read_text()
        table5 = html[html.index('id="table-table5') :]
        table5 = table5[: table5.index("</figure>")]
        assert "\\n" not in table5 and ("<br>" in table5 or "<br/>" in table5), rid
        assert " 1 excerpts" not in table5 and " 1 peer workers" not in table5
    site = (built / "site-S7" / "report.html").read_text()
    assert "Table 5. Joint display of quantitative and qualitative findings — whole study" in site
    study = (built / "study" / "report.html").read_text()
    assert "not assessed" not in study and "Team cohesion: norm 4.0 (0.73)" in study
    assert "T1 (" in study and study.index("at T1 (") < study.index("at T2 (")
    text = " ".join(pdf_pages(built / "study" / "report.pdf"))
    assert "\\n" not in text and "Table 5. Joint display" in text


def test_a_quote_is_shown_under_one_theme_only(built):
    for rid in SECTIONED:
        quotes = pd.read_csv(built / rid / "tables" / "quotes.csv")
        withheld = "Quotes are not shown: fewer than" in (built / rid / "report.html").read_text()
        assert (len(quotes) > 0) != withheld and not quotes["text"].duplicated().any(), rid


def _text_fills(path: Path) -> list[float]:
    """How far down each page's text reaches, read from the PDF itself: the lowest baseline above
    the footer, as a share of the text area between A4's 18 mm top and 20 mm bottom margins."""
    from pypdf import PdfReader

    top, bottom = 18 / 25.4 * 72, 20 / 25.4 * 72
    fills = []
    for page in PdfReader(path).pages:
        height, ys = float(page.mediabox.height), []

        def baseline(text, cm, tm, *_, ys=ys):
            if text.strip():
                ys.append(cm[1] * tm[4] + cm[3] * tm[5] + cm[5])

        page.extract_text(visitor_text=baseline)
        body = [height - y for y in ys if y > bottom]
        fills.append((max(body) - top) / (height - top - bottom) if body else 0.0)
    return fills


@pytest.mark.kernel
def test_the_logged_page_fill_is_where_each_pages_text_ends(built):
    # a figure too tall for what is left of a page moves on, leaving the page part empty: the log
    # says so, as the printed page shows it (the last page's closing line carries no mark)
    for rid in ("study", "site-S7", "funder"):
        log = (work(built) / rid / "build.log").read_text()
        [line] = re.findall(r"pdf: \d+ pages, filled ([\d% ]+)", log)
        logged = [int(f.rstrip("%")) / 100 for f in line.split()]
        printed = _text_fills(built / rid / "report.pdf")
        assert len(logged) == len(printed)
        for number, (said, seen) in enumerate(zip(logged[:-1], printed[:-1]), start=1):
            assert abs(said - seen) < 0.08, (rid, number, said, seen)


@pytest.mark.kernel
def test_pages_are_neither_near_empty_nor_wider_than_their_margins(built):
    # the build measures every page it prints (render.page_layout) and logs it
    for rid in BUILT:
        log = (work(built) / rid / "build.log").read_text()
        [line] = re.findall(r"pdf: (\d+) pages, filled ([\d% ]+)", log)
        fills = [int(f.rstrip("%")) / 100 for f in line[1].split()]
        assert len(fills) == int(line[0]) == len(pdf_pages(built / rid / "report.pdf"))
        # the title page holds the contents; the last page ends the report
        assert min(fills[1:-1]) > 0.25, (rid, fills)
        assert "past its right margin" not in log, rid
    # no page, the last included, holds only its running scope and page number
    manifest = json.loads((built / "manifest.json").read_text())["reports"]
    for rid in BUILT:
        pages = pdf_pages(built / rid / "report.pdf")
        for number, page in enumerate(pages, start=1):
            text = page.replace(f"Page {number} of {len(pages)}", "")
            scope = manifest[rid]["scope_label"]
            body = [line for line in text.splitlines() if line.strip() and not line.startswith(scope)]
            assert len(" ".join(body)) > 80, (rid, number, text)


def test_figures_carry_text_and_alternative_text(built):
    html = (built / "cohort-early_starters" / "report.html").read_text()
    figures = [f for f in html.split("<svg")[1:]]
    assert len(figures) >= 2 and all(
        'role="img"' in f[: f.index(">")] and 'aria-label="' in f[: f.index(">")] for f in figures
    )
    text = " ".join(pdf_pages(built / "cohort-early_starters" / "report.pdf"))
    assert "Mean with 95% CI at each timepoint" in text  # figure title as text, not outlines
    study = " ".join(pdf_pages(built / "study" / "report.pdf"))
    assert "Peer workers whose interviews carry each code" in study


def test_tables_have_header_scopes(built):
    html = (built / "study" / "report.html").read_text()
    assert html.count('<th scope="col">') > 40 and '<th scope="row">Wellbeing' in html


GOLDEN = Path(__file__).parent / "golden"


def same_table(path: Path, expected: Path) -> list[str]:
    """Cells that differ between two CSV tables: numbers beyond 1e-9 (relative), text at all."""
    got, want = (pd.read_csv(p, dtype=str, keep_default_na=False) for p in (path, expected))
    if list(got.columns) != list(want.columns) or got.shape != want.shape:
        return [f"{path.name}: columns or shape {list(got.columns)} {got.shape} != {list(want.columns)} {want.shape}"]
    differ = []
    for column in want.columns:
        for row, (a, b) in enumerate(zip(got[column], want[column])):
            try:
                fa, fb = float(a), float(b)
                same = (fa != fa and fb != fb) or abs(fa - fb) <= 1e-9 * max(1.0, abs(fb))
            except ValueError:
                same = a == b
            if not same:
                differ.append(f"{path.name} row {row + 2} {column}: {a!r} != {b!r}")
    return differ


@pytest.mark.parametrize("rid", GOLDEN_REPORTS)
def test_tables_equal_the_golden_tables(built, rid):
    """A report's tables as committed in tests/golden/<id>: a change to any number is deliberate,
    made with `python -m tests.golden update`, and committed on its own, saying why."""
    built_tables = sorted(p.name for p in (built / rid / "tables").glob("*.csv"))
    assert built_tables == sorted(p.name for p in (GOLDEN / rid).glob("*.csv"))
    differ = [d for name in built_tables for d in same_table(built / rid / "tables" / name, GOLDEN / rid / name)]
    assert not differ, differ[:20]


@pytest.mark.kernel
def test_a_thread_executor_builds_the_same_tables(built, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    import peerimpact

    with ThreadPoolExecutor(2) as executor:
        result = peerimpact.build(
            out=tmp_path / "out", only=["site-S6", "site-S7"], formats=["html"], executor=executor, echo=lambda m: None
        )
    assert result.exit_code == 0, [o.error for o in result.failed]
    for rid in ("site-S6", "site-S7"):
        names = sorted(p.name for p in (built / rid / "tables").glob("*.csv"))
        assert names == sorted(p.name for p in (tmp_path / "out" / rid / "tables").glob("*.csv"))
        for name in names:
            assert (tmp_path / "out" / rid / "tables" / name).read_bytes() == (
                built / rid / "tables" / name
            ).read_bytes()
    log = (tmp_path / "out-work" / "site-S6" / "build.log").read_text()
    assert "building site-S6" in log and "site-S7" not in log  # each job logs to its own file


def _structure(path: Path) -> tuple[dict, list]:
    """A PDF's catalogue and every element of its structure tree as (type, alternative text)."""
    from pypdf import PdfReader

    catalogue = PdfReader(path).trailer["/Root"]
    found: list[tuple[str, str | None]] = []
    stack = [catalogue["/StructTreeRoot"]]
    while stack:
        node = stack.pop().get_object()
        if not isinstance(node, dict):
            continue
        if "/S" in node:
            found.append((str(node["/S"]), str(node["/Alt"]) if "/Alt" in node else None))
        kids = node.get("/K")
        stack.extend(kids if isinstance(kids, list) else [] if kids is None else [kids])
    return catalogue, found


@pytest.mark.kernel
def test_every_pdf_is_tagged_with_its_title_language_and_each_figures_alternative_text(built):
    from pypdf import PdfReader

    for rid in ("study", "site-S7", "funder"):
        path = built / rid / "report.pdf"
        document = json.loads((work(built) / rid / "document.json").read_text())
        catalogue, elements = _structure(path)
        assert catalogue["/Lang"] == "en-GB" and bool(catalogue["/MarkInfo"]["/Marked"]), rid
        assert bool(catalogue["/ViewerPreferences"]["/DisplayDocTitle"]), rid
        title = document["title"]
        assert PdfReader(path).metadata.title == f"{title['title']} — {title['scope_label']}", rid
        records = [r for s in document["sections"] for r in s["records"]]
        drawn = [r["alt"] for r in records if r["kind"] == "figure" and r.get("svg") and not r.get("withheld")]
        shown = [r for r in records if r["kind"] == "table" and not r.get("withheld")]
        kinds = [kind for kind, _ in elements]
        assert kinds.count("/H1") == len(document["sections"]) + 1, rid  # and the contents' heading
        assert kinds.count("/Table") == len(shown) and kinds.count("/Figure") == len(drawn) > 0, rid
        assert sorted(alt for kind, alt in elements if kind == "/Figure") == sorted(drawn), rid
