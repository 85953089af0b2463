"""The Methods section says what the report did, from its settings: each instrument's scoring,
whether its item layout is assumed and its minimal important difference, the tests, the fewest
pairs tested, the adjustment for multiple comparisons (a setting of study.yml and of --set),
what the reader may see, and the software."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from peerimpact import load_study
from peerimpact.analysis.stats import CHANGE_COLUMNS, CONFIDENCE, WILCOXON_EXACT_BELOW, change_over_time
from peerimpact.builder.plan import plan
from peerimpact.config import (
    DATA_KINDS,
    AnalysisConfig,
    DisclosureRules,
    Instrument,
    QuoteRules,
    ReportPolicy,
    StudyConfig,
    parse_model,
)
from peerimpact.config.overrides import override, with_settings
from peerimpact.ingest.scoring import load_instrument
from peerimpact.problems import Problems
from peerimpact.report import methods
from peerimpact.report.blocks import release
from peerimpact.report.extract import instrument_meta
from peerimpact.report.formats import fmt_p
from peerimpact.report.meta import AnalysisParams, ReportMeta
from peerimpact.report.outcome_tables import table4
from peerimpact.report.rule_policies import report_policy
from peerimpact.resources import params_dir

NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")


def meta(**update) -> ReportMeta:
    """A report of the shipped instruments WEMWBS (a MID, confirmed layout), MJS (assumed layout)
    and MBI (no MID), compared T1 with T2 and T3."""
    instruments = {name: instrument_meta(load_instrument(name)) for name in ("wemwbs", "mjs", "mbi")}
    fields = dict(
        report_id="study",
        kind="study",
        title="Study report",
        scope=None,
        scope_label="Whole study",
        study_name="Example",
        sites=("S1", "S2"),
        timepoints=("T1", "T2", "T3"),
        instruments=instruments,
        comparisons=(("T1", "T2"), ("T1", "T3")),
    )
    return ReportMeta(**{**fields, **update})


def text(blocks) -> str:
    return "\n\n".join(block.text for block in blocks)


def shared_policy() -> ReportPolicy:
    rules = DisclosureRules(name="threshold8", description="withheld where fewer than 8 people are behind a figure")
    return ReportPolicy(
        audience="funder", label="the funder", rules={kind: rules for kind in DATA_KINDS}, quotes=QuoteRules()
    )


# ------------------------------------------------------------------------------ multiplicity


@pytest.mark.parametrize("brief", [False, True])
def test_the_methods_name_the_chosen_adjustment_and_change_with_it(brief):
    said = {}
    for method in ("none", "holm", "fdr_bh"):
        report = meta(multiplicity=method)
        said[method] = text(methods.brief(report) if brief else methods.full(report))
    assert "not adjusted" in said["none"] and "Holm" not in said["none"] and "Benjamini" not in said["none"]
    assert "Holm's step-down method" in said["holm"] and "not adjusted" not in said["holm"]
    assert "Benjamini–Hochberg" in said["fdr_bh"] and "false discovery rate" in said["fdr_bh"]
    assert "Holm" not in said["fdr_bh"] and "not adjusted" not in said["fdr_bh"]
    # 2 comparisons of WEMWBS's 1, MJS's 8 and MBI's 3 subscales
    assert all("up to 24" in words for words in said.values())


def test_the_number_of_tests_follows_the_comparisons():
    one = methods.multiplicity(meta(comparisons=(("T1", "T3"),))).text
    assert "up to 12 tests (1 comparison of 12 subscales" in one


def two_outcomes() -> pd.DataFrame:
    rows = []
    for subscale, shift in (("total", 0.0), ("other", 3.0)):
        for pid, t1, t2 in (("a", 50, 45), ("b", 44, 43), ("c", 61, 55), ("d", 52, 47), ("e", 39, 41)):
            rows += [
                {
                    "participant_id": pid,
                    "timepoint": tp,
                    "instrument": "wemwbs",
                    "subscale": subscale,
                    "score": float(v) + shift,
                }
                for tp, v in (("T1", t1), ("T2", t2 * (1 + shift / 50)))
            ]
    return pd.DataFrame(rows)


def test_table4_shows_the_adjusted_p_and_says_which_and_across_how_many():
    change = change_over_time(two_outcomes(), [("T1", "T2"), ("T1", "T3")], adjust="fdr_bh", min_pairs=2)
    table = table4(change, {})
    header = "FDR-adjusted p (Benjamini–Hochberg)"
    assert header in table.display.columns and "Holm p" not in table.display.columns
    assert table.display[header].tolist()[::2] == [fmt_p(v) for v in change["p_adjusted"][::2]]
    [note] = [n for n in table.all_notes if n.startswith(header)]
    assert "Benjamini–Hochberg method" in note and "false discovery rate" in note and "across 2 tests" in note
    # a table of some of the rows (the funder's headline) still says across how many tests p was adjusted
    [note] = [n for n in table4(change.iloc[:1], {}).all_notes if n.startswith(header)]
    assert "across 2 tests" in note
    holm = table4(change_over_time(two_outcomes(), [("T1", "T2")], adjust="holm", min_pairs=2), {})
    assert "Holm p" in holm.display.columns and any(
        n.startswith("Holm p: p adjusted by Holm's") for n in holm.all_notes
    )


def test_table4_without_an_adjustment_says_its_p_values_are_not_adjusted_for_its_tests():
    table = table4(change_over_time(two_outcomes(), [("T1", "T2"), ("T1", "T3")], min_pairs=2), {})
    assert "p values are not adjusted for multiple comparisons across the 2 tests in this table." in table.all_notes
    assert not [c for c in table.display.columns if "adjusted" in c or c == "Holm p"]
    # the golden data are untouched: no adjusted column unless one is asked for
    assert list(table.data.columns) == CHANGE_COLUMNS


# ------------------------------------------------------------------------------ instruments


def test_an_assumed_item_layout_is_said_to_be_assumed():
    report = meta()
    mjs = methods.instrument("mjs", report.instruments["mjs"]).text
    wemwbs = methods.instrument("wemwbs", report.instruments["wemwbs"]).text
    assert "**assumed, not confirmed**" in mjs and "must check it" in mjs
    assert "do not give the items of each subscale" in mjs  # the note of params/instruments/mjs.yml
    assert "assumed" not in wemwbs and "Item layout: as published" in wemwbs
    assert "Measure of Job Satisfaction" in methods.brief(report)[0].text.split("assumed")[0]


def test_the_mid_is_stated_where_declared_and_only_there():
    report = meta()
    wemwbs = methods.instrument("wemwbs", report.instruments["wemwbs"]).text
    mbi = methods.instrument("mbi", report.instruments["mbi"]).text
    assert "Minimal important difference: 3 points (Maheswaran H, et al." in wemwbs
    assert "Minimal important difference" not in mbi
    brief = methods.brief(report)[0].text
    assert "3 points for the Warwick-Edinburgh Mental Wellbeing Scale" in brief and "Maslach" not in brief
    # from the meta, not from the instrument's name: another value is stated as given, none is not stated
    other = report.instruments["wemwbs"].model_copy(
        update={"mid": report.instruments["wemwbs"].mid.model_copy(update={"value": 4.5})}
    )
    assert "Minimal important difference: 4.5 points" in methods.instrument("wemwbs", other).text
    without = report.instruments["wemwbs"].model_copy(update={"mid": None})
    assert "Minimal important difference" not in methods.instrument("wemwbs", without).text


def test_scoring_and_the_missing_item_rule_come_from_the_definition():
    report = meta()
    wemwbs = methods.instrument("wemwbs", report.instruments["wemwbs"]).text
    assert "Wellbeing: the sum of 14 items, from 14 to 70." in wemwbs
    assert "up to 1 item missing" in wemwbs and "prorated" in wemwbs
    itp = methods.instrument("itp", instrument_meta(load_instrument("itp"))).text
    assert "Conflict management: the mean of 9 items, from 1 to 5; items 32 and 35 reverse-keyed." in itp
    strict = Instrument.model_validate(
        {**load_instrument("wemwbs").model_dump(), "missing": {"max_missing": 0, "prorate": False}}
    )
    said = methods.instrument("wemwbs", instrument_meta(strict)).text
    assert "needs every one of its items answered" in said and "prorated" not in said


def test_no_item_wording_reaches_the_meta():
    # item IDs and counts only: the definition holds no wording, and the meta nothing beyond it
    info = instrument_meta(load_instrument("itp"))
    assert info.scales["conflict_management"].reverse == ("32", "35")
    assert info.scales["conflict_management"].items == 9 and info.layout.confirmed is False


# ------------------------------------------------------------------------------ numbers


def test_every_number_in_the_methods_is_a_setting_or_a_convention_of_the_code():
    report = meta(multiplicity="holm")
    allowed = set(NUMBER.findall(report.model_dump_json())) | {str(round(CONFIDENCE * 100)), str(WILCOXON_EXACT_BELOW)}
    allowed |= {n.removesuffix(".0") for n in allowed}
    blocks = [b for b in methods.full(report) if b.name != "methods_versions"]
    said = text(blocks) + text(methods.brief(report)).split("Made with")[0]
    shown = set(NUMBER.findall(said.replace("Table 4", "Table")))
    # and the tests counted from the meta: 2 comparisons × 12 subscales
    assert methods.tests_in_table4(report) == (24, 2, 12)
    assert shown - allowed == {"24", "2", "12"}


def test_the_fewest_pairs_follow_the_setting():
    six = meta()
    nine = meta(params=AnalysisParams(analysis=AnalysisConfig(min_pairs=9)))
    assert "fewer than 6 complete pairs" in methods.minimum_pairs(six).text
    assert "fewer than 9 complete pairs" in methods.minimum_pairs(nine).text
    assert "fewer than 6" not in text(methods.full(nine)) + text(methods.brief(nine))


def test_the_software_versions_are_named():
    said = methods.versions().text
    for name in ("peerimpact", "Python", "pandas", "numpy", "scipy", "pingouin"):
        assert re.search(rf"{name} \d+\.\d+", said), name


# ------------------------------------------------------------------------------ audiences


def test_a_report_for_the_study_team_has_the_full_section_and_a_shared_one_the_brief():
    internal = methods.methods(meta())
    assert len(internal) > 1 and any(b.name == "methods_tests" for b in internal)
    outside = methods.methods(meta(policy=shared_policy(), disclosure="funder"))
    assert [b.name for b in outside] == ["methods_brief"]
    assert "This report is written for the funder: " in outside[0].text
    assert "withheld where fewer than 8 people" in outside[0].text


def test_a_shared_policy_releases_the_methods_as_they_are():
    policy = report_policy(shared_policy())
    report = meta(policy=shared_policy(), disclosure="funder")
    for block in [*methods.full(report), *methods.brief(report)]:
        released = release(block, policy)  # a number with no role would raise UnknownFigure
        assert released.text == block.text and not released.suppressed


# ------------------------------------------------------------------------------ settings


def test_holm_true_is_read_as_multiplicity_holm_and_never_beside_another(tmp_path):
    example = (Path(__file__).resolve().parents[1] / "peerimpact" / "data" / "example" / "study.yml").read_text()
    cases = {"holm: true\n": "holm", "multiplicity: fdr_bh\n": "fdr_bh", "": "none", "holm: false\n": "none"}
    for extra, expected in cases.items():
        path = tmp_path / "study.yml"
        path.write_text(example + extra)
        problems = Problems()
        config = parse_model(StudyConfig, path, problems)
        assert not problems.has_errors and config.multiplicity == expected, extra
    path.write_text(example + "holm: true\nmultiplicity: fdr_bh\n")
    problems = Problems()
    assert parse_model(StudyConfig, path, problems) is None
    [problem] = problems.errors
    assert problem.column == "holm" and problem.line == example.count("\n") + 1
    assert "disagrees with multiplicity: fdr_bh" in problem.message
    path.write_text(example + "multiplicity: bonferroni\n")
    problems = Problems()
    assert parse_model(StudyConfig, path, problems) is None
    [problem] = problems.errors
    assert problem.column == "multiplicity" and "'none', 'holm' or 'fdr_bh'" in problem.message


def test_layout_confirmed_is_read_as_layout_and_never_beside_it(tmp_path):
    source = (params_dir() / "instruments" / "mjs.yml").read_text()
    old = re.sub(r"layout:\n  confirmed: false\n  note: .*\n", "layout_confirmed: false\n", source)
    assert old != source
    path = tmp_path / "mjs.yml"
    path.write_text(old)
    problems = Problems()
    assert parse_model(Instrument, path, problems).layout.confirmed is False and not problems.has_errors
    path.write_text(source.replace("layout:\n", "layout_confirmed: true\nlayout:\n"))
    problems = Problems()
    assert parse_model(Instrument, path, problems) is None
    [problem] = problems.errors
    assert problem.column == "layout_confirmed" and "older spelling" in problem.message


@pytest.fixture(scope="module")
def study():
    return load_study()


def test_set_chooses_the_adjustment_for_one_build_and_checks_it(study):
    problems = Problems()
    changed = with_settings(study, {"multiplicity": "fdr_bh"}, problems)
    assert not problems.has_errors and changed.config.multiplicity == "fdr_bh"
    assert study.config.multiplicity == "none"  # the loaded study is left as it was
    assert with_settings(study, {"study.multiplicity": "holm"}, Problems()).config.multiplicity == "holm"
    problems = Problems()
    with_settings(study, {"multiplicity": "bonferroni"}, problems)
    [problem] = problems.errors
    assert (problem.file, problem.column, problem.value) == ("--set", "study.multiplicity", "bonferroni")
    assert "'none', 'holm' or 'fdr_bh'" in problem.message and "pydantic" not in problem.message
    # the params files' --set leaves study.yml's settings alone, and names them among the settable
    problems = Problems()
    override({}, {"multiplicity": "holm", "study.multiplicity": "holm"}, problems)
    assert not problems.has_errors
    override({}, {"nonsense": "1"}, problems)
    assert "study.multiplicity" in problems.errors[0].message


@pytest.mark.integration
def test_the_adjustment_set_for_a_build_reaches_every_report_and_its_table4(study):
    reports, problems = plan(
        study, params_dir() / "reports", params=params_dir(), kinds=["study"], overrides={"multiplicity": "fdr_bh"}
    )
    assert not problems.has_errors, [p.format() for p in problems.errors]
    [report] = reports
    data = report.extract
    assert data.meta.multiplicity == "fdr_bh" and data.multiplicity == "fdr_bh"
    assert data.meta.instruments["wemwbs"].mid.value == 3
    assert data.meta.instruments["mjs"].layout.confirmed is False
    assert "13_methods" in [s.stem for s in report.sections]
