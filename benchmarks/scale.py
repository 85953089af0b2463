"""How a build grows with the number of sites: a national programme rebuilt every month.

Run with `.venv/bin/python benchmarks/scale.py [--sites 10,30,60] [--per-site 15] [--jobs 2]`.
For each size, `peerimpact synth --sites N --per-site M` writes a study copied site by site
from the example, then `peerimpact build` makes every report (the study, one per site, the
cohorts and the funder's), HTML and PDF. Prints the time to validate, the build's time, the
time per report and the peak memory of the build and everything it started. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from build_speed import BIN, Peak, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", default="10,30,60", help="comma-separated numbers of sites")
    parser.add_argument("--per-site", type=int, default=15)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--formats", default="html,pdf")
    args = parser.parse_args()
    print(
        f"{'sites':>5} {'people':>6} {'reports':>7} {'synth':>7} {'validate':>8} {'build':>8} {'per report':>10} "
        f"{'peak':>8}"
    )
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for sites in (int(s) for s in args.sites.split(",")):
            study, out = tmp / f"study-{sites}", tmp / f"reports-{sites}"
            synth = run(
                [
                    str(BIN / "peerimpact"),
                    "synth",
                    "--out",
                    str(study),
                    "--sites",
                    str(sites),
                    "--per-site",
                    str(args.per_site),
                ]
            )
            validate = run([str(BIN / "peerimpact"), "validate", "--study", str(study)])
            started = time.perf_counter()
            with Peak() as peak:
                run(
                    [
                        str(BIN / "peerimpact"),
                        "build",
                        "--study",
                        str(study),
                        "--out",
                        str(out),
                        "--formats",
                        args.formats,
                        "--jobs",
                        str(args.jobs),
                    ]
                )
            seconds = time.perf_counter() - started
            reports = len(json.loads((out / "manifest.json").read_text())["reports"])
            print(
                f"{sites:>5} {sites * args.per_site:>6} {reports:>7} {synth:>6.1f}s {validate:>7.1f}s "
                f"{seconds:>7.1f}s {seconds / reports:>9.2f}s {peak.mib:>5.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    sys.exit(main())
