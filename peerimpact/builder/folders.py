"""The folders a build writes in, and the rules that keep it from touching anything else.

A build writes in two folders: the output folder (shared reports) and the work folder
(row-level extracts, executed notebooks, logs). Both are checked before any work:

- neither may be the study folder or a data root, lie inside one, or contain one;
- each must not exist yet, be empty, or hold this tool's own output for the same study:
  the output folder its ``manifest.json``, the work folder its ``.peerimpact-work.json``;
- a report folder is replaced only when the manifest lists it as this tool's output.

Lock files are opened without following symlinks, and a file is written beside its target
and renamed into place, so a failure leaves either the old file or the new one, never a
truncated one, and never a file written through a link to somewhere else.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ..problems import Problems
from .safefiles import Unreadable, read_regular

MANIFEST = "manifest.json"
WORK_MARKER = ".peerimpact-work.json"
# what a build itself leaves in an output folder besides report folders, index.html and the manifest
OWN_NAMES = {".lock", ".workers.lock", ".staging", ".inputs.json", "index.html", MANIFEST}
# temporary files of an atomic write that a killed build may leave: ".<name>.<random>"
# what may sit in a folder that is empty in all but name: git's placeholder for an empty folder
PLACEHOLDERS = {".gitkeep"}
ATOMIC_PREFIXES = tuple(f".{name}." for name in (MANIFEST, "index.html", ".inputs.json"))


def study_folder(study: str | Path | None) -> Path:
    """The study's folder (``study`` may name the folder or its ``study.yml``; ``None`` is the example)."""
    from ..resources import example_study_dir

    path = Path(study) if study is not None else example_study_dir()
    return (path if path.is_dir() else path.parent).resolve()


