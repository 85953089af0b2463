"""Small-number suppression: each rule on crafted tables, and the policies of params/disclosure/."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from peerimpact.builder.audiences import load_policies
from peerimpact.config import DisclosureRules
from peerimpact.problems import Problems
from peerimpact.report.blocks import FigureBlock, Quotes, Table, TextBlock, release
from peerimpact.report.differencing import differencing_withheld
from peerimpact.report.disclosure import rounded, suppress_frame
from peerimpact.report.outcome_tables import table4
from peerimpact.report.plots import Figure
from peerimpact.report.policies import Context
from peerimpact.report.rule_policies import rules_policy
from peerimpact.report.tables import sample_sentences

POLICIES = load_policies(None, Problems())
NHS = POLICIES["nhs_digital"]
TEN = POLICIES["threshold10"]


def test_the_shipped_policies_say_what_the_guidance_says():
    assert (NHS.threshold, NHS.rounding, NHS.percentages, NHS.extremes) == (8, 5, "from_rounded", "hide")
    assert (NHS.statistics_min_n, NHS.tests_min_n) == (8, 8)
    assert (TEN.threshold, TEN.rounding, TEN.zeros) == (10, 1, "review")
    assert not POLICIES["none"].suppress and POLICIES["none"].quotes.ids


def suppress(frame, rules=NHS, **kw):
    out, log, _ = suppress_frame(pd.DataFrame(frame), rules, name="t", **kw)
    return out, {(s.row, s.column): (s.rule, s.kind) for s in log}


def test_counts_of_1_to_7_are_withheld_8_and_over_rounded_to_5_zero_shown():
    out, log = suppress({"count": [0, 1, 7, 8, 12, 13, 17, 18, 22]})
    assert out["count"].tolist() == [0, "*", "*", 10, 10, 15, 15, 20, 20]
    assert log[(2, "count")] == ("count below 8", "primary") and (1, "count") not in log
    assert rounded(12.5, 5) == 15 and rounded(7.5, 5) == 10  # halves up, as NHS Digital rounds


def test_threshold10_withholds_up_to_9_and_does_not_round():
    out, _ = suppress({"count": [9, 10, 13]}, TEN)
    assert out["count"].tolist() == ["*", 10, 13]


def test_percentages_are_computed_from_the_rounded_counts():
    out, _ = suppress(
        {"variable": ["g", "g"], "level": ["A", "B"], "n": [40, 40], "count": [13, 27], "percent": [32.5, 67.5]}
    )
    assert out["count"].tolist() == [15, 25] and out["n"].tolist() == [40, 40]
    assert out["percent"].tolist() == [pytest.approx(37.5), pytest.approx(62.5)]  # 15/40 and 25/40, not 13/40


def test_a_mean_of_6_people_is_withheld_and_of_8_shown():
    out, log = suppress({"n": [6, 8], "mean": [49.5, 50.25], "sd": [7.0, 8.0]})
    assert out.loc[0, ["n", "mean", "sd"]].tolist() == ["*", "*", "*"]
    assert out.loc[1, ["n", "mean", "sd"]].tolist() == [10, 50.25, 8.0]  # n rounded, the mean as computed
    assert log[(1, "mean")][0] == "based on fewer than 8 people"


def test_minimum_and_maximum_are_one_persons_values():
    frame = {"n": [30], "mean": [50.0], "min": [28.0], "max": [70.0]}
    out, log = suppress(frame)
    assert out.loc[0, ["min", "max"]].tolist() == ["*", "*"] and log[(1, "min")][1] == "primary"
    shown = NHS.model_copy(update={"extremes": "threshold"})
    assert suppress(frame, shown)[0].loc[0, ["min", "max"]].tolist() == [28.0, 70.0]
    assert suppress({**frame, "n": [7]}, shown)[0].loc[0, "min"] == "*"


def test_a_t_test_on_6_pairs_is_withheld():
    change = pd.DataFrame(
        {
            "instrument": "wemwbs",
            "subscale": "total",
            "comparison": ["T1-T2", "T1-T3"],
            "n": [6, 9],
            "change": [1.5, -2.0],
            "ci_low": [-1.0, -4.0],
            "ci_high": [4.0, 0.1],
            "p": [0.2, 0.06],
            "es": [0.2, -0.3],
            "d_z": [0.3, -0.5],
            "p_wilcoxon": [0.3, 0.1],
            "estimable": True,
            "note": None,
        }
    )
    shown = release(table4(change, {}), rules_policy(NHS))
    first, second = shown.data.iloc[0], shown.data.iloc[1]
    assert all(first[c] == "*" for c in ("n", "change", "ci_low", "ci_high", "p", "es", "d_z", "p_wilcoxon"))
    assert second["n"] == 10 and second["p"] == 0.06
    row = shown.display.iloc[0]
    assert row["Change (95% CI)"] == "*" and row["p"] == "*" and row["n"] == "*"
    assert shown.display.iloc[1]["Change (95% CI)"] == "-2.00 (-4.00, 0.10)"
    assert any("fewer than 8 people" in n for n in shown.all_notes)


def test_a_row_with_one_withheld_cell_and_a_total_withholds_another():
    table1 = {
        "variable": "gender",
        "level": ["Female", "Male", "Other"],
        "n": [25, 25, 25],
        "count": [3, 12, 10],
        "percent": [12.0, 48.0, 40.0],
    }
    out, log = suppress_with_groups(table1)
    # 3 is withheld; with n = 25 shown it would be 25 − 12 − 10, so the smallest other cell goes too
    assert out["count"].tolist() == ["*", 10, "*"]
    assert log[(1, "count")] == ("count below 8", "primary")
    assert log[(3, "count")] == ("protects a withheld cell from its total", "secondary")
    assert out["n"].tolist() == [25, 25, 25] and out["percent"].tolist() == ["*", pytest.approx(40.0), "*"]


def suppress_with_groups(frame):
    from peerimpact.report.disclosure import GROUPS

    out, log, _ = suppress_frame(pd.DataFrame(frame), NHS, name="table1", groups=GROUPS["table1"])
    return out, {(s.row, s.column): (s.rule, s.kind) for s in log}


def test_secondary_suppression_leaves_no_small_sum_to_subtract():
    out, log = suppress_with_groups(
        {
            "variable": "v",
            "level": ["a", "b", "c"],
            "n": [30, 30, 30],
            "count": [2, 3, 25],
            "percent": [6.7, 10.0, 83.3],
        }
    )
    # 2 + 3 = 5 is still below 8: the smallest cell shown (25) goes too
    assert out["count"].tolist() == ["*", "*", "*"] and log[(3, "count")][1] == "secondary"


def test_a_withheld_total_takes_its_zeros_with_it():
    out, _ = suppress_with_groups(
        {"variable": "v", "level": ["a", "b"], "n": [3, 3], "count": [3, 0], "percent": [100.0, 0.0]}
    )
    assert out["count"].tolist() == ["*", "*"]  # a 0 beside a withheld n would say everyone is "a"


def test_differencing_a_site_against_the_study():
    site = frozenset(f"p{i}" for i in range(10))
    key = ("scores", "wemwbs", "total", "T1")
    study_of_15 = site | {f"q{i}" for i in range(5)}
    assert differencing_withheld({"site-A": {key: site}}, {key: study_of_15}, 8) == {"site-A": {key}}
    study_of_20 = site | {f"q{i}" for i in range(10)}
    assert differencing_withheld({"site-A": {key: site}}, {key: study_of_20}, 8) == {"site-A": set()}


def test_differencing_two_overlapping_cohorts():
    key = ("change", "mjs", "overall", "T1-T2")
    a = frozenset(f"p{i}" for i in range(12))
    b = a | {"x1", "x2", "x3"}
    withheld = differencing_withheld({"cohort-a": {key: a}, "cohort-b": {key: b}}, {}, 8)
    assert withheld == {"cohort-a": {key}, "cohort-b": set()}  # one of the two goes: b − a is 3 people
    apart = frozenset(f"z{i}" for i in range(12))
    assert differencing_withheld({"cohort-a": {key: a}, "cohort-c": {key: apart}}, {}, 8) == {
        "cohort-a": set(),
        "cohort-c": set(),
    }


def test_a_figure_the_build_withholds_against_another_report_is_withheld_here():
    frame = pd.DataFrame(
        {"instrument": "wemwbs", "subscale": "total", "timepoint": ["T1", "T2"], "n": [20, 20], "mean": [50.0, 48.0]}
    )
    context = Context(withheld=frozenset({("scores", "wemwbs", "total", "T2")}))
    shown = rules_policy(NHS).apply(Table("t", "T", frame, lambda d: d.astype(str)), context)
    assert shown.data["mean"].tolist() == [50.0, "*"] and shown.data["n"].tolist() == [20, "*"]
    assert [s.kind for s in shown.suppressed] == ["secondary", "secondary"]


def test_sentences_never_give_a_withheld_figure():
    facts = {
        "n": 5,
        "sites": 1,
        "bank": 1,
        "contracted": 4,
        "sick_known": 4,
        "no_sick_leave": 2,
        "with_sick_leave": 2,
        "sick_median_among_some": 3.0,
        "sick_min_among_some": 2.0,
        "sick_max_among_some": 4.0,
        "recording_contacts": 5,
    }
    block = TextBlock(
        "s", facts, sample_sentences, roles=__import__("peerimpact.report.tables", fromlist=["x"]).SAMPLE_FACT_ROLES
    )
    text = release(block, rules_policy(NHS)).text
    assert "fewer than 8 peer workers" in text and "contact activity below" in text
    assert not any(f" {v} " in f" {text} " for v in ("5", "4", "3.0", "2"))


def test_quotes_lose_their_ids_and_a_scope_with_too_few_interviewees_shows_none():
    quotes = pd.DataFrame(
        {
            "theme": ["T", "T"],
            "excerpt_id": ["S1-PW01-T1-1", "S1-PW02-T2-1"],
            "label": ["S1-PW01-T1", "S1-PW02-T2"],
            "timepoint": ["T1", "T2"],
            "text": ["Words.", "More words."],
            "pinned": False,
        }
    )
    shown = release(Quotes(quotes, interviewees=5), rules_policy(NHS))
    assert shown.quotes["label"].tolist() == ["Peer worker, T1", "Peer worker, T2"]
    assert shown.quotes["excerpt_id"].tolist() == ["", ""] and "S1-PW01" not in shown.to_html()
    few = release(Quotes(quotes, interviewees=2), rules_policy(NHS))
    assert few.quotes.empty and "fewer than 3 peer workers" in few.to_html() and "Words." not in few.to_html()
    assert release(Quotes(quotes, interviewees=2), "none").quotes["label"].tolist() == ["S1-PW01-T1", "S1-PW02-T2"]


def test_a_withheld_group_is_not_drawn():
    drawn = []
    frame = pd.DataFrame({"timepoint": ["T1", "T2"], "n": [5, 12], "mean": [3.0, 4.0]})
    block = FigureBlock(
        "f", frame, lambda data: drawn.append(data["mean"].tolist()) or Figure("f", "<svg></svg>", "means by timepoint")
    )
    shown = release(block, rules_policy(NHS))
    _ = shown.figure
    assert math.isnan(drawn[0][0]) and drawn[0][1] == 4.0 and "not drawn" in shown.to_html()


def test_the_record_of_a_shared_table_lists_every_withheld_cell(tmp_path):
    table = Table("t", "T", pd.DataFrame({"n": [5, 20], "mean": [1.0, 2.0]}), lambda d: d.astype(str))
    release(table, rules_policy(NHS), tmp_path)
    record = pd.read_csv(tmp_path / "_suppression.csv")
    assert record[["table", "row", "column", "kind"]].values.tolist() == [
        ["t", 1, "mean", "withheld"],
        ["t", 1, "n", "withheld"],
    ]
    assert record["rule"].nunique() == 1  # one reason for all: below the threshold or protecting one is not said
    assert pd.read_csv(tmp_path / "t.csv", dtype=str).values.tolist() == [["*", "*"], ["20", "2.0"]]


def test_a_policy_file_is_checked(tmp_path):
    folder = tmp_path / "disclosure"
    folder.mkdir()
    (folder / "strict.yml").write_text("name: other\ndescription: x\n")
    (folder / "loose.yml").write_text("name: loose\ndescription: x\nthreshold: 0\n")
    problems = Problems()
    assert load_policies(tmp_path, problems) == {}
    found = {(p.file.rsplit("/", 1)[-1], p.column) for p in problems}
    assert ("strict.yml", "name") in found and ("loose.yml", "threshold") in found


def test_rules_are_checked():
    with pytest.raises(ValueError):
        DisclosureRules(name="x", description="y", threshold=0)


def test_hostile_text_in_site_names_labels_and_policy_params_is_escaped():
    from dataclasses import asdict

    from peerimpact.builder.document import ReportDocument
    from peerimpact.builder.jobs import TitleBlock
    from peerimpact.builder.render import to_html

    evil = "<script>alert(1)</script>"
    title = TitleBlock(
        f"Report {evil}",
        f"Site {evil}",
        f"Study {evil}",
        None,
        "0",
        "site-x",
        f"p{evil}",
        f"withholds {evil}",
        internal=False,
    )
    html = to_html(ReportDocument({**asdict(title), "built_at": "now"}))
    # title twice, scope twice, study, what the disclosure does (a policy's name reaches the page in those words)
    assert "<script>" not in html and html.count("&lt;script&gt;") == 6
    rules = NHS.model_copy(update={"description": f"counts {evil}"})
    frame = pd.DataFrame({"variable": [evil], "level": [f"<b>{evil}</b>"], "n": [30], "count": [3]})
    shown = release(Table(evil, evil, frame, lambda d: d.astype(str), notes=[evil]), rules_policy(rules))
    table = shown.to_html()
    assert "<script>" not in table and "<b>" not in table and table.count("&lt;script&gt;") >= 5


def test_differencing_reads_masks_as_it_reads_sets():
    import numpy as np

    people = [f"p{i}" for i in range(40)]
    a, b, study = set(people[:12]), set(people[:15]), set(people[:30])
    key = ("scores", "mjs", "overall", "T1")
    as_sets = differencing_withheld({"a": {key: frozenset(a)}, "b": {key: frozenset(b)}}, {key: frozenset(study)}, 8)

    def mask(s):
        return np.array([p in s for p in people])

    as_masks = differencing_withheld({"a": {key: mask(a)}, "b": {key: mask(b)}}, {key: mask(study)}, 8)
    assert as_sets == as_masks == {"a": {key}, "b": set()}  # b − a is 3 people; after a goes, study − b is 15


def _parts(sets):
    """People split by hand into parts by which sets hold them: pattern -> people."""
    parts = {}
    for person in set().union(*sets):
        parts.setdefault(tuple(person in s for s in sets), []).append(person)
    return parts


def _small_parts(sets, threshold):
    return sum(len(p) < threshold for p in _parts(sets).values())


def _smallest_by_brute_force(sets, threshold):
    """The number of people in a smallest group of 1 to threshold − 1 that adding and subtracting
    the sets' sizes reveals, or None: every union of parts of fewer than threshold people tried,
    no matter how many parts there are (call it with few enough small parts to enumerate)."""
    import itertools

    import numpy as np

    parts = _parts(sets)
    keys = list(parts)
    indicators = np.array([[1.0 if key[i] else 0.0 for key in keys] for i in range(len(sets))])
    small = [j for j, key in enumerate(keys) if len(parts[key]) < threshold]
    candidates = [
        (sum(len(parts[keys[j]]) for j in combo), combo)
        for size in range(1, len(small) + 1)
        for combo in itertools.combinations(small, size)
        if sum(len(parts[keys[j]]) for j in combo) < threshold
    ]
    if not candidates:
        return None
    targets = np.zeros((len(keys), len(candidates)))
    for c, (_, combo) in enumerate(candidates):
        targets[list(combo), c] = 1.0
    coefficients = np.linalg.lstsq(indicators.T, targets, rcond=None)[0]
    revealed = np.abs(indicators.T @ coefficients - targets).max(axis=0) < 1e-6
    sizes = [n for (n, _), ok in zip(candidates, revealed) if ok]
    return min(sizes) if sizes else None


def _revealed(sets, group):
    """Whether one person-by-person indicator combination of the sets equals the group's."""
    import numpy as np

    everyone = sorted(set().union(*sets))
    matrix = np.array([[1.0 if p in s else 0.0 for p in everyone] for s in sets])
    target = np.array([1.0 if p in group else 0.0 for p in everyone])
    x = np.linalg.lstsq(matrix.T, target, rcond=None)[0]
    return bool(np.abs(matrix.T @ x - target).max() < 1e-6)


