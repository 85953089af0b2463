"""Disclosure policies: a registry of what a report may show once it leaves the study team.

Every block a section shows passes :func:`apply` with the report's policy on its way out
(see :mod:`peerimpact.report.blocks`), so a policy reaches the CSV, the HTML table, the
figure and the sentence alike. ``none`` shows everything (reports for the study team).
Register a policy with :func:`register_policy`; a report definition names it in
``disclosure:``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .blocks import Block


@dataclass(frozen=True)
class DisclosurePolicy:
    """A named rule applied to every block of a report before it is rendered."""

    name: str
    description: str
    apply: Callable[["Block"], "Block"]


POLICIES: dict[str, DisclosurePolicy] = {}


def register_policy(policy: DisclosurePolicy) -> DisclosurePolicy:
    POLICIES[policy.name] = policy
    return policy


def apply(policy: str, block: "Block") -> "Block":
    """``block`` as ``policy`` lets it leave the report."""
    return POLICIES[policy].apply(block)


register_policy(DisclosurePolicy("none", "every figure as computed: for the study team", lambda block: block))
