"""Qualitative data: validation, REFI-QDA import, counts, quotes and the joint display."""

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from peerimpact import load_study
from peerimpact.builder.params import load_analysis
from peerimpact.cli import main
from peerimpact.example.qualitative import codebook as example_codebook
from peerimpact.example.qualitative import excerpts as example_excerpts
from peerimpact.ingest.refi import read_qdpx
from peerimpact.ingest.refi_writer import write_qdpx
from peerimpact.ingest.safe_xml import UnsafeXML, parse_xml
from peerimpact.problems import Problems
from peerimpact.report.qualitative import code_counts, select_quotes
from peerimpact.resources import params_dir


@pytest.fixture
def project(tmp_path) -> Path:
    """A .qdpx fixture built from the example's own codebook and excerpts."""
    ex = example_excerpts()
    return write_qdpx(
        example_codebook(), ex, tmp_path / "example.qdpx", sites={p: p.split("-")[0] for p in ex["participant_id"]}
    )


def by_names(codebook: pd.DataFrame, excerpts: pd.DataFrame) -> set:
    names = dict(zip(codebook["code_id"], codebook["code"]))
    return {
        (r.excerpt_id, r.participant_id, r.timepoint, r.text, frozenset(names[c] for c in r.codes.split(";")))
        for r in excerpts.itertuples(index=False)
    }


def test_importer_round_trip(project):
    problems = Problems()
    codebook, excerpts = read_qdpx(project, problems)
    assert not problems
    original_codes, original = example_codebook(), example_excerpts()
    assert codebook.values.tolist() == original_codes.values.tolist()  # ids too: params keep working
    assert list(dict.fromkeys(codebook["theme"])) == ["Feeling valued", "Feeling empowered", "Feeling connected"]
    assert len(excerpts) == len(original) == 60
    assert by_names(codebook, excerpts) == by_names(original_codes, original)


def test_offsets_select_exactly_the_excerpt(project):
    with zipfile.ZipFile(project) as z:
        root = parse_xml(z.read("project.qde"))
        texts = {n: z.read(n).decode() for n in z.namelist() if n.startswith("Sources/")}
    source = next(root.iter("TextSource"))
    text = texts["Sources/" + source.attrib["plainTextPath"].split("//", 1)[1]]
    selection = source.findall("PlainTextSelection")[0]
    start, end = int(selection.attrib["startPosition"]), int(selection.attrib["endPosition"])
    original = example_excerpts().set_index("excerpt_id").loc[selection.attrib["name"], "text"]
    assert text[start:end] == original


def rewrite_qde(project: Path, change) -> Path:
    with zipfile.ZipFile(project) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["project.qde"] = change(members["project.qde"].decode()).encode()
    out = project.with_name("changed.qdpx")
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out


def test_selection_past_the_end_of_its_source_is_reported(project):
    def stretch(xml: str) -> str:
        head, tail = xml.split('endPosition="', 1)
        number, rest = tail.split('"', 1)
        return head + 'endPosition="' + str(int(number) + 5000) + '"' + rest

    problems = Problems()
    _, excerpts = read_qdpx(rewrite_qde(project, stretch), problems)
    [p] = problems.errors
    assert p.rule == "qdpx-offsets" and p.file.endswith("changed.qdpx!project.qde") and p.line > 1
    assert "lies outside its source" in p.message
    assert len(excerpts) == 59


def test_entities_are_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(UnsafeXML):
        parse_xml(bomb)
    external = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    with pytest.raises(UnsafeXML):
        parse_xml(external)


def test_cli_qual_import(project, tmp_path, capsys):
    assert main(["qual", "import", str(project), "--out", str(tmp_path / "qual")]) == 0
    assert "60 excerpts" in capsys.readouterr().out
    assert pd.read_csv(tmp_path / "qual" / "excerpts.csv").columns.tolist() == [
        "excerpt_id",
        "participant_id",
        "timepoint",
        "codes",
        "text",
    ]


