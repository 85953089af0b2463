"""Key messages of a report's programme areas, each a writer in the registry
(:data:`~peerimpact.report.messages.MESSAGES`): recruitment, retention and activity against their
targets, the whole study's figures beside a site's or cohort's own, milestones and data completeness.
Each takes the facts the report released and its meta, and returns its sentences (none when the
report does not show that area)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..text import plural
from .facts import ALL, Facts, part
from .formats import fmt_count, fmt_number
from .messages import register_message, short_date
from .meta import ReportMeta
from .quality_alerts import alerts_for


def _percent(count: float, base: float) -> str:
    return fmt_number(100 * count / base, 0) + "%"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _status(facts: Facts, name: str) -> str:
    """``: at risk`` where the table gives the target's status, else nothing."""
    status = facts.value(name)
    return f": {status}" if isinstance(status, str) and status else ""


def _by_status(facts: Facts, meta: ReportMeta, name: str, shown: Callable[[str], str | None]) -> str | None:
    """``on track: S3 (6 of 6); behind: S5 (3 of 4)``: each site under the status its table gives it."""
    groups: dict[str, list[str]] = {}
    for site in meta.sites:
        status, said = facts.value(name.format(site=site)), shown(site)
        if isinstance(status, str) and said:
            groups.setdefault(status, []).append(said)
    order = ["on track", "at risk", "behind"]
    return (
        "; ".join(
            f"{_and(groups[status])} {status}"
            for status in sorted(groups, key=lambda s: (order.index(s) if s in order else len(order), s))
        )
        or None
    )


@register_message("recruitment")
def recruitment(facts: Facts, meta: ReportMeta) -> list[str]:
    """Consented against the recruitment target (pro rata at the data cut), overall and site by site."""
    consented = facts.value(f"recruitment.consented.{ALL}")
    if consented is None:
        return []
    target = facts.value(f"recruitment.consented.{ALL}.target")
    whom = f"at {meta.scope_label.removeprefix('Site ')}" if len(meta.sites) == 1 else "across the study"
    if not target:
        return [f"Recruitment: {plural(consented, 'peer worker')} consented {whom}."]
    goal = meta.targets.recruitment
    due = facts.value(f"recruitment.consented.{ALL}.expected")
    when = f" due by {short_date(goal.by)}" if goal is not None and goal.by else ""
    text = (
        f"Recruitment: {consented} peer workers consented {whom}, {_percent(consented, target)} of the target "
        f"of {target}{when}"
    )
    if due is not None and due < target:
        text += f" ({fmt_number(due, 1)} due by the data cut, pro rata)"
    out = [text + _status(facts, f"recruitment.consented.{ALL}.status") + "."]
    if len(meta.sites) > 1:

        def said(site: str) -> str | None:
            n, t = facts.value(f"recruitment.consented.{site}"), facts.value(f"recruitment.consented.{site}.target")
            return f"{site} ({n} of {t})" if n is not None and t else None

        sites = _by_status(facts, meta, "recruitment.consented.{site}.status", said)
        if sites:
            out.append(f"Recruitment by site: {sites}.")
    return out


@register_message("retention")
def retention(facts: Facts, meta: ReportMeta) -> list[str]:
    """Returns at each follow-up of those who returned the first questionnaire, against the target."""
    if len(meta.timepoints) < 2:
        return []
    first, parts, base = meta.timepoints[0], [], None
    for tp in meta.timepoints[1:]:
        key = f"recruitment.{tp}.{ALL}"
        back, base = facts.value(f"{key}.retained"), facts.value(f"{key}.returned_first", base)
        if back is None or not base:
            continue
        target = facts.value(f"{key}.target_percent")
        status = facts.value(f"{key}.retention_status")
        aims = [
            f"target {fmt_number(target, 0)}%" if target is not None else "",
            status if isinstance(status, str) else "",
        ]
        aim = ": ".join(a for a in aims if a)
        parts.append(f"{back} ({_percent(back, base)}) returned {tp}" + (f" ({aim})" if aim else ""))
    if not parts:
        return []
    return [f"Retention: of the {base} who returned the {first} questionnaire, {_and(parts)}."]


@register_message("activity")
def activity(facts: Facts, meta: ReportMeta) -> list[str]:
    """Completed contacts in the reporting period (to the data cut) against the monthly target."""
    done = facts.value(f"activity.{ALL}.completed")
    if done is None:
        return []
    period, months = meta.reporting_period, facts.value(f"activity.{ALL}.months")
    span = ""
    if period is not None:
        end = min(period.end, dt.date.fromisoformat(meta.data_cut)) if meta.data_cut else period.end
        span = f" from {short_date(period.start)} to {short_date(end)}"
        span += f" ({fmt_number(months, 1).removesuffix('.0')} months)" if months else ""
    text = f"Activity: {fmt_count(done)} completed contacts were logged{span}"
    per_month, target = facts.value(f"activity.{ALL}.per_month"), facts.value(f"activity.{ALL}.target_per_month")
    if per_month is not None:
        text += f", {fmt_number(per_month, 1)} a month"
        if target:
            text += f" against a target of {fmt_number(target, 1).removesuffix('.0')} a month"
    out = [text + _status(facts, f"activity.{ALL}.status") + "."]
    if len(meta.sites) > 1:

        def said(site: str) -> str | None:
            rate, share = facts.value(f"activity.{site}.per_month"), facts.value(f"activity.{site}.target_per_month")
            return f"{site} ({fmt_number(rate, 1)} of {fmt_number(share, 1)})" if rate is not None and share else None

        sites = _by_status(facts, meta, "activity.{site}.status", said)
        if sites:
            stopped = [
                f"{a.site}'s log stops {plural(a.count, 'month')} early"
                for a in alerts_for(meta)
                if a.alert == "contacts_stop" and a.site and facts.value(f"activity.{a.site}.per_month")
            ]
            more = (
                f" The rates are over the whole period, so where a log stops they count months with no entries: "
                f"{_and(stopped)} (see the alerts)."
                if stopped
                else ""
            )
            out.append(f"Activity by site, a month against each site's share of the target: {sites}.{more}")
    return out


