"""Exports in every shape and format, read back as a statistician's software reads them: names
SPSS and Stata allow, dates as dates, labels, measure levels, why a score is missing, a wide file
that holds what the long one holds, and a failed export that leaves the earlier file alone."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest

from peerimpact import load_study
from peerimpact.cli import main
from peerimpact.export import REASONS, WRITERS, Shaped, export
from peerimpact.ingest.writers import NotWritten, write_file
from peerimpact.resources import params_dir

FORMATS = ["sav", "dta", "parquet", "xlsx", "csv"]
LONG_NAME = "years_worked_in_mental_health_before_job"  # 40 characters
EXTRA = ["2nd_job", "team role (free text)", LONG_NAME]
DATES = ["consent_date", "left_post_date", "withdrawn_date"]
WORDS = {r.words for r in REASONS}
ANSWERS = {1: "lowest", 2: "low", 3: "middle", 4: "high", 5: "highest"}  # not the instrument's wording


@pytest.fixture
def odd_study(example_copy: Path) -> Path:
    """The example, its participants file with three columns SPSS and Stata cannot name as they
    are, and its own WEMWBS definition with labels for the answers."""
    assert len(LONG_NAME) == 40
    people = pd.read_csv(example_copy / "participants.csv", dtype=str, keep_default_na=False)
    people["2nd_job"] = ["yes" if i % 2 else "no" for i in range(len(people))]
    people["team role (free text)"] = [f"role {i}" for i in range(len(people))]
    people[LONG_NAME] = [str(i % 7) for i in range(len(people))]
    people.to_csv(example_copy / "participants.csv", index=False)
    (example_copy / "instruments").mkdir()
    definition = (params_dir() / "instruments" / "wemwbs.yml").read_text()
    answers = "".join(f"  {k}: {v}\n" for k, v in ANSWERS.items())
    (example_copy / "instruments" / "wemwbs.yml").write_text(definition + "answers:\n" + answers)
    return example_copy


def _exports(study_dir: Path, folder: Path, shape: str) -> dict[str, Path]:
    study = load_study(study_dir)
    assert not study.problems.has_errors
    return {fmt: export(study, folder / f"{shape}.{fmt}", shape=shape).path for fmt in FORMATS}


def _check_names(path: Path, meta) -> None:
    """Legal, unique names; a renamed column's label is its name; the mapping beside the file."""
    names = list(meta.column_names)
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,31}", n) for n in names), names
    assert len({n.casefold() for n in names}) == len(names)
    mapping = pd.read_csv(path.with_name(f"{path.stem}.names.csv"), dtype=str, keep_default_na=False)
    assert mapping["exported"].tolist() == names
    for original, exported in zip(mapping["original"], mapping["exported"]):
        if original != exported:
            assert meta.column_names_to_labels[exported] == original[:80]


def _check_dates(frame: pd.DataFrame, meta, columns: list[str], date_format: str) -> None:
    for column in columns:
        assert meta.original_variable_types[column] == date_format, column
        values = frame[column].dropna()
        assert len(values) and all(type(v) is datetime.date for v in values), column


def _check_text_formats(paths: dict[str, Path], dates: list[str]) -> None:
    """CSV writes a date as a day, Excel with a date-only format, Parquet as a date type."""
    csv = pd.read_csv(paths["csv"], dtype=str, keep_default_na=False)
    for column in dates:
        assert csv[column].str.fullmatch(r"(\d{4}-\d{2}-\d{2})?").all(), column
    sheet = openpyxl.load_workbook(paths["xlsx"])["data"]
    head = [c.value for c in sheet[1]]
    for column in dates:
        cells = [row[head.index(column)] for row in sheet.iter_rows(min_row=2) if row[head.index(column)].value]
        assert cells and all(c.is_date and not re.search("[hs]", c.number_format) for c in cells), column
    schema = pq.read_schema(paths["parquet"])
    assert all(str(schema.field(c).type) == "date32[day]" for c in dates)


