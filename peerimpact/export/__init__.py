"""A study's data written for a statistician's own software: SPSS, Stata, Excel, CSV, Parquet.

:mod:`.shapes` makes the frame of each shape (long, wide, items), :mod:`.missing` says why a
score is missing, :mod:`.labels` what each variable is, :mod:`.names` the names SPSS and Stata
allow, and :mod:`.files` writes them.
"""

from .files import RENAMING, WRITERS, Exported, export, export_tidy, names_path
from .labels import VARIABLE_LABELS, coded, variable_labels
from .missing import REASONS
from .names import NAMES, NameRules, legal_names
from .shapes import SHAPES, Shaped

__all__ = [
    "NAMES",
    "REASONS",
    "RENAMING",
    "SHAPES",
    "VARIABLE_LABELS",
    "WRITERS",
    "Exported",
    "NameRules",
    "Shaped",
    "coded",
    "export",
    "export_tidy",
    "legal_names",
    "names_path",
    "variable_labels",
]
