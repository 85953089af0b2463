"""The registry of key-message writers (:data:`MESSAGES`): each area of a report registers the
function that writes its sentences, and the areas speak in the order they were registered. Also
what the writers and the blocks that show messages share: how a date reads, and the list a block's
messages are shown as."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..registry import Registry
from .facts import Facts
from .formats import fmt_short_date
from .meta import ReportMeta

Writer = Callable[[Facts, ReportMeta], list[str]]
MESSAGES: Registry[Writer] = Registry("key-message area")


def register_message(area: str) -> Callable[[Writer], Writer]:
    """Add an area of key messages (a decorator); areas speak in the order they were registered."""
    return MESSAGES.register(area)


def short_date(value: dt.date | str) -> str:
    """``3 Mar 2021`` (en-GB): a date (or the ISO text of one) as a key message prints it."""
    date = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return fmt_short_date(date)


def bullets(facts: dict) -> str:
    """A block's messages (its ``message_<n>`` facts) as a bulleted list; a sentence where there are none."""
    said = [v for k, v in facts.items() if k.startswith("message_") and isinstance(v, str)]
    return (
        "\n".join(f"- {s}" for s in said)
        if said
        else "No key messages: this report shows none of the figures they are written from."
    )
