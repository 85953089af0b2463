"""REDCap's CDISC ODM (XML) export, metadata and data in one file, read into what the CSV exports
give: the data dictionary, the instrument designations, the missing-data codes and a records table
with one row per record and event (and per instance of a repeating form). study.yml's ``redcap:``
block maps it as it maps the CSV exports, and the same checks apply; a problem names the line of
the ``ItemData`` (or of its event) in the XML.

What REDCap writes (its ``ODM`` class): ``ItemDef`` per field, with ``redcap:Variable``,
``redcap:FieldType`` (``select`` for a dropdown, ``textarea`` for notes) and
``redcap:TextValidationType``, one per choice of a checkbox (``field___code``, the choices in
``redcap:CheckboxChoices``); a ``CodeList`` per coded field; ``FormDef`` → ``ItemGroupDef`` →
``ItemRef`` for each form's fields; ``StudyEventDef`` → ``FormRef`` for each event's forms;
``ClinicalData`` → ``SubjectData`` (the record) → ``StudyEventData`` (the event) → ``FormData``
(``FormRepeatKey``: the instance) → ``ItemGroupData`` → ``ItemData`` (``ItemOID``, ``Value``).
Dates are ``YYYY-MM-DD`` and datetimes ``YYYY-MM-DDThh:mm``, whatever the project's display
format. The XML is parsed with document type declarations refused, so no entity is expanded or
fetched, within the size and nesting limits of any other file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from ..limits import current
from ..problems import Problems
from .rawtable import RawTable, readable_file
from .redcap_dictionary import FIELD_TYPES, FIXED_CHOICES, Dictionary, Field, parse_choices
from .redcap_records import DAG, EVENT, REPEAT_FORM, REPEAT_INSTANCE
from .safe_xml import Node, UnsafeXML, parse_xml

# ODM's names for REDCap's field types and validations, where they differ from the dictionary's
FIELD_TYPE_NAMES = {"select": "dropdown", "textarea": "notes"}
VALIDATION_NAMES = {"float": "number", "int": "integer"}


@dataclass
class OdmProject:
    """A project's ODM export as the CSV exports would give it; ``cell_lines`` maps a records row's
    line and column to the line of its ``ItemData``."""

    dictionary: Dictionary
    designations: dict[str, set[str]]
    missing_codes: list[str]
    records: RawTable
    cell_lines: dict[tuple[int, str], int]


def read_odm(path: Path, problems: Problems) -> OdmProject | None:
    """Read a REDCap CDISC ODM export; ``None`` (with problems) when it cannot be used."""
    if not readable_file(path, problems):
        return None
    try:
        root = parse_xml(path.read_bytes())
    except (expat.ExpatError, UnsafeXML) as exc:
        problems.add(path, line=getattr(exc, "lineno", None), rule="redcap-odm", message=f"cannot read the XML: {exc}")
        return None
    study = root.find("Study") if root.tag == "ODM" else None
    meta = study.find("MetaDataVersion") if study is not None else None
    if meta is None:
        problems.add(path, line=root.line, rule="redcap-odm",
                     message="not a REDCap CDISC ODM export with its metadata (an ODM element holding a Study "
                     "and its MetaDataVersion): export the data as CDISC ODM (XML), or the whole project as XML "
                     "with its records")  # fmt: skip
        return None
    dictionary = _dictionary(path, meta, problems)
    if dictionary is None:
        return None
    globals_ = study.find("GlobalVariables") if study is not None else None
    repeating = _repeating(globals_)
    records, cell_lines = _records(path, root, dictionary, repeating, problems)
    if records is None:
        return None
    return OdmProject(dictionary, _designations(meta), _missing_codes(globals_), records, cell_lines)


def _forms(meta: Node) -> dict[str, str]:
    """Each field's form, from FormDef → ItemGroupRef → ItemGroupDef → ItemRef."""
    groups = {g.attrib.get("OID", ""): g for g in meta.findall("ItemGroupDef")}
    form_of: dict[str, str] = {}
    for form in meta.findall("FormDef"):
        name = form.attrib.get("FormName") or form.attrib.get("OID", "").removeprefix("Form.")
        for ref in form.findall("ItemGroupRef"):
            group = groups.get(ref.attrib.get("ItemGroupOID", ""))
            for item in group.findall("ItemRef") if group is not None else []:
                form_of.setdefault(item.attrib.get("Variable") or item.attrib.get("ItemOID", ""), name)
    return form_of


