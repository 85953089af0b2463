"""Disclosure policies: a registry of what a report may show once it leaves the study team.

Every block a section shows passes :func:`apply` with the report's policy on its way out
(see :mod:`peerimpact.report.blocks`), so a policy reaches the CSV, the HTML table, the
figure and the sentence alike. Policies written as rules in ``params/disclosure/*.yml``
are applied by :mod:`peerimpact.report.rule_policies`; a policy written in Python is
registered with :func:`register_policy`. A report definition names one in ``disclosure:``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..registry import Registry

if TYPE_CHECKING:
    from .blocks import Block


@dataclass(frozen=True)
class Context:
    """What a policy must know of the build beyond the block: the cells withheld so that this
    report cannot be subtracted from another one (keys such as ``("scores", "wemwbs", "total",
    "T1")``); and whom the report's figures are about, ``population`` (``study``, ``site S7``,
    ``cohort bank``), for the record of what it released (:mod:`peerimpact.report.ledger`)."""

    withheld: frozenset[tuple[str, ...]] = frozenset()
    population: str = "study"


@dataclass(frozen=True)
class DisclosurePolicy:
    """A named rule applied to every block of a report before it is rendered.

    ``shared`` says whether reports under it may leave the study team; a report under a policy
    that is not shared is marked internal on every page.
    """

    name: str
    description: str
    apply: Callable[[Block, Context], Block]
    shared: bool = True


POLICIES: Registry[DisclosurePolicy] = Registry("disclosure policy", plural="disclosure policies")


def register_policy(policy: DisclosurePolicy) -> DisclosurePolicy:
    """Add (or replace) a policy under its name; report definitions may then name it."""
    return POLICIES.register(policy.name, policy)


def resolve(policy: str | DisclosurePolicy) -> DisclosurePolicy:
    """A registered policy by name, or the policy given."""
    return POLICIES[policy] if isinstance(policy, str) else policy


def apply(policy: str | DisclosurePolicy, block: Block, context: Context | None = None) -> Block:
    """``block`` as ``policy`` (a registered name or a policy) lets it leave the report."""
    return resolve(policy).apply(block, context or Context())


register_policy(
    DisclosurePolicy("none", "every figure as computed: for the study team", lambda block, context: block, shared=False)
)
