"""A REDCap project as REDCap exports it → the tables peerimpact's readers check.

The records export ("CSV / raw data", all events, with data access groups) holds one row per
record and event, and one per instance of a repeating form. study.yml's ``redcap:`` block says
what each event, form and field is (:class:`~peerimpact.config.redcap.RedcapConfig`); this module
cuts the rows into the participants, questionnaires, service-use and contact tables, as raw cells
with the data dictionary's choices as value labels, and hands them to the same readers as a
study's CSV files (:mod:`.records`, :mod:`.questionnaires`). What only REDCap can get wrong is
checked here: an unknown event, a code that is not one of a field's choices, a date not as the
export writes it, a form holding data on an event it is not designated to, a form saved as
Incomplete. Every problem, here or in the readers, names the line of the records export and the
record, event and field (:class:`Locator`), so a data manager finds it in REDCap.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..config import Instrument
from ..config.redcap import RedcapConfig
from ..config.study import StudyConfig
from ..problems import Problem, Problems, display_path
from ..schema import CONTACT_COLUMNS, ID, SERVICE_USE_COLUMNS
from ..text import plural
from .cells import columns_named
from .rawtable import RawTable
from .readers import read_table
from .redcap_dictionary import (
    Dictionary,
    Field,
    checkbox_column,
    read_designations,
    read_dictionary,
    read_project_missing_codes,
)
from .redcap_mapping import Mapping

EVENT, DAG = "redcap_event_name", "redcap_data_access_group"
REPEAT_FORM, REPEAT_INSTANCE = "redcap_repeat_instrument", "redcap_repeat_instance"
SYSTEM = (EVENT, DAG, REPEAT_FORM, REPEAT_INSTANCE, "redcap_survey_identifier")
COMPLETE = {"0": "Incomplete", "1": "Unverified", "2": "Complete"}
DATE_PATTERNS = {
    "YMD": re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})(?: [0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"),
    "DMY": re.compile(
        r"(?P<d>[0-9]{1,2})[-/](?P<m>[0-9]{1,2})[-/](?P<y>[0-9]{4})(?: [0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"
    ),
    "MDY": re.compile(
        r"(?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})[-/](?P<y>[0-9]{4})(?: [0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"
    ),
}
WRITTEN = {"YMD": "YYYY-MM-DD", "DMY": "DD-MM-YYYY", "MDY": "MM-DD-YYYY"}


@dataclass
class Locator:
    """Where a reader's problem is in REDCap: a line of the records export → its record, event and
    instance; a table's column at that line → the field it was read from."""

    file: str
    rows: dict[int, str] = field(default_factory=dict)
    cells: dict[tuple[int, str], str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)

    def relocate(self, problem: Problem) -> Problem:
        """``problem`` with its column said in REDCap's terms, when it is a cell of the records."""
        if problem.file != self.file or problem.line is None:
            return problem
        row = self.rows.get(problem.line)
        name = None
        if problem.column is not None:
            name = self.cells.get((problem.line, problem.column)) or self.columns.get(problem.column)
        if row is None and name is None:
            return problem
        where = " ".join([*([row] if row else []), *([f"field {name!r}"] if name else [])])
        return replace(problem, column=where)


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


@dataclass
class _Row:
    record: str
    event: str
    form: str  # the repeating form of this row, or ""
    instance: str
    dag: str
    line: int
    cells: list[str | None]

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.record, self.event, self.form, self.instance)

    def where(self) -> str:
        text = f"record {self.record!r} event {self.event!r}"
        return text + (f" instance {self.instance} of {self.form!r}" if self.form else "")


