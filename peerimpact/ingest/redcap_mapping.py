"""study.yml's ``redcap:`` block resolved against a project's data dictionary: which field, and
which choice of a checkbox, each of peerimpact's columns is read from. A key that names no field
or form is a problem at its line of study.yml; a choice peerimpact cannot read is a problem at its
line of the dictionary."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..config import Instrument, key_line
from ..config.study import StudyConfig
from ..problems import Problems
from ..schema import CONTACT_COLUMNS, CONTACT_MODES, CONTRACT_TYPES, ID
from .cells import columns_named
from .redcap_dictionary import Dictionary, Field, checkbox_column

# peerimpact's columns with levels of its own: a field's choice is read by its code or its label
FIXED_LEVELS = {"contract_type": CONTRACT_TYPES, "mode": CONTACT_MODES}


def _close(name: str, names: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for the name most like ``name``, if one is close."""
    found = difflib.get_close_matches(name, list(names), n=1, cutoff=0.8)
    return f"; did you mean {found[0]!r}?" if found else ""


@dataclass
class Column:
    """A table's column and the field (and checkbox choice) it is read from."""

    name: str
    field: Field
    choice: str | None = None


class Mapping:
    """The ``redcap:`` block resolved against the dictionary: which field is read for what."""

    def __init__(
        self,
        yml: Path,
        config: StudyConfig,
        dictionary: Dictionary,
        instruments: dict[str, Instrument],
        problems: Problems,
        events: set[str] | None = None,
    ) -> None:
        """``events``: the project's events (from its designations), when known."""
        rc = config.redcap
        assert rc is not None
        self.yml, self.rc, self.dictionary, self.problems = yml, rc, dictionary, problems
        self.failed = False
        self.first_event = rc.participants.event or next(iter(rc.timepoints))
        self.forms = dictionary.forms
        self.participants = self._participant_columns(config)
        self.categories = {
            c.name: dict(c.field.choices)
            for c in self.participants
            if c.field.coded and c.field.type in ("radio", "dropdown")
            and c.name not in (*FIXED_LEVELS, "site") and c.name not in config.categories
        }  # fmt: skip
        self.items = self._item_columns(instruments)
        self.dates = [self._field(("questionnaires", "completed_date", i), name, dated=True)
                      for i, name in enumerate(rc.questionnaires.completed_date)]  # fmt: skip
        self.site = self._field(("sites", "field"), rc.sites.field) if rc.sites.field else None
        self.sites = list(config.sites)
        self.services = self._service_columns(config) if rc.service_use else []
        self.contacts = self._contact_columns() if rc.contacts else []
        for key, form in self._forms_named():
            if form in set(dictionary.rejected.values()) - set(self.forms):
                self.failed = True  # its fields' own problems are said in the dictionary
            elif form not in self.forms:
                self.fail(key, form, f"no form {form!r} in the data dictionary ({', '.join(self.forms)})"
                          f"{_close(form, self.forms)}")  # fmt: skip
        named = [(("timepoints", e), e) for e in rc.timepoints]
        named += [(("participants", "event"), rc.participants.event)] if rc.participants.event else []
        for key, event in named:
            if events is not None and event not in events:
                self.fail(key, event, f"no event {event!r} in the project ({', '.join(sorted(events))}): an event "
                          "renamed in REDCap is renamed in study.yml too")  # fmt: skip

    def fail(self, key: tuple, value: object, message: str) -> None:
        self.failed = True
        self.problems.add(
            self.yml,
            line=key_line(self.yml, ("redcap", *key)),
            column=".".join(map(str, ("redcap", *key))),
            value=value,
            rule="redcap-mapping",
            message=message,
        )

    def _field(self, key: tuple, name: str, *, dated: bool = False) -> Field:
        f = self.dictionary.fields.get(name)
        if f is None and dated and name.endswith("_timestamp") and name[: -len("_timestamp")] in self.forms:
            return Field(name, name[: -len("_timestamp")], "text", {}, "datetime_seconds_ymd", 0)  # a survey's
        if f is None and name in self.dictionary.rejected:
            self.failed = True  # its own problem is said in the dictionary
        elif f is None:
            self.fail(key, name, f"no field {name!r} in the data dictionary{_close(name, self.dictionary.fields)}")
        if f is None:
            return Field(name, "", "text", {}, "", 0)
        if dated and not f.dated:
            self.fail(key, name, f"field {name!r} is not validated as a date or datetime in the data dictionary")
        return f

    def _forms_named(self) -> list[tuple[tuple, str]]:
        rc = self.rc
        named: list[tuple[tuple, str]] = [(("participants", "form"), rc.participants.form)]
        if rc.service_use:
            named.append((("service_use", "form"), rc.service_use.form))
        if rc.contacts:
            named.append((("contacts", "form"), rc.contacts.form))
        return named

    def _participant_columns(self, config: StudyConfig) -> list[Column]:
        pp = self.rc.participants
        renamed = set(pp.fields.values())
        out = []
        for f in self.forms.get(pp.form, []):
            if f.name == self.dictionary.record_id or f.name in renamed or f.type in ("descriptive", "file"):
                continue
            if f.type == "checkbox":
                out += [Column(checkbox_column(f.name, code), f, code) for code in f.choices]
            else:
                out.append(Column(f.name, f))
        for name, fname in pp.fields.items():
            if name in (ID, "site"):
                self.fail(("participants", "fields", name), name, f"{name} is the record's own (record ID, site)")
                continue
            f = self._field(("participants", "fields", name), fname, dated=name.endswith("_date"))
            out.append(Column(name, f))
        for c in out:
            if c.name in FIXED_LEVELS:
                self._fixed(c, ("participants",))
        return out

    def _fixed(self, c: Column, key: tuple) -> None:
        """A field read as one of peerimpact's own levels: each choice must be one, by code or label."""
        allowed = {a.casefold() for a in FIXED_LEVELS[c.name]}
        for code, label in c.field.choices.items():
            if code.casefold() not in allowed and re.sub(r"[ -]", "_", label.casefold()) not in allowed:
                self.problems.add(
                    self.dictionary.path,
                    line=c.field.line,
                    column="Choices, Calculations, OR Slider Labels",
                    value=f"{code}, {label}",
                    rule="redcap-dictionary",
                    message=f"field {c.field.name!r}: a choice's code or label must be one of "
                    f"{', '.join(FIXED_LEVELS[c.name])}, as peerimpact reads {c.name}",
                )
                self.failed = True

    def _item_columns(self, instruments: dict[str, Instrument]) -> list[Column]:
        out = []
        mapped = self.rc.questionnaires.instruments
        for name in mapped:
            if name not in instruments:
                self.fail(("questionnaires", "instruments", name), name, "not an instrument of the study")
        for name, inst in instruments.items():
            spec = mapped.get(name)
            pattern = spec.items if spec else "{instrument}_{item}"
            key = ("questionnaires", "instruments", name, "items")
            if isinstance(pattern, list):
                if len(pattern) != len(inst.items):
                    self.fail(key, len(pattern), f"{name} has {len(inst.items)} items; {len(pattern)} fields listed")
                    continue
                fields = pattern
            else:
                fields = [pattern.replace("{instrument}", name).replace("{item}", item) for item in inst.items]
            unknown = [f for f in fields if f not in self.dictionary.fields and f not in self.dictionary.rejected]
            if any(f in self.dictionary.rejected for f in fields):
                self.failed = True  # said in the dictionary
                continue
            if unknown:
                self.fail(key, unknown[0], f"{columns_named(unknown, 'field')} not in the data dictionary")
                continue
            for item, fname in zip(inst.items, fields):
                f = self.dictionary.fields[fname]
                if f.type == "checkbox":
                    self.fail(key, fname, f"field {fname!r} is a checkbox; an item holds one value")
                out.append(Column(inst.column(item), f))
            form = spec.form if spec and spec.form else name
            if form not in self.forms:
                self.fail(("questionnaires", "instruments", name, "form"), form, f"no form {form!r} in the dictionary")
        return out

    def _service_columns(self, config: StudyConfig) -> list[Column]:
        su = self.rc.service_use
        assert su is not None
        if su.fields:
            out = []
            for service, fname in su.fields.items():
                if service not in config.services:
                    self.fail(("service_use", "fields", service), service, "not a service of the study")
                f = self._field(("service_use", "fields", service), fname)
                out.append(Column(service, f))
            return out
        f = self._field(("service_use", "checkbox"), su.checkbox or "")
        if f.line == 0:  # no such field, said already
            return []
        if f.type != "checkbox":
            self.fail(("service_use", "checkbox"), f.name, f"field {f.name!r} is not a checkbox")
            return []
        by_name: dict[str, str] = {
            **{k.casefold(): k for k in config.services},
            **{v.casefold(): k for k, v in config.services.items()},
        }
        out = []
        for code, label in f.choices.items():
            found = by_name.get(code.casefold()) or by_name.get(label.casefold())
            if found is None:
                self.problems.add(
                    self.dictionary.path,
                    line=f.line,
                    column="Choices, Calculations, OR Slider Labels",
                    value=f"{code}, {label}",
                    rule="redcap-dictionary",
                    message=f"field {f.name!r}: the choice is none of study.yml's services (by key or label)",
                )
                self.failed = True
                continue
            out.append(Column(found, f, code))
        return out

    def _contact_columns(self) -> list[Column]:
        co = self.rc.contacts
        assert co is not None
        out = []
        for name in CONTACT_COLUMNS[1:]:
            fname = co.fields.get(name, name)
            f = self._field(("contacts", "fields", name), fname, dated=name == "date")
            c = Column(name, f)
            if name in FIXED_LEVELS:
                self._fixed(c, ("contacts",))
            out.append(c)
        return out
