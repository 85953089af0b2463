"""Paper-style tables: an unrounded DataFrame for CSV and a formatted one for reading."""

from __future__ import annotations

import math
from functools import partial

import pandas as pd

from ..analysis.stats import ADJUSTED_COLUMNS, contact_summary, describe
from ..text import plural, rounded
from .blocks import DASH, SUPPRESSED, Table, TextBlock, is_missing, is_suppressed
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


def fmt_number(value: float, digits: int = 1) -> str:
    """A number to ``digits`` decimals; missing is a dash, withheld a ``*``."""
    if is_missing(value):
        return DASH
    if is_suppressed(value):
        return SUPPRESSED
    text = rounded(value, digits)  # a half away from zero, as SPSS and the paper print
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.00"


def fmt_mean_sd_range(
    mean: float, sd: float, lo: float, hi: float, digits: int = 1, sd_digits: int | None = None
) -> str:
    """``49.8 (9.07) 28.0–70.0``, as the paper prints a continuous summary; without the range
    where a disclosure policy withholds the minimum and maximum (one person's values)."""
    if is_missing(mean) or is_suppressed(mean):
        return fmt_number(mean)
    sd_text = fmt_number(sd, digits if sd_digits is None else sd_digits)
    if is_suppressed(lo) or is_suppressed(hi):
        return f"{fmt_number(mean, digits)} ({sd_text})"
    return f"{fmt_number(mean, digits)} ({sd_text}) {fmt_number(lo, digits)}–{fmt_number(hi, digits)}"


def fmt_count(count) -> str:
    """A count of people: a whole number, ``*`` when withheld, a dash when missing."""
    if is_missing(count) or is_suppressed(count):
        return fmt_number(count)
    return str(int(count))


def fmt_count_percent(count: int, percent: float) -> str:
    """``10 (31.3%)``; the count alone when the percentage is withheld."""
    if is_suppressed(count) or is_missing(count):
        return fmt_count(count)
    if is_suppressed(percent) or is_missing(percent):
        return fmt_count(count)
    return f"{fmt_count(count)} ({fmt_number(percent, 1)}%)"


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
    """Table 1 of characteristics already described (:func:`peerimpact.analysis.stats.describe`):
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
    summary = "n (%) or mean (SD)" + ("" if _extremes_withheld(data) else " min–max")
    return pd.DataFrame(rows, columns=["Characteristic", "Level", "n", summary])


def _extremes_withheld(data: pd.DataFrame) -> bool:
    """Whether a policy withheld every minimum shown (the column header then drops min–max)."""
    values = [v for v in data.get("min", []) if not is_missing(v)]
    return bool(values) and all(is_suppressed(v) for v in values)


def fmt_p(p: float) -> str:
    """p to three decimals, ``<0.001`` below that; a dash when there is none, ``*`` when withheld."""
    if is_missing(p) or is_suppressed(p):
        return fmt_number(p)
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _short(value: float) -> str:
    """A published figure at its own precision, with at least one decimal: 4.0, 3.44, 51.6."""
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def fmt_norm(mean: float, sd: float) -> str:
    """``51.6 (8.71)``: a norm as its source prints it."""
    if is_missing(mean):
        return DASH
    return f"{_short(mean)} ({_short(sd)})"


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
        f" from {dates.min():%b %Y} to {dates.max():%b %Y}, the whole log rather than a reporting period"
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


def _by_subscale(frame: pd.DataFrame, labels: dict[tuple[str, str | None], str]):
    """Each instrument and subscale in order, with its rows and the first display cells of its
    first row (the measure is named once, on its first subscale)."""
    previous = None
    for instrument, subscale in frame[["instrument", "subscale"]].drop_duplicates().itertuples(index=False):
        part = frame[(frame["instrument"] == instrument) & (frame["subscale"] == subscale)]
        cells = {
            "Measure": labels.get((instrument, None), instrument) if instrument != previous else "",
            "Subscale": labels.get((instrument, subscale), subscale),
        }
        previous = instrument
        yield part, cells


def fmt_range(lo: float, hi: float) -> str:
    """``14–70``: a scale's possible range."""
    return f"{lo:g}–{hi:g}"