class _Reader:
    """One pass over the records export, with what the mapping resolved."""

    def __init__(self, rc: RedcapConfig, dictionary: Dictionary, records: RawTable, missing: list[str]) -> None:
        self.rc, self.dictionary, self.records = rc, dictionary, records
        self.missing = {m.casefold() for m in missing if m.strip()}
        self.at = {c.strip(): i for i, c in enumerate(records.columns)}
        self.problems = Problems()
        self.locator = Locator(display_path(records.path))

    def add(self, row: _Row, name: str | None, value: object, rule: str, message: str, severity="error") -> None:
        where = row.where() + (f" field {name!r}" if name else "")
        self.problems.add(
            self.records.path, line=row.line, column=where, value=value, rule=rule, message=message, severity=severity
        )

    def raw(self, row: _Row, column: str) -> str | None:
        i = self.at.get(column)
        cell = None if i is None else row.cells[i]
        return None if cell is None or not cell.strip() else cell.strip()

    def value(self, row: _Row, f: Field) -> str | None:
        """A field's cell as the readers take it: missing-data codes blank, a date as YYYY-MM-DD, a
        choice's code checked against the dictionary (left as the code, the label given beside it)."""
        raw = self.raw(row, f.name)
        if raw is None or raw.casefold() in self.missing:
            return None
        if f.dated or f.name.endswith("_timestamp"):
            return self.date(row, f.name, raw)
        if f.coded and raw not in f.choices:
            listed = ", ".join(c if label == c else f"{c} ({label})" for c, label in list(f.choices.items())[:8])
            self.add(row, f.name, raw, "redcap-choice",
                     f"not one of the field's choices in the data dictionary: {listed}")  # fmt: skip
            return None
        return raw

    def date(self, row: _Row, name: str, raw: str) -> str | None:
        if raw.startswith("[") and raw.endswith("]"):  # a survey's "[not completed]"
            return None
        match = DATE_PATTERNS[self.rc.date_format].fullmatch(raw)
        try:
            if match is None:
                raise ValueError
            return dt.date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
        except ValueError:
            self.add(row, name, raw, "redcap-date",
                     f"not a date as the export writes it ({WRITTEN[self.rc.date_format]}, as "
                     "study.yml's redcap.date_format says)")  # fmt: skip
            return None

    def has_data(self, row: _Row, form: str) -> bool:
        for f in self.dictionary.forms.get(form, []):
            if f.name == self.dictionary.record_id:
                continue
            for column in f.columns():
                cell = self.raw(row, column)
                if cell is not None and not (f.type == "checkbox" and cell == "0"):
                    return True
        return False


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
    dictionary = read_dictionary(root / rc.dictionary, problems)
    if dictionary is None:
        return None
    designations = read_designations(root / rc.events, problems) if rc.events else None
    missing = list(rc.missing_codes)
    if rc.project:
        missing += read_project_missing_codes(root / rc.project, problems)
    mapping = Mapping(yml, config, dictionary, instruments, problems)
    if mapping.failed:
        return None
    records = read_table(root / rc.records, problems)
    if records is None:
        return None
    reader = _Reader(rc, dictionary, records, missing)
    rows = _rows(reader, mapping, designations)
    if rows is None:
        return None
    return RedcapProject(
        participants=_participants(reader, mapping, rows),
        questionnaires=_questionnaires(reader, mapping, rows),
        service_use=_service_use(reader, mapping, rows) if rc.service_use else None,
        contacts=_contacts(reader, mapping, rows) if rc.contacts else None,
        categories=mapping.categories,
        locator=reader.locator,
        problems=reader.problems,
    )


def _rows(reader: _Reader, mapping: Mapping, designations: dict[str, set[str]] | None) -> list[_Row] | None:
    """The export's rows, each with its record, event and instance; problems of the rows themselves
    (an unknown event, a row twice, a form where its event does not collect it) said here."""
    rc, records, problems = reader.rc, reader.records, reader.problems
    record_id = mapping.dictionary.record_id or ""
    header = [c.strip() for c in records.columns]
    needed = [record_id, EVENT] + ([DAG] if rc.sites.dag is not None else [])
    absent = [c for c in needed if c not in reader.at]
    wanted = {col for c in (*mapping.participants, *mapping.items, *mapping.contacts, *mapping.services)
              for col in c.field.columns()} | {f.name for f in mapping.dates if f.line}  # fmt: skip
    absent += sorted(wanted - set(reader.at))
    if absent:
        problems.add(records.path, line=1, column=absent[0], rule="column-missing",
                     message=f"the records export lacks {columns_named(absent, 'column')}: export all "
                     "fields and events, as raw data, with the data access groups")  # fmt: skip
        return None
    if header[0] != record_id:
        problems.add(records.path, line=1, column=header[0], value=header[0], rule="redcap-records",
                     message=f"the first column of a records export is the record ID, {record_id!r}, the "
                     "dictionary's first field")  # fmt: skip
        return None
    known = {col for f in mapping.dictionary.fields.values() for col in f.columns()} | set(SYSTEM)
    known |= {f"{form}_{end}" for form in mapping.forms for end in ("complete", "timestamp")}
    extra = [c for c in header if c not in known]
    if extra:
        problems.add(records.path, line=1, column=extra[0], rule="unknown-column", severity="warning",
                     message=f"{columns_named(extra, 'column')} not in the data dictionary; ignored")  # fmt: skip
    events = set(rc.timepoints) | {mapping.first_event} | set(designations or {})
    rows = []
    lines: dict[tuple[str, str, str, str], list[int]] = {}
    for cells, line in zip(records.rows, records.lines):

        def cell(name: str, cells: list[str | None] = cells) -> str:
            i = reader.at.get(name)
            return (cells[i] or "").strip() if i is not None else ""

        row = _Row(cell(record_id), cell(EVENT), cell(REPEAT_FORM), cell(REPEAT_INSTANCE), cell(DAG), line, cells)
        rows.append(row)
        lines.setdefault(row.key, []).append(line)
    out = []
    for row in rows:
        if not row.record:
            problems.add(records.path, line=row.line, column=record_id, rule="id-missing",
                         message="the record ID is empty")  # fmt: skip
            continue
        if row.event not in events:
            reader.add(row, None, row.event, "redcap-event",
                       f"unknown event {row.event!r}: not in study.yml's redcap.timepoints "
                       f"({', '.join(rc.timepoints)}) nor in the instrument designations; its row is not read")  # fmt: skip
            continue
        if len(lines[row.key]) > 1:
            reader.add(row, None, None, "duplicate-record",
                       f"this record, event and instance is on lines {', '.join(map(str, lines[row.key]))} of "
                       "the export; none of them is read")  # fmt: skip
            continue
        reader.locator.rows[row.line] = row.where()
        if designations is not None:
            _designated(reader, mapping, row, designations.get(row.event, set()))
        out.append(row)
    return out


