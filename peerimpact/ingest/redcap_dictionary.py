"""A REDCap project's metadata: its data dictionary (every field, its form, type, choices and
validation), which forms each event collects (the instrument designations) and its missing-data
codes. Every problem names the dictionary's line, so it is fixed where the project is designed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..problems import Problems
from .rawtable import RawTable
from .readers import read_table

# The data dictionary's columns as Project Setup downloads them, and as the API's metadata export
# names them.
HEADINGS = {
    "field": ("Variable / Field Name", "field_name"),
    "form": ("Form Name", "form_name"),
    "type": ("Field Type", "field_type"),
    "choices": ("Choices, Calculations, OR Slider Labels", "select_choices_or_calculations"),
    "validation": ("Text Validation Type OR Show Slider Number", "text_validation_type_or_show_slider_number"),
}
FIELD_TYPES = ("text", "notes", "dropdown", "radio", "checkbox", "yesno", "truefalse", "calc", "file", "slider",
               "descriptive", "sql")  # fmt: skip
CHOICE_TYPES = ("dropdown", "radio", "checkbox")
# REDCap's own codes for its two-choice types
FIXED_CHOICES = {"yesno": {"1": "Yes", "0": "No"}, "truefalse": {"1": "True", "0": "False"}}
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Field:
    """One field of the data dictionary."""

    name: str
    form: str
    type: str
    choices: dict[str, str]  # code -> label, in the dictionary's order (radio, dropdown, checkbox, yesno)
    validation: str  # date_ymd, datetime_dmy, integer, number, … or ""
    line: int

    @property
    def coded(self) -> bool:
        return bool(self.choices) and self.type != "checkbox"

    @property
    def dated(self) -> bool:
        return self.validation.startswith(("date_", "datetime_"))

    def columns(self) -> list[str]:
        """The records export's columns of this field: ``field___code`` per choice of a checkbox."""
        if self.type == "descriptive":
            return []
        if self.type == "checkbox":
            return [checkbox_column(self.name, code) for code in self.choices]
        return [self.name]


def checkbox_column(name: str, code: str) -> str:
    """The export's column of one choice of a checkbox: REDCap writes a minus sign in a code as
    an underscore, and the code in lower case."""
    return f"{name}___{code.replace('-', '_').lower()}"


@dataclass
class Dictionary:
    """A project's fields in the dictionary's order; the first is the record ID."""

    path: Path
    fields: dict[str, Field] = field(default_factory=dict)
    # fields left out for a problem of their own, and their forms: not said again as missing
    rejected: dict[str, str] = field(default_factory=dict)

    @property
    def record_id(self) -> str | None:
        return next(iter(self.fields), None)

    @property
    def forms(self) -> dict[str, list[Field]]:
        out: dict[str, list[Field]] = {}
        for f in self.fields.values():
            out.setdefault(f.form, []).append(f)
        return out


def parse_choices(text: str) -> tuple[dict[str, str], str | None]:
    """``1, Strongly disagree | 2, Disagree`` → ``{"1": "Strongly disagree", "2": "Disagree"}``, or
    why it cannot be read.

    >>> parse_choices("1, Yes | 0, No")
    ({'1': 'Yes', '0': 'No'}, None)
    >>> parse_choices("1, Yes | 1, No")[1]
    "code '1' is given twice"
    """
    out: dict[str, str] = {}
    for part in (p.strip() for p in text.split("|")):
        if not part:
            continue
        code, comma, label = part.partition(",")
        code, label = code.strip(), label.strip()
        if not comma or not code:
            return out, f"choice {part!r} is not 'code, label'"
        if code in out:
            return out, f"code {code!r} is given twice"
        out[code] = label
    if not out:
        return out, "no choices"
    return out, None


