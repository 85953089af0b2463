"""Key messages: the sentences a report opens with, written from the facts it released.

Every number in a key message is a fact of the report (:mod:`peerimpact.report.facts`), read
from the CSVs its sections wrote, so it is the value its table shows and nothing its disclosure
policy withheld: a message whose facts are withheld is left out, or says the whole study's.
Each area of a progress report is one function in :data:`MESSAGES`, taking the facts and the
report's meta and returning its sentences (none when the report does not show that area).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from ..text import plural
from .blocks import Table, TextBlock
from .facts import ALL, Facts, part
from .formats import fmt_number
from .meta import DataAlert, ReportMeta
from .roles import Role

Writer = Callable[[Facts, ReportMeta], list[str]]
MESSAGES: dict[str, Writer] = {}


def register_message(area: str) -> Callable[[Writer], Writer]:
    """Add an area of key messages; areas speak in the order they were registered."""

    def add(writer: Writer) -> Writer:
        MESSAGES[area] = writer
        return writer

    return add


def _day(value) -> str:
    date = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{date.day} {date:%b %Y}"


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
    when = f" due by {_day(goal.by)}" if goal is not None and goal.by else ""
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
        aim = [
            f"target {fmt_number(target, 0)}%" if target is not None else "",
            status if isinstance(status, str) else "",
        ]
        aim = ": ".join(a for a in aim if a)
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
        span = f" from {_day(period.start)} to {_day(end)}"
        span += f" ({fmt_number(months, 1).removesuffix('.0')} months)" if months else ""
    text = f"Activity: {done:,} completed contacts were logged{span}"
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
        said.append(f"{people:,} peer workers consented, {share}{status('consented')}")
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
    late = [f"{r['label']} (due {_day(r['due'])})" for r in by_status.get("late", [])]
    due = [f"{r['label']} (due {_day(r['due'])})" for r in by_status.get("due", [])]
    text = f"Milestones: {len(by_status.get('met', []))} of {len(rows)} met"
    after = [
        f"{r['label']} (due {_day(r['due'])}, met {_day(r['met_on'])})"
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
    if worst is None:
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


def change_sentence(
    facts: Facts, meta: ReportMeta, prefix: str, instrument: str, subscale: str, comparison: str
) -> str | None:
    """One paired change in words: direction, size, 95% CI and n; whether it reaches the instrument's
    minimal important difference where one is declared; what a higher score means."""
    key = f"{prefix}.{instrument}.{subscale}.{part(comparison)}"
    change, n = facts.value(f"{key}.change"), facts.value(f"{key}.n")
    low, high = facts.value(f"{key}.ci_low"), facts.value(f"{key}.ci_high")
    if change is None or n is None or low is None or high is None:
        return None
    info = meta.instruments.get(instrument)
    label = info.subscales.get(subscale, subscale) if info else subscale
    if prefix.startswith("study_wide"):
        label += ", across the whole study,"
    first, later = comparison.split("-", 1)
    # change is earlier minus later: a positive change is a fall
    rise, rise_low, rise_high = -change, -high, -low
    size = fmt_number(abs(rise), 2)
    if size.strip("0.") == "":
        text = f"{label} was unchanged between {first} and {later}"
    else:
        text = f"{label} was {size} points {'higher' if rise > 0 else 'lower'} at {later} than at {first}"
    clear = rise_low > 0 or rise_high < 0
    if clear:
        a, b = sorted((abs(rise_low), abs(rise_high)))
        text += (
            f" (95% CI {fmt_number(a, 2)} to {fmt_number(b, 2)} {'higher' if rise > 0 else 'lower'}; {n} peer workers)"
        )
    else:
        text += (
            f" (95% CI from {fmt_number(abs(rise_low), 2)} lower to {fmt_number(abs(rise_high), 2)} higher, "
            f"which includes no change; {n} peer workers)"
        )
    mid = info.mid if info is not None else None
    if mid is not None and mid.value:
        text += ", " + _against_mid(abs(rise), rise_low, rise_high, rise, float(mid.value))
    scale = info.scales.get(subscale) if info else None
    if scale is not None and scale.higher:
        text += f"; higher scores mean {scale.higher}"
    return text + "."


def _against_mid(size: float, low: float, high: float, rise: float, mid: float) -> str:
    """Whether a change of ``size`` (interval ``low`` to ``high`` as a rise) reaches ``mid``, and
    whether its interval agrees: an estimate past the line with an interval across it is not a
    change known to matter."""
    points = fmt_number(mid, 0) if mid.is_integer() else fmt_number(mid, 1)
    line = f"the minimal important difference of {points} points"
    # the part of the interval in the estimate's direction
    near, far = (low, high) if rise >= 0 else (-high, -low)
    if size >= mid:
        return (
            f"at least {line} across its whole interval"
            if near >= mid
            else f"as large as {line}, though the interval includes smaller changes"
        )
    beyond = far >= mid or -near >= mid  # the interval reaches the line on either side
    return (
        f"smaller than {line}, though the interval includes changes as large as it"
        if beyond
        else f"smaller than {line}, as is every change in the interval"
    )


P_COLUMNS = {"holm": "p_holm", "fdr_bh": "p_fdr_bh"}


def _significant(facts: Facts, prefix: str, row: tuple[str, ...], column: str) -> bool:
    p = facts.value(f"{prefix}.{'.'.join(row)}.{column}")
    return isinstance(p, (int, float)) and not isinstance(p, bool) and p < 0.05


@register_message("outcomes")
def outcomes(facts: Facts, meta: ReportMeta) -> list[str]:
    """The outcomes in words: the report's headline rows where it names them; else the changes that
    reach p < 0.05 (adjusted as Table 4 is), the largest effects first, of the report's own Table 4
    or, where that is withheld, the whole study's."""
    if meta.headline and facts.under("headline.change"):
        said = [
            change_sentence(facts, meta, "headline.change", h.instrument, h.subscale, h.comparison)
            for h in meta.headline
            if h.comparison
        ]
        return [s for s in said if s]
    column = P_COLUMNS.get(getattr(meta, "multiplicity", "none"), "p")
    adjusted = "" if column == "p" else f", {'Holm' if column == 'p_holm' else 'false discovery rate'}-adjusted"
    for prefix, scope in (("change", ""), ("study_wide.change", "Across the whole study, ")):
        rows = {tuple(name.split(".")[:3]) for name in facts.under(prefix)}
        tested = [r for r in rows if facts.value(f"{prefix}.{'.'.join(r)}.p") is not None]
        if not tested:
            continue
        found = sorted(
            (r for r in tested if _significant(facts, prefix, r, column)),
            key=lambda r: -abs(facts.value(f"{prefix}.{'.'.join(r)}.es", 0) or 0),
        )
        chance = 0.05 * len(tested)
        unadjusted = (
            f" (not adjusted for the number of tests: about {fmt_number(chance, 0 if chance >= 1 else 1)} "
            f"of {len(tested)} would by chance alone if nothing changed)"
        )
        lead = (
            f"{scope or 'In this report, '}{len(found)} of the {len(tested)} paired t-tests reach p < 0.05"
            f"{adjusted or unadjusted}"
        )
        if not found:
            return [lead + "."]
        shown = found[:4]
        lead += (
            ":"
            if len(shown) == len(found)
            else f"; the {len(shown)} largest by effect size (the change over the baseline standard deviation):"
        )
        comparisons = {part(f"{a}-{b}"): f"{a}-{b}" for a, b in meta.comparisons}
        said = [
            change_sentence(facts, meta, prefix, inst, sub, comparisons.get(comp, comp.replace("_", "-")))
            for inst, sub, comp in shown
        ]
        return [lead, *[s for s in said if s]]
    return []