def test_study_can_point_at_a_project(project, example_copy):
    (example_copy / "interviews.qdpx").write_bytes(project.read_bytes())
    yml = example_copy / "study.yml"
    yml.write_text(
        yml.read_text()
        .replace("  codebook: codebook.csv\n", "")
        .replace("excerpts: excerpts.csv", "excerpts: interviews.qdpx")
    )
    study = load_study(example_copy)
    assert not study.problems.has_errors, [p.format() for p in study.problems]
    assert len(study.excerpts) == 60 and len(study.codebook) == 18
    problems = Problems()
    load_analysis(params_dir(), study, problems)  # the shipped quotes and propositions name these codes
    assert not problems, [p.format() for p in problems]


def test_a_code_without_an_id_line_takes_its_id_from_its_name(project):
    def drop_ids(qde: str) -> str:
        return re.sub(r"<Description>code_id: [^\n<]*\n?", "<Description>", qde)

    problems = Problems()
    codebook, _ = read_qdpx(rewrite_qde(project, drop_ids), problems)
    assert not problems
    assert codebook.loc[0, "code_id"] == "paid_for_lived_experience"  # from "Paid for lived experience"
    assert codebook.loc[0, "description"] == example_codebook().loc[0, "description"]


def test_excerpt_validation_rules(example_copy):
    path = example_copy / "excerpts.csv"
    lines = path.read_text().splitlines(keepends=True)
    lines += [
        "X-1,S1-PW01,T1,no_such_code,Some words.\n",
        "X-2,S9-PW01,T1,purpose,Some words.\n",
        "X-3,S1-PW01,T1,purpose,   \n",
        "X-1,S1-PW02,T9,purpose,More words.\n",
    ]
    path.write_text("".join(lines))
    study = load_study(example_copy)
    got = {(p.line, p.column, p.rule) for p in study.problems.errors}
    n = len(lines)
    assert (n - 3, "codes", "unknown-code") in got
    assert (n - 2, "participant_id", "unknown-participant") in got
    assert (n - 1, "text", "empty-text") in got
    assert (n, "timepoint", "unknown-timepoint") in got
    assert len(study.excerpts) == 60


def test_counts_and_deterministic_quotes():
    codebook, excerpts = example_codebook(), example_excerpts()
    counts = code_counts(excerpts, codebook, "timepoint")
    toll = counts[(counts["code_id"] == "emotional_toll")].set_index("group")
    manual = excerpts[excerpts["codes"].str.split(";").apply(lambda c: "emotional_toll" in c)]
    assert toll["excerpts"].sum() == len(manual)
    assert toll.loc["T2", "participants"] == manual[manual["timepoint"] == "T2"]["participant_id"].nunique()
    pinned = {"Feeling valued": ["S2-PW02-T1-1", "S9-NOT-THERE"]}
    first = select_quotes(excerpts, codebook, pinned=pinned, per_theme=3)
    again = select_quotes(excerpts.sample(frac=1, random_state=3), codebook, pinned=pinned, per_theme=3)
    assert first.equals(again)
    valued = first[first["theme"] == "Feeling valued"]
    assert valued.iloc[0]["excerpt_id"] == "S2-PW02-T1-1" and valued.iloc[0]["pinned"]
    assert len(valued) == 3 and valued["label"].iloc[0] == "S2-PW02-T1"
    assert first.groupby("theme").size().tolist() == [3, 3, 3]


