"""A study's data written for a statistician's own software, in one of the shapes of
:mod:`.shapes`, as CSV, Excel, SPSS, Stata or Parquet.

CSV and Excel hold the values (Excel adds a sheet of variable and value labels); a missing
score is empty and a text column says why. SPSS (``.sav``) and Stata (``.dta``) hold the
labels themselves, measure levels (SPSS) and display formats (dates as ``DATE11`` and ``%td``,
whole numbers without decimals), and say why a score is missing with a labelled missing code.
Their variables get names both allow (:mod:`.names`), each with its column's name as its label
where it was renamed, and ``<stem>.names.csv`` beside the file maps one to the other. Parquet
keeps the pandas types (categories in their order, dates as dates) and carries the labels in
its metadata. Every file is written whole, or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..ingest.study import Study
from ..ingest.writers import NotWritten, Write, csv_text, excel_sheets, through_folder, write_files
from ..registry import Registry
from .labels import as_dates, coded, day_numbers, measure, variable_labels, whole
from .missing import REASONS, WORDS, spss_codes
from .names import legal_names
from .shapes import SHAPES, Shaped
from .stata import set_extended_missing


def with_reasons(shaped: Shaped) -> tuple[pd.DataFrame, dict[str, str]]:
    """The frame with each score's reason column after it (the reason in words, empty where the
    score is there), and the labels of all its columns."""
    frame, labels = shaped.frame.copy(), dict(shaped.labels)
    for column, text in shaped.reason_columns.items():
        words = shaped.reasons[column].map(lambda key: WORDS.get(key, "") if isinstance(key, str) else "")
        frame.insert(frame.columns.get_loc(column) + 1, text, words.astype(object).to_numpy())
        labels[text] = f"Why {labels[column][:1].lower()}{labels[column][1:]} is missing"
    return frame, labels


def _csv(shaped: Shaped, title: str) -> Write:
    frame, _ = with_reasons(shaped)
    return csv_text(frame, date_format="%Y-%m-%d")


def _xlsx(shaped: Shaped, title: str) -> Write:
    frame, names = with_reasons(shaped)
    values = shaped.values
    labels = pd.DataFrame(
        [
            {"variable": c, "label": names[c], "values": "; ".join(f"{k} = {v}" for k, v in values.get(c, {}).items())}
            for c in frame.columns
        ]
    )
    return excel_sheets({"data": as_dates(frame), "labels": labels})


@dataclass(frozen=True)
class ForPackage:
    """A shaped frame as SPSS or Stata takes it: coded, under names both allow."""

    data: pd.DataFrame
    names: dict[str, str]  # column → exported name
    labels: dict[str, str | None]  # exported name → variable label
    values: dict[str, dict]  # exported name → value → label
    measures: dict[str, str]  # exported name → SPSS measure level
    formats: dict[str, str]  # exported name → display format: dates, whole numbers


def for_package(shaped: Shaped, label_limit: int | None, dates: tuple[str, str, str], integer: str) -> ForPackage:
    """The coded frame, its names and labels (a renamed column's label is its name as the study
    spells it, cut to ``label_limit`` characters), dates as ``dates`` (origin, unit, format)
    say and whole numbers in the ``integer`` format."""
    frame = shaped.frame
    names = legal_names([str(c) for c in frame.columns])
    labels: dict[str, str | None] = {
        names[c]: (shaped.labels[c] if names[c] == c else c)[:label_limit] for c in map(str, frame.columns)
    }
    values: dict[str, dict] = {names[c]: codes for c, codes in shaped.values.items()}
    measures = {names[c]: "ordinal" if c in shaped.ordinal else measure(frame[c], c) for c in map(str, frame.columns)}
    formats = {names[c]: integer for c in map(str, frame.columns) if whole(frame[c]) and c not in shaped.reasons}
    data, days = day_numbers(coded(frame), dates[0], dates[1])
    formats.update({names[c]: dates[2] for c in days})
    return ForPackage(data.rename(columns=names), names, labels, values, measures, formats)


def _read_back(path: Path, rows: int, read: Callable) -> None:
    """Refuse a file pyreadstat left short: it does not always report a write that failed part
    way (a full disk), so the file is read back before it is copied into place."""
    try:
        frame, _ = read(str(path))
    except Exception as error:
        raise OSError(f"the file written could not be read back ({' '.join(str(error).split())})") from error
    if len(frame) != rows:
        raise OSError(f"the file written holds {len(frame)} of {rows} rows")


def _sav(shaped: Shaped, title: str) -> Write:
    import pyreadstat

    out = for_package(shaped, None, ("1582-10-14", "s", "DATE11"), "F8.0")
    codes = spss_codes(shaped.lowest)
    missing: dict[str, list] = {}
    for column, why in shaped.reasons.items():
        name = out.names[column]
        filled = why.map(lambda key: codes.get(key) if isinstance(key, str) else None).astype(float)
        out.data[name] = out.data[name].where(filled.isna(), filled)
        out.values[name] = {**out.values.get(name, {}), **{codes[r.key]: r.words for r in REASONS}}
        missing[name] = [{"lo": float(min(codes.values())), "hi": float(max(codes.values()))}]

    def write(path: Path) -> None:
        pyreadstat.write_sav(
            out.data,
            str(path),
            file_label=title[:64],
            column_labels=out.labels,
            variable_value_labels=out.values,
            missing_ranges=missing,
            variable_measure=out.measures,
            variable_format=out.formats,
        )
        _read_back(path, len(out.data), pyreadstat.read_sav)

    return through_folder(write, ".sav")


def _dta(shaped: Shaped, title: str) -> Write:
    import pyreadstat

    out = for_package(shaped, 80, ("1960-01-01", "D", "%td"), "%8.0g")  # 80: Stata's limit on a label
    letters = {r.key: r.letter for r in REASONS}
    tags: dict[int, list[str | None]] = {}
    for column, why in shaped.reasons.items():
        name = out.names[column]
        tags[list(out.data.columns).index(name)] = [letters.get(k) if isinstance(k, str) else None for k in why]
        out.values[name] = {**out.values.get(name, {}), **{r.letter: r.words for r in REASONS}}

    def write(path: Path) -> None:
        pyreadstat.write_dta(
            out.data,
            str(path),
            file_label=title[:80],
            column_labels=out.labels,
            variable_value_labels=out.values,
            missing_user_values={out.names[c]: [r.letter for r in REASONS] for c in shaped.reasons},
            variable_format=out.formats,
        )
        _read_back(path, len(out.data), pyreadstat.read_dta)
        path.write_bytes(set_extended_missing(path.read_bytes(), tags))
        _read_back(path, len(out.data), pyreadstat.read_dta)

    return through_folder(write, ".dta")


def _parquet(shaped: Shaped, title: str) -> Write:
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame, labels = with_reasons(shaped)
    table = pa.Table.from_pandas(as_dates(frame), preserve_index=False)
    meta = {
        **(table.schema.metadata or {}),
        b"peerimpact.variable_labels": json.dumps(labels).encode(),
        b"peerimpact.value_labels": json.dumps(shaped.values).encode(),
    }
    return lambda handle: pq.write_table(table.replace_schema_metadata(meta), handle)


# Format → the writer of a shaped frame in it (to an open file), given the study's name.
WRITERS: Registry[Callable[[Shaped, str], Write]] = Registry("format")
WRITERS.register("csv", _csv)
WRITERS.register("xlsx", _xlsx)
WRITERS.register("sav", _sav)
WRITERS.register("dta", _dta)
WRITERS.register("parquet", _parquet)
RENAMING = frozenset({"sav", "dta"})  # the formats whose variables may be renamed


@dataclass(frozen=True)
class Exported:
    """What an export wrote: the file, its rows and what a row is (in words), and for SPSS and
    Stata the names file and every column's name in the file (``original, exported, label``)."""

    path: Path
    rows: int
    row: str
    names_path: Path | None = None
    names: pd.DataFrame | None = None

    def renamed(self) -> pd.DataFrame:
        """The columns whose name in the file is not the study's."""
        if self.names is None:
            return pd.DataFrame(columns=["original", "exported", "label"])
        return self.names[self.names["original"] != self.names["exported"]].reset_index(drop=True)