def _visible(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def read_json(path: Path) -> dict | None:
    """A JSON object read from a regular file (never through a symlink); ``None`` if there is none."""
    try:
        data = json.loads(read_regular(path, max_bytes=64 * 1024 * 1024))
    except (Unreadable, OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _names(names: list[str], limit: int = 4) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_folders(out: Path, work: Path, study: Path, roots: tuple[Path, ...] = ()) -> Problems:
    """Every reason a build may not write in ``out`` and ``work``, before it reads or writes anything.

    ``study`` is the study's folder and ``roots`` the data roots its ``study.yml`` may name files in.
    """
    problems = Problems()
    out_r, work_r = out.resolve(), work.resolve()
    protected = [("the study folder", study.resolve())] + [("a data root", Path(r).resolve()) for r in roots]
    for option, folder in (("--out", out_r), ("--work", work_r)):
        for what, guarded in protected:
            if folder == guarded or folder.is_relative_to(guarded) or guarded.is_relative_to(folder):
                relation = "is" if folder == guarded else "is inside" if folder.is_relative_to(guarded) else "contains"
                problems.add(
                    option,
                    value=str(folder),
                    rule="folder",
                    message=f"{relation} {what} ({guarded}), whose files a build never writes; "
                    "choose a folder outside it",
                )
    if work_r.is_relative_to(out_r):
        problems.add(
            "--work",
            value=str(work_r),
            rule="folder",
            message="the work folder holds row-level data and "
            f"must not be inside the folder of shared reports ({out_r})",
        )
    elif out_r.is_relative_to(work_r):
        problems.add(
            "--out",
            value=str(out_r),
            rule="folder",
            message=f"is inside the work folder ({work_r}), "
            "whose report folders a build replaces; choose folders side by side",
        )
    if problems.has_errors:
        return problems
    _check_out(out, study, problems)
    _check_work(work, study, problems)
    return problems


def _not_a_folder(path: Path, option: str, problems: Problems) -> bool:
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        kind = "a symbolic link" if path.is_symlink() else "not a folder"
        problems.add(option, value=str(path), rule="folder", message=f"is {kind}; give a folder")
        return True
    return False


def _check_out(out: Path, study: Path, problems: Problems) -> None:
    if _not_a_folder(out, "--out", problems) or not out.exists():
        return
    names = _visible(out)
    for name in sorted(OWN_NAMES & set(names)):
        if (out / name).is_symlink():
            problems.add(
                out / name,
                rule="folder",
                message="is a symbolic link where a build keeps a file of its own; remove it or choose another folder",
            )
    if set(names) <= (OWN_NAMES | PLACEHOLDERS) - {MANIFEST}:
        return
    manifest = read_json(out / MANIFEST)
    if manifest is None or not isinstance(manifest.get("reports"), dict):
        problems.add(
            "--out",
            value=str(out),
            rule="folder",
            message=f"is not empty and holds no peerimpact build (it has {_names(names)}); a build writes "
            "only into a new or empty folder, or one it built before: choose another",
        )
        return
    built_from = manifest.get("study_path")
    if built_from and Path(built_from) != study:
        problems.add(
            "--out",
            value=str(out),
            rule="folder",
            message=f"holds the reports of another study ({built_from}); choose another folder",
        )


def _check_work(work: Path, study: Path, problems: Problems) -> None:
    if _not_a_folder(work, "--work", problems) or not work.exists():
        return
    names = [n for n in _visible(work) if n not in {".lock", WORK_MARKER} | PLACEHOLDERS]
    if (work / ".lock").is_symlink() or (work / WORK_MARKER).is_symlink():
        problems.add(
            "--work",
            value=str(work),
            rule="folder",
            message="holds a symbolic link where a build keeps a "
            "file of its own (.lock or .peerimpact-work.json); remove it or choose another folder",
        )
        return
    marker = read_json(work / WORK_MARKER)
    if marker is not None:
        if Path(str(marker.get("study"))) != study:
            problems.add(
                "--work",
                value=str(work),
                rule="folder",
                message=f"holds the work of another study ({marker.get('study')}); each study needs a work "
                "folder of its own: choose another --work",
            )
        return
    # a work folder of a build made before the marker existed: only report folders with a build log
    if names and not all(
        (work / n).is_dir() and not (work / n).is_symlink() and (work / n / "build.log").is_file() for n in names
    ):
        problems.add(
            "--work",
            value=str(work),
            rule="folder",
            message=f"is not empty and holds no peerimpact work (it has {_names(names)}); a build writes "
            "only into a new or empty work folder, or its own: choose another",
        )


def check_report_folders(out: Path, listed: set[str], planned: list[str]) -> Problems:
    """A report folder already in ``out`` that the manifest does not list is someone else's: refuse to
    replace it (and a symbolic link in a report's place, whatever the manifest says)."""
    problems = Problems()
    for rid in planned:
        path = out / rid
        if path.is_symlink():
            problems.add(
                path,
                rule="folder",
                message="is a symbolic link where the report would go; a build "
                "replaces only folders it wrote: remove it or choose another --out",
            )
        elif path.exists() and rid not in listed:
            problems.add(
                path,
                rule="folder",
                message="is in the way of the report of that name, and this tool did "
                "not write it (the manifest does not list it); move it or choose another --out",
            )
    return problems


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[bool]:
    """Hold ``<folder>/.lock`` exclusively for as long as the block runs; yields ``False`` when another
    process holds it. The file is opened without following a symbolic link and never truncated."""
    fd = open_private(folder / ".lock")
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def open_private(path: Path) -> int:
    """Open (creating) a lock file of this tool's own: not through a symbolic link, not truncated, and
    only if it is a regular file. Raises ``OSError`` naming the path otherwise."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(exc.errno, "is a symbolic link, which a build does not follow", str(path)) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "is not a regular file", str(path))
    return fd


def mark_work(work: Path, study: Path) -> None:
    """Say whose work the work folder holds, so that a build of another study refuses it."""
    if read_json(work / WORK_MARKER) is None:
        write_atomic(work / WORK_MARKER, json.dumps({"study": str(study)}, indent=1) + "\n")


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``path`` whole or not at all (:func:`peerimpact.ingest.writers.write_file`): a new file
    beside it, renamed over it; never through a symbolic link. Raises an ``OSError`` naming ``path``."""
    from ..ingest.writers import write_file

    data = text.encode("utf-8") if isinstance(text, str) else text
    write_file(path, lambda handle: handle.write(data))


def remove_stale_temporaries(out: Path) -> list[str]:
    """Remove what a killed or failed build left half-written in ``out``: temporary files of an atomic
    write of the manifest, the index or the build record. Only regular files of those names go."""
    removed = []
    for name in _visible(out):
        path = out / name
        if name.startswith(ATOMIC_PREFIXES) and path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(name)
    return removed
