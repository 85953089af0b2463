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

import importlib.util
import sys

from .config import Instrument, StudyConfig
from .ingest.scoring import load_instrument, score
from .ingest.study import InvalidStudy, Study, load_questionnaire_file, load_study
from .problems import Problem, Problems
from .version import __version__

# Short names of the layered modules; each is loaded only when first used.
SHORT_NAMES = {
    "stats": "analysis.stats", "tables": "report.tables", "plots": "report.plots",
    "qualitative": "report.qualitative", "synthesis": "report.synthesis", "pipeline": "builder.pipeline",
    "study": "ingest.study",
}


def _alias(short: str, full: str) -> None:
    name = f"{__name__}.{full}"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.find_spec(name)
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    sys.modules[f"{__name__}.{short}"] = module
    globals()[short] = module


for _short, _full in SHORT_NAMES.items():
    _alias(_short, _full)

def __getattr__(name: str):
    """``build``, ``status`` and ``BuildRequest`` load the build machinery only when first used."""
    if name in ("build", "status", "BuildRequest"):
        from .builder import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BuildRequest", "build", "status",
    "Instrument", "InvalidStudy", "Problem", "Problems", "Study", "StudyConfig",
    "load_instrument", "load_questionnaire_file", "load_study", "score", "__version__",
]
