"""Helpers a section notebook calls: open its extract, show tables and text.

A section notebook stays a short script: a ``parameters`` cell, ``setup()``, then one
``show()`` per block (table, figure, quotes, sentences). ``show()`` is a section's one exit:
it applies the report's disclosure policy, writes each table's CSV beside the report and
displays the block.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .locales import activate, deactivate
from .report.blocks import BLOCKS, Block, FigureBlock, Table, record_withheld, release, write_released
from .report.extract import Extract, read_extract
from .report.ledger import population
from .report.policies import Context, resolve
from .report.roles import STUDY_WIDE
from .report.rule_policies import nothing_released, report_policy

_state: dict[str, Any] = {"tables_dir": None, "policy": "none", "context": Context(), "withheld": False}


def forget() -> None:
    """Forget the report last opened with :func:`setup`: its tables folder, policy and context.
    A build's kernel calls it before every section, so that a section that does not call
    :func:`setup` cannot show anything under the previous report's folder or policy."""
    _state.update(tables_dir=None, policy=None, context=Context(), withheld=False)
    deactivate()


def study_extract(study: str | Path | None = None, params: str | Path | None = None) -> Extract:
    """A whole study as an internal extract, for running a section notebook in JupyterLab: the
    embedded example by default, or the study folder ``study`` (with the analysis settings of
    ``params``, default the shipped ones). A study with errors raises
    :class:`~peerimpact.ingest.study.InvalidStudy`
    listing every problem."""
    from .builder.kinds import KINDS
    from .builder.params import load_analysis, load_published
    from .config import ReportDef
    from .ingest.study import InvalidStudy, load_study
    from .problems import Problems
    from .report.extract import make_extract
    from .report.results import OPTIONAL_RESULTS
    from .resources import params_dir

    loaded = load_study(study)
    if loaded.problems.has_errors:
        raise InvalidStudy(loaded.problems)
    folder = Path(params) if params else params_dir()
    report = ReportDef(
        id="study",
        kind="study",
        title=f"Study report ({loaded.config.name})",
        sections=["interactive"],
        disclosure="none",
    )
    problems = Problems()
    analysis = load_analysis(folder, loaded, problems)
    if problems.has_errors:
        raise InvalidStudy(problems)
    published = load_published(loaded, folder, problems)
    if problems.has_errors:
        raise InvalidStudy(problems)
    kind = KINDS["study"]
    [scope] = kind.scopes(report, loaded, folder, Problems())
    return make_extract(
        loaded,
        report,
        "study",
        scope,
        analysis,
        published=published,
        results=OPTIONAL_RESULTS,
        compares_with_study=kind.compares_with_study,
        compares_sites=kind.compares_sites,
    )


def setup(
    extract: str | Path | None = None,
    tables_dir: str | Path | None = None,
    *,
    study: str | Path | None = None,
    params: str | Path | None = None,
) -> Extract:
    """Open a report's extract and set display options.

    A build passes ``extract``; in JupyterLab, ``study="path/to/study"`` opens a study of your
    own whole and unsuppressed (default: the embedded example), with the analysis settings of
    ``params``. Figures are rendered as SVG so that HTML and PDF reports carry vector graphics.
    """
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("svg")
    except ImportError:  # matplotlib is only needed by sections with figures
        pass
    data = study_extract(study, params) if extract is None else read_extract(extract)
    meta = data.meta
    _state.update(
        tables_dir=Path(tables_dir) if tables_dir else _session_tables(),
        policy=report_policy(meta.policy) if meta.policy is not None else meta.disclosure,
        context=Context(withheld=frozenset(meta.withheld), population=population(meta.kind, meta.scope)),
    )
    activate(meta.report_locale)  # the report's numbers and dates, until the next section's reset
    return data


def _session_tables() -> Path:
    """Where an interactive session's tables go (a build names its own folder): one temporary
    folder per process, so that a later section, such as the reproduction check, can read them."""
    if _state.get("session_tables") is None:
        _state["session_tables"] = Path(tempfile.mkdtemp(prefix="peerimpact-tables-"))
    return _state["session_tables"]


def tables_folder() -> Path:
    """The folder the tables shown so far were written to (``tables/`` of the report being built)."""
    return _state["tables_dir"] or _session_tables()


def show(block: Block, *, study: Block | Callable[[], Block] | None = None, caption: str | None = None) -> None:
    """Show a block (a table, figure, quotes or sentences) the one way out of a section.

    The report's disclosure policy is applied to the block first; its tables then go to
    ``<tables_dir>/<name>.csv`` and it is displayed, both from what the policy returned.
    ``study`` is the same block for the whole study (from ``data.study_*``), or a function making
    it: where the policy leaves nothing of ``block`` to show, the whole study's is shown in its
    place, and said to be (:func:`withheld` then says so to the section).
    ``caption`` goes under a figure, and only if the figure is drawn.
    """
    from IPython.display import display

    if _state["policy"] is None:
        raise RuntimeError(
            "this section shows a block before opening its report: call pn.setup(extract, tables_dir) first"
        )
    if caption is not None and isinstance(block, FigureBlock):
        block = dataclasses.replace(block, caption=caption)
    policy, tables_dir, context = resolve(_state["policy"]), _state["tables_dir"], _state["context"]
    released = release(block, policy, None, context)
    _state["withheld"] = nothing_released(released)
    if study is not None and _state["withheld"]:
        whole = study() if callable(study) and not isinstance(study, BLOCKS) else study
        if _has_data(whole):
            if tables_dir is not None:
                record_withheld(released, policy, tables_dir)
            # in place of the report's own, whose every cell is withheld and which is not written at all
            # (even the rows of a table of asterisks say which codes or levels occur); the whole study's
            # figures are never withheld against other reports
            display(
                release(
                    _as_study(whole, caption), policy, tables_dir, dataclasses.replace(context, withheld=frozenset())
                )
            )
            return
    if tables_dir is not None:
        write_released(released, block, policy, tables_dir, context)
    display(released)


def withheld() -> bool:
    """Whether the block last shown had nothing left to show under the report's policy (the whole
    study's was shown in its place, if the section gave it)."""
    return bool(_state["withheld"])


def _has_data(block: Block) -> bool:
    frame = getattr(block, "data", None)
    return frame is not None and len(frame) > 0


def _as_study(block: Block, caption: str | None) -> Block:
    """``block`` of the whole study, shown where the report's own is withheld: named and titled so."""
    said = "Whole study: this report's own figures rest on too few people to be shown."
    if isinstance(block, Table):
        return dataclasses.replace(
            block, name=f"{block.name}{STUDY_WIDE}", title=f"{block.title} — whole study", notes=[said, *block.notes]
        )
    if isinstance(block, FigureBlock):
        return dataclasses.replace(
            block, name=f"{block.name}{STUDY_WIDE}", caption=caption, note=" ".join(filter(None, [said, block.note]))
        )
    return block
