"""Zip archives (an ``.xlsx`` workbook, a ``.qdpx`` project) opened within the limits: their
declared sizes are checked before anything is unpacked, and no member is read past its size."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..limits import MB, current
from ..problems import Problems


def check_archive(archive: zipfile.ZipFile, path: Path, problems: Problems) -> bool:
    """Refuse a zip (an .xlsx or .qdpx) whose members would unpack to more than the limits allow.

    Sizes are read from the archive's directory before anything is unpacked; readers then
    read members through :func:`read_member`, which stops at the declared size.
    """
    limits = current()
    members = archive.infolist()
    total = sum(m.file_size for m in members)
    if total > limits.archive_mb * MB:
        problems.add(
            path,
            rule="too-large",
            message=f"archive unpacks to {total / MB:,.0f} MB; the limit is "
            f"{limits.archive_mb:,} MB (raise it with PEERIMPACT_MAX_FILE_MB)",
        )
        return False
    for m in members:
        if m.file_size > MB and m.file_size > limits.zip_ratio * max(m.compress_size, 1):
            problems.add(
                path,
                value=m.filename,
                rule="too-large",
                message=f"archive member unpacks to {m.file_size / MB:,.0f} MB from {m.compress_size:,} bytes "
                f"(more than {limits.zip_ratio}:1): not a file any program writes",
            )
            return False
    return True


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """An archive member's bytes, never more than its declared size (a forged size cannot bloat it)."""
    info = archive.getinfo(name)
    with archive.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise zipfile.BadZipFile(f"member {name} is larger than the archive says")
    return data
