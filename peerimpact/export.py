"""The tidy frame of a study (``Study.tidy()``) written for a statistician's own software.

CSV and Excel hold the values; Excel adds a sheet of variable and value labels. SPSS
(``.sav``) and Stata (``.dta``) hold the labels themselves: categories become whole-number
codes 1, 2, … with their labels, yes/no becomes 0/1, dates stay dates. Parquet keeps the
pandas types (categories in their order) and carries the labels in its metadata.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pandas as pd

from .ingest.study import Study

VARIABLE_LABELS = {
    "participant_id": "Participant ID", "site": "Site", "timepoint": "Timepoint", "instrument": "Instrument",
    "subscale": "Subscale", "instrument_label": "Instrument (name)", "subscale_label": "Subscale (name)",
    "score": "Subscale score", "items_answered": "Items answered", "items_missing": "Items missing",
    "prorated": "Score prorated for missing items", "completed_date": "Date the questionnaire was completed",
    "age": "Age (years)", "months_in_post": "Months in post", "contracted_hours": "Contracted hours a week",
    "sick_days": "Days of sick leave", "contract_type": "Contract type", "consent_date": "Date of consent",
    "left_post_date": "Date left post", "left_post_reason": "Reason for leaving post",
    "withdrawn_date": "Date withdrawn from the study", "english_first_language": "English is first language",
    "child_under_18_in_household": "Child under 18 in household",
}
YES_NO = {0: "no", 1: "yes"}


def variable_labels(frame: pd.DataFrame) -> dict[str, str]:
    """A label for every column: a known one, else the name in words."""
    return {c: VARIABLE_LABELS.get(c, c.replace("_", " ").capitalize()) for c in frame.columns}


def value_labels(frame: pd.DataFrame, study: Study) -> dict[str, dict[int, str]]:
    """Code → label for every category and yes/no column, codes as :func:`coded` writes them."""
    labels: dict[str, dict[int, str]] = {}
    names = study.labels
    for column in frame.columns:
        series = frame[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            levels = [str(c) for c in series.cat.categories]
            if column == "instrument":
                levels = [names.get((c, None), c) for c in levels]
            elif column == "subscale":
                by_sub = {sub: label for (inst, sub), label in names.items() if sub is not None}
                levels = [by_sub.get(c, c) for c in levels]
            labels[column] = {i: level for i, level in enumerate(levels, start=1)}
        elif pd.api.types.is_bool_dtype(series):
            labels[column] = dict(YES_NO)
    return labels


def coded(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories as codes 1, 2, … (missing stays missing), yes/no as 0/1, for SPSS and Stata."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.astype(float) + 1
            out[column] = codes.where(series.notna())
        elif pd.api.types.is_bool_dtype(series):
            out[column] = series.astype("Float64").astype(float)
        elif pd.api.types.is_integer_dtype(series):
            out[column] = series.astype("Float64").astype(float)
        elif pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.astype("datetime64[ns]")
        elif not pd.api.types.is_numeric_dtype(series):
            out[column] = series.astype(object).where(series.notna(), "")
    return out


def _csv(frame: pd.DataFrame, study: Study, path: Path) -> None:
    frame.to_csv(path, index=False, date_format="%Y-%m-%d")


def _xlsx(frame: pd.DataFrame, study: Study, path: Path) -> None:
    names, values = variable_labels(frame), value_labels(frame, study)
    labels = pd.DataFrame([{"variable": c, "label": names[c],
                            "values": "; ".join(f"{k} = {v}" for k, v in values.get(c, {}).items())}
                           for c in frame.columns])
    with pd.ExcelWriter(path) as writer:
        frame.to_excel(writer, sheet_name="data", index=False)
        labels.to_excel(writer, sheet_name="labels", index=False)


def _sav(frame: pd.DataFrame, study: Study, path: Path) -> None:
    import pyreadstat

    pyreadstat.write_sav(coded(frame), str(path), file_label=study.config.name[:64],
                         column_labels=variable_labels(frame), variable_value_labels=value_labels(frame, study))


def _dta(frame: pd.DataFrame, study: Study, path: Path) -> None:
    import pyreadstat

    labels = {c: label[:80] for c, label in variable_labels(frame).items()}  # Stata's limit on a label
    pyreadstat.write_dta(coded(frame), str(path), file_label=study.config.name[:80], column_labels=labels,
                         variable_value_labels=value_labels(frame, study))


def _parquet(frame: pd.DataFrame, study: Study, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = {**(table.schema.metadata or {}),
            b"peerimpact.variable_labels": json.dumps(variable_labels(frame)).encode(),
            b"peerimpact.value_labels": json.dumps(value_labels(frame, study)).encode()}
    pq.write_table(table.replace_schema_metadata(meta), path)


WRITERS: dict[str, Callable[[pd.DataFrame, Study, Path], None]] = {
    "csv": _csv, "xlsx": _xlsx, "sav": _sav, "dta": _dta, "parquet": _parquet}


def export_tidy(study: Study, path: str | Path, format: str | None = None) -> Path:
    """Write ``study.tidy()`` to ``path`` as ``format`` (default: from the file's extension).

    Examples
    --------
    >>> import peerimpact, pyreadstat, tempfile, pathlib
    >>> path = export_tidy(peerimpact.load_study(), pathlib.Path(tempfile.mkdtemp()) / "scores.sav")
    >>> frame, meta = pyreadstat.read_sav(str(path))
    >>> meta.variable_value_labels["contract_type"]
    {1.0: 'contracted', 2.0: 'bank'}
    """
    path = Path(path)
    format = format or path.suffix.lstrip(".").lower()
    if format not in WRITERS:
        raise ValueError(f"unknown format {format!r}; formats are {', '.join(WRITERS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    WRITERS[format](study.tidy(), study, path)
    return path
