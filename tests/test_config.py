"""Typed params: YAML quirks, site codes as strings, errors with file, line and key."""

from pathlib import Path

import pytest

from peerimpact import InvalidStudy, load_study
from peerimpact.config import Instrument, StudyConfig, parse_model
from peerimpact.problems import Problems


def parse(tmp_path: Path, text: str, model=StudyConfig):
    path = tmp_path / "x.yml"
    path.write_text(text)
    problems = Problems()
    return parse_model(model, path, problems), problems


STUDY = """\
name: Demo
sites: [029, 030, NO]
timepoints: [T1, T2]
files:
  participants: p.csv
  questionnaires: q.csv
"""


def test_site_codes_stay_strings_with_leading_zeros(tmp_path):
    config, problems = parse(tmp_path, STUDY)
    assert not problems
    assert config.sites == ["029", "030", "NO"]  # not 29, not False
    assert config.files.questionnaires == ["q.csv"]


def test_numeric_site_codes_become_strings(tmp_path):
    config, _ = parse(tmp_path, STUDY.replace("[029, 030, NO]", "[1, 2]"))
    assert config.sites == ["1", "2"]


def test_every_problem_with_line_and_key(tmp_path):
    text = STUDY.replace("timepoints: [T1, T2]", "timepoints: [T1, t1]\ncohorts:\n  a: {label: A, wher: {x: 1}}")
    config, problems = parse(tmp_path, text)
    assert config is None
    got = {(p.line, p.column) for p in problems}
    assert (3, "timepoints.1") in got  # listed twice ignoring case, at the second
    assert (5, "cohorts.a.where") in got  # required key missing, reported where its parent is
    assert (5, "cohorts.a.wher") in got


def test_yaml_syntax_error_has_a_line(tmp_path):
    _, problems = parse(tmp_path, "name: [unclosed\nsites: x\n")
    [p] = problems
    assert p.rule == "yaml-syntax" and p.line is not None


def test_item_ranges_expand(tmp_path):
    inst, problems = parse(
        tmp_path,
        """\
id: demo
name: Demo
min: 0
max: 3
items: 1-4
subscales:
  a: {label: A, items: "2-3", method: mean, reverse: [3]}
""",
        Instrument,
    )
    assert not problems
    assert inst.items == ["1", "2", "3", "4"]
    assert inst.subscales["a"].items == ["2", "3"] and inst.subscales["a"].reverse == ["3"]


def test_unknown_instrument_is_reported(example_copy):
    yml = example_copy / "study.yml"
    yml.write_text(yml.read_text().replace("instruments: [wemwbs,", "instruments: [nosuch, wemwbs,"))
    with pytest.raises(InvalidStudy) as info:
        load_study(example_copy)
    [p] = info.value.problems
    assert p.rule == "unknown-instrument" and p.value == "nosuch"


def test_study_instrument_overrides_default(example_copy):
    (example_copy / "instruments").mkdir()
    default = (Path(__file__).parents[1] / "params" / "instruments" / "wemwbs.yml").read_text()
    (example_copy / "instruments" / "wemwbs.yml").write_text(default.replace("max_missing: 1", "max_missing: 0"))
    strict, default_study = load_study(example_copy), load_study()

    def n(study):
        return study.scores.query("instrument == 'wemwbs'")["score"].notna().sum()

    assert n(strict) < n(default_study)


