"""What a calibration aims at: a subscale's published figures as printed (Table 3 at each
timepoint, Table 4 for each comparison with the first), and the figures no scores on a scale
can give."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal


class Impossible(ValueError):
    """Published figures that no scores on the scale can give (trying again would not help)."""


@dataclass(frozen=True)
class Printed:
    """A figure as printed: its value and how many decimals it was printed with."""

    value: float
    decimals: int

    @classmethod
    def parse(cls, text: str) -> Printed:
        exponent = Decimal(text).as_tuple().exponent
        return cls(float(text), -exponent if isinstance(exponent, int) and exponent < 0 else 0)

    @property
    def tolerance(self) -> float:
        """Half a unit of the last printed decimal."""
        return 0.5 * 10.0**-self.decimals


@dataclass(frozen=True)
class TimepointTarget:
    """Table 3 figures of one subscale at one timepoint (``n`` is met by choosing who is valid)."""

    n: int
    mean: Printed | None = None
    sd: Printed | None = None
    min: Printed | None = None
    max: Printed | None = None


@dataclass(frozen=True)
class ChangeTarget:
    """Table 4 figures of one comparison of the first timepoint with ``later``."""

    later: str
    n: int
    change: Printed | None = None
    ci_low: Printed | None = None
    ci_high: Printed | None = None
    es: Printed | None = None
    p: Printed | None = None  # the paired t test's, two-sided


@dataclass(frozen=True)
class SubscaleTarget:
    """Everything published about one subscale: timepoints in order, the first one the baseline."""

    timepoints: dict[str, TimepointTarget]
    changes: list[ChangeTarget] = field(default_factory=list)


def impossible(target: SubscaleTarget, lo: float, hi: float) -> list[str]:
    """Figures no scores from ``lo`` to ``hi`` can give: a mean or extreme off the scale, or an SD
    wider than half the scale's range allows (n values can spread at most that far)."""
    out = []
    for tp, t in target.timepoints.items():
        for kind in ("mean", "min", "max"):
            printed = getattr(t, kind)
            if printed is not None and not lo - printed.tolerance <= printed.value <= hi + printed.tolerance:
                out.append(f"{tp} {kind} {printed.value:g} is outside the scale's {lo:g} to {hi:g}")
        if t.sd is not None and t.n > 1:
            widest = (hi - lo) / 2 * math.sqrt(t.n / (t.n - 1))
            if t.sd.value - t.sd.tolerance > widest:
                out.append(
                    f"{tp} SD {t.sd.value:g} is more than {t.n} scores from {lo:g} to {hi:g} can have ({widest:.3g})"
                )
    return out
