"""``params/disclosure/<name>.yml``: what a report may show once it leaves the study team.

A policy is data, not code: a threshold below which counts are withheld, a rounding
base for the counts it shows, and what it does with percentages, summary statistics,
minimum and maximum values, tests on few pairs, zeros and quotes. The engine that applies
it is :mod:`peerimpact.report.disclosure`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .values import Int
from .yaml import _Strict


class QuoteRules(_Strict):
    """Quotes in a shared report."""

    ids: bool = False                            # label a quote with its participant ID
    min_interviewees: Int = Field(3, ge=1)      # fewer people interviewed in the scope: no quotes


class DisclosureRules(_Strict):
    """One disclosure policy.

    Counts of people from 1 to ``threshold - 1`` are withheld (shown ``*``); counts at or above
    it are rounded to the nearest ``rounding``. Statistics (means, SDs, changes) need
    ``statistics_min_n`` people behind them, tests and effect sizes ``tests_min_n`` pairs.
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")
    description: str
    source: str | None = None                   # the guidance the policy follows
    suppress: bool = True                       # false: an internal report, everything shown
    threshold: Int = Field(8, ge=1)
    rounding: Int = Field(5, ge=1)
    percentages: Literal["from_rounded", "hide"] = "from_rounded"
    statistics_min_n: Int | None = Field(None, ge=1)   # default: the threshold
    tests_min_n: Int | None = Field(None, ge=1)        # default: the threshold
    extremes: Literal["hide", "threshold"] = "hide"    # min and max are one person's value
    zeros: Literal["show", "review", "suppress"] = "show"
    secondary: bool = True                      # protect withheld cells from totals and margins
    differencing: bool = True                   # protect them from other reports of the same build
    quotes: QuoteRules = QuoteRules()

    @model_validator(mode="after")
    def _defaults(self) -> "DisclosureRules":
        if self.statistics_min_n is None:
            object.__setattr__(self, "statistics_min_n", self.threshold)
        if self.tests_min_n is None:
            object.__setattr__(self, "tests_min_n", self.threshold)
        return self

    @property
    def shown_below(self) -> str:
        """How a withheld count is described in words: ``fewer than 8``."""
        return f"fewer than {self.threshold}"
