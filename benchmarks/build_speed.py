"""How fast peerimpact builds the example's reports, against the ways a team would otherwise do it.

Run with `.venv/bin/python benchmarks/build_speed.py [--jobs 2] [--repeat 3]`. Every step runs
on a fresh copy of the embedded example, in a temporary folder, HTML and PDF for every report
kind; each figure is the median of the repetitions. Prints figures, asserts nothing.

(a) the naive chain: for each report, one `papermill` command per section on the same
    extracts a build gives its kernels, then `jupyter nbconvert --to html` and `weasyprint`
    on the report, reports run `--jobs` at a time;
(b) `peerimpact build --force` into an empty folder;
(c) a no-op `peerimpact build` (nothing changed);
(d) a rebuild after one site's data changed;
(e) an R Markdown loop (benchmarks/equivalent/loop.R: one R process renders change.Rmd, a
    descriptives table by timepoint, paired t-tests and a faceted ggplot, for the study and
    each site) against the same report as a peerimpact report definition with one section
    notebook (benchmarks/equivalent/), built for the study and each site. Skipped, with a
    message, where Rscript or the R packages are missing.

Then the study report alone: its sections, its HTML and its PDF within (b), and built on its
own with one kernel for its sections and with `--isolated` (a kernel per section).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pandas as pd
import psutil

from peerimpact.builder.prepare import prepare
from peerimpact.builder.request import BuildRequest
from peerimpact.report.extract import write_extract
from peerimpact.resources import example_study_dir

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
FORMATS = "html,pdf"


class Peak:
    """The largest resident memory of this process's descendants together, sampled every half
    second (psutil), for a run that is not being timed."""

    def __init__(self) -> None:
        self.mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.5):
            total = 0
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):  # ended between the listing and the reading
                    total += child.memory_info().rss
            self.mib = max(self.mib, total / 2**20)


def run(command: list[str]) -> float:
    return run_and_say(command)[0]


def run_and_say(command: list[str]) -> tuple[float, str]:
    """Seconds a command took, and what it printed."""
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def peerimpact(*args: str) -> list[str]:
    return [str(BIN / "peerimpact"), "build", *args]


def fresh_study(tmp: Path) -> Path:
    study = tmp / f"study-{time.monotonic_ns()}"
    shutil.copytree(example_study_dir(), study)
    return study


def naive_chain(study: Path, tmp: Path, jobs: int) -> float:
    """Every section a papermill process of its own, then nbconvert and weasyprint per report."""
    prep = prepare(BuildRequest(study=study, out=tmp / "unused", formats=("html", "pdf")))
    root = tmp / f"naive-{time.monotonic_ns()}"
    reports = []
    for report, files, _, _ in prep.reports:
        folder = root / report.id
        extract = write_extract(files, folder / "extract")
        reports.append((report.id, [Path(s) for s in report.sections if s is not None], folder, extract))

    def one(item) -> None:
        rid, sections, folder, extract = item
        executed = []
        for section in sections:
            output = folder / section.name
            subprocess.run(
                [
                    str(BIN / "papermill"),
                    str(section),
                    str(output),
                    "-p",
                    "extract",
                    str(extract),
                    "-p",
                    "tables_dir",
                    str(folder / "tables"),
                    "-k",
                    "python3",
                    "--no-progress-bar",
                ],
                check=True,
                capture_output=True,
            )
            executed.append(output)
        merged = nbformat.v4.new_notebook()
        for path in executed:
            merged.cells.extend(nbformat.read(path, as_version=4).cells)
        nbformat.write(merged, folder / "report.ipynb")
        subprocess.run(
            [
                str(BIN / "jupyter"),
                "nbconvert",
                "--to",
                "html",
                "--no-input",
                "--no-prompt",
                str(folder / "report.ipynb"),
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(BIN / "weasyprint"), str(folder / "report.html"), str(folder / "report.pdf")],
            check=True,
            capture_output=True,
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, reports))
    return time.perf_counter() - started


def one_site_changed(study: Path) -> None:
    people = pd.read_csv(study / "participants.csv", dtype=str, keep_default_na=False)
    one = people["participant_id"] == "S3-PW01"
    people.loc[one, "age"] = str(int(float(people.loc[one, "age"].iloc[0] or 40)) + 1)
    people.to_csv(study / "participants.csv", index=False)


def r_markdown(study: Path, tmp: Path) -> float | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        print(
            "(e) skipped: Rscript is not installed (apt-get install r-base-core r-cran-rmarkdown r-cran-knitr "
            "r-cran-ggplot2 pandoc)"
        )
        return None
    probe = subprocess.run(
        [rscript, "-e", "library(rmarkdown); library(ggplot2); stopifnot(pandoc_available())"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        print(f"(e) skipped: R lacks rmarkdown, ggplot2 or pandoc: {probe.stderr.strip().splitlines()[-1]}")
        return None
    from peerimpact.ingest.study import load_study

    tidy = load_study(study).tidy()
    scores = tmp / "scores.csv"
    frame = tidy.assign(subscale=tidy["subscale_label"].astype(str))
    frame[["participant_id", "site", "timepoint", "subscale", "score"]].to_csv(scores, index=False)
    return run([rscript, str(HERE / "equivalent" / "loop.R"), str(scores), str(tmp / f"rmd-{time.monotonic_ns()}")])


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="reports at once, for peerimpact and the naive chain")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each step (median)")
    args = parser.parse_args()
    jobs = ["--jobs", str(args.jobs)]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        study = fresh_study(tmp)
        cold, noop, changed, naive, study_seconds = [], [], [], [], []
        for i in range(args.repeat):  # (a) and (b) in turn, so that both see the machine in the same state
            out = tmp / f"reports-{i}"
            cold.append(
                run(peerimpact("--study", str(study), "--out", str(out), "--formats", FORMATS, "--force", *jobs))
            )
            manifest = json.loads((out / "manifest.json").read_text())
            study_seconds.append(manifest["reports"]["study"]["seconds"])
            for _ in range(5):
                noop.append(run(peerimpact("--study", str(study), "--out", str(out), "--formats", FORMATS, *jobs)))
            naive.append(naive_chain(study, tmp, args.jobs))
            print(f"repetition {i + 1}: (a) {naive[-1]:.1f} s, (b) {cold[-1]:.1f} s", flush=True)
        reports = len(manifest["reports"])
        with Peak() as peak:
            run(peerimpact("--study", str(study), "--out", str(tmp / "peak"), "--formats", FORMATS, *jobs))
        for i in range(args.repeat):
            changing = fresh_study(tmp)
            out = tmp / f"changed-{i}"
            run(peerimpact("--study", str(changing), "--out", str(out), "--formats", FORMATS, *jobs))
            one_site_changed(changing)
            seconds, said = run_and_say(
                peerimpact("--study", str(changing), "--out", str(out), "--formats", FORMATS, *jobs)
            )
            changed.append(seconds)
            rebuilt = said.strip().splitlines()[-1].split(";")[0]
        alone, isolated = [], []
        for i in range(args.repeat):
            only = (
                "--study",
                str(study),
                "--out",
                str(tmp / f"alone-{i}"),
                "--formats",
                FORMATS,
                "--only",
                "study",
                "--force",
            )
            alone.append(run(peerimpact(*only)))
            isolated.append(run(peerimpact(*only, "--isolated")))
        parallel, serial, theirs = [], [], []
        for i in range(args.repeat):
            equivalent = ("--study", str(study), "--reports-dir", str(HERE / "equivalent"), "--force")
            parallel.append(run(peerimpact(*equivalent, "--out", str(tmp / f"eq-{i}"), *jobs)))
            serial.append(run(peerimpact(*equivalent, "--out", str(tmp / f"eq1-{i}"), "--jobs", "1")))
            r = r_markdown(study, tmp)
            if r is None:
                break
            theirs.append(r)

    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, --jobs {args.jobs}, median of {args.repeat}")
    print(f"{reports} reports (study, 7 sites, 4 cohorts, funder), HTML and PDF each\n")
    rows = [
        ("(a) naive chain: papermill per section, nbconvert + weasyprint per report", median(naive)),
        ("(b) peerimpact build --force, cold", median(cold)),
        ("(c) no-op peerimpact build", median(noop)),
        (f"(d) rebuild after one site's data changed ({rebuilt})", median(changed)),
    ]
    for label, seconds in rows:
        print(f"{label:<76} {seconds:7.2f} s")
    print(f"{'(a)/(b)':<76} {median(naive) / median(cold):7.1f}")
    print(f"{'peak memory of the build and everything it started (sampled)':<76} {peak.mib:7.0f} MiB")
    pdf = [s["pdf"] for s in study_seconds]
    sections = [sum(v for k, v in s.items() if k.startswith("section:")) for s in study_seconds]
    print(
        f"{'study report within (b): sections / HTML / PDF':<76} {median(sections):5.1f} / "
        f"{median([s['html'] for s in study_seconds]):.2f} / {median(pdf):.2f} s"
    )
    print(f"{'study report alone, one kernel / --isolated':<76} {median(alone):5.1f} / {median(isolated):.1f} s")
    print("\n(e) one-section report (descriptives, paired t-tests, a figure) for the study and each site, HTML")
    print(f"{'peerimpact build, --jobs ' + str(args.jobs):<76} {median(parallel):7.2f} s")
    print(f"{'peerimpact build, --jobs 1':<76} {median(serial):7.2f} s")
    if theirs:
        print(f"{'R Markdown loop in one R process (Rscript loop.R)':<76} {median(theirs):7.2f} s")
        print(f"{'(e)/(peerimpact, --jobs ' + str(args.jobs) + ')':<76} {median(theirs) / median(parallel):7.2f}")
        print(f"{'(e)/(peerimpact, --jobs 1)':<76} {median(theirs) / median(serial):7.2f}")


if __name__ == "__main__":
    sys.exit(main())
