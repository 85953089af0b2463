"""How long planning takes as a study grows: the differencing search over every shared report.

Run with `.venv/bin/python benchmarks/planning.py [--sites 10,30,60] [--per-site 15]`. For each
size, `peerimpact synth --sites N --per-site M` writes a study copied site by site from the
example; it is loaded once, then planned (every report, as `peerimpact build` plans them).
Prints the planning time, the part of it spent on the build-wide differencing search (the rest
is making the extracts, their mixed models among them), the number of differencing
checks, how many of them had more small parts than the one-by-one search tries (and so went to
the exact search) and how long the exact search took in all. Asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from build_speed import BIN, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", default="10,30,60", help="comma-separated numbers of sites")
    parser.add_argument("--per-site", type=int, default=15)
    args = parser.parse_args()

    import peerimpact
    from peerimpact.builder import plan as planning
    from peerimpact.report import differencing
    from peerimpact.resources import params_dir

    calls = {"checks": 0, "exact": 0, "exact_s": 0.0, "differencing_s": 0.0}
    withheld = planning.withheld_in_build

    def timed_withheld(*a, **k):
        started = time.perf_counter()
        try:
            return withheld(*a, **k)
        finally:
            calls["differencing_s"] += time.perf_counter() - started

    planning.withheld_in_build = timed_withheld
    derivation, exact = differencing._derivation, differencing.smallest_union

    def counted_derivation(*a, **k):
        calls["checks"] += 1
        return derivation(*a, **k)

    def timed_exact(*a, **k):
        calls["exact"] += 1
        started = time.perf_counter()
        try:
            return exact(*a, **k)
        finally:
            calls["exact_s"] += time.perf_counter() - started

    differencing._derivation, differencing.smallest_union = counted_derivation, timed_exact
    print(
        f"{'sites':>5} {'people':>6} {'reports':>7} {'plan':>8} {'differencing':>12} {'checks':>7} {'exact':>6} "
        f"{'exact time':>10}"
    )
    with tempfile.TemporaryDirectory() as name:
        for sites in (int(s) for s in args.sites.split(",")):
            study_dir = Path(name) / f"study-{sites}"
            run([str(BIN / "peerimpact"), "synth", "--out", str(study_dir), "--sites", str(sites),
                 "--per-site", str(args.per_site)])  # fmt: skip
            study = peerimpact.load_study(study_dir)
            calls.update(checks=0, exact=0, exact_s=0.0, differencing_s=0.0)
            started = time.perf_counter()
            planned, problems = planning.plan(study, params_dir() / "reports")
            took = time.perf_counter() - started
            if problems.has_errors:
                sys.exit("\n".join(p.format() for p in problems))
            print(
                f"{sites:>5} {len(study.participants):>6} {len(planned):>7} {took:>7.1f}s "
                f"{calls['differencing_s']:>11.1f}s {calls['checks']:>7} {calls['exact']:>6} {calls['exact_s']:>9.1f}s"
            )


if __name__ == "__main__":
    main()