def _check_reasons(frame: pd.DataFrame, scores: list[str]) -> None:
    """A score missing in CSV, Excel or Parquet is empty with its reason beside it, in words."""
    for column in scores:
        reason = (
            frame[f"{column}_missing_reason" if column != "score" else "missing_reason"].astype("string").fillna("")
        )
        assert (frame[column].isna() == (reason != "")).all(), column
        assert set(reason) - {""} <= WORDS


@pytest.mark.integration
def test_a_long_export_reads_right_in_every_format(odd_study, tmp_path):
    paths = _exports(odd_study, tmp_path, "long")
    sav, meta = pyreadstat.read_sav(str(paths["sav"]), user_missing=True)
    _check_names(paths["sav"], meta)
    assert {"v2nd_job", "team_role_free_text", LONG_NAME[:32]} <= set(sav.columns)
    assert meta.column_names_to_labels["team_role_free_text"] == "team role (free text)"
    _check_dates(sav, meta, ["completed_date", *DATES], "DATE11")
    assert meta.variable_measure["site"] == "nominal" and meta.variable_measure["participant_id"] == "nominal"
    assert meta.variable_measure["timepoint"] == "ordinal" and meta.variable_measure["score"] == "scale"
    assert meta.original_variable_types["site"] == "F8.0" and meta.original_variable_types["score"] == "F8.2"
    assert meta.original_variable_types["items_answered"] == "F8.0"
    # a missing score is a negative code, declared missing and labelled with why
    codes = {-1.0: "not returned", -2.0: "too many items missing", -3.0: "left post", -4.0: "withdrawn"}
    assert meta.missing_ranges["score"] == [{"lo": -5.0, "hi": -1.0}]
    assert codes.items() <= meta.variable_value_labels["score"].items()
    held = sav["score"][sav["score"] < 0].map(meta.variable_value_labels["score"]).value_counts()
    assert set(held.index) == set(codes.values()), held
    plain, _ = pyreadstat.read_sav(str(paths["sav"]))
    assert plain["score"].isna().sum() == len(sav[sav["score"] < 0]) > 0

    dta, dmeta = pyreadstat.read_dta(str(paths["dta"]), user_missing=True)
    _check_names(paths["dta"], dmeta)
    assert list(dta.columns) == list(sav.columns)  # one naming rule for both
    _check_dates(dta, dmeta, ["completed_date", *DATES], "%td")
    letters = dta["score"][dta["score"].map(lambda v: isinstance(v, str))]
    assert letters.map(dmeta.variable_value_labels["score"]).value_counts().to_dict() == held.to_dict()

    parquet = pd.read_parquet(paths["parquet"])
    csv = pd.read_csv(paths["csv"])
    xlsx = pd.read_excel(paths["xlsx"], sheet_name="data")
    for frame in (parquet, csv, xlsx):
        assert set(EXTRA) <= set(frame.columns)
        _check_reasons(frame, ["score"])
        assert frame["missing_reason"].fillna("").value_counts().drop("").to_dict() == held.to_dict()
    _check_text_formats(paths, ["completed_date", *DATES])
    # the long file's scores are those SPSS holds, row for row
    scores = sav["score"].where(sav["score"] >= 0)
    assert ((scores - parquet["score"]).abs().fillna(0) < 1e-9).all()


def _cells(long: pd.DataFrame, value: str) -> dict[tuple[str, str], object]:
    """(participant, wide column) → the long file's value: a brute-force pivot, row by row."""
    cells = {}
    for _, row in long.iterrows():
        cells[(row["participant_id"], f"{row['instrument']}_{row['subscale']}_{row['timepoint']}")] = row[value]
    return cells


