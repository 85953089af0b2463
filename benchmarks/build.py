"""Time the build of the example study: cold, no-op (in this process and from the command line),
one site changed, and --isolated.

Run with `.venv/bin/python benchmarks/build.py [--jobs N]`; prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from peerimpact.builder.pipeline import build
from peerimpact.resources import example_study_dir


def timed(label: str, **kwargs) -> None:
    started = time.perf_counter()
    result = build(echo=lambda m: None, **kwargs)
    seconds = time.perf_counter() - started
    counts = {s: sum(o.status == s for o in result.outcomes) for s in ("built", "cached", "failed")}
    print(f"{label:<34} {seconds:7.1f} s   built {counts['built']:>2}, cached {counts['cached']:>2}, "
          f"failed {counts['failed']}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        study = Path(tmp) / "study"
        shutil.copytree(example_study_dir(), study)
        out = Path(tmp) / "reports"
        common = {"out": out, "jobs": args.jobs}
        timed("cold build, all reports", study=study, **common)
        timed("no-op rebuild", study=study, **common)
        command = [sys.executable, "-m", "peerimpact.cli", "build", "--study", str(study), "--out", str(out)]
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            runs.append(time.perf_counter() - started)
        print(f"{'no-op rebuild, command line':<34} {statistics.median(runs):7.2f} s   median of 5 fresh processes")
        people = pd.read_csv(study / "participants.csv", dtype=str, keep_default_na=False)
        one = people["participant_id"] == "S3-PW01"
        people.loc[one, "age"] = str(int(float(people.loc[one, "age"].iloc[0] or 40)) + 1)   # a real change
        people.to_csv(study / "participants.csv", index=False)
        timed("rebuild after one site's data", study=study, **common)
        timed("study report, shared kernel", study=study, only=["study"], force=True, **common)
        timed("study report, --isolated", study=study, only=["study"], force=True, isolated=True, **common)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of the largest worker or kernel: {peak:.0f} MiB "
          f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    sys.exit(main())
