"""What a build is asked for: light enough to read before anything heavy is imported (the no-op
check of the command line needs it before the study or the build machinery is loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def default_work_dir(out: Path) -> Path:
    """Where build artefacts go by default: ``<out>-work`` beside the output folder."""
    out = Path(out)
    return out.parent / f"{out.name}-work"


@dataclass(frozen=True, kw_only=True)
class BuildRequest:
    """Which reports of which study to plan, and where they go: what ``build``, ``status`` and the
    command line share.

    ``roots`` are folders outside the study folder that its ``study.yml`` may name files in.
    """

    study: str | Path | None = None
    out: Path = Path("reports")
    work: Path | None = None
    params: Path | None = None
    reports_dir: Path | None = None
    kinds: tuple[str, ...] | None = None
    only: tuple[str, ...] | None = None
    formats: tuple[str, ...] | None = None
    roots: tuple[Path, ...] = ()
    overrides: tuple[tuple[str, str], ...] = ()  # --set name=value, for this build only
    previous: Path | None = None  # an earlier build's reports folder: its figures beside this build's

    def __post_init__(self) -> None:
        for name in ("out", "work", "params", "reports_dir", "previous"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, Path(value))
        for name in ("kinds", "only", "formats"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(value))
        object.__setattr__(self, "roots", tuple(Path(r) for r in self.roots))

    @property
    def work_dir(self) -> Path:
        return self.work if self.work is not None else default_work_dir(self.out)


def summary_line(built: int, cached: int, failed: int, out: Path) -> str:
    """The last line of ``peerimpact build``."""
    return f"{built} built, {cached} up to date, {failed} failed; open {Path(out) / 'index.html'}"


def up_to_date_line(reports: int, out: Path) -> str:
    """What a build with nothing to do says first."""
    return f"everything is up to date ({reports} report{'' if reports == 1 else 's'} in {out})"
