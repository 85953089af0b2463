"""Paper-style tables of the sample: Table 1 (its characteristics) and the sentences beside it,
contact activity and Table 2 (use of health services); each an unrounded DataFrame for CSV and a
formatted one for reading."""

from __future__ import annotations

import math
from functools import partial

import pandas as pd

from ..analysis.descriptive import contact_summary, describe
from ..text import plural
from .blocks import SUPPRESSED, Table, TextBlock, is_suppressed
from .formats import extremes_withheld, fmt_count, fmt_count_percent, fmt_mean_sd_range, fmt_short_month
from .roles import COUNT, Role

TABLE1_VARIABLES = {
    "site": "Site",
    "gender": "Gender",
    "sexual_orientation": "Sexual orientation",
    "ethnicity": "Ethnicity",
    "highest_education_level": "Highest education level",
    "marital_status": "Marital status",
    "religion": "Religion",
    "english_first_language": "English is first language",
    "child_under_18_in_household": "Child under 18 living in the household",
    "age": "Age, years",
    "months_in_post": "Time in post, months",
    "contracted_hours": "Contracted hours per week",
    "sick_days": "Days of sick leave",
    "number_of_peers": "People supported",
    "completed_face_to_face_contacts": "Completed face-to-face contacts",
}


def sample_frame(participants: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """Participants with their contact-log summary (missing for workers without records)."""
    summary = contact_summary(contacts)
    return participants.merge(summary, on="participant_id", how="left")


def table1(participants: pd.DataFrame, contacts: pd.DataFrame) -> Table:
    """Table 1: sample characteristics, n (%) for categories and mean (SD) min–max otherwise.

    Site is tabulated only when the report covers more than one site; a characteristic
    nobody in the report has a value for is one row saying so.
    """
    frame = sample_frame(participants, contacts)
    variables = [v for v in TABLE1_VARIABLES if v in frame.columns]
    if "site" in variables and frame["site"].nunique() <= 1:
        variables.remove("site")
    return table1_from(describe(frame, variables))


def table1_from(data: pd.DataFrame) -> Table:
    """Table 1 of characteristics already described (:func:`peerimpact.analysis.descriptive.describe`):
    the whole study's, in a report whose own are withheld."""
    notes = [
        "n is the number of peer workers with a known value; percentages are of n.",
        "People supported and face-to-face contacts are counted from the contact log, among peer workers "
        "who recorded any contact.",
    ]
    return Table(
        "table1", "Table 1. Sample characteristics", data, _table1_display, notes, row_headers=("Characteristic",)
    )


def _table1_display(data: pd.DataFrame) -> pd.DataFrame:
    """Table 1 as read: the levels of a characteristic whose counts are withheld share one row
    (their names, then ``*``), so that a small report is not a page of asterisks; its CSV keeps
    every level."""
    rows = []
    for variable, part in data.groupby("variable", sort=False):
        first = part.iloc[0]
        label, n = TABLE1_VARIABLES.get(variable, variable), fmt_count(first["n"])
        if not is_suppressed(first["n"]) and first["n"] == 0:
            rows.append([label, "", n, "not recorded"])
            continue
        if pd.isna(first["level"]):
            rows.append([label, "", n, fmt_mean_sd_range(first["mean"], first["sd"], first["min"], first["max"])])
            continue
        withheld = [str(r.level) for r in part.itertuples(index=False) if is_suppressed(r.count)]
        for r in part.itertuples(index=False):
            if not is_suppressed(r.count):
                rows.append([label, r.level, n, fmt_count_percent(r.count, r.percent)])
                label = n = ""
        if withheld:
            rows.append([label, "; ".join(withheld), n, SUPPRESSED])
    summary = "n (%) or mean (SD)" + ("" if extremes_withheld(data) else " min–max")
    return pd.DataFrame(rows, columns=["Characteristic", "Level", "n", summary])


def sample_facts(participants: pd.DataFrame, contacts: pd.DataFrame) -> dict:
    """Figures the paper gives in its text beside Table 1 (sick leave, contract types, contacts)."""
    sick = participants["sick_days"].dropna() if "sick_days" in participants else pd.Series(dtype=float)
    some = sick[sick > 0]
    summary = contact_summary(contacts)
    contract = participants.get("contract_type", pd.Series(dtype=object)).astype("string")
    return {
        "n": len(participants),
        "bank": int((contract == "bank").sum()),
        "contracted": int((contract == "contracted").sum()),
        "sick_known": len(sick),
        "no_sick_leave": int((sick == 0).sum()),
        "with_sick_leave": len(some),
        "sick_median_among_some": float(some.median()) if len(some) else math.nan,
        "sick_min_among_some": float(some.min()) if len(some) else math.nan,
        "sick_max_among_some": float(some.max()) if len(some) else math.nan,
        "recording_contacts": len(summary),
    }


def sample_summary(participants: pd.DataFrame, contacts: pd.DataFrame) -> TextBlock:
    """The facts the paper gives beside Table 1, as a block of sentences; parts without data are left out."""
    facts = sample_facts(participants, contacts)
    facts["sites"] = participants["site"].nunique() if "site" in participants else 0
    return TextBlock(
        "sample_summary",
        facts,
        sample_sentences,
        roles=SAMPLE_FACT_ROLES,
        groups=((("contracted", "bank"), "n"), (("no_sick_leave", "with_sick_leave"), "sick_known")),
    )


SAMPLE_FACT_ROLES = {
    **{
        k: COUNT
        for k in ("n", "bank", "contracted", "sick_known", "no_sick_leave", "with_sick_leave", "recording_contacts")
    },
    "sites": Role("reference"),  # how many sites the report covers: the programme's design, nobody's data
    "sick_median_among_some": Role("statistic", "with_sick_leave"),
    "sick_min_among_some": Role("extreme", "with_sick_leave"),
    "sick_max_among_some": Role("extreme", "with_sick_leave"),
}


def _withheld_sentences(f: dict) -> str:
    """What a report says of its sample when a disclosure policy withholds its size."""
    below = f.get("withheld_below", "")
    text = [
        f"This report covers fewer than {below} peer workers at {plural(f['sites'], 'site')}, so figures "
        "describing them are withheld; the study-wide results give the context."
    ]
    text.append("What they did is counted under contact activity below.")
    return " ".join(text)


def sample_sentences(f: dict) -> str:
    """The sample's facts (:func:`sample_facts` and ``sites``) in words; a sentence resting on a
    withheld fact is left out."""
    if is_suppressed(f["n"]):
        return _withheld_sentences(f)
    shown = {k: not is_suppressed(v) for k, v in f.items()}
    about = "about " if f.get("rounded_to", 1) > 1 else ""  # counts a policy rounded
    text = [f"This report covers {about}{plural(f['n'], 'peer worker')} at {plural(f['sites'], 'site')}."]
    if shown["contracted"] and shown["bank"] and (f["contracted"] or f["bank"]):
        if not f["bank"]:
            text.append(
                "The peer worker was on a contract."
                if f["contracted"] == 1
                else f"All {plural(f['contracted'], 'peer worker')} were on contracts."
            )
        else:
            text.append(
                f"{f['contracted']} {'was' if f['contracted'] == 1 else 'were'} on contracts and "
                f"{f['bank']} {'was' if f['bank'] == 1 else 'were'} bank staff, who have no contracted "
                "hours or recorded sick leave."
            )
    if f["sick_known"] and all(
        shown[k]
        for k in (
            "sick_known",
            "no_sick_leave",
            "with_sick_leave",
            "sick_median_among_some",
            "sick_min_among_some",
            "sick_max_among_some",
        )
    ):
        days = f["sick_median_among_some"]
        one = f"{days:g} day{'' if days == 1 else 's'}"
        if f["sick_known"] == 1:
            sentence = "The one sick-leave record showed " + (one if f["with_sick_leave"] else "none")
        else:
            sentence = f"Of the {plural(f['sick_known'], 'sick-leave record')}, {f['no_sick_leave']} showed none"
            if f["with_sick_leave"] == 1:
                sentence += f"; the other showed {one}"
            elif f["with_sick_leave"]:
                sentence += (
                    f"; the other {f['with_sick_leave']} had a median of {days:g} days "
                    f"(range {f['sick_min_among_some']:g} to {f['sick_max_among_some']:g})"
                )
        text.append(sentence + ".")
    if shown["recording_contacts"] and f["recording_contacts"]:
        # the contacts themselves are counted once, in the activity table, where the policy sees them
        text.append(
            f"{about.capitalize()}{plural(f['recording_contacts'], 'peer worker')} recorded contacts; "
            "contact activity below "
            "counts them by mode."
        )
    return " ".join(text)


def activity(contacts: pd.DataFrame) -> Table:
    """The report's contact activity: contacts recorded, completed and people supported, by mode.

    These are counts of events and of the people peer workers supported, not of peer workers,
    so a report too small to describe its peer workers can still show what they did.
    """
    contacts = contacts.assign(mode=contacts["mode"].astype(str), completed=contacts["completed"].astype(bool))
    rows = [
        {
            "scope": "all",
            "mode": mode,
            "contacts": len(part),
            "completed": int(part["completed"].sum()),
            "people_supported": part["person_id"].nunique(),
        }
        for mode, part in contacts.groupby("mode", sort=True)
    ]
    data = pd.DataFrame(rows, columns=["scope", "mode", "contacts", "completed", "people_supported"])
    data["all_contacts"] = len(contacts)
    dates = pd.to_datetime(contacts["date"], errors="coerce").dropna() if "date" in contacts else pd.Series()
    span = (
        f" from {fmt_short_month(dates.min())} to {fmt_short_month(dates.max())}, the whole log rather than a reporting period"
        if len(dates)
        else ""
    )
    notes = [
        f"From the contact log{span}. People supported are counted once per mode; a person supported both "
        "face to face and by telephone is in both rows."
    ]
    return Table("activity", "Contact activity", data, _activity_display, notes, row_headers=("Mode",))


def _activity_display(data: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    display = pd.DataFrame(
        {
            "Mode": [str(m).replace("_", " ").capitalize() for m in data["mode"]],
            "Contacts": [fmt_count(v) for v in data["contacts"]],
            "Completed": [fmt_count(v) for v in data["completed"]],
            "People supported": [fmt_count(v) for v in data["people_supported"]],
        }
    )
    total = [fmt_count(data["all_contacts"].iloc[0])] if len(data) else []
    return display, [f"All modes: {t} contacts recorded." for t in total]


def table2(service_use: pd.DataFrame, services: dict[str, str], timepoints: list[str]) -> Table:
    """Table 2: peer workers reporting any contact with each service, by timepoint (counts only)."""
    present = [t for t in timepoints if t in set(service_use["timepoint"])]
    rows = []
    for tp in present:
        at = service_use[service_use["timepoint"] == tp]
        n = at["participant_id"].nunique()
        for sid in services:
            answered = at[(at["service"] == sid) & at["contact"].notna()]
            rows.append(
                {
                    "service": sid,
                    "timepoint": tp,
                    "n": answered["participant_id"].nunique() if len(answered) else n,
                    "count": int(answered["contact"].astype(bool).sum()),
                }
            )
    data = pd.DataFrame(rows, columns=["service", "timepoint", "n", "count"])
    return table2_from(data, services, timepoints)


def table2_from(data: pd.DataFrame, services: dict[str, str], timepoints: list[str]) -> Table:
    """Table 2 of counts already made (``service, timepoint, n, count``): the whole study's, in a
    report whose own are withheld."""
    present = [t for t in timepoints if len(data) and t in set(data["timepoint"].astype(str))]
    notes = [
        "Number of peer workers reporting any contact with the service in the 3 months before the interview. "
        "Counts only, as numbers are small."
    ]
    return Table(
        "table2",
        "Table 2. Use of mental and physical health services",
        data,
        partial(_table2_display, services=services, timepoints=present),
        notes,
        row_headers=("Service",),
    )


def _table2_display(data: pd.DataFrame, *, services: dict[str, str], timepoints: list[str]) -> pd.DataFrame:
    display = pd.DataFrame({"Service": [services[s] for s in services]})
    for tp in timepoints:
        part = data[data["timepoint"] == tp].set_index("service")
        shown = [v for v in part["n"] if not is_suppressed(v)]
        n = fmt_count(max(shown)) if len(shown) == len(part) and shown else SUPPRESSED
        display[f"{tp} (n = {n})"] = [fmt_count(part.loc[s, "count"]) for s in services]
    return display
