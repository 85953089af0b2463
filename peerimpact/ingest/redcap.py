"""A REDCap project as REDCap exports it → the tables peerimpact's readers check.

The records export ("CSV / raw data", all events, with data access groups), or the ODM export
(:mod:`.redcap_odm`), holds one row per record and event, and one per instance of a repeating form.
study.yml's ``redcap:`` block says what each event, form and field is
(:class:`~peerimpact.config.redcap.RedcapConfig`, resolved by :mod:`.redcap_mapping`); this module
cuts the rows (:mod:`.redcap_records`) into the participants, questionnaires, service-use and
contact tables, as raw cells with the data dictionary's choices as value labels, and hands them to
the same readers as a study's CSV files (:mod:`.records`, :mod:`.questionnaires`). Every problem,
here or in the readers, names the line of the export and the record, event and field, so a data
manager finds it in REDCap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Instrument
from ..config.study import StudyConfig
from ..problems import Problem, Problems
from ..schema import CONTACT_COLUMNS, ID, SERVICE_USE_COLUMNS
from ..text import plural
from .rawtable import RawTable
from .readers import read_table
from .redcap_dictionary import (
    checkbox_column,
    read_designations,
    read_dictionary,
    read_project_missing_codes,
)
from .redcap_mapping import Mapping
from .redcap_odm import read_odm
from .redcap_records import DAG, EVENT, Locator, Reader, Row, incomplete, name_hint, read_rows


@dataclass
class RedcapProject:
    """A REDCap project cut into peerimpact's tables (``None``: not in the mapping), with the
    categories its dictionary gives the participants' fields."""

    participants: RawTable | None
    questionnaires: RawTable | None
    service_use: RawTable | None
    contacts: RawTable | None
    categories: dict[str, dict[str, str]]
    locator: Locator
    problems: Problems  # the project's own problems, in REDCap's terms already

    def relocate(self, problems: Problems) -> None:
        """Say the readers' problems of the records in REDCap's terms, and add the project's own. A
        reader's error in a cell the project has an error of its own in is the same problem, said
        less well (an unmapped data access group leaves the site empty): it is dropped."""
        own = {(p.file, p.line, p.column) for p in self.problems if p.severity == "error"}

        def change(problem: Problem) -> Problem | None:
            moved = self.locator.relocate(problem)
            return None if (moved.file, moved.line, moved.column) in own else moved

        problems.rewrite(change)
        problems.extend(self.problems)


def read_redcap(
    yml: Path, config: StudyConfig, instruments: dict[str, Instrument], problems: Problems
) -> RedcapProject | None:
    """Read the project study.yml's ``redcap:`` block names.

    Problems of the mapping go to ``problems`` at study.yml's lines (then ``None`` is returned);
    problems of the exports go to ``problems`` at the dictionary's lines, or into the project's
    own list at the records' lines."""
    rc = config.redcap
    assert rc is not None
    root = yml.parent
    odm = None
    designations: dict[str, set[str]] | None
    if rc.odm:
        odm = read_odm(root / rc.odm, problems)
        if odm is None:
            return None
        dictionary, designations, missing = odm.dictionary, odm.designations, [*rc.missing_codes, *odm.missing_codes]
    else:
        assert rc.dictionary is not None and rc.records is not None
        read = read_dictionary(root / rc.dictionary, problems)
        if read is None:
            return None
        dictionary = read
        designations = read_designations(root / rc.events, problems) if rc.events else None
        missing = list(rc.missing_codes)
        if rc.project:
            missing += read_project_missing_codes(root / rc.project, problems)
    mapping = Mapping(yml, config, dictionary, instruments, problems, set(designations) if designations else None)
    if mapping.failed:
        return None
    records = odm.records if odm else read_table(root / (rc.records or ""), problems)
    if records is None:
        return None
    reader = Reader(rc, dictionary, records, missing)
    if odm:  # the ODM export writes dates as YYYY-MM-DD, and each cell has a line of its own
        reader.date_format, reader.odm = "YMD", True
        reader.locator.lines = odm.cell_lines
    rows = read_rows(reader, mapping, designations)
    if rows is None:  # the export cannot be read as one: why, said now
        problems.extend(reader.problems)
        return None
    # the readers' words for a study's files, in a REDCap project's terms
    pp = rc.participants
    reader.locator.words = {
        "the participants file has no rows: it needs one row per peer worker under its header": (
            f"no record has a row at event {mapping.first_event!r} with the participants form {pp.form!r}"
        ),
        "participant is not in the participants file": (
            f"the record has no participants form ({pp.form!r} at event {mapping.first_event!r}) that could be read"
        ),
    }
    return RedcapProject(
        participants=_participants(reader, mapping, rows),
        questionnaires=_questionnaires(reader, mapping, rows),
        service_use=_service_use(reader, mapping, rows) if rc.service_use else None,
        contacts=_contacts(reader, mapping, rows) if rc.contacts else None,
        categories=mapping.categories,
        locator=reader.locator,
        problems=reader.problems,
    )


def _put(reader: Reader, table: RawTable, row: Row, values: dict[str, tuple[str | None, str | None]]) -> None:
    """One row of a table: column → (cell, the field it came from)."""
    table.rows.append([values.get(c, (None, None))[0] for c in table.columns])
    table.lines.append(row.line)
    for column, (_, source) in values.items():
        if source:
            reader.locator.cells[(row.line, column)] = source


