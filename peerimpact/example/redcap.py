"""The example study as a REDCap project exports it (``peerimpact synth --format redcap``): the records
("CSV / raw data", all events, with data access groups), the data dictionary, the instrument
designations, the same project as one CDISC ODM export (:mod:`.redcap_odm`), and a study.yml whose
``redcap:`` block maps the CSV exports. Read back, it gives the example's
own frames, so its reports are the CSV example's.

The project is laid out as a REDCap designer would: an enrolment form at baseline holding the
peer worker's characteristics; each questionnaire a survey (its ``<form>_timestamp`` the completion
date) at the three events; service use as one checkbox per event; the contact log a repeating form.
Items carry their IDs as labels, never their wording.
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from ..schema import LEFT_POST_REASONS
from .design import CATEGORIES, SERVICES
from .redcap_odm import odm_text

EVENTS = {"T1": "baseline_arm_1", "T2": "month_4_arm_1", "T3": "month_12_arm_1"}
QUESTIONNAIRES = {"wemwbs": (1, 5), "mjs": (1, 5), "itp": (1, 5), "mbi": (0, 6)}
# the dictionary's columns, as Project Setup downloads it
HEADINGS = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]
MISSING_CODES = "UNK, Unknown | NASK, Not asked | ASKU, Asked but unknown"
YESNO = {"yes": "1", "no": "0"}
MODES = {"face_to_face": ("1", "Face to face"), "telephone": ("2", "Telephone")}
CONTRACTS = {"contracted": ("1", "Contracted"), "bank": ("2", "Bank")}
CONTACT_FIELDS = {
    "person_id": "contact_person",
    "date": "contact_date",
    "mode": "contact_mode",
    "duration_minutes": "contact_minutes",
    "completed": "contact_completed",
}


def _choices(pairs: list[tuple[str, str]]) -> str:
    return " | ".join(f"{code}, {label}" for code, label in pairs)


def dictionary(items: dict[str, list[str]]) -> list[dict[str, str]]:
    """The data dictionary's rows: ``items`` is each questionnaire's item IDs."""
    rows: list[dict[str, str]] = []

    def field(name: str, form: str, kind: str, label: str, choices: str = "", validation: str = "") -> None:
        rows.append(
            {
                "Variable / Field Name": name,
                "Form Name": form,
                "Field Type": kind,
                "Field Label": label,
                "Choices, Calculations, OR Slider Labels": choices,
                "Text Validation Type OR Show Slider Number": validation,
                "Identifier?": "y" if name == "record_id" else "",
            }
        )

    field("record_id", "enrolment", "text", "Participant ID")
    field("consent_date", "enrolment", "text", "Date of consent", validation="date_ymd")
    for column, levels in CATEGORIES.items():
        kind = "dropdown" if len(levels) > 5 else "radio"
        field(column, "enrolment", kind, column.replace("_", " ").capitalize(),
              _choices([(code, label) for code, (label, _) in levels.items()]))  # fmt: skip
    for column in ("english_first_language", "child_under_18_in_household"):
        field(column, "enrolment", "yesno", column.replace("_", " ").capitalize())
    field("age", "enrolment", "text", "Age in years", validation="integer")
    field("contract_type", "enrolment", "radio", "Contract", _choices(list(CONTRACTS.values())))
    field("wave", "enrolment", "text", "Recruitment wave", validation="integer")
    field("months_in_post", "enrolment", "text", "Months in post", validation="number")
    field("contracted_hours", "enrolment", "text", "Contracted hours a week", validation="number")
    field("sick_days", "enrolment", "text", "Days of sick leave", validation="integer")
    field("left_post_date", "enrolment", "text", "Date left post", validation="date_ymd")
    field("left_post_reason", "enrolment", "dropdown", "Reason for leaving post",
          _choices(list(LEFT_POST_REASONS.items())))  # fmt: skip
    field("withdrawn_date", "enrolment", "text", "Date withdrawn from the study", validation="date_ymd")
    for name, (low, high) in QUESTIONNAIRES.items():
        scale = _choices([(str(v), str(v)) for v in range(low, high + 1)])
        for item in items[name]:
            field(f"{name}_{item}", name, "radio", f"{name.upper()} item {item}", scale)
    services = [(str(i), label) for i, (_, label, _, _) in enumerate(SERVICES, start=1)]
    field("services_used", "service_use", "checkbox", "Services used since the last questionnaire",
          _choices(services))  # fmt: skip
    field("contact_person", "contact_log", "text", "Person supported (ID)")
    field("contact_date", "contact_log", "text", "Date of contact", validation="date_ymd")
    field("contact_mode", "contact_log", "radio", "Mode", _choices(list(MODES.values())))
    field("contact_minutes", "contact_log", "text", "Duration (minutes)", validation="integer")
    field("contact_completed", "contact_log", "yesno", "Contact took place")
    return [{h: row.get(h, "") for h in HEADINGS} for row in rows]


DESIGNATIONS = {
    "baseline_arm_1": ["enrolment", *QUESTIONNAIRES, "service_use", "contact_log"],
    "month_4_arm_1": [*QUESTIONNAIRES],
    "month_12_arm_1": [*QUESTIONNAIRES, "service_use"],
}


def records(frames: dict[str, pd.DataFrame], items: dict[str, list[str]]) -> list[dict[str, str]]:
    """The records export's rows: per record, its baseline row, its contact log's instances, then
    its later events, as REDCap orders them."""
    people = frames["participants"].set_index("participant_id")
    quest = frames["questionnaires"].set_index(["participant_id", "timepoint"])
    use = frames["service_use"]
    log = frames["contacts"]
    codes = {c: {label: code for code, (label, _) in levels.items()} for c, levels in CATEGORIES.items()}
    service_code = {sid: str(i) for i, (sid, _, _, _) in enumerate(SERVICES, start=1)}
    out = []
    for pid, person in people.iterrows():
        for tp, event in EVENTS.items():
            row = {"record_id": pid, "redcap_event_name": event, "redcap_data_access_group": person["site"].lower()}
            if tp == "T1":
                row.update(_enrolment(person, codes))
            if (pid, tp) in quest.index:
                answers = quest.loc[(pid, tp)]
                for name in QUESTIONNAIRES:
                    row.update(_survey(name, items[name], answers))
            mine = use[(use["participant_id"] == pid) & (use["timepoint"] == tp)]
            if len(mine):
                for sid, contact in zip(mine["service"], mine["contact"]):
                    row[f"services_used___{service_code[sid]}"] = YESNO[contact]
                row["service_use_complete"] = "2"
            if any(k != "redcap_data_access_group" and k not in ("record_id", "redcap_event_name") for k in row):
                out.append(row)
            if tp == "T1":
                contacts = log[log["participant_id"] == pid]
                for n, (_, contact) in enumerate(contacts.iterrows(), start=1):
                    out.append(_contact(pid, person["site"].lower(), n, contact))
    return out


def _enrolment(person: pd.Series, codes: dict[str, dict[str, str]]) -> dict[str, str]:
    row = {"consent_date": person["consent_date"] or ""}
    for column in CATEGORIES:
        label = person[column]
        row[column] = codes[column][label] if label else "UNK"  # a characteristic not recorded
    for column in ("english_first_language", "child_under_18_in_household"):
        row[column] = YESNO[person[column]] if person[column] else "UNK"
    row["age"] = person["age"] or "ASKU"  # asked, but not given
    row["contract_type"] = CONTRACTS[person["contract_type"]][0]
    for column in ("wave", "months_in_post", "contracted_hours", "sick_days"):
        row[column] = person[column] or ""
    for column in ("left_post_date", "left_post_reason", "withdrawn_date"):
        row[column] = person[column] or ""
    row["enrolment_complete"] = "2"
    return row


def _survey(name: str, items: list[str], answers: pd.Series) -> dict[str, str]:
    values = {f"{name}_{item}": _code(answers.get(f"{name}_{item}")) for item in items}
    if not any(values.values()):
        return {}
    return {f"{name}_timestamp": f"{answers['completed_date']} 10:00:00", **values, f"{name}_complete": "2"}


def _code(value: object) -> str:
    """An item's answer as its choice's code (the CSV's ``-0`` is 0)."""
    if value is None or value == "":
        return ""
    return str(int(float(str(value))))


def _contact(pid: str, dag: str, n: int, contact: pd.Series) -> dict[str, str]:
    return {
        "record_id": pid,
        "redcap_event_name": "baseline_arm_1",
        "redcap_repeat_instrument": "contact_log",
        "redcap_repeat_instance": str(n),
        "redcap_data_access_group": dag,
        "contact_person": contact["person_id"],
        "contact_date": contact["date"],
        "contact_mode": MODES[contact["mode"]][0],
        "contact_minutes": contact["duration_minutes"],
        "contact_completed": YESNO[contact["completed"]],
        "contact_log_complete": "2",
    }


def records_columns(fields: list[dict[str, str]]) -> list[str]:
    """The export's header: the system columns, then each form's timestamp (a survey), fields and
    ``<form>_complete``, in the dictionary's order."""
    columns = ["record_id", "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
               "redcap_data_access_group"]  # fmt: skip
    forms: dict[str, list[dict[str, str]]] = {}
    for f in fields:
        forms.setdefault(f["Form Name"], []).append(f)
    for form, members in forms.items():
        if form in QUESTIONNAIRES:
            columns.append(f"{form}_timestamp")
        for f in members:
            if f["Variable / Field Name"] == "record_id":
                continue
            if f["Field Type"] == "checkbox":
                codes = [c.split(",")[0].strip() for c in f["Choices, Calculations, OR Slider Labels"].split("|")]
                columns += [f"{f['Variable / Field Name']}___{code}" for code in codes]
            else:
                columns.append(f["Variable / Field Name"])
        columns.append(f"{form}_complete")
    return columns


def csv_text(rows: list[dict[str, str]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return buffer.getvalue()


def project_files(frames: dict[str, pd.DataFrame], items: dict[str, list[str]]) -> dict[str, str]:
    """The REDCap exports of ``frames`` (text cells, as the example's CSV files hold them), by file name."""
    fields = dictionary(items)
    columns = records_columns(fields)
    rows = records(frames, items)
    for row in rows:  # an event that collects service use writes 0 in each box of a form nobody filled
        if "service_use" in DESIGNATIONS[row["redcap_event_name"]] and not row.get("redcap_repeat_instrument"):
            for c in columns:
                if c.startswith("services_used___"):
                    row.setdefault(c, "0")
    designations = [
        {"arm_num": "1", "unique_event_name": event, "form": form}
        for event, forms in DESIGNATIONS.items()
        for form in forms
    ]
    return {
        "redcap/records.csv": csv_text(rows, columns),
        "redcap/project.xml": odm_text(
            fields,
            rows,
            designations=DESIGNATIONS,
            surveys=list(QUESTIONNAIRES),
            missing_codes=MISSING_CODES,
            repeating=("baseline_arm_1", "contact_log"),
        ),
        "redcap/dictionary.csv": csv_text(fields, HEADINGS),
        "redcap/instrument_designation.csv": csv_text(designations, ["arm_num", "unique_event_name", "form"]),
    }


REDCAP_BLOCK = """\
redcap:   # a REDCap project's exports (see the README, "From REDCap")
  records: redcap/records.csv                      # CSV, raw data, all events, with data access groups
  dictionary: redcap/dictionary.csv                # Project Setup: Data Dictionary
  events: redcap/instrument_designation.csv        # Designate Instruments for My Events: download
  # or, in place of records, dictionary, events and missing_codes: odm: redcap/project.xml   (CDISC ODM)
  missing_codes: {missing}
  timepoints: {{{events}}}
  sites: {{dag: {{{dags}}}}}
  participants: {{form: enrolment}}
  questionnaires:
    completed_date: [wemwbs_timestamp, mjs_timestamp, itp_timestamp, mbi_timestamp]   # survey timestamps
  service_use: {{form: service_use, checkbox: services_used}}
  contacts:
    form: contact_log
    fields: {{{contact_fields}}}
files:   # the interviews are not in REDCap
  codebook: codebook.csv
  excerpts: excerpts.csv
"""


def study_yml(csv_yml: str, sites: list[str]) -> str:
    """The CSV example's study.yml with its ``files:`` in REDCap's terms, and no ``categories:``
    (the data dictionary's choices are the categories)."""
    lines = csv_yml.splitlines(keepends=True)
    out: list[str] = []
    skipping = False
    for line in lines:
        if line.startswith(("categories:", "files:")):
            skipping = True
            if line.startswith("files:"):
                out.append(
                    REDCAP_BLOCK.format(
                        missing=f'"{MISSING_CODES}"',
                        events=", ".join(f"{e}: {tp}" for tp, e in EVENTS.items()),
                        dags=", ".join(f"{s.lower()}: {s}" for s in sites),
                        contact_fields=", ".join(f"{k}: {v}" for k, v in CONTACT_FIELDS.items()),
                    )
                )
            continue
        if skipping and line.startswith((" ", "\t")):
            continue
        skipping = False
        out.append(line)
    return "".join(out)
