"""The golden tables: the example's reports' tables as committed, which the tests compare every
build with (tests/test_pipeline.py). Run from the repository's root:

    .venv/bin/python -m tests.golden          # build the golden reports, print what differs; exit 1 if anything does
    .venv/bin/python -m tests.golden update   # the same, then write the new tables over the golden ones

A golden change is a change of the numbers a reader sees: commit it on its own, saying why.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the tests' own modules

from conftest import GOLDEN_REPORTS  # noqa: E402
from test_pipeline import same_table  # noqa: E402


def differences(built: Path, rid: str) -> list[str]:
    """What differs between a built report's tables and its golden ones, a line each."""
    mine = {p.name for p in (built / rid / "tables").glob("*.csv")}
    golden = {p.name for p in (HERE / rid).glob("*.csv")}
    lines = [f"{rid}/{name}: new table" for name in sorted(mine - golden)]
    lines += [f"{rid}/{name}: no longer made" for name in sorted(golden - mine)]
    for name in sorted(mine & golden):
        lines += [f"{rid}/{d}" for d in same_table(built / rid / "tables" / name, HERE / rid / name)]
    return lines


def main(argv: list[str]) -> int:
    from peerimpact.builder.pipeline import build

    if argv not in ([], ["update"]):
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as name:
        out = Path(name) / "reports"
        result = build(out=out, only=GOLDEN_REPORTS, formats=["html"], jobs=2, echo=lambda m: None)
        if result.exit_code != 0:
            print("the golden reports did not build:", [o.error for o in result.failed], file=sys.stderr)
            return 2
        found = {rid: differences(out, rid) for rid in GOLDEN_REPORTS}
        for rid, lines in found.items():
            print(f"{rid}: {len(lines)} difference{'s' * (len(lines) != 1)}")
            for line in lines:
                print(f"  {line}")
        if argv == ["update"]:
            for rid, lines in found.items():
                if lines or not (HERE / rid).is_dir():
                    shutil.rmtree(HERE / rid, ignore_errors=True)
                    (HERE / rid).mkdir()
                    for table in sorted((out / rid / "tables").glob("*.csv")):
                        shutil.copyfile(table, HERE / rid / table.name)
                    print(f"{rid}: golden tables written")
            return 0
        return 1 if any(found.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