def _dictionary(path: Path, meta: Node, problems: Problems) -> Dictionary | None:
    form_of = _forms(meta)
    forms = set(form_of.values())
    codelists = {c.attrib.get("OID", ""): c for c in meta.findall("CodeList")}
    fields: dict[str, Field] = {}
    rejected: dict[str, str] = {}
    for item in meta.findall("ItemDef"):
        name = item.attrib.get("Variable") or item.attrib.get("OID", "")
        if name in fields or (name.endswith("_complete") and name[: -len("_complete")] in forms):
            continue  # a checkbox's further choices; a form's status, which the export has as a column
        kind = item.attrib.get("FieldType", "text")
        kind = FIELD_TYPE_NAMES.get(kind, kind)
        if kind not in FIELD_TYPES:
            problems.add(path, line=item.line, column=name, value=kind, rule="redcap-dictionary",
                         message=f"field {name!r}: not a REDCap field type ({', '.join(FIELD_TYPES)})")  # fmt: skip
            rejected[name] = form_of.get(name, "")
            continue
        choices = dict(FIXED_CHOICES.get(kind, {}))
        ref = item.find("CodeListRef")
        codelist = codelists.get(ref.attrib.get("CodeListOID", "")) if ref is not None else None
        if kind == "checkbox" and codelist is not None:
            choices, why = parse_choices(codelist.attrib.get("CheckboxChoices", ""))
        elif kind in ("dropdown", "radio") and codelist is not None:
            choices, why = _codelist(codelist)
        elif kind in ("dropdown", "radio", "checkbox"):
            choices, why = {}, "no CodeList of its choices"
        else:
            why = None
        if why:
            problems.add(path, line=(codelist or item).line, column=name, rule="redcap-dictionary",
                         message=f"field {name!r}: {why}")  # fmt: skip
            rejected[name] = form_of.get(name, "")
            continue
        validation = item.attrib.get("TextValidationType", "").lower()
        fields[name] = Field(name, form_of.get(name, ""), kind, choices, VALIDATION_NAMES.get(validation, validation),
                             item.line)  # fmt: skip
    record_id = meta.attrib.get("RecordIdField") or next(iter(fields), "")
    if record_id not in fields:
        problems.add(path, line=meta.line, rule="redcap-dictionary", value=record_id,
                     message="the metadata define no record ID field")  # fmt: skip
        return None
    # the record ID first, as the dictionary lists it
    return Dictionary(path, {record_id: fields[record_id], **fields}, rejected)


def _codelist(node: Node) -> tuple[dict[str, str], str | None]:
    out: dict[str, str] = {}
    for item in node.findall("CodeListItem"):
        code = item.attrib.get("CodedValue", "").strip()
        decode = item.find("Decode")
        text = decode.find("TranslatedText") if decode is not None else None
        if not code:
            return out, "a choice with no code"
        if code in out:
            return out, f"code {code!r} is given twice"
        out[code] = (text.text if text is not None else "").strip()
    return out, None if out else "no choices"


def _designations(meta: Node) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    protocol_events = meta.findall("StudyEventDef")
    for event in protocol_events:
        name = event.attrib.get("UniqueEventName") or event.attrib.get("OID", "").removeprefix("Event.")
        out[name] = {
            ref.attrib.get("FormName") or ref.attrib.get("FormOID", "").removeprefix("Form.")
            for ref in event.findall("FormRef")
        }
    return out


def _text_choices(text: str) -> list[str]:
    """Missing-data codes as Project Setup lists them: one ``CODE, Label`` per line or between bars."""
    parts = text.replace("\\n", "\n").replace("|", "\n").splitlines()
    return [part.split(",", 1)[0].strip() for part in parts if part.strip()]


