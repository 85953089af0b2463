"""peerimpact: reports for longitudinal mixed-methods evaluations of peer-worker programmes.

The data flow is load → validate → score → plan → execute → render; the public API
gives a statistician the first three steps as plain pandas frames:

>>> import peerimpact
>>> study = peerimpact.load_study()          # the embedded example study
>>> study.scores.columns.tolist()[:5]
['participant_id', 'site', 'timepoint', 'instrument', 'subscale']
"""

from importlib.metadata import PackageNotFoundError, version

from .config import Instrument, StudyConfig
from .instruments import load_instrument, score
from .problems import Problem, Problems
from .study import InvalidStudy, Study, load_questionnaire_file, load_study

try:
    __version__ = version("peerimpact")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "Instrument", "InvalidStudy", "Problem", "Problems", "Study", "StudyConfig",
    "load_instrument", "load_questionnaire_file", "load_study", "score", "__version__",
]
