"""Cohort rules checked against the study: a value nobody has is a warning at its line, a site the
study lacks an error naming its sites, a category matched by its code or its label alike."""

from __future__ import annotations

import pytest

from peerimpact import InvalidStudy, load_study

BANK = "    where: {contract_type: bank}"


def with_rule(study, rule: str, line: str = BANK) -> list[str]:
    """Replace the bank cohort's rule in ``study``'s study.yml; the file's lines."""
    yml = study / "study.yml"
    yml.write_text(yml.read_text().replace(line, rule))
    return yml.read_text().splitlines()


def test_a_value_nobody_has_is_a_warning_at_its_line(example_copy):
    lines = with_rule(example_copy, "    where: {contract_type: Bank}")
    study = load_study(example_copy)
    [p] = [p for p in study.problems if p.rule == "cohort-matches-nobody"]
    assert (p.severity, p.line, p.column, p.value) == (
        "warning",
        lines.index("    where: {contract_type: Bank}") + 1,
        "cohorts.bank.where.contract_type",
        "Bank",
    )
    assert p.message == "no participant has contract_type 'Bank', so this rule matches nobody; did you mean 'bank'?"
    assert not study.problems.has_errors and study.cohort_ids("bank") == []


def test_the_warning_names_the_values_there_are_and_points_at_the_item(example_copy):
    lines = with_rule(example_copy, "    where:\n      contract_type:\n        - bank\n        - agency")
    [p] = [p for p in load_study(example_copy).problems if p.rule == "cohort-matches-nobody"]
    assert p.line == lines.index("        - agency") + 1 and p.value == "agency"
    assert p.message.endswith("matches nobody (they have contracted, bank)")


def test_an_unknown_site_is_an_error_naming_the_sites(example_copy):
    lines = with_rule(example_copy, "    where:\n      site:\n        - S1\n        - S9")
    with pytest.raises(InvalidStudy) as info:
        load_study(example_copy)
    [p] = info.value.problems.errors
    assert (p.line, p.column, p.value) == (lines.index("        - S9") + 1, "cohorts.bank.where.site", "S9")
    assert p.message == "unknown site 'S9'; the study's sites are S1, S2, S3, S4, S5, S6, S7"


@pytest.mark.parametrize(
    "rule, column", [("3.5", "cohorts.bank.where.site"), ("[S1, 3.5]", "cohorts.bank.where.site.1")]
)
def test_a_decimal_for_a_value_is_one_plain_problem(example_copy, rule, column):
    lines = with_rule(example_copy, f"    where: {{site: {rule}}}")
    with pytest.raises(InvalidStudy) as info:
        load_study(example_copy)
    [p] = info.value.problems.errors
    assert (p.line, p.column) == (lines.index(f"    where: {{site: {rule}}}") + 1, column)
    assert (
        p.message
        == "3.5 is read as a number, not a value of site: put it in quotes (site: '3.5'), or give a range {min: …, max: …}"
    )


@pytest.mark.parametrize("rule, flag", [("true", True), ("yes", True), ("'no'", False), ("[n]", False)])
def test_a_yes_no_column_matches_yes_and_no(example_copy, rule, flag):
    with_rule(example_copy, f"    where: {{english_first_language: {rule}}}")
    study = load_study(example_copy)
    assert not study.problems.has_errors and not [p for p in study.problems if p.rule == "cohort-matches-nobody"]
    people = study.participants
    expected = people.loc[people["english_first_language"].eq(flag).fillna(False), "participant_id"].tolist()
    assert study.cohort_ids("bank") == expected and expected


@pytest.mark.parametrize("held", ["labels", "codes"])
def test_a_category_matches_by_its_code_or_its_label(example_copy, held):
    if held == "codes":  # the participants file gives gender as F, M and X instead of their labels
        csv = example_copy / "participants.csv"
        text = csv.read_text()
        for code, label in (("F", "Female"), ("M", "Male"), ("X", "Prefer not to say")):
            text = text.replace(f",{label},", f",{code},")
        csv.write_text(text)
    women = {}
    for rule in ("F", "Female", "female"):
        with_rule(example_copy, f"    where: {{gender: {rule}}}", line=BANK if rule == "F" else women["line"])
        women["line"] = f"    where: {{gender: {rule}}}"
        study = load_study(example_copy)
        assert not [p for p in study.problems if p.rule == "cohort-matches-nobody"]
        women[rule] = study.cohort_ids("bank")
    expected = study.participants.loc[study.participants["gender"] == "Female", "participant_id"].tolist()
    assert women["F"] == women["Female"] == women["female"] == expected and len(expected) > 10
