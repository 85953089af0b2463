"""A study's analysis params and the published figures it reproduces, read and checked against
the study: ``params/analysis.yml``, ``norms.yml``, ``qualitative.yml`` and ``synthesis.yml`` (with
this build's ``--set`` values), ``targets/<name>.yml`` and study.yml's ``word_template``. A theme,
code, instrument, subscale or comparison they name that the study does not have, or a template
Word cannot use, is a problem at its file and key.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..config import (
    AnalysisConfig,
    NormsConfig,
    PublishedFigures,
    QualitativeConfig,
    SynthesisConfig,
    key_line,
    parse_model,
)
from ..config.overrides import override
from ..config.targets import read_targets
from ..ingest.study import Study
from ..problems import Problems
from ..report.meta import AnalysisParams, NormRow
from ..resources import params_dir


def load_norms(path: Path, problems: Problems) -> tuple[NormRow, ...]:
    """Norm rows (instrument, subscale, norm_mean, norm_sd, norm_source) from ``norms.yml``."""
    if not path.is_file():
        return ()
    norms = parse_model(NormsConfig, path, problems)
    if norms is None:
        return ()
    return tuple(
        NormRow(
            instrument=inst,
            subscale=sub,
            norm_mean=norm.mean,
            norm_sd=norm.sd,
            norm_source=norms.sources[inst].label if inst in norms.sources else None,
        )
        for inst, subs in norms.norms.items()
        for sub, norm in subs.items()
    )


def load_analysis(
    params: Path, study: Study, problems: Problems, overrides: Mapping[str, str] | None = None
) -> AnalysisParams:
    """Analysis settings, norms, quote choices and joint-display propositions, checked against the study;
    ``overrides`` are ``--set`` values for this build (see :func:`override`)."""
    found: dict = {"norms": load_norms(params / "norms.yml", problems)}
    path = params / "analysis.yml"
    if path.is_file():
        settings = parse_model(AnalysisConfig, path, problems)
        if settings is not None:
            found["analysis"] = settings
    path = params / "qualitative.yml"
    if path.is_file():
        qual = parse_model(QualitativeConfig, path, problems)
        if qual is not None:
            themes = set(study.codebook["theme"]) if study.codebook is not None else set(qual.pinned)
            for theme in qual.pinned:
                if theme not in themes:
                    problems.add(
                        path,
                        column=f"pinned.{theme}",
                        value=theme,
                        rule="params",
                        message="no such theme in the codebook",
                    )
            found["qualitative"] = qual
    path = params / "synthesis.yml"
    if path.is_file():
        synth = parse_model(SynthesisConfig, path, problems)
        if synth is not None:
            _check_synthesis(synth, study, path, problems)
            found["synthesis"] = synth
    override(found, overrides or {}, problems)
    return AnalysisParams(**found)


def check_outcomes(evidence: list, key: tuple, study: Study, path: Path, problems: Problems) -> None:
    """Outcome rows named by a proposition or a report's headline must be the study's."""
    comparisons = {f"{a}-{b}" for a, b in study.config.comparisons or []}
    for j, ev in enumerate(evidence):
        where = (*key, j)
        column = ".".join(map(str, where))
        inst = study.instruments.get(ev.instrument)
        if inst is None or ev.subscale not in inst.subscales:
            problems.add(
                path,
                line=key_line(path, where),
                column=column,
                value=f"{ev.instrument}/{ev.subscale}",
                rule="params",
                message="no such instrument and subscale in the study",
            )
        if ev.comparison and ev.comparison not in comparisons:
            known = ", ".join(sorted(comparisons))
            problems.add(
                path,
                line=key_line(path, where),
                column=f"{column}.comparison",
                value=ev.comparison,
                rule="params",
                message=f"not one of the study's comparisons ({known})",
            )


def _check_synthesis(synth: SynthesisConfig, study: Study, path: Path, problems: Problems) -> None:
    codebook = study.codebook  # None: the study has no interviews, and the display says so
    for i, prop in enumerate(synth.propositions):
        check_outcomes(prop.quantitative, ("propositions", i, "quantitative"), study, path, problems)
        if codebook is None:
            continue
        for theme in prop.qualitative.themes:
            if theme not in set(codebook["theme"]):
                problems.add(
                    path,
                    column=f"propositions.{i}.qualitative.themes",
                    value=theme,
                    rule="params",
                    message="no such theme",
                )
        for code in prop.qualitative.codes:
            if code not in set(codebook["code_id"]):
                problems.add(
                    path,
                    column=f"propositions.{i}.qualitative.codes",
                    value=code,
                    rule="params",
                    message="no such code",
                )


def published_file(study: Study, params: Path | None, problems: Problems) -> Path | None:
    """The file of published figures study.yml's ``reproduces`` names (``targets/<name>.yml`` in
    the study's params, then the default params), or a problem at that key."""
    name = study.config.reproduces
    if name is None:
        return None
    for folder in [p for p in (params, params_dir()) if p is not None]:
        path = Path(folder) / "targets" / f"{name}.yml"
        if path.is_file():
            return path
    _at_key(
        problems,
        study,
        "reproduces",
        name,
        "params",
        f"no published figures targets/{name}.yml in the study's params or {params_dir()}",
    )
    return None


def _at_key(problems: Problems, study: Study, key: str, value: str, rule: str, message: str) -> None:
    """A problem with the value of study.yml's top-level ``key``, at its line."""
    yml = study.path / "study.yml" if study.path.is_dir() else study.path
    problems.add(yml, line=key_line(yml, (key,)), column=key, value=value, rule=rule, message=message)


def word_template(study: Study, problems: Problems) -> bytes | None:
    """The Word document study.yml's ``word_template`` names (kept inside the study folder when the
    study was loaded), read and checked
    (:func:`~peerimpact.builder.word_template.template_problem`), or a problem at that key."""
    from .word_template import MB, TEMPLATE_MAX_BYTES, template_problem

    name = study.config.word_template
    if name is None:
        return None
    path = ((study.path if study.path.is_dir() else study.path.parent) / name).resolve()
    if not path.is_file():
        reason: str | None = f"no such file: {path}"
    elif path.stat().st_size > TEMPLATE_MAX_BYTES:
        reason = f"larger than {TEMPLATE_MAX_BYTES // MB} MB; a Word template is styles and a page setup"
    else:
        data = path.read_bytes()
        reason = template_problem(data)
        if reason is None:
            return data
    _at_key(problems, study, "word_template", name, "word-template", f"cannot be the reports' Word template: {reason}")
    return None


def load_published(study: Study, params: Path | None, problems: Problems) -> PublishedFigures | None:
    """The published figures study.yml's ``reproduces`` names, read (see :func:`published_file`)."""
    path = published_file(study, params, problems)
    return None if path is None else read_targets(path, problems)
