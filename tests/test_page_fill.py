"""How full each printed page is, from where the Typst template marks records' starts and ends."""

from __future__ import annotations

import pytest

from peerimpact.builder.typst_pdf import _fills

A4 = {"pages": 3, "height": 842.0, "top": 51.0, "bottom": 57.0}
AREA = 842.0 - 51.0 - 57.0


def _mark(at, page, y, height=None):
    return {"at": at, "page": page, "y": y, **({"height": height} if height is not None else {})}


def test_records_on_one_page_fill_it_to_the_lowest_end():
    marks = [_mark("start", 1, 51), _mark("end", 1, 200, 149), _mark("start", 1, 210), _mark("end", 1, 400, 190)]
    assert _fills(marks, A4).fills == pytest.approx(((400 - 51) / AREA, 0.0, 0.0))


def test_a_record_running_on_fills_the_pages_before_the_one_it_ends_on():
    marks = [_mark("start", 1, 300), _mark("end", 3, 120)]
    assert _fills(marks, A4).fills == pytest.approx((1.0, 1.0, (120 - 51) / AREA))


def test_an_end_moved_to_the_next_page_with_what_follows_ends_where_its_height_does():
    # a paragraph at y 217, 32 pt tall, then a figure too tall for the rest of page 1: the end
    # mark travels with the figure to the top of page 2
    marks = [_mark("start", 1, 217), _mark("end", 2, 51, 32), _mark("start", 2, 51), _mark("end", 2, 660, 609)]
    assert _fills(marks, A4).fills == pytest.approx(((249 - 51) / AREA, (660 - 51) / AREA, 0.0))


def test_an_end_at_a_pages_top_after_a_record_taller_than_its_page_left_fills_that_page():
    marks = [_mark("start", 1, 700), _mark("end", 2, 51, 200)]
    assert _fills(marks, A4).fills == pytest.approx((1.0, 0.0, 0.0))
