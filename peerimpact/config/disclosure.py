"""``params/disclosure/<name>.yml``: what a report may show once it leaves the study team.

A policy is data, not code: a threshold below which counts are withheld, a rounding
base for the counts it shows, and what it does with percentages, summary statistics,
minimum and maximum values, tests on few pairs, zeros and quotes. The engine that applies
it is :mod:`peerimpact.report.disclosure`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .parse import StrictModel
from .values import Int

DataKind = Literal["programme", "characteristics", "health", "outcomes", "qualitative"]
DATA_KINDS: tuple[DataKind, ...] = ("programme", "characteristics", "health", "outcomes", "qualitative")
# each kind as a reader would name it
KIND_WORDS = {
    "programme": "programme figures (recruitment, questionnaire returns, activity)",
    "characteristics": "the peer workers' characteristics",
    "health": "their sickness absence and use of services",
    "outcomes": "questionnaire scores and their change",
    "qualitative": "interview codes and excerpts",
}


class QuoteRules(StrictModel):
    """Quotes in a shared report."""

    ids: bool = False  # label a quote with its participant ID
    min_interviewees: Int = Field(default=3, ge=1)  # fewer people interviewed in the scope: not their own quotes
    # below the minimum, quote the study's approved pool (pinned or publishable excerpts of other
    # sites), with no site, ID or timepoint; otherwise show no quotes
    pool: bool = False
    # label a quote with its timepoint: where few were interviewed at each, the timepoint narrows who said it
    timepoints: bool = True


class DisclosureRules(StrictModel):
    """One disclosure policy.

    Counts of people from 1 to ``threshold - 1`` are withheld (shown ``*``); counts at or above
    it are rounded to the nearest ``rounding``. Statistics (means, SDs, changes) need
    ``statistics_min_n`` people behind them, tests and effect sizes ``tests_min_n`` pairs.
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")
    description: str
    source: str | None = None  # the guidance the policy follows
    suppress: bool = True  # false: an internal report, everything shown
    threshold: Int = Field(default=8, ge=1)
    rounding: Int = Field(default=5, ge=1)
    percentages: Literal["from_rounded", "hide"] = "from_rounded"
    statistics_min_n: Int | None = Field(default=None, ge=1)  # default: the threshold
    tests_min_n: Int | None = Field(default=None, ge=1)  # default: the threshold
    extremes: Literal["hide", "threshold"] = "hide"  # min and max are one person's value
    zeros: Literal["show", "review", "suppress"] = "show"
    secondary: bool = True  # protect withheld cells from totals and margins
    differencing: bool = True  # protect them from other reports of the same build
    quotes: QuoteRules = QuoteRules()

    @model_validator(mode="after")
    def _defaults(self) -> DisclosureRules:
        if self.statistics_min_n is None:
            object.__setattr__(self, "statistics_min_n", self.threshold)
        if self.tests_min_n is None:
            object.__setattr__(self, "tests_min_n", self.threshold)
        return self

    @property
    def exact(self) -> bool:
        """Whether every figure is shown as computed (no threshold, no rounding)."""
        return self.threshold <= 1 and self.rounding <= 1

    @property
    def shown_below(self) -> str:
        """How a withheld count is described in words: ``fewer than 8``."""
        return f"fewer than {self.threshold}"


class Audience(StrictModel):
    """``params/disclosure/audiences/<name>.yml``: who reads a report, and the rules (by name, from
    ``params/disclosure/``) for each kind of data it shows them.

    Programme facts (recruitment, returns, activity, targets) are the programme's own record;
    characteristics, health and outcomes describe people, and interviews are their words, so an
    audience may see the first exactly and the others only above a threshold.
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")
    label: str  # in plain words: "a site lead"
    description: str  # what this audience sees, and why
    kinds: dict[DataKind, str]  # kind of data -> the name of a rules file
    quotes: QuoteRules | None = None  # default: the quote rules of the qualitative kind's rules

    @model_validator(mode="after")
    def _every_kind(self) -> Audience:
        missing = [k for k in DATA_KINDS if k not in self.kinds]
        if missing:
            raise ValueError(
                f"no rules for {', '.join(missing)}: name rules for every kind of data ({', '.join(DATA_KINDS)})"
            )
        return self


class ReportPolicy(StrictModel):
    """What one report may show: its audience, and the rules for each kind of data (resolved from the
    audience, or one set of rules for every kind when a report definition names ``disclosure:``)."""

    audience: str
    label: str
    rules: dict[DataKind, DisclosureRules]
    quotes: QuoteRules

    @property
    def shared(self) -> bool:
        """Whether the report may leave the study team (some rule withholds something)."""
        return any(r.suppress for r in self.rules.values())

    @property
    def name(self) -> str:
        """The rules' names, kind by kind where they differ: ``exact, threshold8``."""
        return ", ".join(dict.fromkeys(r.name for r in self.rules.values()))

    def describe(self) -> str:
        """In plain words, kind by kind: what the report's reader sees."""
        by_rules: dict[str, list[str]] = {}
        for kind, rules in self.rules.items():
            by_rules.setdefault(rules.description, []).append(kind)

        def listed(kinds: list[str]) -> str:
            words = [KIND_WORDS[k] for k in kinds]
            return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"

        return "; ".join(f"{listed(kinds)}: {text}" for text, kinds in by_rules.items())
