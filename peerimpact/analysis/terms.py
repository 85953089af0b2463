"""The terms the analysis functions are given: what counts as on track, a recruitment target, a
reporting period, a questionnaire's window and when the data-quality alerts speak.

Each is stated twice. A :class:`~typing.Protocol` (:class:`Rule`, :class:`Goal`, :class:`Span`,
:class:`DueWindow`, :class:`AlertSettings`) names only what the functions read, so that study.yml's
models (:mod:`peerimpact.config.study`) are accepted as they are, without this layer knowing them.
A small frozen dataclass with the same fields and defaults as study.yml's (:class:`StatusRule`,
:class:`RetentionRule`, :class:`RecruitmentTarget`, :class:`Period`, :class:`Window`,
:class:`Alerts`) serves a caller without a study.yml, and the examples. The dataclasses check
nothing: study.yml's models check what a study's files say.

Examples
--------
>>> rule = StatusRule()
>>> rule.on_track, rule.at_risk, RetentionRule().at_risk
(100, 80, 90)
>>> Window(start=80, end=164)
Window(start=80, end=164)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .alert_frames import Day

__all__ = [
    "MIN_PAIRS",
    "AlertSettings",
    "Alerts",
    "ChangeSettings",
    "DueWindow",
    "Goal",
    "Period",
    "RecruitmentTarget",
    "RetentionRule",
    "Rule",
    "Span",
    "StatusRule",
    "Window",
]

# The fewest complete pairs a paired change is tested on: params/analysis.yml's default, which
# Table 4 uses (README, "Minimum pairs for a test"); 2 is the least a t-test itself needs.
MIN_PAIRS = 6


class Rule(Protocol):
    """What counts as on track, at risk and behind, as the percent of a target reached: at or
    above ``on_track`` is on track, at or above ``at_risk`` at risk, below it behind."""

    @property
    def on_track(self) -> float: ...

    @property
    def at_risk(self) -> float: ...


class Goal(Protocol):
    """People to consent, per site (``sites``) and in all (``total``), by the day ``by``; the
    target line runs from ``start``."""

    @property
    def sites(self) -> Mapping[str, int]: ...

    @property
    def total(self) -> int: ...

    @property
    def start(self) -> dt.date: ...

    @property
    def by(self) -> dt.date: ...


class Span(Protocol):
    """A reporting period: its first and last day, both included."""

    @property
    def start(self) -> Day: ...

    @property
    def end(self) -> Day: ...


class DueWindow(Protocol):
    """When a timepoint's questionnaire is due, in whole days after consent, both ends included."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


class AlertSettings(Protocol):
    """When the data-quality alerts speak: a site with no record for ``quiet_months`` whole months,
    an instrument with more than ``items_missing_percent`` of its items missing at a timepoint."""

    @property
    def quiet_months(self) -> int: ...

    @property
    def items_missing_percent(self) -> float: ...


class ChangeSettings(Protocol):
    """How a study tests change over time: its ``comparisons`` (``(earlier, later)`` timepoints),
    its ``multiplicity`` (``none``, ``holm`` or ``fdr_bh``) and the fewest complete pairs tested
    (``min_pairs``); ``Study.settings`` is one."""

    @property
    def comparisons(self) -> Sequence[tuple[str, str]]: ...

    @property
    def multiplicity(self) -> str: ...

    @property
    def min_pairs(self) -> int: ...


@dataclass(frozen=True, kw_only=True)
class StatusRule:
    """A :class:`Rule`, study.yml's default for recruitment and activity.

    Examples
    --------
    >>> StatusRule(on_track=100, at_risk=80)
    StatusRule(on_track=100, at_risk=80)
    """

    on_track: float = 100
    at_risk: float = 80


@dataclass(frozen=True, kw_only=True)
class RetentionRule(StatusRule):
    """Retention's :class:`Rule`: at risk from 90% of the retention target (study.yml's default).

    Examples
    --------
    >>> RetentionRule()
    RetentionRule(on_track=100, at_risk=90)
    """

    at_risk: float = 90


@dataclass(frozen=True, kw_only=True)
class RecruitmentTarget:
    """A :class:`Goal`.

    Examples
    --------
    >>> goal = RecruitmentTarget(sites={"S1": 4, "S2": 6}, total=10, start=dt.date(2020, 1, 1),
    ...                          by=dt.date(2020, 12, 31))
    >>> goal.total, dict(goal.sites)
    (10, {'S1': 4, 'S2': 6})
    """

    sites: Mapping[str, int] = field(default_factory=dict)
    total: int
    start: dt.date
    by: dt.date


@dataclass(frozen=True, kw_only=True)
class Period:
    """A :class:`Span`; its days may be dates, timestamps or ``YYYY-MM-DD`` text.

    Examples
    --------
    >>> Period(start="2020-07-01", end="2021-06-30").end
    '2021-06-30'
    """

    start: Day
    end: Day


@dataclass(frozen=True, kw_only=True)
class Window:
    """A :class:`DueWindow` (study.yml's ``{from: 80, to: 164}``).

    Examples
    --------
    >>> Window(start=80, end=164).end
    164
    """

    start: int
    end: int


@dataclass(frozen=True, kw_only=True)
class Alerts:
    """:class:`AlertSettings`, with study.yml's defaults.

    Examples
    --------
    >>> Alerts()
    Alerts(quiet_months=2, items_missing_percent=10.0)
    """

    quiet_months: int = 2
    items_missing_percent: float = 10.0
