"""Typed models of the YAML files a study and its analysis are described by.

Every problem in a YAML file is reported with the file, the line and the key path, all at
once, before any data are read (:func:`parse_model`).
"""

from .analysis import (
    AnalysisConfig,
    Norm,
    NormsConfig,
    NormSource,
    Proposition,
    QualEvidence,
    QualitativeConfig,
    QuantEvidence,
    SynthesisConfig,
)
from .cohorts import Cohort
from .disclosure import DATA_KINDS, Audience, DisclosureRules, QuoteRules, ReportPolicy
from .files import StudyFiles
from .instruments import INSTRUMENT_NAME, Instrument, MissingRule, Subscale
from .parse import key_line, parse_model, parse_named
from .reports import ReportDef
from .study import DEFAULT_MISSING_CODES, StudyConfig
from .targets import PublishedFigures, TargetCell
from .yaml import read_yaml

__all__ = [
    "AnalysisConfig",
    "Audience",
    "Cohort",
    "DATA_KINDS",
    "DEFAULT_MISSING_CODES",
    "DisclosureRules",
    "ReportPolicy",
    "INSTRUMENT_NAME",
    "Instrument",
    "MissingRule",
    "Norm",
    "QuoteRules",
    "NormSource",
    "NormsConfig",
    "Proposition",
    "QualEvidence",
    "QualitativeConfig",
    "QuantEvidence",
    "ReportDef",
    "StudyConfig",
    "StudyFiles",
    "Subscale",
    "SynthesisConfig",
    "TargetCell",
    "PublishedFigures",
    "key_line",
    "parse_model",
    "parse_named",
    "read_yaml",
]
