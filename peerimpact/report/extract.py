"""A report's data extract: only the rows that report may show, as plain CSV files.

:func:`make_extract` cuts a report's extract from the study for its :class:`Scope`; the
planner writes one extract per report and passes its folder to the report's kernel, so a
site report's kernel never holds another site's rows. Study-wide figures a report may
compare against are pre-aggregated (``comparators.csv``). The report's Tables 3 and 4 are
computed here, once (``summary.csv``, ``change.csv``; :mod:`peerimpact.report.results`), and
its sections read them. An extract is plain CSV plus ``meta.json`` so that a study team can
audit exactly what a report was given.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config import Instrument, PublishedFigures, QualitativeConfig, ReportDef, ReportPolicy, SynthesisConfig
from ..schema import CODEBOOK_COLUMNS, EXCERPT_COLUMNS
from .context import CONTEXT, approved_pool
from .meta import AnalysisParams, InstrumentMeta, ReportMeta, ReportTargets, Scale, TargetShare
from .results import OPTIONAL_RESULTS, RESULTS, norms_frame, optional_results, outcome_results, with_covariates

if TYPE_CHECKING:  # only named in annotations: a report's kernel need not import the study loader
    from ..ingest.study import Study

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
    *RESULTS,
    *OPTIONAL_RESULTS,
    *CONTEXT,
)

# Categorical columns whose levels come from the study's definition, not from its data:
# they may be listed with a count of 0 in any report. Every other level must be the report's own.
FIXED_LEVELS = {"contract_type", "timepoint", "instrument", "subscale", "mode"}


@dataclass(frozen=True)
class Scope:
    """What one report covers: a scope key (``None`` for the whole study), its label and its people."""

    key: str | None
    label: str
    participants: frozenset[str]
    sites: tuple[str, ...]


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
    # the report's own Table 3 (outcomes beside their norms) and Table 4 (change over time), computed
    # once as the extract is made (report.results); its sections, synthesis and headline read them
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    change: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the mixed models of change and Cronbach's α, where a section of the report reads them
    models: pd.DataFrame = field(default_factory=pd.DataFrame)
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the whole study's figures, as context where the report's own are withheld (report.context)
    study_table1: pd.DataFrame = field(default_factory=pd.DataFrame)
    study_table2: pd.DataFrame = field(default_factory=pd.DataFrame)
    study_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    study_change: pd.DataFrame = field(default_factory=pd.DataFrame)
    study_codes: pd.DataFrame = field(default_factory=pd.DataFrame)
    study_table5: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the whole study's recruitment, retention and activity against its targets, beside a site's own
    study_programme: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the whole study's mixed models, where a section reads them
    study_models: pd.DataFrame = field(default_factory=pd.DataFrame)

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
        return [(first, later) for first, later in self.meta.comparisons]

    @property
    def multiplicity(self) -> str:
        """How Table 4's p values are adjusted across its tests: ``none``, ``holm`` or ``fdr_bh``."""
        return self.meta.multiplicity

    @property
    def norms(self) -> pd.DataFrame:
        return norms_frame(self.meta.params)

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


def instrument_meta(inst: Instrument) -> InstrumentMeta:
    """What a report tells of an instrument: its subscales' labels, ranges and scoring (item counts
    and IDs, never wording), its citation, whether its layout is confirmed, and its MID."""
    scales = {}
    for name, sub in inst.subscales.items():
        rule = inst.rule_for(name)
        scales[name] = Scale(
            range=inst.score_range(name),
            higher=inst.direction(name),
            method=sub.method,
            items=len(sub.items),
            reverse=tuple(sub.reverse),
            max_missing=rule.max_missing,
            prorate=rule.prorate,
        )
    return InstrumentMeta(
        name=inst.name,
        subscales={s: sub.label for s, sub in inst.subscales.items()},
        scales=scales,
        item_range=(inst.min, inst.max),
        source=inst.source,
        layout=inst.layout,
        mid=inst.mid,
    )


def _targets_of(study: Study, sites: list[str]) -> ReportTargets:
    """The targets of a report of these sites: the study's own when it covers every site.

    A report of fewer sites names no other site's target: its recruitment target is its sites'
    targets added up (over the same dates), and its monthly contact target is their share of
    the study's, in proportion to recruitment: study target × their recruitment targets / the
    study's recruitment target. Without recruitment targets to share by, it has neither.
    """
    targets = study.config.targets
    if set(study.sites) <= set(sites):
        return ReportTargets(**dict(targets))
    goal, per_month = targets.recruitment, targets.contacts_per_month
    own = {s: n for s, n in goal.sites.items() if s in sites} if goal else {}
    part = sum(own.values())
    share = TargetShare(
        sites_recruitment=part if goal else None,
        study_recruitment=goal.total if goal else None,
        study_contacts_per_month=per_month,
    )
    return ReportTargets(
        **{
            **dict(targets),
            "share": share,
            "recruitment": goal.model_copy(update={"sites": own, "total": part}) if goal and part else None,
            "contacts_per_month": per_month * part / goal.total if goal and part and per_month else None,
        }
    )


