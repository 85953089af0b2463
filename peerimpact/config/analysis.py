"""Settings every report of a study shares: ``params/analysis.yml``, ``norms.yml``,
``qualitative.yml`` and ``synthesis.yml``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from .parse import StrictModel
from .values import Float, Int

if TYPE_CHECKING:
    import pandas as pd


class Norm(StrictModel):
    mean: Float | None = None
    sd: Float | None = Field(default=None, gt=0)


class NormSource(StrictModel):
    label: str
    n: Int | None = None
    note: str | None = None


class AnalysisConfig(StrictModel):
    """``params/analysis.yml``: settings of the analyses that every report shares."""

    # Below this many complete pairs, Table 4 shows n and the mean change without a test.
    min_pairs: Int = Field(default=6, ge=2)


class NormsConfig(StrictModel):
    """``params/norms.yml``: the population norm of each instrument's subscales."""

    sources: dict[str, NormSource] = {}
    norms: dict[str, dict[str, Norm]]

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        rows = [
            {
                "instrument": inst,
                "subscale": sub,
                "norm_mean": norm.mean,
                "norm_sd": norm.sd,
                "norm_source": self.sources[inst].label if inst in self.sources else None,
            }
            for inst, subs in self.norms.items()
            for sub, norm in subs.items()
        ]
        return pd.DataFrame(rows, columns=["instrument", "subscale", "norm_mean", "norm_sd", "norm_source"])


class QuantEvidence(StrictModel):
    """One outcome: its paired change for a ``comparison`` (``T1-T2``), or its standing against the norm."""

    instrument: str
    subscale: str
    comparison: str | None = None
    norm: bool = False

    @model_validator(mode="after")
    def _one(self) -> QuantEvidence:
        if (self.comparison is None) == (not self.norm):
            raise ValueError("give either comparison (e.g. T1-T2) or norm: true")
        return self


class QualEvidence(StrictModel):
    themes: list[str] = []
    codes: list[str] = []
    quotes: list[str] = []


class Proposition(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str
    fit: Literal["confirmation", "expansion", "discordance"]
    quantitative: list[QuantEvidence] = []
    qualitative: QualEvidence = QualEvidence()


class SynthesisConfig(StrictModel):
    """``params/synthesis.yml``: the propositions of the joint display."""

    propositions: list[Proposition]


class QualitativeConfig(StrictModel):
    """``params/qualitative.yml``: quotes the team chose per theme, and how many to show."""

    quotes_per_theme: Int = Field(default=3, ge=0)
    pinned: dict[str, list[str]] = {}