def read_dictionary(path: Path, problems: Problems) -> Dictionary | None:
    """The data dictionary, every problem at its line; ``None`` when it cannot be used at all."""
    table = read_table(path, problems)
    if table is None:
        return None
    index = _headings(table, problems)
    if index is None:
        return None
    out = Dictionary(path)
    for row, line in zip(table.rows, table.lines):

        def cell(key: str, row: list[str | None] = row) -> str:
            return (row[index[key]] or "").strip() if key in index else ""

        name, form, kind = cell("field"), cell("form"), cell("type").lower()

        def bad(key: str, value: str, message: str, line: int = line) -> None:
            problems.add(path, line=line, column=HEADINGS[key][0], value=value, rule="redcap-dictionary",
                         message=message)  # fmt: skip

        if not FIELD_NAME.fullmatch(name):
            bad("field", name, "a field name is lower-case letters, digits and underscores, starting with a letter")
            continue
        if name in out.fields:
            bad("field", name, f"field {name!r} is also at line {out.fields[name].line}")
            continue
        if kind not in FIELD_TYPES:
            bad("type", kind, f"field {name!r}: not a REDCap field type ({', '.join(FIELD_TYPES)})")
            out.rejected[name] = form
            continue
        choices = dict(FIXED_CHOICES.get(kind, {}))
        if kind in CHOICE_TYPES:
            choices, why = parse_choices(cell("choices"))
            if why:
                bad("choices", cell("choices"), f"field {name!r}: {why}")
                out.rejected[name] = form
                continue
        out.fields[name] = Field(name, form, kind, choices, cell("validation").lower(), line)
    if not out.fields:
        problems.add(path, line=1, rule="redcap-dictionary", message="the data dictionary lists no fields")
        return None
    return out


def _headings(table: RawTable, problems: Problems) -> dict[str, int] | None:
    """Where each needed column is, by the download's heading or the API's name."""
    at = {c.strip().casefold(): i for i, c in enumerate(table.columns)}
    index = {}
    for key, names in HEADINGS.items():
        found = [at[n.casefold()] for n in names if n.casefold() in at]
        if found:
            index[key] = found[0]
        elif key in ("field", "form", "type"):
            problems.add(table.path, line=1, column=names[0], rule="column-missing",
                         message=f"the data dictionary has no column {names[0]!r} (or {names[1]!r})")  # fmt: skip
    return index if {"field", "form", "type"} <= set(index) else None


def read_designations(path: Path, problems: Problems) -> dict[str, set[str]] | None:
    """Which forms each event collects: the instrument designations export
    (``arm_num, unique_event_name, form``), as ``{event: {form, …}}``."""
    table = read_table(path, problems)
    if table is None:
        return None
    at = {c.strip().casefold(): i for i, c in enumerate(table.columns)}
    missing = [c for c in ("unique_event_name", "form") if c not in at]
    for name in missing:
        problems.add(path, line=1, column=name, rule="column-missing",
                     message=f"the instrument designations have no column {name!r}")  # fmt: skip
    if missing:
        return None
    out: dict[str, set[str]] = {}
    for row in table.rows:
        event, form = (row[at["unique_event_name"]] or "").strip(), (row[at["form"]] or "").strip()
        if event and form:
            out.setdefault(event, set()).add(form)
    return out


def read_project_missing_codes(path: Path, problems: Problems) -> list[str]:
    """The missing-data codes of the API's project information export (CSV: its
    ``missing_data_codes`` column, ``UNK, Unknown | NASK, Not asked``)."""
    table = read_table(path, problems)
    if table is None:
        return []
    at = {c.strip().casefold(): i for i, c in enumerate(table.columns)}
    if "missing_data_codes" not in at or not table.rows:
        problems.add(path, line=1, column="missing_data_codes", rule="column-missing",
                     message="the project information has no missing_data_codes")  # fmt: skip
        return []
    text = table.rows[0][at["missing_data_codes"]] or ""
    return [part.split(",", 1)[0].strip() for part in text.split("|") if part.strip()]