def table3(
    summary: pd.DataFrame,
    labels: dict[tuple[str, str | None], str],
    timepoints: list[str],
    scales: pd.DataFrame | None = None,
) -> Table:
    """Table 3: n and mean (SD) min–max of every outcome at every timepoint, beside its norm.

    ``summary`` comes from :func:`peerimpact.analysis.stats.compare_to_norms`; ``scales`` (as
    ``Extract.scales``) adds each subscale's possible range and what a higher score means,
    under its name and as ``range_min, range_max, higher`` in the data.
    """
    columns = ["instrument", "subscale", "timepoint", "n", "mean", "sd", "min", "max", "norm_mean", "norm_sd"]
    data = summary[columns].copy()
    if scales is not None:
        data = data.merge(scales, on=["instrument", "subscale"], how="left")
    notes = [
        "Under each subscale: the range of possible scores and what a higher score means. "
        "SD uses n − 1. Norms are compared by inspection, not tested. A dash: no data, or no published norm."
    ]
    if "norm_source" in summary.columns:
        for instrument, source in summary[["instrument", "norm_source"]].drop_duplicates().itertuples(index=False):
            if isinstance(source, str):
                notes.append(f"{labels.get((instrument, None), instrument)} norm: {source}.")
    return Table(
        "table3",
        "Table 3. Outcomes over time and population norms",
        data,
        partial(_table3_display, labels=labels, timepoints=timepoints, scaled=scales is not None),
        notes,
        row_headers=("Measure", "Subscale"),
    )


def _table3_display(data: pd.DataFrame, *, labels: dict, timepoints: list[str], scaled: bool) -> pd.DataFrame:
    summary = "mean (SD)" + ("" if _extremes_withheld(data) else " min–max")
    rows = []
    for part, row in _by_subscale(data, labels):
        first = part.iloc[0]
        if scaled and pd.notna(first["range_min"]):
            scale = fmt_range(first["range_min"], first["range_max"])
            if isinstance(first["higher"], str):
                scale += f"; higher: {first['higher']}"
            row["Subscale"] += f"\n({scale})"
        by_tp = part.set_index("timepoint")
        for tp in timepoints:
            if tp in by_tp.index:
                r = by_tp.loc[tp]
                row[f"{tp} n"] = fmt_count(r["n"])
                row[f"{tp} {summary}"] = fmt_mean_sd_range(r["mean"], r["sd"], r["min"], r["max"], 1, 2)
            else:
                row[f"{tp} n"], row[f"{tp} {summary}"] = "0", DASH
        row["Norm mean (SD)"] = fmt_norm(first["norm_mean"], first["norm_sd"])
        rows.append(row)
    return pd.DataFrame(rows)


FOOTNOTE_MARKS = "ᵃᵇᶜᵈᵉᶠᵍʰ"


def _change_row(rec, cells: dict, adjusted: str, marks: dict[str, str]) -> dict:
    """One displayed row of Table 4; a row with a note carries the footnote mark of its reason."""
    first, later = rec.comparison.split("-", 1)
    row = {**cells, "Comparison": f"{first} − {later}", "n": fmt_count(rec.n)}
    mark = ""
    if isinstance(rec.note, str) and rec.note and not is_suppressed(rec.change):
        mark = marks.setdefault(rec.note, FOOTNOTE_MARKS[len(marks) % len(FOOTNOTE_MARKS)])
    if rec.estimable and not is_suppressed(rec.change):
        ci = (
            ""
            if is_suppressed(rec.ci_low) or is_suppressed(rec.ci_high)
            else f" ({fmt_number(rec.ci_low, 2)}, {fmt_number(rec.ci_high, 2)})"
        )
        row["Change (95% CI)"] = fmt_number(rec.change, 2) + ci
        row["p"] = fmt_p(rec.p)
        row["ES"] = fmt_number(rec.es, 2) + (mark if is_missing(rec.es) else "")
        row["d_z"] = fmt_number(rec.d_z, 2)
        row["Wilcoxon p"] = fmt_p(rec.p_wilcoxon)
    elif is_suppressed(rec.change):
        row.update({c: SUPPRESSED for c in ("Change (95% CI)", "p", "ES", "d_z", "Wilcoxon p")})
    else:
        row.update(
            {
                "Change (95% CI)": fmt_number(rec.change, 2) + mark,
                "p": DASH,
                "ES": DASH,
                "d_z": DASH,
                "Wilcoxon p": DASH,
            }
        )
    if adjusted != "none":
        row[ADJUSTED_HEADERS[adjusted]] = fmt_p(getattr(rec, ADJUSTED_COLUMNS[adjusted]))
    return row


CHANGE_NOTES = [
    "Change is the earlier score minus the later one, as in the paper: a positive change is a decrease. "
    "Complete pairs only; n is the number of pairs.",
    "ES: change ÷ SD of the earlier score among the pairs (the paper's effect size). "
    "d_z: change ÷ SD of the differences. Wilcoxon p: signed-rank test, a small-sample sensitivity check.",
]


