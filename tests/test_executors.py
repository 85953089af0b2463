"""Executors and warm kernels: what runs the reports, and that nothing carries over between them."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import BUILT
from peerimpact.builder.execute import Kernel, execute_sections
from peerimpact.builder.executors import EXECUTORS, ExecutorOptions, ExecutorUnavailable
from peerimpact.cli import main


def notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("extract = None\ntables_dir = None", metadata={"tags": ["parameters"]}),
        *(nbformat.v4.new_code_cell(s) for s in sources),
    ]
    nbformat.write(nb, path)
    return path


@pytest.mark.kernel
def test_a_warm_kernel_forgets_the_previous_report(tmp_path):
    """Two reports in one kernel: the second sees none of the first's variables, values, open
    figures, plot settings or notebook state, and keeps its modules loaded."""
    first = notebook(
        tmp_path / "first.ipynb",
        "import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt\n"
        "import peerimpact.notebook as pn\n"
        "pn._state.update(policy='none', tables_dir=tables_dir)\n"
        "secret = 'S1-PW01'\nplt.figure()\nmatplotlib.rcParams['lines.linewidth'] = 9.0",
        "secret",
    )  # a value returned by a cell lands in Out
    second = notebook(
        tmp_path / "second.ipynb",
        "import sys\nimport matplotlib\nimport matplotlib.pyplot as plt\n"
        "assert 'secret' not in dir(), 'a variable survived'\n"
        "assert not Out and _ == '', 'an output survived'\n"
        "assert plt.get_fignums() == [], 'a figure survived'\n"
        "assert matplotlib.rcParams['lines.linewidth'] == 1.5, 'a plot setting survived'\n"
        "assert 'peerimpact.notebook' in sys.modules   # modules stay loaded: that is the point\n"
        "assert sys.modules.get('debugpy') is None, 'the kernel loaded the debugger'\n"
        "print('clean')",
        "import peerimpact.notebook as pn\nfrom peerimpact.report.blocks import TextBlock\n"
        "pn.show(TextBlock('t', {}, lambda f: 'x'))",
    )
    kernel = Kernel()
    try:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        one = execute_sections([first], {"tables_dir": str(tmp_path / "tables-a")}, tmp_path / "a", kernel=kernel)
        assert one.failure is None, one.failure and one.failure.format()
        assert kernel.alive and kernel.reports == 1
        two = execute_sections([second], {"tables_dir": str(tmp_path / "tables-b")}, tmp_path / "b", kernel=kernel)
    finally:
        kernel.shutdown()
    assert two.failure is not None
    out = nbformat.read(tmp_path / "b" / "second.ipynb", as_version=4)
    assert "clean" in json.dumps([c.get("outputs") for c in out.cells])  # the first cell's checks passed
    # showing a block without opening the report is refused, instead of using the first report's folder
    assert two.failure.ename == "RuntimeError" and "pn.setup" in two.failure.evalue
    assert two.failure.cell_index == 3
    assert not kernel.alive  # a kernel that failed a report is not kept for the next


def test_each_worker_keeps_its_kernel_across_reports(built):
    """The example build (two workers) ran its 13 reports in two kernels."""
    kernels: dict[str, list[int]] = {}
    for rid in BUILT:
        log = (built.parent / "reports-work" / rid / "build.log").read_text()
        [(pid, count)] = re.findall(r"kernel (\d+): report (\d+) of this kernel", log)
        kernels.setdefault(pid, []).append(int(count))
    assert len(kernels) == 2
    assert sorted(n for counts in kernels.values() for n in counts) == sorted(
        n for counts in kernels.values() for n in range(1, len(counts) + 1)
    )


def test_an_unknown_executor_is_refused_with_the_choices(capsys):
    assert main(["build", "--executor", "spark", "--out", "unused"]) == 2
    said = capsys.readouterr()
    assert "--executor: error: no such executor; choose one of dask, local [option] (value 'spark')" in said.out
    assert "nothing was built" in said.err and "Traceback" not in said.out + said.err


def test_dask_without_a_scheduler_says_what_it_needs(tmp_path):
    with pytest.raises(ExecutorUnavailable, match="--scheduler"), EXECUTORS["dask"].open(ExecutorOptions(2, tmp_path)):
        pass


@pytest.mark.kernel
def test_a_dask_cluster_builds_what_a_local_build_builds(built, tmp_path):
    """A report built by a Dask worker process equals the local build's, table for table and in its HTML."""
    from distributed import LocalCluster

    import peerimpact

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        result = peerimpact.build(
            out=tmp_path / "out",
            only=["site-S7"],
            formats=["html"],
            executor="dask",
            scheduler=cluster.scheduler_address,
            echo=lambda m: None,
        )
    assert result.exit_code == 0, [o.error for o in result.failed] + [p.format() for p in result.problems]
    mine, theirs = tmp_path / "out" / "site-S7", built / "site-S7"
    names = sorted(p.name for p in (theirs / "tables").glob("*.csv"))
    assert names and names == sorted(p.name for p in (mine / "tables").glob("*.csv"))
    for name in names:
        assert (mine / "tables" / name).read_bytes() == (theirs / "tables" / name).read_bytes(), name

    def body(path: Path) -> str:  # the report less the moment it was built
        return re.sub(r"<dt>Built</dt><dd>[^<]*</dd>", "", (path / "report.html").read_text())

    assert body(mine) == body(theirs)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["reports"]["site-S7"]["status"] == "ok"


def test_the_build_does_not_compile_the_iri_grammar_jupyterlab_brings(tmp_path):
    """Where JupyterLab is installed, jsonschema imports rfc3987-syntax, which compiles a grammar
    (seconds per process); a build's processes read notebooks without it."""
    marker = tmp_path / "imported"
    (tmp_path / "rfc3987_syntax.py").write_text(
        f"open({str(marker)!r}, 'w').close()\ndef is_valid_syntax(rule, value):\n    return True\n"
    )
    code = "import peerimpact.builder.execute, jsonschema, nbformat; nbformat.v4.new_notebook()"
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert not marker.exists()
    # the stand-in is importable, so the check above could fail: without the build it is imported
    subprocess.run([sys.executable, "-c", "import jsonschema"], check=True, env=env)
    assert marker.exists()