def test_docstrings_point_at_things_that_exist():
    import importlib
    import inspect
    import pkgutil
    import re

    import peerimpact

    broken = []
    for info in pkgutil.walk_packages(peerimpact.__path__, "peerimpact."):
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module):
            ours = (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module.__name__
            doc = inspect.getdoc(obj) if ours else None
            for _kind, target in re.findall(r":(func|meth|class|mod):`~?([\w.]+)`", doc or ""):
                parts = target.split(".")
                root = parts[0] if parts[0] == "peerimpact" else None
                here = module if root is None else importlib.import_module("peerimpact")
                found = here
                try:
                    for i, part in enumerate(parts[1:] if root else parts):
                        if not hasattr(found, part):  # a submodule not yet imported as an attribute
                            found = importlib.import_module(".".join(parts[: i + 2]))
                        else:
                            found = getattr(found, part)
                except (AttributeError, ImportError, TypeError):
                    broken.append(f"{info.name}.{getattr(obj, '__name__', obj)}: {target}")
    assert not broken, broken


# ------------------------------------------------------------------ YAML read the same way by both parsers

READS = [
    # (text, the values read, or the rule and line of the one problem)
    ("a: 1\nb: 2\na: 3\n", ("duplicate-key", 3)),
    ("a: {x: 1, y: 2, x: 3}\n", ("duplicate-key", 1)),
    ("a:\n  - {k: 1}\n  - {k: 2, k: 3}\n", ("duplicate-key", 3)),
    ('a: 1\n"a": 2\n', ("duplicate-key", 2)),
    ('1: a\n"1": b\n', ("duplicate-key", 2)),
    ("~: a\nnull: b\n", ("duplicate-key", 2)),
    ("true: a\nTrue: b\n", ("duplicate-key", 2)),
    ("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\nd: *b\n", {"base": {"x": 1}, "c": {"x": 1, "y": 2}, "d": {"x": 1}}),
    ("a: !!set {x, y}\n", ("yaml-tag", 1)),
    ("a: 1\nb: !!binary aGVsbG8=\n", ("yaml-tag", 2)),
    ("a: !!timestamp 2021-03-31\n", ("yaml-tag", 1)),
    ("a: !local x\n", ("yaml-tag", 1)),
    ("a: !!omap [{x: 1}]\n", ("yaml-tag", 1)),
    ("a: !!python/name:os.system\n", ("yaml-tag", 1)),
    ("a: !!int 1_000\n", ("yaml-value", 1)),
    ("a: !!int ٤٥\n", ("yaml-value", 1)),
    ("a: !!float 1_0.5\n", ("yaml-value", 1)),
    ("a: !!bool yes\n", ("yaml-value", 1)),
    ("a: !!null x\n", ("yaml-value", 1)),
    (
        "a: 1_000\nb: 1_000.5\nc: 1:30.0\nd: .inf\ne: ٤٥\nf: ４５\ng: 0x1F\nh: 029\n",
        {"a": "1_000", "b": "1_000.5", "c": "1:30.0", "d": ".inf", "e": "٤٥", "f": "４５", "g": "0x1F", "h": "029"},
    ),
    (
        "a: 45\nb: -4.5\nc: true\nd: ~\ne: no\nf: 2021-03-31\ng: !!str 45\nh: !!int 45\ni: !!float 1\n",
        {"a": 45, "b": -4.5, "c": True, "d": None, "e": "no", "f": "2021-03-31", "g": "45", "h": 45, "i": 1.0},
    ),
]


@pytest.mark.parametrize("loader", ["libyaml", "python"])
@pytest.mark.parametrize("text, expected", READS, ids=[f"read{i}" for i in range(len(READS))])
def test_yaml_reads_only_plain_values_with_either_parser(tmp_path, loader, text, expected):
    from peerimpact.config.yaml import PlainLoader, _parse, _PyLoader
    from peerimpact.limits import current

    problems = Problems()
    data, _ = _parse(text, tmp_path / "x.yml", problems, current(), PlainLoader if loader == "libyaml" else _PyLoader)
    if isinstance(expected, dict):
        assert not problems, [p.format() for p in problems]
        assert data == expected
        assert {k: type(v) for k, v in data.items()} == {k: type(v) for k, v in expected.items()}
    else:
        assert data is None
        assert [(p.rule, p.line) for p in problems] == [expected], [p.format() for p in problems]


def test_libyaml_is_used_where_pyyaml_has_it():
    import yaml

    from peerimpact.config.yaml import PlainLoader, _PyLoader

    assert issubclass(_PyLoader, yaml.SafeLoader)
    assert issubclass(PlainLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@pytest.mark.parametrize(
    "text",
    [
        "name: x\nsites: [" + "S, " * 100 + "'oops' x]\nz: 1\n",  # mid-line
        "name: x\nsites: [" + "S, " * 100 + "\n\n",
    ],
)  # the file ends in a list
def test_a_syntax_error_shows_a_short_excerpt_of_its_line(tmp_path, text):
    _, problems = parse(tmp_path, text)
    [p] = problems
    assert p.rule == "yaml-syntax" and p.line == 2, p.format()
    assert p.value is not None and 0 < len(p.value) <= 80 and "S, S" in p.value, p.format()


# ------------------------------------------------------------------ messages in plain words

BROKEN = [
    "cohorts:\n  a: {label: A, where: {consent_date: {from: 2019-03-01, to: 2019-01-31}}}",
    "cohorts:\n  a: {label: A, where: {consent_date: {from: someday}}}",
    "cohorts:\n  a: {label: A, where: {months_in_post: {min: a lot}}}",
    "cohorts:\n  a: {label: A, where: {months_in_post: {min: 5, max: 1}}}",
    "cohorts:\n  a: {label: A, where: {site: [[S1]]}}",
    "cohorts:\n  a: {label: A, where: {site: {}}}",
    "reporting_period: {start: 2021-03-31, end: 2020-04-01}",
    "targets: {recruitment: {total: 5, start: 2021-01-01, by: 2020-01-01}}",
    "milestones:\n  - {name: M, due: 2020-01-01, evidence: {consented: 1, contacts: 2}}",
    "comparisons: [[T1, T3]]",
]


@pytest.mark.parametrize("extra", BROKEN)
def test_each_problem_is_one_message_in_plain_words(tmp_path, extra):
    config, problems = parse(tmp_path, STUDY + extra + "\n")
    assert config is None
    [p] = problems
    shown = p.format()
    for internal in ("function-after", "Value error", "list[str]", "During", "Between", "[key]", "[type="):
        assert internal not in shown, shown
    assert p.line is not None and p.line > 6, shown


def test_a_reversed_range_says_so_at_its_start(tmp_path):
    _, problems = parse(tmp_path, STUDY + "reporting_period:\n  end: 2020-04-01\n  start: 2021-03-31\n")
    [p] = problems
    assert (p.line, p.column, p.value) == (9, "reporting_period.start", "2021-03-31")
    assert p.message == "starts after it ends: 2021-03-31 > 2020-04-01"


def test_identifiers_are_nfc(tmp_path):
    text = STUDY.replace("[029, 030, NO]", '["cafe\\u0301", S2]').replace("[T1, T2]", '["T\\uff11", T2]')
    config, problems = parse(tmp_path, text)
    assert not problems, [p.format() for p in problems]
    assert config.sites == ["caf\u00e9", "S2"]  # composed, as the data's values will be
    assert config.timepoints == ["T\uff11", "T2"]  # NFC keeps compatibility forms; only twins are errors


def test_a_setting_on_the_command_line_is_read_as_strictly(tmp_path):
    from peerimpact.config.overrides import override

    problems = Problems()
    found: dict = {}
    override(found, {"min_pairs": "1_000", "quotes_per_theme": "٣"}, problems)
    messages = {p.column: p.message for p in problems}
    assert set(messages) == {"analysis.min_pairs", "qualitative.quotes_per_theme"}, messages
    assert "without _" in messages["analysis.min_pairs"]
    assert "ARABIC-INDIC DIGIT THREE" in messages["qualitative.quotes_per_theme"]
    assert not any("Value error" in m for m in messages.values())
