"""Helpers a section notebook calls: open its extract, show tables and text.

A section notebook stays a short script: a ``parameters`` cell, ``setup()``, then one
``show()`` per table or figure. ``show()`` also writes each table's CSV beside the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .report.extract import Extract, read_extract

_state: dict[str, Any] = {"tables_dir": None}


def example_extract() -> Extract:
    """The whole embedded example study as an extract (for running a notebook in JupyterLab)."""
    from .build.kinds import KINDS
    from .build.plan import load_analysis, make_extract
    from .config import ReportDef
    from .ingest.study import load_study
    from .problems import Problems
    from .resources import params_dir

    study = load_study()
    report = ReportDef(id="study", kind="study", title="Study report (example)", sections=["interactive"])
    analysis = load_analysis(params_dir(), study, Problems())
    [scope] = KINDS["study"].scopes(report, study, params_dir(), Problems())
    return make_extract(study, report, "study", scope, analysis)


def setup(extract: str | Path | None = None, tables_dir: str | Path | None = None) -> Extract:
    """Open a report's extract (default: the example study) and set display options.

    Figures are rendered as SVG so that HTML and PDF reports carry vector graphics.
    """
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("svg")
    except ImportError:  # matplotlib is only needed by sections with figures
        pass
    _state["tables_dir"] = Path(tables_dir) if tables_dir else None
    return example_extract() if extract is None else read_extract(extract)


def show(obj: Any) -> None:
    """Display a table or figure; a table's data also goes to ``<tables_dir>/<name>.csv``."""
    from IPython.display import display

    if _state["tables_dir"] is not None and hasattr(obj, "to_csv") and hasattr(obj, "name"):
        obj.to_csv(_state["tables_dir"])
    display(obj)
    if hasattr(obj, "savefig"):  # a matplotlib figure: shown once, not again at the end of the cell
        import matplotlib.pyplot as plt

        plt.close(obj)


def say(markdown: str) -> None:
    """Display text written in Markdown (numbers in it come from the data)."""
    from IPython.display import Markdown, display

    display(Markdown(markdown))
