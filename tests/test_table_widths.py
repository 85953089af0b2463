"""Column widths for the PDF's and Word's tables."""

from __future__ import annotations

import pytest

from peerimpact.builder.table_widths import BOLD, CHAR, PAD, PAGE_WIDTH, column_widths

LABEL = "Satisfaction with professional support (1–5; higher: more satisfied)"


def test_widths_fill_the_page():
    rows = [["Measure", "n", "Change (95% CI)"], [LABEL, "21", "0.40 (-0.30, 1.10)"]]
    assert sum(column_widths(rows, 3)) == pytest.approx(PAGE_WIDTH)


def test_a_short_column_of_figures_stays_on_one_line_before_labels_get_more_room():
    rows = [["Measure", "Subscale", "n", "Change (95% CI)", "p"]]
    rows += [[LABEL, LABEL, "21", "0.40 (-0.30, 1.10)", "0.091"]] * 3
    widths = column_widths(rows, 5)
    assert widths[3] >= len("0.40 (-0.30, 1.10)") * CHAR + PAD - 1e-9
    # the two label columns share what the figures leave, equally
    assert widths[0] == pytest.approx(widths[1]) == pytest.approx((PAGE_WIDTH - sum(widths[2:])) / 2)
    assert widths[2] == pytest.approx(len("21") * CHAR + PAD) and widths[4] == pytest.approx(len("0.091") * CHAR + PAD)


def test_no_column_is_narrower_than_its_longest_word():
    rows = [["a", "b"], ["x " * 200, "Depersonalisation"]]
    widths = column_widths(rows, 2)
    assert widths[1] >= len("Depersonalisation") * CHAR + PAD - 1e-9


def test_words_wider_than_the_page_share_it_by_their_length():
    rows = [["a", "b", "c"], ["w" * 40, "v" * 40, "u" * 20]]
    widths = column_widths(rows, 3)
    longest = [40 * CHAR + PAD, 40 * CHAR + PAD, 20 * CHAR + PAD]
    assert widths == pytest.approx([PAGE_WIDTH * w / sum(longest) for w in longest])


def test_a_bold_header_word_gets_room_for_its_bold_width():
    rows = [["Measure", "Wilcoxon p"], [LABEL, "0.091"]]
    assert column_widths(rows, 2)[1] >= BOLD * len("Wilcoxon") * CHAR + PAD - 1e-9