@pytest.mark.integration
def test_a_wide_export_holds_the_long_ones_values_cell_by_cell(odd_study, tmp_path):
    long = _exports(odd_study, tmp_path, "long")
    wide = _exports(odd_study, tmp_path, "wide")
    study = load_study(odd_study)
    columns = [
        f"{i}_{s}_{t}" for i, inst in study.instruments.items() for s in inst.subscales for t in study.timepoints
    ]
    # SPSS, missing codes and all (the codes tell instrument and subscale apart by their labels)
    sav, meta = pyreadstat.read_sav(str(long["sav"]), user_missing=True)
    for column in ("timepoint", "instrument", "subscale"):
        sav[column] = sav[column].map(meta.variable_value_labels[column])
    words = {study.labels[(i, None)]: i for i in study.instruments}
    words |= {label: s for (i, s), label in study.labels.items() if s is not None}
    sav["instrument"], sav["subscale"] = sav["instrument"].map(words), sav["subscale"].map(words)
    cells = _cells(sav, "score")
    wsav, wmeta = pyreadstat.read_sav(str(wide["sav"]), user_missing=True)
    _check_names(wide["sav"], wmeta)
    assert len(wsav) == len(study.participants) and len(cells) == len(wsav) * len(columns)
    for column in columns:
        name = column[:32]  # the example's are all legal and short: kept as they are
        assert wmeta.column_names_to_labels[name].endswith(f", {column.rsplit('_', 1)[1]}")
        for pid, value in zip(wsav["participant_id"], wsav[name]):
            assert value == pytest.approx(cells[(pid, column)]), (pid, column)
    assert wmeta.column_names_to_labels["wemwbs_total_T1"] == "Wellbeing (WEMWBS), T1"
    _check_dates(wsav, wmeta, ["completed_date_T1", "consent_date"], "DATE11")
    # CSV: the same scores, and the same reasons in words
    csv = pd.read_csv(long["csv"], keep_default_na=False, na_values=[""])
    scores, reasons = _cells(csv, "score"), _cells(csv, "missing_reason")
    wcsv = pd.read_csv(wide["csv"], keep_default_na=False, na_values=[""])
    for column in columns:
        for pid, value, why in zip(wcsv["participant_id"], wcsv[column], wcsv[f"{column}_missing_reason"]):
            assert value == pytest.approx(scores[(pid, column)], nan_ok=True), (pid, column)
            assert (why if isinstance(why, str) else "") == (r if isinstance(r := reasons[(pid, column)], str) else "")
    for fmt in ("parquet", "xlsx"):
        frame = pd.read_parquet(wide[fmt]) if fmt == "parquet" else pd.read_excel(wide[fmt], sheet_name="data")
        _check_reasons(frame, columns)
        pd.testing.assert_series_equal(frame[columns[0]], wcsv[columns[0]], check_names=False)
    dta, dmeta = pyreadstat.read_dta(str(wide["dta"]), user_missing=True)
    assert list(dta.columns) == list(wsav.columns)
    _check_dates(dta, dmeta, ["completed_date_T1", "consent_date"], "%td")
    _check_text_formats(wide, ["completed_date_T1", "consent_date"])


