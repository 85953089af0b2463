"""Figures: kept to each scale's range, drawn with text, described for screen readers, styled locally."""

import re

import matplotlib as mpl
import pandas as pd

from peerimpact.report import plots

LABELS = {("itp", None): "Team survey", ("itp", "leadership"): "Leadership", ("wemwbs", "total"): "Wellbeing"}
SCALES = pd.DataFrame(
    {
        "instrument": ["itp", "wemwbs"],
        "subscale": ["leadership", "total"],
        "range_min": [1.0, 14.0],
        "range_max": [5.0, 70.0],
        "higher": ["better", "better"],
    }
)


def summary(n: int) -> pd.DataFrame:
    # two people whose scores differ by 1.2 points: a 95% CI of about ±10 on a 1-5 scale
    return pd.DataFrame(
        {
            "instrument": "itp",
            "subscale": "leadership",
            "timepoint": ["T1", "T2"],
            "n": [n, n],
            "mean": [4.2, 3.6],
            "sd": [0.85, 0.85],
            "norm_mean": [3.8, 3.8],
        }
    )


def drawn(monkeypatch, function, *args, **kwargs):
    """The matplotlib figure a plotting function draws, as well as the Figure it returns."""
    captured = {}
    render = plots.to_figure

    def keep(fig, name, alt):
        captured["axes"] = [ax for ax in fig.axes if ax.get_visible()]
        captured["title"] = fig._suptitle.get_text() if fig._suptitle else ""
        return render(fig, name, alt)

    monkeypatch.setattr(plots, "to_figure", keep)
    figure = function(*args, **kwargs)
    _ = figure.svg  # a figure block is drawn when it is shown
    return figure, captured


def test_intervals_stay_within_the_scale_and_a_cut_is_marked(monkeypatch):
    figure, seen = drawn(monkeypatch, plots.means_with_ci, summary(2), LABELS, ["T1", "T2"], scales=SCALES)
    [ax] = seen["axes"]
    low, high = ax.get_ylim()
    assert 1.0 <= low < high <= 5.0  # not -5 to 15 for a 1-5 subscale
    markers = [line.get_marker() for line in ax.get_lines()]
    assert "^" in markers and "v" in markers
    assert "▲▼ interval cut at the end of the scale" in seen["title"]
    assert "▲▼" in figure.svg


def test_no_cut_mark_when_every_interval_fits(monkeypatch):
    _, seen = drawn(monkeypatch, plots.means_with_ci, summary(200), LABELS, ["T1", "T2"], scales=SCALES)
    [ax] = seen["axes"]
    assert "^" not in [line.get_marker() for line in ax.get_lines()]
    assert "▲▼" not in seen["title"]


def test_figures_are_text_with_alternative_text_and_leave_the_global_style_alone():
    before = dict(mpl.rcParams)
    figure = plots.means_with_ci(summary(5), LABELS, ["T1", "T2"], scales=SCALES)
    assert dict(mpl.rcParams) == before
    assert figure.svg.startswith('<svg role="img" aria-label="Small charts')
    assert "<title>Small charts" in figure.svg
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", figure.svg)
    assert "Leadership" in texts and "T1" in texts
    assert 'id="DejaVuSans-' not in figure.svg  # no glyphs drawn as outlines
    assert plots.means_with_ci(summary(5), LABELS, ["T1", "T2"], scales=SCALES).svg == figure.svg


def test_forest_leaves_out_changes_without_a_test():
    change = pd.DataFrame(
        {
            "instrument": "itp",
            "subscale": "leadership",
            "comparison": ["T1-T2"],
            "n": [3],
            "change": [0.4],
            "ci_low": [float("nan")],
            "ci_high": [float("nan")],
            "p": [float("nan")],
            "es": [float("nan")],
            "d_z": [float("nan")],
            "p_wilcoxon": [float("nan")],
            "estimable": [False],
            "note": ["fewer than 6"],
        }
    )
    figure = plots.forest(change, LABELS)
    # nothing to draw: a sentence in place of the figure, never an empty box
    assert figure.svg == "" and figure.alt.startswith("No change")
    assert figure.to_html().startswith('<p class="pi-withheld" id="figure-forest">No change could be tested')


def test_labels_are_literal_text_never_math():
    from peerimpact.report.qualitative import heatmap

    codebook = pd.DataFrame(
        {"code_id": ["cost"], "code": ["Costs $$ and $x^2$"], "theme": ["Money $5"], "description": [""]}
    )
    counts = pd.DataFrame({"code_id": ["cost"], "group": ["T1"], "participants": [2]})
    figure = heatmap(counts, codebook, ["T1"], title="Codes of $$ talk")
    assert "Costs $$ and $x^2$ (Money $5)" in figure.svg.replace("&#36;", "$")
    assert "Codes of $$ talk" in figure.svg


def test_every_panel_of_figure_1_says_what_its_y_axis_is(monkeypatch):
    two = pd.concat([summary(5), summary(5).assign(instrument="wemwbs", subscale="total", mean=[49.0, 48.0])])
    _, seen = drawn(monkeypatch, plots.means_with_ci, two, LABELS, ["T1", "T2"], scales=SCALES)
    assert len(seen["axes"]) == 2 and [ax.get_ylabel() for ax in seen["axes"]] == ["Mean score", "Mean score"]