@register_message("study_context")
def study_context(facts: Facts, meta: ReportMeta) -> list[str]:
    """The whole study's recruitment, retention and activity, where a site's or cohort's report
    shows them beside its own."""

    def value(measure: str, column: str):
        return facts.value(f"study_wide.programme.{measure}.{column}")

    def status(measure: str) -> str:
        word = value(measure, "status")
        return f" ({word})" if isinstance(word, str) and word else ""

    said = []
    people, due = value("consented", "people"), value("consented", "target")
    if people is not None and due is not None:
        percent = value("consented", "percent_of_goal")
        share = (
            f"{fmt_number(percent, 0)}% of the {fmt_number(due, 0)} due"
            if percent is not None
            else f"against {fmt_number(due, 0)} due"
        )
        said.append(f"{fmt_count(people)} peer workers consented, {share}{status('consented')}")
    kept = []
    for tp in meta.timepoints[1:]:
        back, base, percent = (
            value(f"retained_{tp}", "people"),
            value(f"retained_{tp}", "of_people"),
            value(f"retained_{tp}", "percent_of_goal"),
        )
        if back is not None and base is not None:
            target = value(f"retained_{tp}", "target")
            aim = f", target {fmt_number(target, 0)}%" if target is not None else ""
            kept.append(
                f"{back} of {base} ({fmt_number(percent, 0)}%) returned {tp}{aim}{status(f'retained_{tp}')}"
                if percent is not None
                else f"{back} of {base} returned {tp}"
            )
    said += kept
    rate, target = value("contacts_per_month", "per_month"), value("contacts_per_month", "target")
    if rate is not None:
        said.append(
            f"{fmt_number(rate, 1)} completed contacts a month"
            + (f" against a target of {fmt_number(target, 1).removesuffix('.0')}" if target else "")
            + status("contacts_per_month")
        )
    return [f"Across the whole study, for comparison: {'; '.join(said)}."] if said else []


@register_message("milestones")
def milestones(facts: Facts, meta: ReportMeta) -> list[str]:
    """How many milestones are met, and which are late or due next."""
    label = {part(m.name): m.name for m in meta.milestones}
    rows: dict[str, dict] = {}
    for name, fact in facts.under("milestones").items():
        key, _, column = name.rpartition(".")
        rows.setdefault(key, {"label": label.get(key, key.replace("_", " "))})[column] = fact.value
    by_status: dict[str, list[dict]] = {}
    for row in rows.values():
        by_status.setdefault(str(row.get("status")), []).append(row)
    if not rows:
        return []
    late = [f"{r['label']} (due {short_date(r['due'])})" for r in by_status.get("late", [])]
    due = [f"{r['label']} (due {short_date(r['due'])})" for r in by_status.get("due", [])]
    text = f"Milestones: {len(by_status.get('met', []))} of {len(rows)} met"
    after = [
        f"{r['label']} (due {short_date(r['due'])}, met {short_date(r['met_on'])})"
        for r in by_status.get("met", [])
        if isinstance(r.get("met_on"), str) and isinstance(r.get("due"), str) and r["met_on"] > r["due"]
    ]
    if after:
        text += (
            f", {'one' if len(after) == 1 else len(after)} after {'its' if len(after) == 1 else 'their'} due date: "
            f"{_and(after)}"
        )
    if late:
        text += f"; late: {_and(late)}"
    if due:
        text += f"; still to come: {_and(due)}"
    return [text + "."]


@register_message("completeness")
def completeness(facts: Facts, meta: ReportMeta) -> list[str]:
    """The share of questionnaire items left blank, at its worst, and the scores the blanks cost."""
    worst, where, lost = None, None, 0
    for name, fact in facts.under("completeness").items():
        inst, tp, column = name.split(".", 2)
        if (
            column == "percent_items_missing"
            and not fact.withheld
            and fact.value is not None
            and (worst is None or fact.value > worst)
        ):
            worst, where = fact.value, (inst, tp)
        if column == "scores_lost" and not fact.withheld and fact.value:
            lost += fact.value
    if worst is None or where is None:  # set together
        return []
    name = meta.instruments[where[0]].name if where[0] in meta.instruments else where[0]
    text = (
        f"Data completeness: at most {fmt_number(worst, 1)}% of questionnaire items were left blank "
        f"(the {name} at {where[1]})"
    )
    text += (
        f"; {plural(lost, 'subscale score')} could not be computed under the missing-item rules."
        if lost
        else "; every subscale score could be computed."
    )
    return [text]
