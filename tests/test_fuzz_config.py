"""YAML and settings that must be refused, not read into something else: each case is a fuzz case.

Every case runs through :func:`test_fuzz.run_case` (no traceback, exit 2, a problem naming the
file and its line, no input changed, nothing written, done in time) and then checks what the
problem says: its real cause, the value it names, how many errors there are, and that no
message shows pydantic's own wording (``function-after[...]``, ``Value error,``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from peerimpact.resources import params_dir
from test_fuzz import SECONDS, Case, replace, run_case, validate, write, yml

# What pydantic says of itself, never to a user.
INTERNALS = (
    "function-after",
    "function-before",
    "Value error",
    "list[str]",
    "[type=",
    "pydantic",
    "union_tag",
    "Input should be a valid dictionary or instance",
)


@dataclass
class ConfigCase(Case):
    at: int | None = None  # the line the problem must be at
    says: tuple[str, ...] = ()  # each must be in the located problem line
    value: str | None = None  # the value a located problem line names
    errors: int | None = None  # exactly this many errors, when one cause must be one error


def bounded(run: Callable[[], str]) -> str:
    """``run()``, stopped with an error after ``SECONDS``: a command that waits on a FIFO for ever
    fails the case instead of hanging the test run."""

    def stop(signum, frame):
        raise TimeoutError(f"still running after {SECONDS} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(SECONDS)
    try:
        return run()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def located(text: str, where: str) -> list[str]:
    """The problem lines of ``text`` that name ``where`` and a line number."""
    return [line for line in text.splitlines() if re.search(re.escape(where) + r"[^ ]*:\d+:", line)]


# ------------------------------------------------------------------ helpers that break files


def params_copy(study: Path) -> Path:
    params = study.parent / "params"
    shutil.copytree(params_dir(), params)
    return params


def list_with(params: Path, study: Path) -> list[str]:
    return ["list", "--study", str(study), "--params", str(params), "--out", str(study.parent / "reports")]


def in_params(name: str, old: str, new: str) -> Callable[[Path], list[str]]:
    """A case that edits ``params/<name>`` of a copy of the default params and lists the reports."""

    def breaks(study: Path) -> list[str]:
        params = params_copy(study)
        replace(params / name, old, new)
        return list_with(params, study)

    return breaks


def instrument(old: str, new: str) -> Callable[[Path], list[str]]:
    """A case that gives the study its own copy of an instrument, edited, and validates it."""

    def breaks(study: Path) -> list[str]:
        (study / "instruments").mkdir()
        text = (params_dir() / "instruments" / "wemwbs.yml").read_text(encoding="utf-8")
        assert old in text, old
        write(study / "instruments" / "wemwbs.yml", text.replace(old, new, 1))
        return validate(study)

    return breaks


def fifo_study(cmd: str) -> Callable[[Path], list[str]]:
    def breaks(study: Path) -> list[str]:
        (study / "study.yml").unlink()
        os.mkfifo(study / "study.yml")
        out = ["--out", str(study.parent / "reports")] if cmd == "build" else []
        return [cmd, "--study", str(study), *out]

    return breaks


def fifo_report_definition(study: Path) -> list[str]:
    params = params_copy(study)
    os.mkfifo(params / "reports" / "extra.yml")
    return list_with(params, study)


def long_line_syntax_error(study: Path) -> list[str]:
    return yml(
        study,
        "name: Example peer worker study (synthetic)",
        "name: Example " + "x" * 300 + ": bad: [unclosed " + "y" * 3000,
    )


def two_roles(study: Path) -> list[str]:
    return yml(study, "  contacts: contacts.csv", "  contacts: ./participants.csv")


# ------------------------------------------------------------------ the cases

DUPLICATE_KEYS = [
    ConfigCase(
        "second bank cohort",
        lambda s: yml(
            s, "  early_starters:", "  bank:\n    label: Bank again\n    where: {site: S1}\n  early_starters:"
        ),
        "study.yml",
        at=36,
        says=("duplicate key 'bank'", "first at line 33"),
        value="bank",
    ),
    ConfigCase(
        "duplicate top-level key",
        lambda s: yml(s, "timepoints: [T1, T2, T3]", "timepoints: [T1, T2, T3]\ntimepoints: [T1, T2]"),
        "study.yml",
        at=7,
        says=("duplicate key 'timepoints'",),
        value="timepoints",
    ),
    ConfigCase(
        "duplicate key in an instrument",
        instrument("name:", "name: Again\nname:"),
        "wemwbs.yml",
        at=5,
        says=("duplicate key 'name'",),
        value="name",
    ),
    ConfigCase(
        "duplicate key in analysis.yml",
        in_params("analysis.yml", "min_pairs: 6", "min_pairs: 6\nmin_pairs: 2"),
        "analysis.yml",
        at=9,
        says=("duplicate key 'min_pairs'",),
        value="min_pairs",
    ),
    ConfigCase(
        "duplicate key in a report definition",
        in_params("reports/site.yml", "kind: site", "kind: site\nkind: study"),
        "site.yml",
        at=4,
        says=("duplicate key 'kind'",),
        value="kind",
    ),
    ConfigCase(
        "duplicate key in a disclosure policy",
        in_params("disclosure/nhs_digital.yml", "threshold: 8", "threshold: 8\nthreshold: 1"),
        "nhs_digital.yml",
        at=9,
        says=("duplicate key 'threshold'",),
        value="threshold",
    ),
    ConfigCase(
        "duplicate key in norms.yml",
        in_params("norms.yml", "    total: {mean: 51.6, sd: 8.71}", "    total: {mean: 51.6, sd: 8.71, sd: 1}"),
        "norms.yml",
        at=12,
        says=("duplicate key 'sd'",),
        value="sd",
    ),
]

TAGS = [
    ConfigCase(
        "!!set of sites",
        lambda s: yml(s, "sites: [S1, S2, S3, S4, S5, S6, S7]", "sites: !!set {S1, S2, S3, S4, S5, S6, S7}"),
        "study.yml",
        at=5,
        says=("!!set is not allowed",),
        value="!!set",
    ),
    ConfigCase(
        "!!binary name",
        lambda s: yml(s, "name: Example peer worker study (synthetic)", "name: !!binary aGVsbG8="),
        "study.yml",
        at=3,
        says=("!!binary is not allowed",),
        value="!!binary",
    ),
    ConfigCase(
        "local tag",
        lambda s: yml(s, "data_cut: 2021-03-31", "data_cut: !date 2021-03-31"),
        "study.yml",
        at=4,
        says=("!date is not allowed",),
        value="!date",
    ),
    ConfigCase(
        "!!omap of services",
        lambda s: yml(s, "services:\n", "services: !!omap\n"),
        "study.yml",
        at=9,
        says=("!!omap is not allowed",),
        value="!!omap",
    ),
    ConfigCase(
        "python tag still refused",
        lambda s: yml(s, "data_cut: 2021-03-31", 'data_cut: !!python/object/apply:os.system ["true"]'),
        "study.yml",
        at=4,
        says=("is not allowed",),
    ),
]

REPEATS = [
    ConfigCase(
        "timepoint compared with itself",
        lambda s: yml(s, "timepoints: [T1, T2, T3]", "timepoints: [T1, T2, T3]\ncomparisons: [[T1, T1]]"),
        "study.yml",
        at=7,
        says=("compares T1 with itself",),
        value="T1-T1",
        errors=1,
    ),
    ConfigCase(
        "comparison listed twice",
        lambda s: yml(
            s,
            "timepoints: [T1, T2, T3]",
            "timepoints: [T1, T2, T3]\ncomparisons:\n  - [T1, T2]\n  - [T1, T3]\n  - [T2, T1]",
        ),
        "study.yml",
        at=10,
        says=("listed twice",),
        value="T2-T1",
        errors=1,
    ),
    ConfigCase(
        "comparison of an unknown timepoint",
        lambda s: yml(
            s, "timepoints: [T1, T2, T3]", "timepoints: [T1, T2, T3]\ncomparisons:\n  - [T1, T2]\n  - [T1, T9]"
        ),
        "study.yml",
        at=9,
        says=("unknown timepoint 'T9'",),
        value="T9",
        errors=1,
    ),
    ConfigCase(
        "instrument listed twice",
        lambda s: yml(s, "instruments: [wemwbs, mjs, itp, mbi]", "instruments: [wemwbs, mjs, itp, mbi, mjs]"),
        "study.yml",
        at=7,
        says=("instrument 'mjs' is listed twice",),
        value="mjs",
        errors=1,
    ),
    ConfigCase(
        "questionnaire file listed three times",
        lambda s: yml(
            s,
            "  questionnaires: questionnaires.csv",
            "  questionnaires:\n    - questionnaires.csv\n    - questionnaires.csv\n    - ./questionnaires.csv",
        ),
        "study.yml",
        at=71,
        says=("named twice", "files.questionnaires.0"),
        value="./questionnaires.csv",
        errors=2,
    ),
    ConfigCase(
        "one file for two roles",
        two_roles,
        "study.yml",
        at=70,
        says=("named twice", "files.participants"),
        value="./participants.csv",
        errors=1,
    ),
    ConfigCase(
        "site listed twice in a report definition",
        in_params("reports/site.yml", "kind: site", "kind: site\nsites: [S1, S2, S1]"),
        "site.yml",
        at=4,
        says=("site 'S1' is listed twice",),
        value="S1",
        errors=1,
    ),
    ConfigCase(
        "instrument item listed twice",
        instrument("items: 1-14", "items: [1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]"),
        "wemwbs.yml",
        at=9,
        says=("item '2' is listed twice",),
        value="2",
    ),
]

LOOK_ALIKES = [
    ConfigCase(
        "site with a space beside the same site",
        lambda s: yml(s, "sites: [S1,", 'sites: ["S1 ", S1,'),
        "study.yml",
        at=5,
        says=("'S1' and 'S1 '", "spaces at the ends"),
        value="S1",
        errors=1,
    ),
    ConfigCase(
        "site with spaces at its ends",
        lambda s: yml(s, "S7]", 'S7, " S8"]'),
        "study.yml",
        at=5,
        says=("spaces at the ends of ' S8'",),
        value=" S8",
    ),
    ConfigCase(
        "full-width site beside the same site",
        lambda s: yml(s, "S7]", "S7, Ｓ1]"),
        "study.yml",
        at=5,
        says=("'Ｓ1' and 'S1'", "Unicode form"),
        value="Ｓ1",
        errors=1,
    ),
    ConfigCase(
        "sites repeat ignoring case",
        lambda s: yml(s, "sites: [S1, S2,", "sites: [S1, s1, S2,"),
        "study.yml",
        at=5,
        says=("'s1' and 'S1'", "case"),
        value="s1",
        errors=1,
    ),
    ConfigCase(
        "cohort names NFC and NFD",
        lambda s: yml(
            s,
            "  early_starters:",
            "  caf\u00e9:\n    label: A\n    where: {site: S1}\n  cafe\u0301:\n    label: B\n"
            "    where: {site: S2}\n  early_starters:",
        ),
        "study.yml",
        at=39,
        says=("Unicode form", r"'caf\xe9'", r"'cafe\u0301'"),
        value="cafe\u0301",
        errors=1,
    ),
    ConfigCase(
        "cohort names differ in case",
        lambda s: yml(s, "  early_starters:", "  Bank:\n    label: B\n    where: {site: S2}\n  early_starters:"),
        "study.yml",
        at=36,
        says=("'Bank' and 'bank'", "case"),
        value="Bank",
        errors=1,
    ),
    ConfigCase(
        "timepoint with a trailing space",
        lambda s: yml(s, "timepoints: [T1, T2, T3]", 'timepoints: [T1, T2, T3, "T4 "]'),
        "study.yml",
        at=6,
        says=("spaces at the ends of 'T4 '",),
        value="T4 ",
    ),
    ConfigCase(
        "category levels alike",
        lambda s: yml(s, 'gender: {M: "Male", F: "Female",', 'gender: {M: "Male", m: "male", F: "Female",'),
        "study.yml",
        at=23,
        says=("'m' and 'M'",),
        value="m",
        errors=1,
    ),
]

MESSAGES = [
    ConfigCase(
        "reporting period reversed",
        lambda s: yml(
            s,
            "reporting_period: {start: 2020-04-01, end: 2021-03-31}",
            "reporting_period: {start: 2021-03-31, end: 2020-04-01}",
        ),
        "study.yml",
        at=45,
        says=("starts after it ends: 2021-03-31 > 2020-04-01",),
        errors=1,
    ),
    ConfigCase(
        "cohort date range reversed",
        lambda s: yml(s, "{consent_date: {to: 2019-01-31}}", "{consent_date: {from: 2019-03-01, to: 2019-01-31}}"),
        "study.yml",
        at=38,
        says=("starts after it ends: 2019-03-01 > 2019-01-31",),
        errors=1,
    ),
    ConfigCase(
        "cohort range of neither kind",
        lambda s: yml(s, "{consent_date: {to: 2019-01-31}}", "{consent_date: {until: 2019-01-31}}"),
        "study.yml",
        at=38,
        errors=1,
        says=("a range is {min: …, max: …} for numbers or {from: …, to: …} for dates",),
    ),
    ConfigCase(
        "recruitment target ends before it starts",
        lambda s: yml(s, "    start: 2018-10-01", "    start: 2019-10-01"),
        "study.yml",
        at=50,
        says=("starts after it ends: 2019-10-01 > 2019-08-31",),
        errors=1,
    ),
    ConfigCase(
        "FIFO as study.yml", fifo_study("validate"), "study.yml", line=False, says=("not a regular file",), errors=1
    ),
    ConfigCase(
        "build of a FIFO study.yml",
        fifo_study("build"),
        "study.yml",
        line=False,
        says=("not a regular file",),
        errors=1,
    ),
    ConfigCase(
        "FIFO as a report definition",
        fifo_report_definition,
        "extra.yml",
        line=False,
        says=("not a regular file",),
        errors=1,
    ),
    ConfigCase(
        "syntax error on a long line",
        long_line_syntax_error,
        "study.yml",
        at=3,
        says=("not valid YAML at column",),
        errors=1,
    ),
]

NUMBERS = [
    ConfigCase(
        "underscores in a whole number",
        lambda s: yml(s, "contacts_per_month: 100 ", "contacts_per_month: 1_000 "),
        "study.yml",
        at=53,
        says=("without _",),
        value="1_000",
        errors=1,
    ),
    ConfigCase(
        "underscores in a number",
        lambda s: yml(s, "retention: {T2: 70, T3: 70}", "retention: {T2: 7_0.5, T3: 70}"),
        "study.yml",
        at=52,
        says=("without _",),
        value="7_0.5",
        errors=1,
    ),
    ConfigCase(
        "tagged number with underscores",
        lambda s: yml(s, "total: 38", "total: !!int 3_8"),
        "study.yml",
        at=49,
        says=("without _",),
    ),
    ConfigCase(
        "Arabic-Indic digits as a number",
        lambda s: yml(s, "total: 38", "total: ٣٨"),
        "study.yml",
        at=49,
        says=("ARABIC-INDIC DIGIT THREE",),
        value="٣٨",
        errors=1,
    ),
    ConfigCase(
        "tagged Arabic-Indic number",
        lambda s: yml(s, "total: 38", "total: !!int ٣٨"),
        "study.yml",
        at=49,
        says=("ARABIC-INDIC DIGIT THREE",),
    ),
    ConfigCase(
        "full-width digits as a date",
        lambda s: yml(s, "data_cut: 2021-03-31", "data_cut: ２０２１-０３-３１"),
        "study.yml",
        at=4,
        says=("FULLWIDTH DIGIT TWO",),
        value="２０２１-０３-３１",
        errors=1,
    ),
    ConfigCase(
        "Arabic-Indic digits in a milestone date",
        lambda s: yml(s, "due: 2019-08-31", "due: ٢٠١٩-٠٨-٣١"),
        "study.yml",
        at=56,
        says=("ARABIC-INDIC DIGIT TWO",),
        errors=1,
    ),
    ConfigCase(
        "a number as a date",
        lambda s: yml(s, "data_cut: 2021-03-31", "data_cut: 1617148800"),
        "study.yml",
        at=4,
        says=("YYYY-MM-DD",),
        value="1617148800",
        errors=1,
    ),
    ConfigCase(
        "true as a threshold",
        in_params("disclosure/nhs_digital.yml", "threshold: 8", "threshold: true"),
        "nhs_digital.yml",
        at=8,
        says=("not true",),
        errors=1,
    ),
    ConfigCase(
        "infinite norm",
        in_params("norms.yml", "total: {mean: 51.6,", "total: {mean: .inf,"),
        "norms.yml",
        at=12,
        says=("not a number: '.inf'",),
        errors=1,
    ),
    ConfigCase(
        "full-width digits in min_pairs",
        in_params("analysis.yml", "min_pairs: 6", "min_pairs: ６"),
        "analysis.yml",
        at=8,
        says=("FULLWIDTH DIGIT SIX",),
        value="６",
        errors=1,
    ),
    ConfigCase(
        "Arabic-Indic digits in an instrument's range",
        instrument("min: 1", "min: ١"),
        "wemwbs.yml",
        at=6,
        says=("ARABIC-INDIC DIGIT ONE",),
        value="١",
    ),
]

CASES = DUPLICATE_KEYS + TAGS + REPEATS + LOOK_ALIKES + MESSAGES + NUMBERS


@pytest.mark.integration
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_settings_that_cannot_be_read_as_written_are_located_problems(
    case: ConfigCase, tmp_path: Path, monkeypatch
) -> None:
    text = bounded(lambda: run_case(case, tmp_path, monkeypatch))
    for word in INTERNALS:
        assert word not in text, (word, text[-3000:])
    lines = (
        located(text, case.where)
        if case.line
        else [line for line in text.splitlines() if case.where in line and "error" in line]
    )
    if case.at is not None:
        lines = [line for line in lines if re.search(rf"{re.escape(case.where)}:{case.at}:", line)]
        assert lines, (case.where, case.at, text[-3000:])
    for phrase in case.says:
        assert any(phrase in line for line in lines), (phrase, text[-3000:])
    if case.value is not None:
        assert any(f"(value {case.value!r})" in line for line in lines), (case.value, text[-3000:])
    if case.errors is not None:
        assert re.search(rf"^{case.errors} errors?,", text, re.M), text[-3000:]


def test_a_syntax_error_shows_at_most_80_characters_of_its_line(tmp_path: Path, monkeypatch) -> None:
    text = bounded(
        lambda: run_case(ConfigCase("long line", long_line_syntax_error, "study.yml"), tmp_path, monkeypatch)
    )
    [line] = located(text, "study.yml")
    shown = re.search(r"\(value '(.*)'\)$", line)
    assert shown is not None, line
    assert 0 < len(shown.group(1)) <= 80 and ": bad: [unclosed" in shown.group(1), shown.group(1)
    assert len(line) < 250, line


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)
