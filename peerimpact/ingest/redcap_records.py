"""A REDCap records export read row by row: each row's record, event and instance; a field's cell
as the readers take it (missing-data codes blank, dates as YYYY-MM-DD, a coded field's code checked
against the dictionary); and the checks of the rows themselves (an unknown event, a row twice, a form
where its event does not collect it, a form saved as Incomplete). Every problem is said as record,
event and field at the export's line (:class:`Locator`), so a data manager finds it in REDCap."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from ..config.redcap import RedcapConfig
from ..problems import Problem, Problems, display_path
from ..text import plural
from .cells import columns_named
from .rawtable import RawTable
from .redcap_dictionary import Dictionary, Field
from .redcap_mapping import Mapping

EVENT, DAG = "redcap_event_name", "redcap_data_access_group"
REPEAT_FORM, REPEAT_INSTANCE = "redcap_repeat_instrument", "redcap_repeat_instance"
SYSTEM = (EVENT, DAG, REPEAT_FORM, REPEAT_INSTANCE, "redcap_survey_identifier")
COMPLETE = {"0": "Incomplete", "1": "Unverified", "2": "Complete"}
DATE_PATTERNS = {
    "YMD": re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"),
    "DMY": re.compile(
        r"(?P<d>[0-9]{1,2})[-/](?P<m>[0-9]{1,2})[-/](?P<y>[0-9]{4})(?: [0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"
    ),
    "MDY": re.compile(
        r"(?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})[-/](?P<y>[0-9]{4})(?: [0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"
    ),
}
WRITTEN = {"YMD": "YYYY-MM-DD", "DMY": "DD/MM/YYYY or DD-MM-YYYY", "MDY": "MM/DD/YYYY or MM-DD-YYYY"}
RAW_NAME = re.compile(r"[a-z][a-z0-9_]*")  # an event's or form's unique name; a label has capitals or spaces


def _label_hint(raw: str, choices: dict[str, str]) -> str:
    """What to do when a cell holds a choice's label where the export writes its code."""
    code = {label.casefold(): c for c, label in choices.items()}.get(raw.casefold())
    if code is None:
        return ""
    return f"; {raw!r} is the label of choice {code}: export the records as raw data, not labels"


def name_hint(name: str, what: str) -> str:
    if RAW_NAME.fullmatch(name):
        return ""
    return f"; {name!r} is {what}'s label, not its unique name: export the records as raw data, not labels"


@dataclass
class Locator:
    """Where a reader's problem is in REDCap: a line of the records export → its record, event and
    instance; a table's column at that line → the field it was read from."""

    file: str
    rows: dict[int, str] = field(default_factory=dict)
    # (a row's line, a records column) -> the line of that cell, where a cell has one (the ODM export)
    lines: dict[tuple[int, str], int] = field(default_factory=dict)
    # a reader's message about a study's files -> its words for a REDCap project
    words: dict[str, str] = field(default_factory=dict)
    cells: dict[tuple[int, str], str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)

    def relocate(self, problem: Problem) -> Problem:
        """``problem`` with its column said in REDCap's terms, when it is a cell of the records."""
        if problem.file != self.file:
            return problem
        for said, meant in self.words.items():
            if said in problem.message:
                problem = replace(problem, message=problem.message.replace(said, meant))
        if problem.line is None:
            return problem
        row = self.rows.get(problem.line)
        name = None
        if problem.column is not None:
            name = self.cells.get((problem.line, problem.column)) or self.columns.get(problem.column)
        if row is None and name is None:
            return problem
        where = " ".join([*([row] if row else []), *([f"field {name!r}"] if name else [])])
        line = self.lines.get((problem.line, name), problem.line) if name else problem.line
        return replace(problem, line=line, column=where)


@dataclass
class Row:
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


