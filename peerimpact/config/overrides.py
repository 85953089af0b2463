"""``--set name=value``: analysis settings changed for one build, each checked as strictly as the
file it overrides (``params/analysis.yml``, ``params/qualitative.yml``, or study.yml's own analysis
settings), so that a bad value is a located problem like one in the file.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Protocol, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from ..problems import Problems
from .analysis import AnalysisConfig, QualitativeConfig
from .parse import plain_message
from .study import StudyConfig
from .yaml import PlainLoader


class HasStudyConfig(Protocol):
    """What :func:`with_settings` changes: anything holding a study's ``study.yml`` as ``config``
    (a loaded :class:`~peerimpact.ingest.study.Study`)."""

    config: StudyConfig


StudyT = TypeVar("StudyT", bound=HasStudyConfig)


SETTABLE: dict[str, type[BaseModel]] = {
    "analysis": AnalysisConfig,
    "qualitative": QualitativeConfig,
}  # params files --set may change
# study.yml's analysis settings --set may change, as study.<key> or <key>
STUDY_SETTABLE = ("multiplicity", "comparisons", "covariates")


def _study_setting(name: str) -> str | None:
    """The study.yml key a ``--set`` name is (``multiplicity``, ``study.multiplicity``), if it is one."""
    stem, _, key = name.rpartition(".")
    return key if key in STUDY_SETTABLE and stem in ("", "study") else None


def override(found: dict, overrides: Mapping[str, str], problems: Problems) -> None:
    """Apply ``--set name=value`` to the loaded settings: ``name`` is ``<file>.<key>`` (``analysis.min_pairs``)
    or a key found in one file only (``min_pairs``); the value is read as YAML and the file's model checked
    again, so a bad value is a problem like one in the file. Study.yml's settings are left to
    :func:`with_settings`."""
    fields = {key: stem for stem, model in SETTABLE.items() for key in model.model_fields}
    for name, raw in overrides.items():
        if _study_setting(name):
            continue
        stem, _, key = name.rpartition(".")
        stem = stem or fields.get(key, "")
        if stem not in SETTABLE or key not in SETTABLE[stem].model_fields:
            known = ", ".join(
                [
                    *(f"{s}.{k}" for s, m in SETTABLE.items() for k in m.model_fields),
                    *(f"study.{k}" for k in STUDY_SETTABLE),
                ]
            )
            problems.add("--set", column=name, value=raw, rule="option", message=f"no such setting; settable: {known}")
            continue
        try:
            value = yaml.load(raw, Loader=PlainLoader)
            current = found.get(stem) or SETTABLE[stem]()
            found[stem] = SETTABLE[stem].model_validate({**current.model_dump(), key: value})
        except (ValidationError, yaml.YAMLError) as exc:
            reason = plain_message(exc.errors()[0]) if isinstance(exc, ValidationError) else str(exc).splitlines()[0]
            problems.add("--set", column=f"{stem}.{key}", value=raw, rule="option", message=reason)


def typed(overrides: Mapping[str, str]) -> dict[str, object]:
    """Each ``--set`` value as YAML reads it (``8``, ``fdr_bh``, ``[[T1, T3]]``), under the full name
    of the setting it changes (``analysis.min_pairs``, ``study.multiplicity``): what a build records
    and its reports say. Values are those :func:`override` and :func:`with_settings` accepted.

    >>> typed({"min_pairs": "8", "multiplicity": "holm", "qualitative.quotes_per_theme": "2"})
    {'analysis.min_pairs': 8, 'study.multiplicity': 'holm', 'qualitative.quotes_per_theme': 2}
    """
    fields = {key: stem for stem, model in SETTABLE.items() for key in model.model_fields}
    out: dict[str, object] = {}
    for name, raw in overrides.items():
        study_key = _study_setting(name)
        stem, _, key = name.rpartition(".")
        full = f"study.{study_key}" if study_key else f"{stem or fields.get(key, '')}.{key}"
        try:
            out[full] = yaml.load(raw, Loader=PlainLoader)
        except yaml.YAMLError:
            out[full] = raw
    return out


def with_settings(study: StudyT, overrides: Mapping[str, str], problems: Problems) -> StudyT:
    """The study with this build's ``--set`` values of study.yml's analysis settings
    (:data:`STUDY_SETTABLE`, e.g. ``multiplicity=fdr_bh``), each checked as study.yml's own value is:
    a bad one is a problem at ``--set``. The study itself is left as it was loaded."""
    update = {}
    for name, raw in overrides.items():
        key = _study_setting(name)
        if key is None:
            continue
        try:
            value = yaml.load(raw, Loader=PlainLoader)
            annotation = StudyConfig.model_fields[key].annotation
            assert annotation is not None  # every field of StudyConfig is declared with a type
            update[key] = TypeAdapter(annotation).validate_python(value)
        except (ValidationError, yaml.YAMLError) as exc:
            reason = plain_message(exc.errors()[0]) if isinstance(exc, ValidationError) else str(exc).splitlines()[0]
            problems.add("--set", column=f"study.{key}", value=raw, rule="option", message=reason)
    if not update:
        return study
    changed = copy.copy(study)  # a shallow copy: the frames (and those computed once) are shared
    changed.config = study.config.model_copy(update=update)
    return changed
