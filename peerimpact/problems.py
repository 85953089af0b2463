"""Problems found in a user's files, collected rather than raised.

Every stage (reading, validating, scoring) appends to a :class:`Problems` list so that
a user sees every problem of a file at once, each with file, line, column and raw value.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .text import plural

if TYPE_CHECKING:
    import pandas as pd

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem in one cell (or line, or file) of a user's input."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    rule: str
    message: str
    severity: Severity = "error"

    def format(self) -> str:
        """``FILE:LINE: COLUMN: severity: message [rule] (value 'RAW')``."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.column:
            parts.append(self.column)
        text = ": ".join(parts) + f": {self.severity}: {self.message} [{self.rule}]"
        if self.value is not None:
            text += f" (value {self.value!r})"
        return text


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as the user would type it: relative to the working directory when below it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


class Problems:
    """An ordered collection of :class:`Problem`."""

    def __init__(self, items: Iterable[Problem] = ()) -> None:
        self._items: list[Problem] = list(items)

    def add(
        self,
        file: str | os.PathLike[str],
        *,
        line: int | None = None,
        column: str | None = None,
        value: object = None,
        rule: str,
        message: str,
        severity: Severity = "error",
    ) -> None:
        """Record a problem of ``file``; everything after the file is named, so no two are swapped."""
        raw = None if value is None else str(value)
        self._items.append(Problem(display_path(file), line, column, raw, rule, message, severity))

    def extend(self, other: Iterable[Problem]) -> None:
        self._items.extend(other)

    def rewrite(self, change: Callable[[Problem], Problem | None]) -> None:
        """Put ``change(problem)`` in place of each problem (to say where it is in other terms), or
        drop it where ``change`` gives ``None``."""
        self._items = [q for p in self._items if (q := change(p)) is not None]

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self._items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self._items if p.severity == "warning"]

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self._items)

    def sorted(self) -> list[Problem]:
        """Problems in file order, then line order (file-level problems first)."""
        order = {f: i for i, f in enumerate(dict.fromkeys(p.file for p in self._items))}
        return sorted(self._items, key=lambda p: (order[p.file], p.line or 0))

    def summary(self) -> str:
        files = len({p.file for p in self._items})
        e, w = len(self.errors), len(self.warnings)
        if not self._items:
            return "no problems found"
        return f"{plural(e, 'error')}, {plural(w, 'warning')} in {plural(files, 'file')}"

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        columns = ["file", "line", "column", "value", "rule", "message", "severity"]
        return pd.DataFrame([asdict(p) for p in self._items], columns=columns)

    def __repr__(self) -> str:
        return f"<Problems: {self.summary()}>"


class InvalidStudy(Exception):
    """The study cannot be read at all (its ``study.yml`` or an instrument is invalid)."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        super().__init__("\n".join(p.format() for p in problems.sorted()))
