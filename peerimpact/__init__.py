"""peerimpact: reports for longitudinal mixed-methods evaluations of peer-worker programmes.

The data flow is load → validate → score → plan → execute → render; the public API
gives a statistician the first three steps as plain pandas frames:

>>> import peerimpact
>>> study = peerimpact.load_study()          # the embedded example study
>>> study.scores.columns.tolist()[:5]
['participant_id', 'site', 'timepoint', 'instrument', 'subscale']

The package is layered (see ARCHITECTURE.md): ``config`` → ``ingest`` → ``analysis`` →
``report`` → ``builder``; ``peerimpact.build`` builds a study's reports. The modules a
notebook or a script imports by their short names (``peerimpact.stats``,
``peerimpact.tables``, …) are the layered modules under another name.
"""

import importlib
import importlib.util
import sys

from .problems import InvalidStudy, Problem, Problems
from .version import __version__

# The public API by where it lives: each is imported on first use, so that ``import peerimpact``
# (and a command with nothing to do) does not pay for pandas, pydantic and the build machinery.
_PUBLIC = {
    "Instrument": "config",
    "StudyConfig": "config",
    "load_instrument": "ingest.scoring",
    "score": "ingest.scoring",
    "Study": "ingest.study",
    "load_questionnaire_file": "ingest.study",
    "load_study": "ingest.study",
    "build": "builder.pipeline",
    "status": "builder.pipeline",
    "BuildRequest": "builder.request",
    "derivable_group": "report.differencing",
}

# Short names of the layered modules; each is loaded only when first used.
SHORT_NAMES = {
    "stats": "analysis.stats",
    "tables": "report.tables",
    "plots": "report.plots",
    "qualitative": "report.qualitative",
    "synthesis": "report.synthesis",
    "pipeline": "builder.pipeline",
    "study": "ingest.study",
}


def _alias(short: str, full: str) -> None:
    name = f"{__name__}.{full}"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None  # one of this package's own modules, from a file
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    sys.modules[f"{__name__}.{short}"] = module
    globals()[short] = module


for _short, _full in SHORT_NAMES.items():
    _alias(_short, _full)


def __getattr__(name: str):
    """A public name, imported from its module when first used."""
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BuildRequest",
    "build",
    "derivable_group",
    "status",
    "Instrument",
    "InvalidStudy",
    "Problem",
    "Problems",
    "Study",
    "StudyConfig",
    "load_instrument",
    "load_questionnaire_file",
    "load_study",
    "score",
    "__version__",
]