def names_path(path: Path) -> Path:
    """Where the names of an SPSS or Stata file are written: ``scores.sav`` → ``scores.names.csv``."""
    return path.with_name(f"{path.stem}.names.csv")


def export(study: Study, path: str | Path, format: str | None = None, shape: str = "long") -> Exported:
    """Write ``study`` in ``shape`` to ``path`` as ``format`` (default: from the file's extension).

    For SPSS and Stata, ``<stem>.names.csv`` is written beside it, always, listing every column's
    name in the study and in the file and its label, so a name an earlier export renamed is never
    read from a stale list. Both files are written whole beside their paths and only then renamed
    over them: a failure raises :class:`~peerimpact.ingest.writers.NotWritten` and leaves what
    was at either path as it was.
    """
    path = Path(path)
    format = format or path.suffix.lstrip(".").lower()
    if format not in WRITERS:
        raise ValueError(WRITERS.unknown(format))
    if shape not in SHAPES:
        raise ValueError(SHAPES.unknown(shape))
    try:
        shaped: Shaped = SHAPES[shape](study)
        writes = {path: WRITERS[format](shaped, study.config.name)}
    except Exception as error:  # one line, as a failed write is: nothing is written
        raise NotWritten(path, " ".join(str(error).split()) or type(error).__name__) from error
    names = None
    if format in RENAMING:
        legal = legal_names([str(c) for c in shaped.frame.columns])
        labels = variable_labels(shaped.frame, shaped.labels)
        names = pd.DataFrame([(c, n, labels[c]) for c, n in legal.items()], columns=["original", "exported", "label"])
        writes[names_path(path)] = csv_text(names)
    write_files(writes)
    return Exported(path, len(shaped.frame), shaped.row, names_path(path) if names is not None else None, names)


def export_tidy(study: Study, path: str | Path, format: str | None = None, shape: str = "long") -> Path:
    """Write ``study`` as :func:`export` does and return the file's path.

    Examples
    --------
    >>> import peerimpact, pyreadstat, tempfile, pathlib
    >>> path = export_tidy(peerimpact.load_study(), pathlib.Path(tempfile.mkdtemp()) / "scores.sav")
    >>> frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    >>> meta.variable_value_labels["contract_type"]
    {1.0: 'contracted', 2.0: 'bank'}
    >>> meta.original_variable_types["consent_date"], meta.missing_ranges["score"]
    ('DATE11', [{'lo': -5.0, 'hi': -1.0}])
    """
    return export(study, path, format, shape).path