def key_messages(facts: Facts, meta: ReportMeta) -> TextBlock:
    """The report's key messages, area by area (:data:`MESSAGES`), as a list of sentences."""
    sentences = since_last_report(facts, meta) + [s for writer in MESSAGES.values() for s in writer(facts, meta)]
    return TextBlock("key_messages", {f"message_{i}": s for i, s in enumerate(sentences, start=1)}, _bullets)


def _bullets(facts: dict) -> str:
    said = [v for k, v in facts.items() if k.startswith("message_") and isinstance(v, str)]
    return (
        "\n".join(f"- {s}" for s in said)
        if said
        else "No key messages: this report shows none of the figures they are written from."
    )


def _changes(facts: Facts, meta: ReportMeta) -> list[dict]:
    """Each programme count and milestone of the report beside its value in the earlier build."""
    earlier = meta.previous.facts if meta.previous else {}
    stages = {
        "consented": "Consented",
        "left_post": "Left post",
        "withdrawn": "Withdrew",
        **{tp: f"Returned the {tp} questionnaire" for tp in meta.timepoints},
    }
    places = [ALL, *meta.sites] if len(meta.sites) > 1 else [ALL]
    rows = []
    for stage, label in stages.items():
        for place in places if stage == "consented" else [ALL]:
            name = f"recruitment.{stage}.{place}"
            now, before = facts.value(name), earlier.get(name)
            if isinstance(now, int) and isinstance(before, int):
                where = "" if place == ALL else f" at {place}"
                rows.append({"figure": label + where, "previous": before, "now": now, "change": now - before})
    for m in meta.milestones:
        name = f"milestones.{part(m.name)}.status"
        now, before = facts.value(name), earlier.get(name)
        if isinstance(now, str) and isinstance(before, str):
            rows.append({"figure": f"Milestone: {m.name}", "previous_status": before, "status": now})
    return rows


