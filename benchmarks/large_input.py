"""Time and memory of reading large, legitimate input: a 1,000,000-row contact log and a
100,000-row questionnaire file, each checked by ``peerimpact validate`` and planned by
``peerimpact list`` (which loads, scores and cuts every report's extract).

Run with `.venv/bin/python benchmarks/large_input.py`; prints figures, asserts nothing.
Each command runs in a process of its own, so its peak memory is its own.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from peerimpact.resources import example_study_dir

CONTACT_ROWS = 1_000_000
QUESTIONNAIRE_ROWS = 100_000


def big_contacts(study: Path, rows: int, rng: np.random.Generator) -> None:
    contacts = pd.read_csv(study / "contacts.csv", dtype=str, keep_default_na=False)
    contacts.iloc[rng.integers(0, len(contacts), rows)].to_csv(study / "contacts.csv", index=False)


def big_questionnaires(study: Path, rows: int, rng: np.random.Generator) -> None:
    """``rows`` questionnaire records: every participant copied under new IDs, answering at every timepoint."""
    people = pd.read_csv(study / "participants.csv", dtype=str, keep_default_na=False)
    answers = pd.read_csv(study / "questionnaires.csv", dtype=str, keep_default_na=False)
    copies = -(-rows // len(answers))
    new_people, new_answers = [], []
    for k in range(copies):
        new_people.append(people.assign(participant_id=people["participant_id"] + f"-{k}"))
        new_answers.append(answers.assign(participant_id=answers["participant_id"] + f"-{k}"))
    pd.concat(new_people).to_csv(study / "participants.csv", index=False)
    pd.concat(new_answers).head(rows).to_csv(study / "questionnaires.csv", index=False)
    for name in ("service_use.csv", "contacts.csv", "excerpts.csv"):  # keep them valid and small
        (study / name).write_text((study / name).read_text().splitlines()[0] + "\n")


MEASURED = (
    "import resource, runpy, sys\n"
    "sys.argv = ['peerimpact', *sys.argv[1:]]\n"
    "try:\n    runpy.run_module('peerimpact.cli', run_name='__main__')\n"
    "finally:\n    print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def run(label: str, *argv: str) -> None:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURED, *argv], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak = int(done.stderr.strip().splitlines()[-1].split()[1]) / 1024
    last = (done.stdout.strip().splitlines() or [""])[-1]
    print(f"{label:<44} {seconds:6.1f} s  peak {peak:6.0f} MiB  exit {done.returncode}: {last}")


def main() -> None:
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        for name, grow, rows, file in (
            ("contacts", big_contacts, CONTACT_ROWS, "contacts.csv"),
            ("questionnaires", big_questionnaires, QUESTIONNAIRE_ROWS, "questionnaires.csv"),
        ):
            study = Path(tmp) / name
            shutil.copytree(example_study_dir(), study)
            grow(study, rows, rng)
            size = (study / file).stat().st_size / 2**20
            print(f"{file}: {rows:,} rows, {size:.0f} MB")
            run("  validate", "validate", "--study", str(study))
            run(
                "  list (load, score, plan every extract)",
                "list",
                "--study",
                str(study),
                "--out",
                str(Path(tmp) / f"{name}-reports"),
            )


if __name__ == "__main__":
    sys.exit(main())
