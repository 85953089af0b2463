"""Bounds on what a user's file may cost to read, so that a small file cannot take hours or gigabytes.

The defaults are far above what a study of thousands of people produces (see the README,
"Limits"); each can be raised with an environment variable, read when a file is opened.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How large a user's file may be, and how deeply its contents may nest."""

    # Reading takes 20 to 40 times a table's size in memory (a 48 MB, 1,000,000-row contact
    # log peaks at 1 GB): 128 MB keeps the worst case near 5 GB.
    table_mb: int = 128  # a CSV, XLSX or SPSS file as stored
    archive_mb: int = 1024  # an .xlsx or .qdpx unpacked (spreadsheet XML is 5 to 10 times its data)
    rows: int = 2_000_000  # rows of one table
    # Every row is held as wide as the header, so an empty cell costs memory though not bytes:
    # a 1.6 MB header of 200,000 names over 2,000 rows took 3.3 GB. Cells bound rows × columns.
    columns: int = 2_000  # columns of one table's header
    cells: int = 20_000_000  # rows × header columns of one table (about 160 MB of empty cells)
    yaml_mb: int = 1  # study.yml, an instrument or a params file
    yaml_nodes: int = 100_000  # YAML values after aliases are expanded
    depth: int = 100  # nesting of YAML collections and of XML elements
    zip_ratio: int = 200  # uncompressed / compressed size of an archive member above 1 MB

    @classmethod
    def from_env(cls) -> Limits:
        """The defaults, with ``PEERIMPACT_MAX_FILE_MB`` (the archive limit grows with it),
        ``PEERIMPACT_MAX_ROWS``, ``PEERIMPACT_MAX_COLUMNS`` and ``PEERIMPACT_MAX_CELLS`` applied."""

        def number(name: str, default: int) -> int:
            raw = os.environ.get(name, "").strip()
            return int(raw) if raw.isdigit() and int(raw) > 0 else default

        base = cls()
        table_mb = number("PEERIMPACT_MAX_FILE_MB", base.table_mb)
        return cls(
            table_mb=table_mb,
            archive_mb=base.archive_mb * table_mb // base.table_mb,
            rows=number("PEERIMPACT_MAX_ROWS", base.rows),
            columns=number("PEERIMPACT_MAX_COLUMNS", base.columns),
            cells=number("PEERIMPACT_MAX_CELLS", base.cells),
        )


def current() -> Limits:
    """The limits in force now (the environment is read on every call)."""
    return Limits.from_env()