def _missing_codes(globals_: Node | None) -> list[str]:
    found = globals_.find("MissingDataCodes") if globals_ is not None else None
    return _text_choices(found.text) if found is not None else []


def _repeating(globals_: Node | None) -> set[tuple[str, str]]:
    """(event, form) of each repeating instrument the project declares; ("", form) without events."""
    out: set[tuple[str, str]] = set()
    if globals_ is None:
        return out
    for node in globals_.iter("RepeatingInstrument"):
        out.add((node.attrib.get("UniqueEventName", ""), node.attrib.get("RepeatInstrument", "")))
    return out


def _records(
    path: Path, root: Node, dictionary: Dictionary, repeating: set[tuple[str, str]], problems: Problems
) -> tuple[RawTable | None, dict[tuple[int, str], int]]:
    """One row per record and event, and one per instance of a repeating form, as the CSV export has them."""
    record_id = dictionary.record_id or ""
    columns = [record_id, EVENT, REPEAT_FORM, REPEAT_INSTANCE, DAG]  # as the CSV export's header
    for form, fields in dictionary.forms.items():
        columns += [c for f in fields if f.name != record_id for c in f.columns()] + [f"{form}_complete"]
    at = {c: i for i, c in enumerate(columns)}
    timestamps = {f"{form}_timestamp" for form in dictionary.forms}
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    cell_lines: dict[tuple[int, str], int] = {}
    unknown: set[str] = set()
    limit = current()
    for subject in root.iter("SubjectData"):
        record = subject.attrib.get("SubjectKey", "")
        dag = subject.attrib.get("DataAccessGroup", "")
        events = subject.findall("StudyEventData") or [subject]  # a project without events has none
        first = len(rows)
        for event in events:
            name = event.attrib.get("UniqueEventName") or event.attrib.get("StudyEventOID", "").removeprefix("Event.")
            row = {record_id: record, EVENT: name}
            instances: list[tuple[dict[str, str], int]] = []
            for form in event.findall("FormData"):
                form_name = form.attrib.get("FormOID", "").removeprefix("Form.")
                key = form.attrib.get("FormRepeatKey", "1")
                target, line = row, event.line
                if (name, form_name) in repeating or ("", form_name) in repeating or key != "1":
                    target = {record_id: record, EVENT: name, REPEAT_FORM: form_name, REPEAT_INSTANCE: key}
                    line = form.line
                    instances.append((target, line))
                for item in form.iter("ItemData"):
                    column = item.attrib.get("ItemOID", "")
                    if column == DAG:
                        dag = item.attrib.get("Value", "")
                        continue
                    if column not in at and column in timestamps:
                        at[column] = len(columns)
                        columns.append(column)
                    if column not in at:
                        if column.split("___")[0] not in dictionary.rejected and column not in unknown:
                            unknown.add(column)
                            problems.add(path, line=item.line, column=column, rule="unknown-column",
                                         severity="warning", message=f"ItemOID {column!r} is no field of the "
                                         "metadata; its values are not read")  # fmt: skip
                        continue
                    target[column] = item.attrib.get("Value", "")
                    cell_lines[(line, column)] = item.line
            if len(row) > 2 or not instances:  # the CSV export has an event's row only when it holds data
                instances.insert(0, (row, event.line))
            for target, line in instances:
                rows.append(target)
                lines.append(line)
            if len(rows) * len(columns) > limit.cells:
                problems.add(path, line=event.line, rule="too-large",
                             message=f"more than {limit.cells:,} cells of records (raise the limit with "
                             "PEERIMPACT_MAX_CELLS)")  # fmt: skip
                return None, {}
        for row in rows[first:]:
            row[DAG] = dag
    # a survey's timestamp goes beside its form, as the CSV export has it
    ordered = [c for c in columns if c not in timestamps] + sorted(timestamps & set(columns))
    table = RawTable(path, ordered, [[row.get(c) or None for c in ordered] for row in rows], lines)
    return table, cell_lines
