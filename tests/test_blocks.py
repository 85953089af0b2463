"""The one exit: every block leaves a section through release(), where the disclosure policy applies
to the data that the CSV, the HTML, the figure and the sentence are then all made from."""

from __future__ import annotations

import dataclasses
import re

import nbformat
import pandas as pd
import pytest

from peerimpact.report.blocks import FigureBlock, Quotes, Table, TextBlock, release
from peerimpact.report.policies import POLICIES, DisclosurePolicy, register_policy
from peerimpact.report.tables import sample_sentences
from peerimpact.resources import notebooks_dir


def hide_counts(block, context):
    """A policy for this test: every count becomes 0, wherever it is."""
    if isinstance(block, Table):
        return dataclasses.replace(block, data=block.data.assign(count=0))
    if isinstance(block, FigureBlock):
        return dataclasses.replace(block, data=block.data.assign(count=0))
    if isinstance(block, TextBlock):
        return dataclasses.replace(block, facts={k: 0 if isinstance(v, int) else v for k, v in block.facts.items()})
    return dataclasses.replace(block, quotes=block.quotes.iloc[0:0])


@pytest.fixture
def policy():
    register_policy(DisclosurePolicy("hide-counts", "every count is 0", hide_counts))
    yield "hide-counts"
    POLICIES.unregister("hide-counts")


def test_a_policy_reaches_the_csv_and_the_html_of_a_table(policy, tmp_path):
    data = pd.DataFrame({"level": ["A", "B"], "count": [3, 12]})
    table = Table("t1", "Counts", data, lambda d: pd.DataFrame({"Level": d["level"], "Count": d["count"].astype(str)}))
    shown = release(table, policy, tmp_path)
    assert pd.read_csv(tmp_path / "t1.csv")["count"].tolist() == [0, 0]
    assert "<td>12</td>" not in shown.to_html() and shown.to_html().count("<td>0</td>") == 2
    assert table.data["count"].tolist() == [3, 12]  # the computed block is left as it was


def test_a_figure_is_drawn_from_the_data_the_policy_returns(policy):
    drawn = []
    figure = FigureBlock("f", pd.DataFrame({"count": [7]}), lambda data: drawn.append(data["count"].tolist()))
    _ = release(figure, policy).figure
    assert drawn == [[0]]


def test_sentences_are_written_from_the_facts_the_policy_returns(policy):
    facts = {"n": 4, "sites": 1, "contracted": 4, "bank": 0, "sick_known": 0, "recording_contacts": 0}
    assert "4 peer workers" in TextBlock("s", facts, sample_sentences).text
    assert "0 peer workers" in release(TextBlock("s", facts, sample_sentences), policy).text


def test_quotes_pass_the_policy_too(policy, tmp_path):
    quotes = pd.DataFrame(
        {"theme": ["T"], "excerpt_id": ["e"], "label": ["S1-PW01-T1"], "text": ["Words."], "pinned": [False]}
    )
    shown = release(Quotes(quotes), policy, tmp_path)
    assert "Words." not in shown.to_html() and pd.read_csv(tmp_path / "quotes.csv").empty


def test_anything_but_a_block_is_refused():
    with pytest.raises(TypeError, match="a section shows blocks"):
        release(pd.DataFrame({"a": [1]}), "none")


def test_sections_show_blocks_only_and_never_read_raw_meta_or_kind_names():
    for path in sorted(notebooks_dir().glob("*.ipynb")):
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        kind_name = r"['\"](study|site|cohort|funder)['\"]"
        assert not re.search(
            rf"meta\[|meta\.get\(|\.kind\b|[=!]=\s*{kind_name}|{kind_name}\s*[=!]=|in \(\s*{kind_name}", code
        ), path.name
        assert not re.search(r"\bdisplay\(|\bprint\(|\.to_csv\(|\bsay\(|\bMarkdown\(|\bHTML\(", code), path.name
        assert "pn.show(" in code, path.name
