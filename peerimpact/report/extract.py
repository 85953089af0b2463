"""A report's data extract: only the rows that report may show, as plain CSV files.

The planner writes one extract per report and passes its folder to the report's kernel,
so a site report's kernel never holds another site's rows. Study-wide figures a report
may compare against are pre-aggregated (``comparators.csv``). An extract is plain CSV
plus ``meta.json`` so that a study team can audit exactly what a report was given.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import QualitativeConfig, SynthesisConfig
from .context import CONTEXT
from .meta import ReportMeta

FRAMES = (
    "participants",
    "scores",
    "returns",
    "service_use",
    "contacts",
    "comparators",
    "codebook",
    "excerpts",
    "pool",
    *CONTEXT,
)


@dataclass
class Extract:
    """What one report may show: its typed ``meta`` (report, scope, study vocabulary, analysis params)
    and its frames."""

    meta: ReportMeta
    participants: pd.DataFrame
    scores: pd.DataFrame
    returns: pd.DataFrame
    service_use: pd.DataFrame
    contacts: pd.DataFrame
    comparators: pd.DataFrame
    codebook: pd.DataFrame
    excerpts: pd.DataFrame
    # the study's approved quotes (theme, text), for a report too small to quote its own people
    pool: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the whole study's figures, as context where the report's own are withheld (report.context)
    study_table1: pd.DataFrame = field(default_factory=pd.DataFrame)
    study_table2: pd.DataFrame = field(default_factory=pd.DataFrame)
    study_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    study_change: pd.DataFrame = field(default_factory=pd.DataFrame)
    study_codes: pd.DataFrame = field(default_factory=pd.DataFrame)
    study_table5: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the whole study's recruitment, retention and activity against its targets, beside a site's own
    study_programme: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def scope_label(self) -> str:
        return self.meta.scope_label

    @property
    def timepoints(self) -> list[str]:
        return list(self.meta.timepoints)

    @property
    def comparisons(self) -> list[tuple[str, str]]:
        return [tuple(c) for c in self.meta.comparisons]

    @property
    def multiplicity(self) -> str:
        """How Table 4's p values are adjusted across its tests: ``none``, ``holm`` or ``fdr_bh``."""
        return self.meta.multiplicity

    @property
    def norms(self) -> pd.DataFrame:
        return pd.DataFrame(
            [n.model_dump() for n in self.meta.params.norms],
            columns=["instrument", "subscale", "norm_mean", "norm_sd", "norm_source"],
        )

    @property
    def labels(self) -> dict[tuple[str, str | None], str]:
        """Display names: ``(instrument, None)`` → instrument, ``(instrument, subscale)`` → subscale."""
        out: dict[tuple[str, str | None], str] = {}
        for inst, info in self.meta.instruments.items():
            out[(inst, None)] = info.name
            out.update({(inst, sub): label for sub, label in info.subscales.items()})
        return out

    @property
    def scales(self) -> pd.DataFrame:
        """Each subscale's possible range and what a higher score means, in the study's order:
        ``instrument, subscale, range_min, range_max, higher``."""
        rows = [
            {
                "instrument": inst,
                "subscale": sub,
                "range_min": scale.range[0],
                "range_max": scale.range[1],
                "higher": scale.higher,
            }
            for inst, info in self.meta.instruments.items()
            for sub, scale in info.scales.items()
        ]
        return pd.DataFrame(rows, columns=["instrument", "subscale", "range_min", "range_max", "higher"])

    @property
    def min_pairs(self) -> int:
        """Fewest complete pairs Table 4 tests (``params/analysis.yml``)."""
        return self.meta.params.analysis.min_pairs

    @property
    def synthesis(self) -> SynthesisConfig:
        return self.meta.params.synthesis

    @property
    def qualitative(self) -> QualitativeConfig:
        return self.meta.params.qualitative

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in FRAMES}


def comparators(scores: pd.DataFrame) -> pd.DataFrame:
    """Study-wide n, mean and SD per instrument, subscale and timepoint."""
    columns = ["instrument", "subscale", "timepoint", "n", "mean", "sd"]
    if scores.empty:
        return pd.DataFrame(columns=columns)
    grouped = scores.dropna(subset=["score"]).groupby(
        ["instrument", "subscale", "timepoint"], observed=True, sort=False
    )["score"]
    out = grouped.agg(n="count", mean="mean", sd="std").reset_index()
    return out[columns]


def _kind(series: pd.Series) -> dict[str, Any]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return {"type": "category", "categories": [str(c) for c in series.cat.categories]}
    if pd.api.types.is_bool_dtype(series):
        return {"type": "boolean"}
    if pd.api.types.is_datetime64_any_dtype(series):
        return {"type": "datetime"}
    if pd.api.types.is_integer_dtype(series):
        return {"type": "int"}
    if pd.api.types.is_float_dtype(series):
        return {"type": "float"}
    return {"type": "str"}


def _csv(frame: pd.DataFrame) -> str:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    buffer = StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def serialise(extract: Extract) -> dict[str, bytes]:
    """File name → content; the same extract always gives the same bytes.

    ``meta.json`` is the report's :class:`ReportMeta`; ``columns.json`` the type of every
    column, so that categories keep their levels and their order.
    """
    columns = {name: {col: _kind(frame[col]) for col in frame.columns} for name, frame in extract.frames().items()}
    files = {f"{name}.csv": _csv(frame).encode("utf-8") for name, frame in extract.frames().items()}
    # Key order is kept: it is the order of services, instruments and subscales in the tables.
    files["meta.json"] = extract.meta.model_dump_json(indent=2).encode("utf-8")
    files["columns.json"] = json.dumps(columns, indent=2).encode("utf-8")
    return files


def digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def write_extract(files: dict[str, bytes], folder: str | Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def _restore(frame: pd.DataFrame, columns: dict[str, dict[str, Any]]) -> pd.DataFrame:
    for col, kind in columns.items():
        if col not in frame:
            continue
        t = kind["type"]
        if t == "category":
            frame[col] = pd.Categorical(frame[col], categories=kind["categories"])
        elif t == "boolean":
            frame[col] = frame[col].map({"True": True, "False": False}).astype("boolean")
        elif t == "datetime":
            frame[col] = pd.to_datetime(frame[col])
        elif t == "int":
            frame[col] = pd.to_numeric(frame[col]).astype("Int64")
        elif t == "float":
            frame[col] = pd.to_numeric(frame[col]).astype(float)
    return frame


def read_extract(folder: str | Path) -> Extract:
    """Read an extract written by :func:`write_extract`, with its column types."""
    folder = Path(folder)
    meta = ReportMeta.model_validate_json((folder / "meta.json").read_text(encoding="utf-8"))
    columns = json.loads((folder / "columns.json").read_text(encoding="utf-8"))
    frames = {}
    for name in FRAMES:
        path = folder / f"{name}.csv"
        if not path.read_bytes().strip():  # a frame with no columns (no context for this report)
            frames[name] = pd.DataFrame()
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        frames[name] = _restore(frame, columns[name])
    return Extract(meta=meta, **frames)
