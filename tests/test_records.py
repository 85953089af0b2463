"""Released blocks as records: what every format renders from, and what survives JSON."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pandas as pd
import pytest
from IPython.core.formatters import DisplayFormatter

from peerimpact.builder.audiences import load_policies
from peerimpact.builder.document import ReportDocument, read_document
from peerimpact.problems import Problems
from peerimpact.report.blocks import FigureBlock, Quotes, Table, TextBlock, release
from peerimpact.report.html import record_html
from peerimpact.report.plots import Figure
from peerimpact.report.records import (
    RECORD_MIME,
    FigureRecord,
    ProseRecord,
    QuotesRecord,
    TableRecord,
    TextRecord,
    from_json,
    to_json,
)
from peerimpact.report.rule_policies import rules_policy

NHS = load_policies(None, Problems())["nhs_digital"]


def _mean(value):
    return value if isinstance(value, str) else None if pd.isna(value) else f"{value:.1f}"


def _table() -> Table:
    data = pd.DataFrame({"site": ["S1", "S2"], "n": [5, 20], "mean": [1.25, np.nan]})
    return Table(
        "t",
        "Scores by site",
        data,
        lambda d: pd.DataFrame({"Site": d["site"], "n": d["n"].astype(str), "Mean": d["mean"].map(_mean)}),
        notes=("Higher is better.",),
        row_headers=("Site",),
    )


def _figure() -> FigureBlock:
    frame = pd.DataFrame({"timepoint": ["T1", "T2"], "n": [12, 11], "mean": [3.5, np.float64(4.0)]})
    return FigureBlock(
        "means",
        frame,
        lambda d: Figure("means", "<svg><title>means</title></svg>", "Mean by timepoint, 3.5 then 4.0"),
        caption="**Figure 2.** Means by timepoint.",
        note="Bars are 95% CIs.",
    )


def test_every_kind_of_block_survives_json_as_its_record():
    quotes = Quotes(pd.DataFrame({"theme": ["A", "A", "B"], "text": ["x", "y", "z"], "label": ["P1", "P2", "P3"]}))
    text = TextBlock("k", {"n": np.int64(12), "share": np.float64(0.5), "gone": float("nan")}, lambda f: "- one\n- two")
    for block in (_table(), _figure(), quotes, text):
        record = block.to_record()
        again = from_json(json.loads(json.dumps(to_json(record))))
        assert again == record, type(block).__name__
    assert text.to_record().facts == {"n": 12, "share": 0.5, "gone": None}
    assert [t for t, _ in quotes.to_record().themes] == ["A", "B"]
    assert [q.label for q in quotes.to_record().themes[0][1]] == ["P1", "P2"]


def test_a_table_record_holds_the_display_strings_and_the_cells_the_policy_withheld():
    record = release(_table(), rules_policy(NHS)).to_record()
    assert isinstance(record, TableRecord) and record.columns == ("Site", "n", "Mean")
    assert record.rows == (("S1", "*", "*"), ("S2", "20", None))  # a missing value stays missing (a dash)
    assert set(record.withheld_cells) == {(1, "n"), (1, "mean")}
    assert record.notes[0] == "Higher is better." and record.csv == "tables/t.csv"


def test_a_figure_record_holds_its_released_data_svg_alt_and_caption():
    record = _figure().to_record()
    assert isinstance(record, FigureRecord)
    assert record.columns == ("timepoint", "n", "mean") and record.rows[1] == ("T2", 11, 4.0)
    assert record.svg.startswith("<svg") and record.alt.startswith("Mean by timepoint")
    assert record.label == "Figure 2" and record.drawing.endswith("_figure.<locals>.<lambda>")


def test_the_html_of_a_block_is_the_html_of_its_record():
    for block in (_table(), _figure()):
        assert block.to_html() == record_html(block.to_record())


def test_a_shown_block_carries_its_record_beside_its_html():
    bundle, _ = DisplayFormatter().format(_table())
    assert bundle[RECORD_MIME] == to_json(_table().to_record()) and "<table" in bundle["text/html"]
    boxed = TextBlock("alerts", {}, lambda f: "- check S7", box="alerts", title="Data-quality alerts")
    bundle, _ = DisplayFormatter().format(boxed)
    assert bundle[RECORD_MIME]["box"] == "alerts" and "pi-box-alerts" in bundle["text/html"]


def _notebook(path, *cells):
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nbformat.write(nb, path)
    return path


def _shown(record, tags=()):
    cell = nbformat.v4.new_code_cell(
        "pn.show(x)", outputs=[nbformat.v4.new_output("display_data", data={RECORD_MIME: to_json(record)})]
    )
    cell.metadata["tags"] = list(tags)
    return cell


def test_a_document_is_each_sections_prose_and_records_in_order_with_commentary(tmp_path):
    table = _table().to_record()
    hidden = TextRecord("secret", "from a hidden cell")
    first = _notebook(
        tmp_path / "01_sample.ipynb",
        nbformat.v4.new_markdown_cell("# Sample\n\nWho took part."),
        _shown(hidden, tags=["parameters"]),
        _shown(table),
        nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output("stream", name="stderr", text="warn")]),
    )
    empty = _notebook(tmp_path / "02_empty.ipynb", nbformat.v4.new_code_cell("x = 2"))
    document = read_document([first, empty], {"title": "Report"}, {"01_sample": ("Our view.", "After.")})
    [section] = document.sections
    assert section.anchor == "section-01_sample" and section.title == "Sample"
    kinds = [(type(r).__name__, getattr(r, "role", None)) for r in section.records]
    assert kinds == [
        ("ProseRecord", "section"),
        ("ProseRecord", "commentary"),
        ("TableRecord", None),
        ("ProseRecord", "commentary"),
    ]
    assert document.tables() == [table] and hidden not in section.records
    assert ReportDocument.from_json(json.loads(json.dumps(document.to_json()))) == document


@pytest.mark.parametrize("record", [ProseRecord("<b>raw</b> **bold**", role="commentary"), QuotesRecord("q", "Q")])
def test_text_from_a_record_is_escaped_in_html(record):
    shown = record_html(record)
    assert "<b>" not in shown


def test_the_html_is_made_from_the_document_alone_and_shows_only_records(tmp_path):
    from peerimpact.builder.render import _exporter, document_notebook, to_html

    table = _table().to_record()
    section = _notebook(
        tmp_path / "01_sample.ipynb",
        nbformat.v4.new_markdown_cell("# Sample\n\nWho took part."),
        _shown(table),
        nbformat.v4.new_code_cell(
            "print(x)",
            outputs=[
                nbformat.v4.new_output("stream", name="stdout", text="row-level: S1-PW01 49"),
                nbformat.v4.new_output("display_data", data={"text/html": "<p>kernel's own HTML</p>"}),
            ],
        ),
    )
    document = read_document([section], {"title": "Report", "scope_label": "Whole study"}, {"01_sample": ("Ours.", "")})
    html = to_html(document)
    assert record_html(table) in html and "Who took part." in html and "Ours." in html
    assert "S1-PW01" not in html and "kernel's own HTML" not in html
    assert html.index("Who took part.") < html.index("Ours.") < html.index(record_html(table))
    # the template itself drops any output that carries no record, should one reach it
    nb, toc = document_notebook(document)
    nb.cells.append(nbformat.read(section, as_version=4).cells[-1])
    body, _ = _exporter().from_notebook_node(nb, resources={"report": {**document.title, "toc": toc}})
    assert "S1-PW01" not in body and "kernel's own HTML" not in body
    assert toc == [{"anchor": "section-01_sample", "title": "Sample"}]