@pytest.mark.integration
def test_an_items_export_labels_items_by_number_and_answers_from_the_definition(odd_study, tmp_path):
    paths = _exports(odd_study, tmp_path, "items")
    study = load_study(odd_study)
    answers = study.questionnaires
    sav, meta = pyreadstat.read_sav(str(paths["sav"]))
    _check_names(paths["sav"], meta)
    assert len(sav) == len(answers)
    assert meta.column_names_to_labels["wemwbs_1"] == "Warwick-Edinburgh Mental Wellbeing Scale, item 1"
    assert meta.variable_value_labels["wemwbs_14"] == {float(k): v for k, v in ANSWERS.items()}
    assert "mbi_1" not in meta.variable_value_labels  # the shipped definitions give no answers' labels
    assert meta.original_variable_types["wemwbs_1"] == "F8.0"
    assert meta.variable_measure["timepoint"] == "ordinal" and meta.variable_measure["wemwbs_1"] == "ordinal"
    _check_dates(sav, meta, ["completed_date"], "DATE11")
    items = [c for inst in study.instruments.values() for c in inst.columns]
    pd.testing.assert_frame_equal(
        sav[items].reset_index(drop=True), answers[items].reset_index(drop=True), check_dtype=False
    )
    dta, dmeta = pyreadstat.read_dta(str(paths["dta"]))
    assert list(dta.columns) == list(sav.columns)
    _check_dates(dta, dmeta, ["completed_date"], "%td")
    _check_text_formats(paths, ["completed_date"])
    for fmt in ("csv", "parquet"):
        frame = pd.read_csv(paths[fmt]) if fmt == "csv" else pd.read_parquet(paths[fmt])
        assert list(frame.columns) == ["participant_id", "site", "timepoint", "completed_date", *items]


def test_the_command_prints_the_names_it_changed(odd_study, tmp_path, capsys):
    out = tmp_path / "scores.dta"
    assert main(["export", "--study", str(odd_study), "--out", str(out), "--shape", "wide"]) == 0
    printed = capsys.readouterr().out
    assert "32 rows (a participant each)" in printed
    for line in ("  2nd_job → v2nd_job", "  team role (free text) → team_role_free_text", f"  {LONG_NAME} → "):
        assert line in printed
    assert f"every column's name and label: {tmp_path / 'scores.names.csv'}" in printed


@pytest.mark.integration
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failed_export_leaves_the_earlier_files_as_they_were(odd_study, tmp_path, monkeypatch, capsys, fmt):
    folder = tmp_path / "exports"
    out = folder / f"scores.{fmt}"
    assert main(["export", "--study", str(odd_study), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken(*args, **kwargs):
        raise RuntimeError("the writer broke")

    if fmt in ("sav", "dta"):
        monkeypatch.setattr(pyreadstat, f"write_{fmt}", broken)
    else:  # the frame is made, then the writing fails part way
        monkeypatch.setattr(pd.DataFrame, "to_csv" if fmt == "csv" else "to_excel", broken, raising=True)
        monkeypatch.setattr(pq, "write_table", broken)
    study = load_study(odd_study)
    with pytest.raises(NotWritten, match=re.escape(f"not written: {out}")):
        export(study, out)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    capsys.readouterr()
    assert main(["export", "--study", str(odd_study), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"peerimpact export: not written: {out}: "), err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_an_unknown_shape_is_refused_before_anything_is_read(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["export", "--out", str(tmp_path / "x.csv"), "--shape", "tall"])
    assert "invalid choice: 'tall'" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_a_column_that_starts_with_a_hundred_missing_values_keeps_its_type(tmp_path, fmt):
    # pyreadstat tells a column of objects by its first 100 values: the dates and the reasons are
    # written so that a long run of missing ones at the top does not turn them into text
    rows = 150
    why = pd.Series(["not_returned"] * 120 + [None] * (rows - 120), dtype=object)
    frame = pd.DataFrame(
        {
            "score": [float("nan")] * 120 + [1.5] * (rows - 120),
            "when": pd.to_datetime([None] * 120 + ["2020-02-03"] * (rows - 120)),
        }
    )
    shaped = Shaped(frame, {"score": "Score", "when": "When"}, {}, {"score": why}, {"score": "missing_reason"})
    path = tmp_path / f"x.{fmt}"
    write_file(path, WRITERS[fmt](shaped, "test"))
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    back, meta = read(str(path), user_missing=True)
    assert back["when"].iloc[-1] == datetime.date(2020, 2, 3) and back["when"].iloc[:120].isna().all()
    assert meta.variable_value_labels["score"][back["score"].iloc[0]] == "not returned"
    assert back["score"].iloc[120:].tolist() == [1.5] * (rows - 120)