def _random_release(rng, people, n_sets):
    """Published populations as a study's reports make them: random groups, and sometimes a
    group's complement (a site and the rest of the study) or the union of two (a region)."""
    ids = [f"p{i}" for i in range(people)]
    sets = [{p for p in ids if rng.random() < rng.uniform(0.1, 0.9)} for _ in range(n_sets)]
    if rng.random() < 0.3:
        sets.append(set(ids) - sets[0])
    if rng.random() < 0.3 and len(sets) > 1:
        sets.append(sets[0] | sets[1])
    return [s for s in sets if s]


@pytest.mark.integration
def test_derivable_group_agrees_with_brute_force_on_every_case():
    import numpy as np

    import peerimpact
    from peerimpact.report.differencing import _disclosive

    rng = np.random.default_rng(2022)
    found = above_cap = 0
    for case in range(300):
        sets = _random_release(rng, int(rng.integers(5, 60)), int(rng.integers(1, 9)))
        threshold = int(rng.integers(3, 11))
        small_parts = _small_parts(sets, threshold)
        if small_parts > 16:  # too many unions for brute force to try them all: draw again
            continue
        smallest = _smallest_by_brute_force(sets, threshold)
        group = peerimpact.derivable_group(sets, threshold)
        assert (group is None) == (smallest is None), case
        assert (_disclosive([frozenset(s) for s in sets], threshold) is None) == (smallest is None), case
        if group is not None:
            assert len(group) == smallest, case
            assert _revealed(sets, group), case  # adding and subtracting the sets' sizes gives it
        found += group is not None
        above_cap += small_parts > 10
    assert 60 < found < 260 and above_cap > 40  # both answers, and many cases past the old cap of 10 parts


@pytest.mark.integration
def test_the_exact_search_finds_groups_of_three_parts_that_no_single_part_or_pair_reveals():
    import itertools

    import numpy as np

    import peerimpact
    from peerimpact.report.differencing import _disclosive

    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(3000):
        sets = _random_release(rng, int(rng.integers(20, 50)), int(rng.integers(5, 9)))
        threshold = int(rng.integers(6, 11))
        small = [set(p) for p in _parts(sets).values() if len(p) < threshold]
        if not 10 < len(small) <= 16:
            continue
        smallest = _smallest_by_brute_force(sets, threshold)
        if smallest is None:
            continue
        by_one_or_two = any(
            _revealed(sets, set().union(*combo)) and len(set().union(*combo)) < threshold
            for size in (1, 2)
            for combo in itertools.combinations(small, size)
        )
        if by_one_or_two:
            continue
        group = peerimpact.derivable_group(sets, threshold)
        assert group is not None and len(group) == smallest and _revealed(sets, group)
        assert _disclosive([frozenset(s) for s in sets], threshold) is not None  # the planner's search too
        hits += 1
        if hits == 5:
            break
    assert hits == 5  # such releases exist, and every one is caught