@pytest.mark.kernel
def test_hostile_excerpt_text_is_escaped_in_the_report(example_copy, tmp_path):
    path = example_copy / "excerpts.csv"
    with path.open("a") as handle:
        handle.write(
            'S1-PW02-T1-9,S1-PW02,T1,purpose,"<script>alert(1)</script> and ""><img src=x onerror=alert(1)>"\n'
        )
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "study.yml").write_text(
        "id: study\nkind: study\ntitle: T\nsections: [05_qualitative, 06_synthesis]\nformats: [html]\n"
    )
    qual = tmp_path / "params"
    qual.mkdir()
    (qual / "qualitative.yml").write_text("quotes_per_theme: 60\n")  # show every excerpt as a quote
    from peerimpact.builder.pipeline import build

    result = build(example_copy, out=tmp_path / "out", params=qual, reports_dir=defs, jobs=1, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed]
    html = (tmp_path / "out" / "study" / "report.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.kernel
def test_joint_display_numbers_equal_table4(tmp_path):
    from peerimpact.builder.pipeline import build

    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "study.yml").write_text(
        "id: study\nkind: study\ntitle: T\nsections: [04_change, 06_synthesis]\nformats: [html]\ndisclosure: none\n"
    )
    result = build(out=tmp_path / "out", reports_dir=defs, jobs=1, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed]
    tables = tmp_path / "out" / "study" / "tables"
    t4 = pd.read_csv(tables / "table4.csv").set_index(["instrument", "subscale", "comparison"])
    t5 = pd.read_csv(tables / "table5.csv")
    changes = t5[t5["evidence"] == "change"]
    assert len(changes) >= 8
    html = (tmp_path / "out" / "study" / "report.html").read_text()
    for row in changes.itertuples(index=False):
        ref = t4.loc[(row.instrument, row.subscale, row.comparison)]
        for col in ("n", "change", "ci_low", "ci_high", "p", "es"):
            assert getattr(row, col) == pytest.approx(ref[col], abs=1e-12), (row.subscale, col)
        assert f"change {ref['change']:.2f} (95% CI {ref['ci_low']:.2f} to" in html
        assert f"ES {ref['es']:.2f}, n = {ref['n']}" in html
    assert "Table 5. Joint display" in html and "confirmation" in html


@pytest.mark.kernel
def test_synthesis_params_are_checked(tmp_path):
    import shutil

    from peerimpact.builder.pipeline import build
    from peerimpact.resources import params_dir

    params = tmp_path / "params"
    shutil.copytree(params_dir(), params)
    text = (params / "synthesis.yml").read_text()
    (params / "synthesis.yml").write_text(
        text.replace("comparison: T1-T3}", "comparison: T2-T9}", 1).replace(
            "codes: [emotional_toll]", "codes: [no_such_code]"
        )
    )
    result = build(out=tmp_path / "out", params=params, echo=lambda m: None)
    assert result.exit_code == 2
    keys = {(p.column, p.value) for p in result.problems.errors}
    assert ("propositions.0.qualitative.codes", "no_such_code") in keys
    assert any(k.endswith(".comparison") and v == "T2-T9" for k, v in keys)


def test_qdc_codebook(tmp_path):
    from peerimpact.ingest.refi import read_qdc

    path = tmp_path / "codes.qdc"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>\n'
        '  <Code guid="a" name="Feeling valued" isCodable="false">\n'
        '    <Code guid="b" name="Thanks received" isCodable="true"><Description>Gratitude.</Description></Code>\n'
        '    <Code guid="c" name="Thanks received" isCodable="true"/>\n'
        "  </Code>\n"
        '  <Code guid="d" name="Loose code" isCodable="true"/>\n'
        "</Codes></CodeBook>\n"
    )
    problems = Problems()
    codebook = read_qdc(path, problems)
    assert not problems
    assert codebook.values.tolist() == [
        ["thanks_received", "Thanks received", "Feeling valued", "Gratitude."],
        ["thanks_received_2", "Thanks received", "Feeling valued", ""],
        ["loose_code", "Loose code", "Loose code", ""],
    ]


