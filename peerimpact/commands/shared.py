"""What every subcommand shares: its exit codes, the error for a command line that cannot work,
and how problems and the embedded example are announced.

Kept free of pandas and the build machinery: the command line imports it before it knows which
command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from ..problems import Problems, display_path

EXIT_OK, EXIT_PROBLEMS = 0, 2


def print_problems(problems: Problems, stream: TextIO | None = None) -> None:
    """Every problem, in order, then how many errors and warnings there were (to stdout by default)."""
    stream = stream or sys.stdout
    for problem in problems.sorted():
        print(problem.format(), file=stream)
    print(problems.summary(), file=stream)


def announce_example(study: str | Path | None) -> None:
    """Say, first, that the embedded example is used when no study was named."""
    if study is None:
        from ..resources import example_study_dir

        print(
            f"Using the embedded example study ({display_path(example_study_dir())}); name your own with --study PATH."
        )


class Usage(Exception):
    """A command line that names its inputs in a way that cannot work."""