class Reader:
    """One pass over the records export, with what the mapping resolved."""

    def __init__(self, rc: RedcapConfig, dictionary: Dictionary, records: RawTable, missing: list[str]) -> None:
        self.rc, self.dictionary, self.records = rc, dictionary, records
        self.missing = {m.casefold() for m in missing if m.strip()}
        self.at = {c.strip(): i for i, c in enumerate(records.columns)}
        self.problems = Problems()
        self.locator = Locator(display_path(records.path))
        self.date_format = rc.date_format
        self.date_format_set = "date_format" in rc.model_fields_set
        self.odm = False

    def add(self, row: Row, name: str | None, value: object, rule: str, message: str, severity="error") -> None:
        where = row.where() + (f" field {name!r}" if name else "")
        line = self.locator.lines.get((row.line, name), row.line) if name else row.line
        self.problems.add(
            self.records.path, line=line, column=where, value=value, rule=rule, message=message, severity=severity
        )

    def raw(self, row: Row, column: str) -> str | None:
        i = self.at.get(column)
        cell = None if i is None else row.cells[i]
        return None if cell is None or not cell.strip() else cell.strip()

    def value(self, row: Row, f: Field) -> str | None:
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
                     f"not one of the field's choices in the data dictionary: {listed}{_label_hint(raw, f.choices)}")  # fmt: skip
            return None
        return raw

    def date(self, row: Row, name: str, raw: str) -> str | None:
        if raw.startswith("[") and raw.endswith("]"):  # a survey's "[not completed]"
            return None
        match = DATE_PATTERNS[self.date_format].fullmatch(raw)
        try:
            if match is None:
                raise ValueError
            return dt.date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
        except ValueError:
            self.add(row, name, raw, "redcap-date", f"not a date as the export writes it ({self.dates_said(raw)})")
            return None

    def dates_said(self, raw: str) -> str:
        """How the export writes dates, and why peerimpact expects that; the other format ``raw`` is in."""
        written = WRITTEN[self.date_format]
        if self.odm:
            return f"{written}, as the ODM export writes every date"
        said = "as study.yml's redcap.date_format says" if self.date_format_set else "as a raw data export writes them"
        others = [f for f, pattern in DATE_PATTERNS.items() if f != self.date_format and pattern.fullmatch(raw)]
        if others:
            said += (
                f"; if the export wrote dates as {WRITTEN[others[0]]}, set redcap.date_format: {' or '.join(others)}"
            )
        return f"{written}, {said}"

    def has_data(self, row: Row, form: str) -> bool:
        for f in self.dictionary.forms.get(form, []):
            if f.name == self.dictionary.record_id:
                continue
            for column in f.columns():
                cell = self.raw(row, column)
                if cell is not None and not (f.type == "checkbox" and cell == "0"):
                    return True
        return False


def read_rows(reader: Reader, mapping: Mapping, designations: dict[str, set[str]] | None) -> list[Row] | None:
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
    unknown: dict[str, list[int]] = {}
    rows = []
    lines: dict[tuple[str, str, str, str], list[int]] = {}
    for cells, line in zip(records.rows, records.lines):

        def cell(name: str, cells: list[str | None] = cells) -> str:
            i = reader.at.get(name)
            return (cells[i] or "").strip() if i is not None else ""

        row = Row(cell(record_id), cell(EVENT), cell(REPEAT_FORM), cell(REPEAT_INSTANCE), cell(DAG), line, cells)
        rows.append(row)
        lines.setdefault(row.key, []).append(line)
    out = []
    for row in rows:
        if not row.record:
            problems.add(records.path, line=row.line, column=record_id, rule="id-missing",
                         message="the record ID is empty")  # fmt: skip
            continue
        if row.event not in events:
            unknown.setdefault(row.event, []).append(row.line)
            continue
        if row.instance and not row.form:
            reader.add(row, None, row.instance, "redcap-event",
                       f"instance {row.instance} of a repeating event: a timepoint is an event of its own, so "
                       "a repeating event's rows are not read")  # fmt: skip
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
    for event, at in unknown.items():  # once per event, at its first row
        first = next(r for r in rows if r.line == at[0])
        shown = ", ".join(map(str, at[:5])) + (", …" if len(at) > 5 else "")
        reader.add(first, None, event, "redcap-event",
                   f"unknown event {event!r} on {plural(len(at), 'row')} ({'line' if len(at) == 1 else 'lines'} {shown}): not in study.yml's "
                   f"redcap.timepoints ({', '.join(rc.timepoints)}) nor in the instrument designations; its rows "
                   f"are not read{name_hint(event, 'an event')}")  # fmt: skip
    return out


def _designated(reader: Reader, mapping: Mapping, row: Row, forms: set[str]) -> None:
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


def incomplete(reader: Reader, row: Row, form: str) -> None:
    """A form saved as Incomplete whose data are read: a warning, once per form and row."""
    status = reader.raw(row, f"{form}_complete")
    if status is not None and status not in COMPLETE:
        reader.add(row, f"{form}_complete", status, "redcap-complete",
                   "a form's status is 0 (Incomplete), 1 (Unverified) or 2 (Complete)"
                   f"{_label_hint(status, COMPLETE)}")  # fmt: skip
    elif status == "0" and reader.has_data(row, form):
        reader.add(row, f"{form}_complete", status, "redcap-incomplete",
                   f"form {form!r} is saved as Incomplete; its data are read as they are: check it, then mark "
                   "it Complete in REDCap", "warning")  # fmt: skip
