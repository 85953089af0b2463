"""The package's layers: each module imports only from its own layer or those below it."""

from __future__ import annotations

import ast
from pathlib import Path

import peerimpact

PACKAGE = Path(peerimpact.__file__).parent
# Bottom to top. A module of a layer may import from its own layer and every layer before it.
LAYERS = [
    ("core", {"problems", "text", "limits", "resources", "schema", "version", "registry"}),
    ("config", {"config"}),
    ("ingest", {"ingest"}),
    ("analysis", {"analysis"}),
    ("report", {"report"}),
    ("builder", {"builder"}),
    ("app", {"cli", "commands", "notebook", "session", "example", "export", "__init__"}),
]
RANK = {name: rank for rank, (_, names) in enumerate(LAYERS) for name in names}


def layer_of(module: str) -> int:
    """Rank of a dotted module name under the package (``builder.plan`` → builder)."""
    first = module.split(".")[0]
    assert first in RANK, f"peerimpact.{module} belongs to no layer: add it to LAYERS"
    return RANK[first]


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


def test_no_module_imports_from_a_layer_above_its_own():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        own = layer_of(module)
        for line, target in imports(path):
            if layer_of(target) > own:
                wrong.append(
                    f"peerimpact/{path.relative_to(PACKAGE)}:{line} imports {target} "
                    f"({LAYERS[layer_of(target)][0]}) from the {LAYERS[own][0]} layer"
                )
    assert not wrong, "\n".join(wrong)


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
    assert [layer_of(t) > layer_of("analysis.probe") for _, t in found] == [True, False, True, False, False]


def test_short_names_of_layered_modules_still_work():
    import peerimpact.qualitative as qualitative
    from peerimpact.stats import paired_ttest
    from peerimpact.tables import table1

    assert paired_ttest.__module__ == "peerimpact.analysis.stats"
    assert table1.__module__ == "peerimpact.report.tables"
    assert qualitative.select_quotes.__module__ == "peerimpact.analysis.qualitative"
    assert peerimpact.pipeline.build.__module__ == "peerimpact.builder.pipeline"
