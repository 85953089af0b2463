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


def _table_report(rows: int):
    from peerimpact.builder.document import ReportDocument, Section
    from peerimpact.report.records import ProseRecord, TableRecord

    table = TableRecord(
        "t",
        "Table 9. Rows",
        ("Row", "Value"),
        tuple((f"row{i:03d}", str(i)) for i in range(rows)),
        notes=("NOTEONE: what the rows are.", "Second note."),
    )
    title = {
        **{k: k for k in ("title", "scope_label", "study_name", "version", "report_id", "disclosure")},
        **{"data_cut": "2021-03-31", "disclosure_statement": "", "internal": False, "facts": [], "notice": ""},
        "built_at": "2026-01-01T00:00:00+00:00",
    }
    return ReportDocument(title, (Section("section-a", "A", (ProseRecord("# A\n\nSome words."), table)),))


@pytest.mark.integration
def test_a_tables_notes_never_start_a_page_its_rows_do_not_reach(tmp_path, monkeypatch):
    """Brute force over table lengths: the page a table's first note is printed on also holds its
    last row. Without the push (``MAX_PUSHES`` 0), some length leaves the notes alone on a page."""
    from conftest import pdf_pages
    from peerimpact.builder import typst_pdf

    def orphaned(rows: int) -> bool:
        target = tmp_path / f"{rows}.pdf"
        typst_pdf.to_typst_pdf(_table_report(rows), target)
        [page] = [p for p in pdf_pages(target) if "NOTEONE" in p]
        return f"row{rows - 1:03d}" not in page

    lengths = range(40, 52)  # around the length (44) that leaves the notes alone without the push
    assert not [n for n in lengths if orphaned(n)]
    monkeypatch.setattr(typst_pdf, "MAX_PUSHES", 0)
    assert [n for n in lengths if orphaned(n)], "no length orphans the notes: the check above cannot fail"


def test_notes_alone_are_those_a_page_after_their_tables_last_row():
    from peerimpact.builder.typst_pdf import notes_alone

    marks = [
        {"key": "0.1", "at": "rows", "page": 2},
        {"key": "0.1", "at": "notes", "page": 3},  # moved on alone
        {"key": "0.2", "at": "rows", "page": 3},
        {"key": "0.2", "at": "notes", "page": 3},
        {"key": "0.3", "at": "notes", "page": 4},  # a withheld table: notes, no rows
    ]
    assert notes_alone(marks) == {"0.1"}


def test_a_page_a_list_runs_on_from_is_filled_to_its_last_item_there():
    # a list whose last item's lead-in moved to page 2 with its own items: page 1 ends at the item
    # before, not at its foot
    marks = [
        _mark("start", 1, 300),
        _mark("line", 1, 650),
        _mark("line", 1, 700),
        _mark("line", 2, 200),
        _mark("end", 2, 210),
        _mark("start", 2, 220),  # another record: its lines are its own
        _mark("end", 3, 100),
    ]
    assert _fills(marks, A4).fills == pytest.approx(((700 - 51) / AREA, 1.0, (100 - 51) / AREA))