def test_broken_project_is_a_problem_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"not a zip")
    problems = Problems()
    codebook, excerpts = read_qdpx(bad, problems)
    assert codebook.empty and excerpts.empty and problems.errors[0].rule == "qdpx"
    assert main(["qual", "import", str(bad), "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()


@pytest.mark.kernel
def test_a_study_without_interviews_still_builds_its_report(example_copy, tmp_path):
    from peerimpact.builder.pipeline import build

    yml = example_copy / "study.yml"
    yml.write_text(yml.read_text().replace("  codebook: codebook.csv\n", "").replace("  excerpts: excerpts.csv\n", ""))
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "study.yml").write_text(
        "id: study\nkind: study\ntitle: T\nsections: [05_qualitative, 06_synthesis]\n"
        "formats: [html]\ndisclosure: none\n"
    )
    result = build(example_copy, out=tmp_path / "out", reports_dir=defs, only=["study"], jobs=1, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed] + [p.format() for p in result.problems]
    html = (tmp_path / "out" / "study" / "report.html").read_text()
    assert "This study has no coding framework." in html and "No coded excerpts in this report." in html
    assert "Table 5. Joint display" in html and "Wellbeing: norm 51.6 (8.71); mean" in html


def test_an_excerpt_coded_under_two_themes_is_quoted_once():
    codebook = pd.DataFrame(
        {"code_id": ["a", "b"], "code": ["A", "B"], "theme": ["One", "Two"], "description": ["", ""]}
    )
    excerpts = pd.DataFrame(
        {
            "excerpt_id": ["x1", "x2"],
            "participant_id": ["S1-PW01", "S1-PW02"],
            "timepoint": ["T1", "T1"],
            "codes": ["a;b", "b"],
            "text": ["both", "two only"],
        }
    )
    quotes = select_quotes(excerpts, codebook, per_theme=3)
    assert quotes["excerpt_id"].tolist() == ["x1", "x2"]
    assert quotes.set_index("excerpt_id")["theme"].to_dict() == {"x1": "One", "x2": "Two"}
    # a quote the team pinned to the second theme is not also chosen for the first
    pinned = select_quotes(excerpts, codebook, pinned={"Two": ["x1"]}, per_theme=3)
    assert pinned["excerpt_id"].tolist() == ["x1", "x2"] and pinned["theme"].tolist() == ["Two", "Two"]


def joint(change_rows, outcome_rows, excerpts, min_n=2):
    from peerimpact.config import SynthesisConfig
    from peerimpact.report.synthesis import joint_display

    config = SynthesisConfig.model_validate(
        {
            "propositions": [
                {
                    "id": "p",
                    "text": "A proposition.",
                    "fit": "confirmation",
                    "quantitative": [
                        {"instrument": "itp", "subscale": "team_cohesion", "norm": True},
                        {"instrument": "itp", "subscale": "team_cohesion", "comparison": "T1-T2"},
                    ],
                    "qualitative": {"codes": ["a"], "quotes": []},
                }
            ]
        }
    )
    codebook = pd.DataFrame({"code_id": ["a"], "code": ["Code A"], "theme": ["One"], "description": [""]})
    change = pd.DataFrame(change_rows)
    outcomes = pd.DataFrame(outcome_rows)
    labels = {("itp", "team_cohesion"): "Team cohesion"}
    return joint_display(config, change, outcomes, excerpts, codebook, labels, min_n=min_n)


CHANGE = {
    "instrument": ["itp"],
    "subscale": ["team_cohesion"],
    "comparison": ["T1-T2"],
    "n": [20],
    "change": [0.1],
    "ci_low": [-0.2],
    "ci_high": [0.4],
    "p": [0.5],
    "es": [0.1],
    "estimable": [True],
    "note": [None],
}
OUTCOMES = {
    "instrument": "itp",
    "subscale": "team_cohesion",
    "timepoint": ["T1", "T2"],
    "n": [20, 20],
    "mean": [4.2, 4.1],
    "norm_mean": [4.0, 4.0],
    "norm_sd": [0.73, 0.73],
    "std_difference": [0.27, 0.14],
}
ONE = pd.DataFrame(
    {"excerpt_id": ["x"], "participant_id": ["S1-PW01"], "timepoint": ["T1"], "codes": ["a"], "text": ["words"]}
)


def test_joint_display_words_and_precision():
    table = joint(CHANGE, OUTCOMES, ONE)
    row = table.display.iloc[0]
    assert row["Quantitative evidence"].split("\n")[0] == (
        "Team cohesion: norm 4.0 (0.73); mean 4.2 at T1 (0.27 SD), 4.1 at T2 (0.14 SD)"
    )
    assert row["Qualitative evidence"] == "Code A: 1 excerpt from 1 peer worker"
    assert row["Fit"] == "confirmation"
    html = table.to_html()
    assert "\\n" not in html and "<br>" in html


def test_joint_display_withholds_the_fit_where_this_report_lacks_the_evidence():
    few = {
        **CHANGE,
        "n": [3],
        "ci_low": [float("nan")],
        "p": [float("nan")],
        "estimable": [False],
        "note": ["fewer than 6 complete pairs: the mean change is shown without a test"],
    }
    table = joint(few, OUTCOMES, ONE)
    row = table.display.iloc[0]
    assert row["Fit"].startswith("not assessed")
    assert "Team cohesion, T1 − T2: not tested (fewer than 6 complete pairs; n = 3)" in row["Quantitative evidence"]
    assert joint(CHANGE, OUTCOMES, ONE.iloc[0:0]).display.iloc[0]["Fit"].startswith("not assessed")  # no excerpts
    assert joint(CHANGE, OUTCOMES, ONE, min_n=21).display.iloc[0]["Fit"].startswith("not assessed")  # means of 20


def test_every_count_on_the_heatmap_contrasts_with_its_cell():
    """WCAG 1.4.3: 4.5:1 for small text, on every shade of the heatmap's blues (seaborn's own
    white on mid-blue gives under 3:1)."""
    import matplotlib
    from matplotlib.colors import to_rgb
    from seaborn.utils import relative_luminance

    from peerimpact.report.qualitative import _ink_on

    def contrast(a, b) -> float:
        hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    blues = matplotlib.colormaps["Blues"]
    shades = [blues(i / 255) for i in range(256)]
    assert min(contrast(shade, to_rgb(_ink_on(shade))) for shade in shades) >= 4.5
    assert _ink_on(shades[0]) == ".15" and _ink_on(shades[-1]) == "white"  # the look is kept at either end


def test_the_heatmap_draws_counts_held_as_nullable_integers_with_a_withheld_one_blank():
    # a report's released counts can arrive as pandas' nullable Int64 (the whole study's in place of
    # a site's own); a withheld count among them is missing and stays a blank cell, never a 0
    from peerimpact.report.qualitative import heatmap

    codebook = pd.DataFrame(
        {"theme": ["Valued", "Valued"], "code_id": ["a1", "a2"], "code": ["Praised", "Paid"], "description": ["", ""]}
    )
    counts = pd.DataFrame(
        {
            "theme": "Valued",
            "code_id": ["a1", "a1", "a2", "a2"],
            "code": ["Praised", "Praised", "Paid", "Paid"],
            "group": ["T1", "T2", "T1", "T2"],
            "excerpts": pd.array([58, 43, None, 12], dtype="Int64"),
            "participants": pd.array([50, 40, None, 9], dtype="Int64"),
        }
    )
    block = heatmap(counts, codebook, ["T1", "T2"], title="Codes by timepoint")
    figure = block.draw(block.data)
    assert figure.message is None and figure.png
    words = re.findall(r"<text[^>]*>([^<]*)</text>", figure.svg)
    assert [w for w in words if w.isdigit()] == ["50", "40", "9"]  # the withheld T1 count of a2 is blank


def test_a_code_whose_every_count_is_withheld_is_left_out_and_said_so():
    from peerimpact.report.blocks import SUPPRESSED
    from peerimpact.report.qualitative import counts_table

    codebook = pd.DataFrame(
        {"theme": ["Valued", "Valued"], "code_id": ["a1", "a2"], "code": ["Praised", "Paid"], "description": ["", ""]}
    )
    rows = [("", 12, 11), ("a1", SUPPRESSED, SUPPRESSED), ("a2", 10, 9)]
    counts = pd.DataFrame(
        [
            {"theme": "Valued", "code_id": code, "group": tp, "excerpts": e, "participants": p}
            for tp in ("T1", "T2")
            for code, e, p in rows
        ]
    )
    table = counts_table(counts, codebook, ["T1", "T2"], name="codes_by_timepoint", title="Codes")
    assert table.display["Code"].tolist() == ["(any code of the theme)", "Paid"]
    assert "Not listed: 1 code whose every count here is withheld (see the coding framework)." in table.all_notes
    half = counts.assign(excerpts=[12, SUPPRESSED, 10, 12, 3, 10], participants=[11, SUPPRESSED, 9, 11, 3, 9])
    shown = counts_table(half, codebook, ["T1", "T2"], name="codes_by_timepoint", title="Codes")
    assert shown.display["Code"].tolist() == ["(any code of the theme)", "Praised", "Paid"]
    assert not [n for n in shown.all_notes if n.startswith("Not listed")]
