"""The study team's commentary: placeholders for released facts, checked at their line; text escaped."""

from pathlib import Path

import pytest

from peerimpact.builder.commentary import Commentary, check, fill_commentary, find_commentary, render
from peerimpact.problems import Problems
from peerimpact.report.facts import read_facts


def facts_of(tmp_path: Path):
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "recruitment.csv").write_text("stage,site,count,n,target\nconsented,S1,5,8,6\nconsented,S2,*,8,4\n")
    return read_facts(tables)


def problems_of(text: str, facts) -> list:
    problems = Problems()
    check(Commentary("", "commentary/funder.md", text), facts, problems)
    return list(problems)


def test_a_placeholder_of_a_released_fact_is_filled_with_its_value(tmp_path):
    facts = facts_of(tmp_path)
    words = Commentary(
        "",
        "commentary/funder.md",
        "We recruited {{ facts.recruitment.consented.total }} "
        "(S1: {{ facts.recruitment.consented.S1 }} of "
        "{{ facts.recruitment.consented.S1.target }}).",
    )
    assert problems_of(words.text, facts) == []
    assert "We recruited 8 (S1: 5 of 6)." in render(words, facts)


def test_a_withheld_fact_is_an_error_at_its_line_and_column(tmp_path):
    [problem] = problems_of("Fine line.\nS2 recruited {{ facts.recruitment.consented.S2 }}.\n", facts_of(tmp_path))
    assert (problem.line, problem.column, problem.value) == (2, "column 17", "facts.recruitment.consented.S2")
    assert "withheld" in problem.message


def test_an_unknown_fact_is_an_error_that_suggests_the_names_nearby(tmp_path):
    found = problems_of(
        "{{ facts.recruitment.consented.S3 }}\n{{ facts.recruitment.consentd.total }}\n{{ x }}", facts_of(tmp_path)
    )
    assert [p.line for p in found] == [1, 2, 3]
    assert "no such fact" in found[0].message
    assert "did you mean facts.recruitment.consented.total" in found[1].message
    assert found[2].value == "x" and "facts only" in found[2].message


def test_every_problem_is_found_before_anything_is_rendered(tmp_path):
    facts = facts_of(tmp_path)
    ok = Commentary("07_recruitment", "a.md", "{{ facts.recruitment.consented.total }}")
    bad = Commentary("", "b.md", "{{ facts.recruitment.consented.S2 }}")
    shown, problems = fill_commentary((ok, bad), facts, "00_key_messages")
    assert shown == {} and [p.file for p in problems] == ["b.md"]
    shown, problems = fill_commentary((ok,), facts, "00_key_messages")
    assert not problems and "8" in shown["07_recruitment"][0] and shown["07_recruitment"][1] == ""


def test_raw_html_in_commentary_is_shown_as_text(tmp_path):
    html = render(Commentary("", "a.md", "<script>alert(1)</script>\n\nSome **bold** <b>raw</b>"), facts_of(tmp_path))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<strong>bold</strong>" in html and "<b>" not in html


def test_commentary_files_are_found_for_the_report_or_its_definition_and_bad_syntax_is_located(tmp_path):
    folder = tmp_path / "commentary"
    (folder / "site").mkdir(parents=True)
    (folder / "site.md").write_text("every site")
    (folder / "site-S7.md").write_text("S7 only")
    (folder / "site" / "07_recruitment.md").write_text("line one\n{{ facts.recruitment. }}\n")
    problems = Problems()
    found = find_commentary(tmp_path, "site-S7", "site", ["07_recruitment"], problems)
    assert [(c.section, c.text) for c in found] == [("", "S7 only")]
    [problem] = list(problems)
    assert problem.line == 2 and problem.file.endswith("07_recruitment.md")
    problems = Problems()
    found = find_commentary(tmp_path, "site-S1", "site", [], problems)
    assert [c.text for c in found] == ["every site"] and not problems


@pytest.mark.kernel
def test_a_build_whose_commentary_names_a_withheld_figure_fails_at_its_line(example_copy, tmp_path):
    from peerimpact.builder.pipeline import build

    words = example_copy / "commentary" / "funder.md"
    words.write_text(
        words.read_text() + "\nThe lowest baseline wellbeing was {{ facts.headline.norms.wemwbs.total.T1.min }}.\n"
    )
    out = tmp_path / "reports"
    result = build(example_copy, out=out, only=["funder"], formats=["html"], jobs=1, echo=lambda m: None)
    assert result.exit_code != 0
    [failed] = result.failed
    last = len(words.read_text().splitlines())
    assert f"funder.md:{last}" in failed.error and "withheld" in failed.error
    assert not (out / "funder").exists()  # nothing published


def test_the_example_funder_report_carries_its_commentary_with_the_figures_of_its_tables(built):
    html = (built / "funder" / "report.html").read_text()
    facts = read_facts(built / "funder" / "tables")
    consented, target = facts.value("recruitment.consented.total"), facts.value("recruitment.consented.total.target")
    assert "Commentary from the study team" in html
    assert f"Recruitment closed with {consented} of the {target}" in " ".join(html.split())
    # what its words say of the sites holds in the tables it sits beside
    short = {
        s: facts.value(f"recruitment.consented.{s}.target") - facts.value(f"recruitment.consented.{s}")
        for s in ("S1", "S2", "S3", "S4", "S5", "S6", "S7")
    }
    assert short.pop("S3") == 0 and set(short.values()) == {1}


@pytest.mark.kernel
def test_peerimpact_facts_lists_each_name_with_the_value_its_table_shows(built):
    import csv
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "peerimpact.cli", "facts", str(built / "funder"), "--prefix", "recruitment"],
        capture_output=True,
        text=True,
        check=True,
    )
    listed = dict(line.split(None, 1) for line in done.stdout.splitlines())
    rows = list(csv.DictReader((built / "funder" / "tables" / "recruitment.csv").read_text().splitlines()))
    consented = [r for r in rows if r["stage"] == "consented"]
    assert listed["facts.recruitment.consented.total"] == consented[0]["n"]
    for row in consented:
        assert listed[f"facts.recruitment.consented.{row['site']}"] == row["count"]
        assert listed[f"facts.recruitment.consented.{row['site']}.status"] == row["status"]
    missing = subprocess.run(
        [sys.executable, "-m", "peerimpact.cli", "facts", str(built)], capture_output=True, text=True
    )
    assert missing.returncode == 2 and "not a built report's folder" in missing.stderr
