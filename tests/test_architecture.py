"""The package's layers: each module imports only from its own layer or the layers it may use.

The layers form a diamond, not a chain: ``config`` and ``ingest`` read a study's files, ``analysis``
computes on tidy frames and plain values, and neither side knows the other; ``report`` and above
bring them together."""

from __future__ import annotations

import ast
from pathlib import Path

import peerimpact

PACKAGE = Path(peerimpact.__file__).parent
# Each layer: its modules and the other layers a module of it may import from (always its own too).
LAYERS = {
    "core": ({"problems", "text", "limits", "resources", "schema", "version", "registry", "locales"}, set()),
    "config": ({"config"}, {"core"}),
    "ingest": ({"ingest"}, {"core", "config"}),
    "analysis": ({"analysis"}, {"core"}),  # tidy frames in, tidy frames out: no study.yml, no files
    "report": ({"report"}, {"core", "config", "ingest", "analysis"}),
    "builder": ({"builder"}, {"core", "config", "ingest", "analysis", "report"}),
    "app": (
        {"cli", "commands", "notebook", "session", "example", "export", "__init__"},
        {"core", "config", "ingest", "analysis", "report", "builder"},
    ),
}
LAYER = {module: layer for layer, (modules, _) in LAYERS.items() for module in modules}
MAX_LINES = 450  # a module longer than this is split by job


def layer_of(module: str) -> str:
    """Layer of a dotted module name under the package (``builder.plan`` → builder)."""
    first = module.split(".")[0]
    assert first in LAYER, f"peerimpact.{module} belongs to no layer: add it to LAYERS"
    return LAYER[first]


def may_import(module: str, target: str) -> bool:
    """Whether ``module`` may import ``target`` (both dotted names under the package)."""
    own, theirs = layer_of(module), layer_of(target)
    return theirs == own or theirs in LAYERS[own][1]


def imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, module under the package) of every import of the package's own modules in a file
    (or in ``source``, read as if it were that file)."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    package = list(here[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8") if source is None else source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = [*base, *(node.module.split(".") if node.module else [])]
                targets = [".".join(target)] if node.module else [".".join([*base, a.name]) for a in node.names]
            elif node.module and node.module.split(".")[0] == "peerimpact":
                targets = [node.module.partition(".")[2] or "__init__"]
            else:
                continue
            found += [(node.lineno, t) for t in targets if t]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name.partition(".")[2]) for a in node.names if a.name.startswith("peerimpact.")]
    return found


def test_no_module_imports_from_a_layer_it_may_not_use():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        for line, target in imports(path):
            if not may_import(module, target):
                wrong.append(
                    f"peerimpact/{path.relative_to(PACKAGE)}:{line} imports {target} "
                    f"({layer_of(target)}) from the {layer_of(module)} layer"
                )
    assert not wrong, "\n".join(wrong)


def test_no_module_is_longer_than_the_project_keeps_one():
    long = [
        f"peerimpact/{path.relative_to(PACKAGE)}: {lines} lines"
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert not long, f"split by job, to {MAX_LINES} lines at most:\n" + "\n".join(long)


def test_the_layers_use_what_the_layers_they_use_use():
    """The table is closed and has no cycle: a layer that may use another may use what that one
    uses, and no layer may use itself through another."""
    for layer, (_, uses) in LAYERS.items():
        assert uses <= set(LAYERS), f"{layer} names a layer that does not exist: {uses - set(LAYERS)}"
        for used in uses:
            assert LAYERS[used][1] <= uses, f"{layer} uses {used} but not all it uses: {LAYERS[used][1] - uses}"
            assert layer not in LAYERS[used][1], f"{layer} and {used} use each other"


def test_the_check_sees_upward_and_relative_imports():
    probe = PACKAGE / "analysis" / "probe.py"
    found = imports(
        probe,
        "from ..builder import plan\nfrom .stats import x\nimport peerimpact.report.tables\n"
        "from peerimpact.config import y\nfrom . import qualitative\n",
    )
    assert found == [
        (1, "builder"),
        (2, "analysis.stats"),
        (3, "report.tables"),
        (4, "config"),
        (5, "analysis.qualitative"),
    ]
    assert [not may_import("analysis.probe", t) for _, t in found] == [True, False, True, True, False]


def test_the_check_sees_the_diamond():
    """analysis and config/ingest are two sides of a diamond: neither imports the other; report,
    above both, imports both; ingest reads study.yml's models, config never imports ingest."""
    source = (
        "from ..config.study import Window\nfrom ..ingest import study\nimport peerimpact.schema\n"
        "from ..analysis import stats\n"
    )
    analysis = imports(PACKAGE / "analysis" / "probe.py", source)
    assert analysis == [(1, "config.study"), (2, "ingest"), (3, "schema"), (4, "analysis")]
    assert [not may_import("analysis.probe", t) for _, t in analysis] == [True, True, False, False]
    assert [not may_import("report.probe", t) for _, t in analysis] == [False, False, False, False]
    assert [not may_import("config.probe", t) for _, t in analysis] == [False, True, False, True]
    assert [not may_import("ingest.probe", t) for _, t in analysis] == [False, False, False, True]


def test_short_names_of_layered_modules_still_work():
    import peerimpact.analysis.stats as analysis_stats
    import peerimpact.qualitative as qualitative
    from peerimpact.stats import paired_ttest
    from peerimpact.tables import table1

    assert paired_ttest is analysis_stats.paired_ttest  # defined in analysis/paired.py, imported there
    assert table1.__module__ == "peerimpact.report.tables"
    assert qualitative.select_quotes.__module__ == "peerimpact.analysis.qualitative"
    assert peerimpact.pipeline.build.__module__ == "peerimpact.builder.pipeline"
