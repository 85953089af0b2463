"""Data-quality alerts in a report: which readers see them, and the box on the report's first page
that says what was found and what to check."""

from __future__ import annotations

from .blocks import TextBlock
from .messages import bullets
from .meta import DataAlert, ReportMeta


def alerts_for(meta: ReportMeta) -> tuple[DataAlert, ...]:
    """The report's data-quality alerts, where its readers see programme figures exactly (the study
    team, a funder, a site lead): an alert counts questionnaires and months, which rules that round
    or withhold small counts would have to hide."""
    policy = meta.policy
    if policy is not None and policy.shared and not policy.rules["programme"].exact:
        return ()
    return meta.alerts


SUMMED = {
    "overdue": (
        "{tp} questionnaires overdue (their window closed before the data cut and nothing was returned)",
        "Check whether they were returned but not entered in {file}, and follow up those still out.",
    ),
    "outside_window": (
        "{tp} questionnaires completed outside their window",
        "Check their completed_date and the consent_date of the people who returned them in {file}.",
    ),
}


def alerts_box(alerts: tuple[DataAlert, ...]) -> TextBlock:
    """The alerts in a box for the report's first page: what was found, and what to check. Alerts
    about questionnaires at several sites are one line per timepoint, site by site."""
    said: list[str] = []
    grouped: dict[tuple[str, str | None], list[DataAlert]] = {}
    for a in alerts:
        grouped.setdefault((a.alert, a.timepoint) if a.alert in SUMMED else (a.message, None), []).append(a)
    for (kind, tp), group in grouped.items():
        if kind in SUMMED and len(group) > 1:
            found, check = SUMMED[kind]
            sites = ", ".join(f"{a.site} {a.count}" for a in group)
            said.append(
                f"{sum(a.count for a in group)} {found.format(tp=tp)}: {sites}. " + check.format(file=group[0].file)
            )
        else:
            said += [f"{a.message} {a.check}" for a in group]
    facts = {f"message_{i}": text for i, text in enumerate(said, start=1)}
    return TextBlock("data_alerts", facts, bullets, box="alerts", title="Data-quality alerts")