# Table 4's column of adjusted p values, and the adjustment in words (for its note and the Methods).
ADJUSTED_HEADERS = {"holm": "Holm p", "fdr_bh": "FDR-adjusted p (Benjamini–Hochberg)"}
ADJUSTMENT_WORDS = {
    "holm": "Holm's step-down method, which controls the chance of any false positive among the tests "
    "(the family-wise error rate)",
    "fdr_bh": "the Benjamini–Hochberg method, which controls the expected share of false positives among the "
    "tests that reach significance (the false discovery rate)",
}


def adjustment_of(change: pd.DataFrame) -> str:
    """Which adjustment a frame of :func:`~peerimpact.analysis.stats.change_over_time` carries:
    ``none``, ``holm`` or ``fdr_bh``, from its columns."""
    return next((method for method, column in ADJUSTED_COLUMNS.items() if column in change.columns), "none")


def table4(change: pd.DataFrame, labels: dict[tuple[str, str | None], str]) -> Table:
    """Table 4: paired change for each comparison; change is earlier − later.

    A row without a test shows its n and mean change; each reason for a missing figure is
    one footnote, whatever the number of rows it applies to. A note says how the p values are
    adjusted across the tests, and across how many: those the adjustment ran across (the
    frame's ``attrs["tests"]``, which a table of some of its rows keeps), else the table's own.
    """
    return Table(
        "table4",
        "Table 4. Change in outcomes over time (paired t-tests)",
        change.copy(),
        partial(_table4_display, labels=labels, tests=change.attrs.get("tests")),
        list(CHANGE_NOTES),
        row_headers=("Measure", "Subscale"),
    )


def _table4_display(data: pd.DataFrame, *, labels: dict, tests: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    rows: list[dict] = []
    marks: dict[str, str] = {}
    adjusted = adjustment_of(data)
    for part, cells in _by_subscale(data, labels):
        for k, rec in enumerate(part.itertuples(index=False)):
            rows.append(_change_row(rec, {**cells, "Measure": cells["Measure"] if k == 0 else ""}, adjusted, marks))
    notes = [f"{mark} {reason[0].upper()}{reason[1:]}." for reason, mark in marks.items()]
    shown = int(sum(not is_missing(p) for p in data["p"]))  # a withheld p is still a test made
    if adjusted != "none":
        notes.append(
            f"{ADJUSTED_HEADERS[adjusted]}: p adjusted by {ADJUSTMENT_WORDS[adjusted]}, across "
            f"{plural(shown if tests is None else tests, 'test')}: every outcome and comparison with "
            "enough pairs to test."
        )
    elif shown > 1:
        notes.append(
            f"p values are not adjusted for multiple comparisons across the {plural(shown, 'test')} in this table."
        )
    return pd.DataFrame(rows), notes


def against_study(
    summary: pd.DataFrame, comparators: pd.DataFrame, labels: dict[tuple[str, str | None], str], timepoints: list[str]
) -> Table:
    """This report's mean of every outcome beside the whole study's, for site and cohort reports.

    ``comparators`` holds the study-wide ``n, mean, sd`` per instrument, subscale and
    timepoint that the planner puts in every extract (aggregates only, never rows).
    """
    keys = ["instrument", "subscale", "timepoint"]
    study = comparators.rename(columns={"n": "study_n", "mean": "study_mean", "sd": "study_sd"})
    data = summary[keys + ["n", "mean"]].merge(study, on=keys, how="left")
    notes = [
        "Mean score in this report's peer workers ('here') and in the whole study ('study', every site "
        "included). Compare by inspection: the groups overlap, so no test is made."
    ]
    return Table(
        "table3_study",
        "Table 3a. Outcomes beside the whole study",
        data,
        partial(_against_study_display, labels=labels, timepoints=timepoints),
        notes,
        row_headers=("Measure", "Subscale"),
    )


def _against_study_display(data: pd.DataFrame, *, labels: dict, timepoints: list[str]) -> pd.DataFrame:
    rows = []
    for part, row in _by_subscale(data, labels):
        part = part.set_index("timepoint")
        for tp in timepoints:
            if tp in part.index:
                r = part.loc[tp]
                row[f"{tp} here"] = fmt_number(r["mean"], 1)
                row[f"{tp} study"] = fmt_number(r["study_mean"], 1)
            else:
                row[f"{tp} here"], row[f"{tp} study"] = DASH, DASH
        rows.append(row)
    return pd.DataFrame(rows)