def _designated(reader: _Reader, mapping: Mapping, row: _Row, forms: set[str]) -> None:
    """A form holding data on an event that does not collect it: an error, and its cells blanked."""
    for form, fields in mapping.forms.items():
        if form in forms or (row.form and form != row.form) or not reader.has_data(row, form):
            continue
        reader.add(row, None, form, "redcap-designation",
                   f"form {form!r} holds data, but event {row.event!r} does not collect it (the instrument "
                   "designations); its data on this row are not read")  # fmt: skip
        row.cells = list(row.cells)
        for f in fields:
            for column in f.columns():
                if f.name != mapping.dictionary.record_id and column in reader.at:
                    row.cells[reader.at[column]] = None


def _incomplete(reader: _Reader, row: _Row, form: str) -> None:
    """A form saved as Incomplete whose data are read: a warning, once per form and row."""
    status = reader.raw(row, f"{form}_complete")
    if status == "0" and reader.has_data(row, form):
        reader.add(row, f"{form}_complete", status, "redcap-incomplete",
                   f"form {form!r} is saved as Incomplete; its data are read as they are: check it, then mark "
                   "it Complete in REDCap", "warning")  # fmt: skip


def _put(reader: _Reader, table: RawTable, row: _Row, values: dict[str, tuple[str | None, str | None]]) -> None:
    """One row of a table: column → (cell, the field it came from)."""
    table.rows.append([values.get(c, (None, None))[0] for c in table.columns])
    table.lines.append(row.line)
    for column, (_, source) in values.items():
        if source:
            reader.locator.cells[(row.line, column)] = source


def _site(reader: _Reader, mapping: Mapping, row: _Row) -> tuple[str | None, str | None]:
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


def _participants(reader: _Reader, mapping: Mapping, rows: list[_Row]) -> RawTable:
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
        _incomplete(reader, row, reader.rc.participants.form)
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


def _questionnaires(reader: _Reader, mapping: Mapping, rows: list[_Row]) -> RawTable:
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
            _incomplete(reader, row, form)
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


def _service_use(reader: _Reader, mapping: Mapping, rows: list[_Row]) -> RawTable:
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
        _incomplete(reader, row, su.form)
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


def _contacts(reader: _Reader, mapping: Mapping, rows: list[_Row]) -> RawTable:
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
        _incomplete(reader, row, co.form)
        values: dict[str, tuple[str | None, str | None]] = {ID: (row.record, record_id)}
        for c in mapping.contacts:
            values[c.name] = (reader.value(row, c.field), c.field.name)
        _put(reader, table, row, values)
    for form, n in other.items():
        reader.problems.add(reader.records.path, rule="redcap-records", severity="warning",
                            message=f"{plural(n, 'row')} of the repeating form {form!r}, which study.yml's "
                            "redcap: block does not name, are not read")  # fmt: skip
    return table