def _site(reader: Reader, mapping: Mapping, row: Row) -> tuple[str | None, str | None]:
    """A record's site, and the column it is read from: the site field's code or label, or the data
    access group as sites.dag maps it (an empty mapping: the group's name is the site's, ignoring case)."""
    by_case = {s.casefold(): s for s in mapping.sites}
    if mapping.site is not None:
        code = reader.value(row, mapping.site)
        if code is None:
            return None, mapping.site.name
        label = mapping.site.choices.get(code, code)
        return by_case.get(code.casefold(), label), mapping.site.name
    dag, groups = row.dag, reader.rc.sites.dag
    if groups and dag and dag not in groups:
        reader.add(row, DAG, dag, "redcap-dag",
                   f"data access group {dag!r} is not in study.yml's redcap.sites.dag ({', '.join(groups)})")  # fmt: skip
        return None, DAG
    if groups and dag:
        return groups[dag], DAG
    return (by_case.get(dag.casefold(), dag) if dag else None), DAG


def _participants(reader: Reader, mapping: Mapping, rows: list[Row]) -> RawTable:
    columns = [ID, "site", *(c.name for c in mapping.participants)]
    table = RawTable(reader.records.path, columns, [], [])
    for c in mapping.participants:
        if c.choice is not None:
            table.value_labels[c.name] = {"1": "yes", "0": "no"}
        elif c.field.coded:
            table.value_labels[c.name] = dict(c.field.choices)
        reader.locator.columns[c.name] = c.field.name if c.choice is None else checkbox_column(c.field.name, c.choice)
    record_id = mapping.dictionary.record_id or ""
    reader.locator.columns[ID] = record_id
    for row in rows:
        if row.event != mapping.first_event or row.form:
            continue
        incomplete(reader, row, reader.rc.participants.form)
        values: dict[str, tuple[str | None, str | None]] = {ID: (row.record, record_id)}
        values["site"] = _site(reader, mapping, row)
        for c in mapping.participants:
            if c.choice is not None:
                column = checkbox_column(c.field.name, c.choice)
                values[c.name] = (reader.raw(row, column), column)
            else:
                values[c.name] = (reader.value(row, c.field), c.field.name)
        _put(reader, table, row, values)
    return table


def _questionnaires(reader: Reader, mapping: Mapping, rows: list[Row]) -> RawTable:
    columns = [ID, "timepoint", "completed_date", *(c.name for c in mapping.items)]
    table = RawTable(reader.records.path, columns, [], [])
    for c in mapping.items:
        reader.locator.columns[c.name] = c.field.name
    forms = list(dict.fromkeys(c.field.form for c in mapping.items))
    record_id = mapping.dictionary.record_id or ""
    for row in rows:
        tp = reader.rc.timepoints.get(row.event)
        if tp is None or row.form:
            continue
        for form in forms:
            incomplete(reader, row, form)
        values: dict[str, tuple[str | None, str | None]] = {ID: (row.record, record_id), "timepoint": (tp, EVENT)}
        for c in mapping.items:
            values[c.name] = (reader.value(row, c.field), c.field.name)
        date: tuple[str | None, str | None] = (None, mapping.dates[0].name if mapping.dates else None)
        for f in mapping.dates:
            found = reader.value(row, f)
            if found is not None:
                date = (found, f.name)
                break
        values["completed_date"] = date
        _put(reader, table, row, values)
    return table


def _service_use(reader: Reader, mapping: Mapping, rows: list[Row]) -> RawTable:
    su = reader.rc.service_use
    assert su is not None
    table = RawTable(reader.records.path, list(SERVICE_USE_COLUMNS), [], [])
    record_id = mapping.dictionary.record_id or ""
    for row in rows:
        tp = reader.rc.timepoints.get(row.event)
        if tp is None or row.form:
            continue
        status = reader.raw(row, f"{su.form}_complete")
        ticked = reader.has_data(row, su.form)
        if su.checkbox and not ticked and status not in ("1", "2"):
            continue  # not answered: a checkbox's boxes are 0 on every row whose event has the form
        incomplete(reader, row, su.form)
        for c in mapping.services:
            if c.choice is not None:
                column = checkbox_column(c.field.name, c.choice)
                cell = reader.raw(row, column)
                contact = {"1": "yes", "0": "no"}.get(cell or "")
                if cell is not None and contact is None:
                    reader.add(row, column, cell, "redcap-choice", "a checkbox is 1 (ticked) or 0")
            else:
                column = c.field.name
                code = reader.value(row, c.field)
                contact = None if code is None else c.field.choices.get(code, code)
                if code is None:
                    continue
            _put(reader, table, row, {ID: (row.record, record_id), "timepoint": (tp, EVENT),
                                      "service": (c.name, column), "contact": (contact, column)})  # fmt: skip
    # one line gives a row per service: its cells are said at the form's level
    reader.locator.columns["contact"] = su.form
    return table


def _contacts(reader: Reader, mapping: Mapping, rows: list[Row]) -> RawTable:
    co = reader.rc.contacts
    assert co is not None
    table = RawTable(reader.records.path, list(CONTACT_COLUMNS), [], [])
    for c in mapping.contacts:
        if c.field.coded:
            table.value_labels[c.name] = dict(c.field.choices)
        reader.locator.columns[c.name] = c.field.name
    record_id = mapping.dictionary.record_id or ""
    other: dict[str, int] = {}
    for row in rows:
        if row.form != co.form:
            if row.form:
                other[row.form] = other.get(row.form, 0) + 1
            continue
        incomplete(reader, row, co.form)
        values: dict[str, tuple[str | None, str | None]] = {ID: (row.record, record_id)}
        for c in mapping.contacts:
            values[c.name] = (reader.value(row, c.field), c.field.name)
        _put(reader, table, row, values)
    for form, n in other.items():
        reader.problems.add(reader.records.path, rule="redcap-records", severity="warning",
                            message=f"{plural(n, 'row')} of the repeating form {form!r}, which study.yml's "
                            f"redcap: block does not name, are not read{name_hint(form, 'a form')}")  # fmt: skip
    return table