def make_extract(
    study: Study,
    report: ReportDef,
    rid: str,
    scope: Scope,
    params: AnalysisParams | None = None,
    *,
    policy: ReportPolicy | None = None,
    withheld: Iterable[tuple[str, ...]] = (),
    published: PublishedFigures | None = None,
    context: Mapping[str, pd.DataFrame] | None = None,
    pool: bool = False,
    results: Iterable[str] = (),
    compares_with_study: bool,
    compares_sites: bool,
) -> Extract:
    """The rows of the study this report may show, plus study-wide comparators; ``policy`` is the
    report's rules for each kind of data and ``withheld`` the figures it withholds so that it cannot
    be subtracted from another report of the build. A report that compares with the study also gets
    ``context`` (the whole study's figures its sections read) and, with ``pool``, the approved quotes
    of people outside it. ``compares_with_study`` and ``compares_sites`` are the capabilities of the
    report's kind (:class:`peerimpact.builder.kinds.ReportKind`). The report's own Tables 3 and 4 are
    computed here from its scores, by the function that computes the whole study's
    (:func:`peerimpact.report.results.outcome_results`); those of ``results`` (``models``,
    ``reliability``) too, from its scores and its item-level answers."""
    keep, sites = scope.participants, list(scope.sites)
    declared = set(study.config.categories) | FIXED_LEVELS

    def rows(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame[frame["participant_id"].isin(keep)].reset_index(drop=True)
        for column in out.columns:
            if not isinstance(out[column].dtype, pd.CategoricalDtype):
                continue
            if column == "site":
                out["site"] = out["site"].cat.set_categories(sites)
            elif column not in declared:  # levels seen in the data: only this report's own
                out[column] = out[column].cat.remove_unused_categories()
        return out

    codebook = study.codebook if study.codebook is not None else pd.DataFrame(columns=CODEBOOK_COLUMNS)
    excerpts = rows(study.excerpts if study.excerpts is not None else pd.DataFrame(columns=EXCERPT_COLUMNS))
    meta = ReportMeta(
        report_id=rid,
        kind=report.kind,
        title=report.title,
        scope=scope.key,
        scope_label=scope.label,
        study_name=study.config.name,
        data_cut=study.config.data_cut.isoformat() if study.config.data_cut else None,
        sites=tuple(sites),
        timepoints=tuple(study.timepoints),
        services=dict(study.config.services),
        instruments={name: instrument_meta(inst) for name, inst in study.instruments.items()},
        disclosure=report.disclosure or (policy.audience if policy else "none"),
        policy=policy,
        withheld=tuple(sorted(withheld)),
        comparisons=tuple((first, later) for first, later in study.config.comparisons or []),
        multiplicity=study.config.multiplicity,
        covariates=tuple(study.config.covariates),
        locale=study.config.locale,
        spelling=study.config.report_locale.spelling,
        compares_with_study=compares_with_study,
        compares_sites=compares_sites,
        params=(params or AnalysisParams()).showing_only(set(excerpts["excerpt_id"])),
        funder=study.config.funder,
        reporting_period=study.config.reporting_period,
        targets=_targets_of(study, sites),
        status=study.config.status,
        milestones=tuple(study.config.milestones),
        headline=tuple(report.headline),
        published=published if scope.key is None else None,
    )
    extra: dict[str, pd.DataFrame] = {}
    if compares_with_study:
        extra.update(context or {})
        if pool:
            extra["pool"] = approved_pool(study.excerpts, codebook, params or AnalysisParams(), exclude=keep)
        if "study_table5" in extra:  # never a quote of the report's own people, even an approved one
            table5 = extra["study_table5"]
            extra["study_table5"] = table5[
                ~((table5["evidence"] == "quote") & table5["text"].isin(set(excerpts["text"])))
            ].reset_index(drop=True)
    scores = rows(study.scores)
    own = outcome_results(scores, meta.params, comparisons=meta.comparisons, multiplicity=meta.multiplicity)
    own |= optional_results(
        results,
        with_covariates(scores, rows(study.participants), meta.covariates),
        rows(study.questionnaires) if "reliability" in set(results) else pd.DataFrame(),
        study.instruments,
        comparisons=meta.comparisons,
        multiplicity=meta.multiplicity,
        covariates=meta.covariates,
    )
    return Extract(
        meta=meta,
        participants=rows(study.participants),
        scores=scores,
        returns=rows(study.returns),
        service_use=rows(study.service_use),
        contacts=rows(study.contacts),
        comparators=comparators(study.scores),
        codebook=codebook,
        excerpts=excerpts,
        **own,
        **extra,
    )


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
    column, so that categories keep their levels and their order; ``attrs.json`` what a frame
    says of itself (Table 4's ``attrs["tests"]``: how many tests its p values were adjusted across).
    """
    frames = extract.frames()
    columns = {name: {col: _kind(frame[col]) for col in frame.columns} for name, frame in frames.items()}
    files = {f"{name}.csv": _csv(frame).encode("utf-8") for name, frame in frames.items()}
    # Key order is kept: it is the order of services, instruments and subscales in the tables.
    files["meta.json"] = extract.meta.model_dump_json(indent=2).encode("utf-8")
    files["columns.json"] = json.dumps(columns, indent=2).encode("utf-8")
    attrs = {name: frame.attrs for name, frame in frames.items() if frame.attrs}
    files["attrs.json"] = json.dumps(attrs, indent=2, sort_keys=True).encode("utf-8")
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
    attrs = json.loads((folder / "attrs.json").read_text(encoding="utf-8"))
    frames = {}
    for name in FRAMES:
        path = folder / f"{name}.csv"
        if not path.read_bytes().strip():  # a frame with no columns (no context for this report)
            frames[name] = pd.DataFrame()
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        frames[name] = _restore(frame, columns[name])
        frames[name].attrs.update(attrs.get(name, {}))
    return Extract(meta=meta, **frames)
