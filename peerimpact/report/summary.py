"""Key messages: the sentences a report opens with, written from the facts it released.

Every number in a key message is a fact of the report (:mod:`peerimpact.report.facts`), read
from the CSVs its sections wrote, so it is the value its table shows and nothing its disclosure
policy withheld: a message whose facts are withheld is left out, or says the whole study's.
Each area of a progress report is one function in :data:`~peerimpact.report.messages.MESSAGES`,
taking the facts and the report's meta and returning its sentences (none when the report does not
show that area): the programme's areas in :mod:`peerimpact.report.programme_messages`, then the
outcomes, here. Here too: what changed since the last report.
"""

from __future__ import annotations

import pandas as pd

from . import programme_messages  # noqa: F401  its areas register first: they speak before the outcomes
from .blocks import Table, TextBlock
from .facts import ALL, Facts, part
from .formats import fmt_number
from .messages import MESSAGES, bullets, register_message, short_date
from .meta import ReportMeta
from .roles import Role


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


P_COLUMNS = {"holm": "p_adjusted", "fdr_bh": "p_adjusted"}


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
    method = getattr(meta, "multiplicity", "none")
    adjusted = "" if column == "p" else f", {'Holm' if method == 'holm' else 'false discovery rate'}-adjusted"
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
        # the outcomes are the lead-in's own items, so no format can part them from it
        return [lead + "".join(f"\n  - {s}" for s in said if s)]
    return []


def key_messages(facts: Facts, meta: ReportMeta) -> TextBlock:
    """The report's key messages, area by area (:data:`MESSAGES`), as a list of sentences."""
    sentences = since_last_report(facts, meta) + [s for writer in MESSAGES.values() for s in writer(facts, meta)]
    return TextBlock("key_messages", {f"message_{i}": s for i, s in enumerate(sentences, start=1)}, bullets)


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
    when = short_date(meta.previous.data_cut)
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
    assert meta.previous is not None, "a report built without --previous has no earlier figures"
    rows = _changes(facts, meta)
    when = short_date(meta.previous.data_cut)
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
                    ("–" if pd.isna(r["change"]) else f"{int(r['change']):+,d}" if r["change"] else "0")
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
