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
    assert (3, "timepoints") in got  # listed twice ignoring case
    assert (5, "cohorts.a.where") in got  # required key missing, reported where its parent is
    assert (5, "cohorts.a.wher") in got


def test_yaml_syntax_error_has_a_line(tmp_path):
    _, problems = parse(tmp_path, "name: [unclosed\nsites: x\n")
    [p] = problems
    assert p.rule == "yaml-syntax" and p.line is not None


def test_item_ranges_expand(tmp_path):
    inst, problems = parse(tmp_path, """\
id: demo
name: Demo
min: 0
max: 3
items: 1-4
subscales:
  a: {label: A, items: "2-3", method: mean, reverse: [3]}
""", Instrument)
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
    n = lambda s: s.scores.query("instrument == 'wemwbs'")["score"].notna().sum()
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
            for kind, target in re.findall(r":(func|meth|class|mod):`~?([\w.]+)`", doc or ""):
                parts = target.split(".")
                root = parts[0] if parts[0] == "peerimpact" else None
                here = module if root is None else importlib.import_module("peerimpact")
                found = here
                try:
                    for i, part in enumerate(parts[1:] if root else parts):
                        if not hasattr(found, part):  # a submodule not yet imported as an attribute
                            found = importlib.import_module(".".join(parts[:i + 2]))
                        else:
                            found = getattr(found, part)
                except (AttributeError, ImportError, TypeError):
                    broken.append(f"{info.name}.{getattr(obj, '__name__', obj)}: {target}")
    assert not broken, broken
