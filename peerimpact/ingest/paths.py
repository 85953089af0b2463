"""Where a study's files are: its ``study.yml`` found from a folder, and every file that
``study.yml`` names kept inside the study folder (or a folder named on the command line),
never a system file, a folder or a device."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..config import StudyConfig
from ..problems import Problems


def study_yml_path(path: Path) -> Path:
    """A study's ``study.yml``: ``path`` itself, or the one in ``path`` when it is a folder."""
    return path / "study.yml" if path.is_dir() else path


# Never data, wherever a study.yml points: the kernel's and the machine's own files.
SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))


def confine(root: Path, name: str, roots: Iterable[Path] = ()) -> tuple[Path | None, str | None]:
    """Where a file named in ``study.yml`` is, or why it may not be read.

    The path, after symbolic links are followed, must lie inside the study folder or under
    one of ``roots`` (folders the user named on the command line), and be a regular file.
    Returns ``(path, None)`` or ``(None, reason)``.
    """
    if not name.strip() or not name.isprintable():
        return None, "a file name must be visible text without control characters"
    resolved = (root / name).resolve()
    allowed = [root.resolve(), *(Path(r).resolve() for r in roots)]
    if any(resolved.is_relative_to(s) for s in SYSTEM_FOLDERS):
        return None, f"{resolved} is a system file, not data"
    if not any(resolved.is_relative_to(a) for a in allowed):
        return None, (
            f"{resolved} is outside the study folder; files of a study live in its folder, "
            "or under a folder named with --data-root"
        )
    if resolved.exists() and not resolved.is_file():
        return None, f"{resolved} is not a regular file (a folder, FIFO or device)"
    return resolved, None


def check_files_confined(yml: Path, config: StudyConfig, roots: Iterable[Path], problems: Problems) -> None:
    """Every file ``study.yml`` names that :func:`confine` refuses is an error at its key."""
    from ..config import key_line

    for key, name in config.named_files():
        _, reason = confine(yml.parent, name, roots)
        if reason:
            problems.add(
                yml,
                line=key_line(yml, key),
                column=".".join(map(str, key)),
                value=name,
                rule="outside-study",
                message=reason,
            )