def since_last_report(facts: Facts, meta: ReportMeta) -> list[str]:
    """What changed since the earlier build's report (``build --previous``), in words: the counts
    that moved and the milestones whose status changed; nothing without an earlier build."""
    if meta.previous is None:
        return []
    when = _day(meta.previous.data_cut)
    said = []
    for row in _changes(facts, meta):
        if "change" in row and row["change"]:
            said.append(
                f"{row['figure'][0].lower()}{row['figure'][1:]} {row['previous']} → {row['now']} ({row['change']:+d})"
            )
        elif "status" in row and row["status"] != row["previous_status"]:
            said.append(f"{row['figure'][len('Milestone: ') :]}: {row['previous_status']} → {row['status']}")
    if not said:
        return [f"Since the last report (data cut {when}), no programme count or milestone has changed."]
    return [f"Since the last report (data cut {when}): " + "; ".join(said) + "."]


def changes_table(facts: Facts, meta: ReportMeta) -> Table:
    """Every programme count and milestone beside its value at the earlier build's data cut (``meta.previous``)."""
    rows = _changes(facts, meta)
    when = _day(meta.previous.data_cut)
    data = pd.DataFrame(rows, columns=["figure", "previous", "now", "change", "previous_status", "status"])
    data[["previous", "now", "change"]] = data[["previous", "now", "change"]].astype("Int64")
    count = Role("count", data="programme")

    def display(frame: pd.DataFrame) -> pd.DataFrame:
        def cell(row, column, status):
            value = row[status] if isinstance(row[status], str) else row[column]
            return (
                "–" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)
            )

        return pd.DataFrame(
            {
                "": frame["figure"],
                f"At {when}": [cell(r, "previous", "previous_status") for _, r in frame.iterrows()],
                "Now": [cell(r, "now", "status") for _, r in frame.iterrows()],
                "Change": [
                    ("–" if pd.isna(r["change"]) else f"{int(r['change']):+d}" if r["change"] else "0")
                    if not isinstance(r["status"], str)
                    else ("unchanged" if r["status"] == r["previous_status"] else "changed")
                    for _, r in frame.iterrows()
                ],
            }
        )

    return Table(
        "since_last_report",
        f"Change since the last report (data cut {when})",
        data,
        display,
        ["The last report is the earlier build named to this one; its figures are read from the tables it released."],
        row_headers=("",),
        roles={"previous": count, "now": count, "change": count},
        withheld=None if rows else "The earlier build's report holds none of this report's counts or milestones.",
    )


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
    return TextBlock("data_alerts", facts, _bullets, box="alerts", title="Data-quality alerts")
