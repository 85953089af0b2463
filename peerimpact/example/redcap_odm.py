"""The example's REDCap project as REDCap's "CDISC ODM (XML)" export writes it: the metadata (events
and their forms, forms and their fields, fields and their choices, the missing-data codes and the
repeating form) and the records, from the same dictionary and records rows as the CSV exports
(:mod:`peerimpact.example.redcap`), laid out as REDCap's ODM export lays them out. Only the
example's own field types and validations are written."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

CHOICES = "Choices, Calculations, OR Slider Labels"
VALIDATION = "Text Validation Type OR Show Slider Number"
ODM_TYPES = {"dropdown": "select", "notes": "textarea"}  # REDCap's ODM names for two field types
STATUS = [("0", "Incomplete"), ("1", "Unverified"), ("2", "Complete")]
SYSTEM = ("record_id", "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
          "redcap_data_access_group")  # fmt: skip


def _attrs(**values: str) -> str:
    return "".join(f" {name.replace('__', ':')}={quoteattr(value)}" for name, value in values.items())


def _choices(text: str) -> list[tuple[str, str]]:
    return [(code.strip(), label.strip()) for code, _, label in (p.partition(",") for p in text.split("|"))]


def _codelist(oid: str, variable: str, pairs: list[tuple[str, str]], extra: str = "") -> str:
    items = "".join(
        f"\t\t<CodeListItem CodedValue={quoteattr(code)}><Decode><TranslatedText>{escape(label)}"
        "</TranslatedText></Decode></CodeListItem>\n"
        for code, label in pairs
    )
    return f'\t<CodeList OID="{oid}.choices" Name="{oid}" DataType="text" redcap:Variable="{variable}"{extra}>\n{items}\t</CodeList>\n'


def _metadata(fields: list[dict[str, str]], designations: dict[str, list[str]]) -> str:
    forms: dict[str, list[dict[str, str]]] = {}
    for f in fields:
        forms.setdefault(f["Form Name"], []).append(f)
    out = [
        '<MetaDataVersion OID="Metadata.Example" Name="Example peer worker study" redcap:RecordIdField="record_id">\n'
    ]
    out.append("\t<Protocol>\n")
    out += [f'\t\t<StudyEventRef StudyEventOID="Event.{e}" OrderNumber="{n}" Mandatory="No"/>\n'
            for n, e in enumerate(designations, start=1)]  # fmt: skip
    out.append("\t</Protocol>\n")
    for n, (event, designated) in enumerate(designations.items(), start=1):
        out.append(
            f"\t<StudyEventDef{_attrs(OID=f'Event.{event}', Name=event, Type='Common', Repeating='No', redcap__UniqueEventName=event, redcap__ArmNum='1', redcap__DayOffset=str(n))}>\n"
        )  # noqa: E501
        out += [f'\t\t<FormRef FormOID="Form.{form}" OrderNumber="{i}" Mandatory="No" redcap:FormName="{form}"/>\n'
                for i, form in enumerate(designated, start=1)]  # fmt: skip
        out.append("\t</StudyEventDef>\n")
    for form in forms:
        out.append(f'\t<FormDef OID="Form.{form}" Name="{form}" Repeating="No" redcap:FormName="{form}">\n'
                   f'\t\t<ItemGroupRef ItemGroupOID="{form}.{forms[form][0]["Variable / Field Name"]}" Mandatory="No"/>\n'
                   f'\t\t<ItemGroupRef ItemGroupOID="{form}.{form}_complete" Mandatory="No"/>\n\t</FormDef>\n')  # fmt: skip
    items, codelists = [], []
    for form, members in forms.items():
        out.append(
            f'\t<ItemGroupDef OID="{form}.{members[0]["Variable / Field Name"]}" Name="{form}" Repeating="No">\n'
        )
        for f in members:
            name = f["Variable / Field Name"]
            oids = [f"{name}___{code}" for code, _ in _choices(f[CHOICES])] if f["Field Type"] == "checkbox" else [name]
            out += [f'\t\t<ItemRef ItemOID="{oid}" Mandatory="No" redcap:Variable="{name}"/>\n' for oid in oids]
            items += [_item(f, oid) for oid in oids]
            codelists += [_codelists(f, oid) for oid in oids]
        out.append(f'\t</ItemGroupDef>\n\t<ItemGroupDef OID="{form}.{form}_complete" Name="Form Status" Repeating="No">\n'
                   f'\t\t<ItemRef ItemOID="{form}_complete" Mandatory="No" redcap:Variable="{form}_complete"/>\n'
                   "\t</ItemGroupDef>\n")  # fmt: skip
        items.append(f'\t<ItemDef OID="{form}_complete" Name="{form}_complete" DataType="text" Length="1" '
                     f'redcap:Variable="{form}_complete" redcap:FieldType="select" redcap:SectionHeader="Form Status">\n'
                     f'\t\t<Question><TranslatedText>Complete?</TranslatedText></Question>\n'
                     f'\t\t<CodeListRef CodeListOID="{form}_complete.choices"/>\n\t</ItemDef>\n')  # fmt: skip
        codelists.append(_codelist(f"{form}_complete", f"{form}_complete", STATUS))
    return "".join(out + items + codelists) + "</MetaDataVersion>\n"


def _item(f: dict[str, str], oid: str) -> str:
    kind = f["Field Type"]
    validation = f[VALIDATION]
    data_type = {"integer": "integer", "number": "float", "date_ymd": "date"}.get(validation, "text")
    extra = _attrs(redcap__TextValidationType=validation) if validation else ""
    ref = f'\t\t<CodeListRef CodeListOID="{oid}.choices"/>\n' if f[CHOICES] or kind == "yesno" else ""
    return (f'\t<ItemDef OID="{oid}" Name="{oid}" DataType="{"boolean" if kind == "checkbox" else data_type}" '
            f'Length="999" redcap:Variable="{f["Variable / Field Name"]}" redcap:FieldType="{ODM_TYPES.get(kind, kind)}"'
            f"{extra}>\n\t\t<Question><TranslatedText>{escape(f['Field Label'])}</TranslatedText></Question>\n"
            f"{ref}\t</ItemDef>\n")  # fmt: skip


def _codelists(f: dict[str, str], oid: str) -> str:
    name, kind = f["Variable / Field Name"], f["Field Type"]
    if kind == "checkbox":
        listed = quoteattr(f[CHOICES].replace(" | ", "|"))
        return _codelist(oid, name, [("1", "Checked"), ("0", "Unchecked")], f" redcap:CheckboxChoices={listed}")
    if kind == "yesno":
        return _codelist(oid, name, [("1", "Yes"), ("0", "No")])
    return _codelist(oid, name, _choices(f[CHOICES])) if f[CHOICES] else ""


def _clinical(fields: list[dict[str, str]], rows: list[dict[str, str]], surveys: list[str]) -> str:
    """Per record, its events; per event, a FormData per form holding data, and one per instance of
    the repeating form (FormRepeatKey), each cell an ItemData."""
    forms: dict[str, list[str]] = {}
    for f in fields:
        name, form = f["Variable / Field Name"], f["Form Name"]
        columns = [f"{name}___{c}" for c, _ in _choices(f[CHOICES])] if f["Field Type"] == "checkbox" else [name]
        forms.setdefault(form, [])
        if form in surveys and not forms[form]:
            forms[form].append(f"{form}_timestamp")
        forms[form] += columns
    for form in forms:
        forms[form].append(f"{form}_complete")
    out = ['<ClinicalData StudyOID="Project.Example" MetaDataVersionOID="Metadata.Example">\n']
    record = event = None
    for row in rows:
        if row["record_id"] != record:
            if record is not None:
                out.append("\t\t</StudyEventData>\n\t</SubjectData>\n")
            record, event = row["record_id"], None
            out.append(f'\t<SubjectData SubjectKey={quoteattr(record)} redcap:RecordIdField="record_id">\n')
        if row["redcap_event_name"] != event:
            if event is not None:
                out.append("\t\t</StudyEventData>\n")
            event = row["redcap_event_name"]
            out.append(f'\t\t<StudyEventData StudyEventOID="Event.{event}" StudyEventRepeatKey="1" '
                       f'redcap:UniqueEventName="{event}">\n')  # fmt: skip
        repeat = row.get("redcap_repeat_instrument") or ""
        for form, columns in forms.items():
            cells = [(c, str(row[c])) for c in columns if str(row.get(c, "") or "") and c not in SYSTEM]
            if (repeat and form != repeat) or not cells:
                continue
            if form == "enrolment":  # the record ID and the data access group open the first form
                cells = [("record_id", record), ("redcap_data_access_group", row["redcap_data_access_group"]), *cells]
            group = next(c for c in columns if not c.endswith("_timestamp"))
            out.append(f'\t\t\t<FormData FormOID="Form.{form}" FormRepeatKey="{row.get("redcap_repeat_instance") or 1}">\n'
                       f'\t\t\t\t<ItemGroupData ItemGroupOID="{form}.{group}" ItemGroupRepeatKey="1">\n')  # fmt: skip
            out += [f"\t\t\t\t\t<ItemData ItemOID={quoteattr(c)} Value={quoteattr(v)}/>\n" for c, v in cells]
            out.append("\t\t\t\t</ItemGroupData>\n\t\t\t</FormData>\n")
    out.append("\t\t</StudyEventData>\n\t</SubjectData>\n</ClinicalData>\n")
    return "".join(out)


def odm_text(
    fields: list[dict[str, str]],
    rows: list[dict[str, str]],
    *,
    designations: dict[str, list[str]],
    surveys: list[str],
    missing_codes: str,
    repeating: tuple[str, str],
) -> str:
    """The ODM export of the project whose data dictionary is ``fields`` and records ``rows``: the
    forms each event collects, the forms that are surveys (a ``<form>_timestamp`` each), the
    missing-data codes as Project Setup writes them and the (event, form) of the repeating form."""
    codes = "\n".join(part.strip() for part in missing_codes.split("|"))
    event, form = repeating
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:redcap="https://projectredcap.org" '
        'ODMVersion="1.3.1" FileOID="000-00-0000" FileType="Snapshot" Description="Example peer worker study" '
        'SourceSystem="REDCap">\n'
        '<Study OID="Project.Example">\n<GlobalVariables>\n'
        "\t<StudyName>Example peer worker study</StudyName>\n"
        f"\t<redcap:MissingDataCodes>{escape(codes)}</redcap:MissingDataCodes>\n"
        "\t<redcap:RepeatingInstrumentsAndEvents>\n\t\t<redcap:RepeatingInstruments>\n"
        f"\t\t\t<redcap:RepeatingInstrument{_attrs(redcap__UniqueEventName=event, redcap__RepeatInstrument=form)} "
        'redcap:CustomLabel=""/>\n'
        "\t\t</redcap:RepeatingInstruments>\n\t</redcap:RepeatingInstrumentsAndEvents>\n"
        "</GlobalVariables>\n"
        + _metadata(fields, designations)
        + "</Study>\n"
        + _clinical(fields, rows, surveys)
        + "</ODM>\n"
    )
