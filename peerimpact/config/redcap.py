"""study.yml's ``redcap:`` block: a REDCap project's exports, and what each of its events, forms and
fields is to peerimpact (read by :mod:`peerimpact.ingest.redcap`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import field_validator, model_validator

from .parse import StrictModel, as_str_list
from .values import Code, Finding, raise_findings

# A REDCap variable name: lower-case letters, digits and underscores, starting with a letter.
FIELD = r"^[a-z][a-z0-9_]*$"


def missing_code_list(value: Any) -> Any:
    """Missing-data codes as a list, or as REDCap's Project Setup writes them
    (``UNK, Unknown | NASK, Not asked``): the codes before each comma."""
    if isinstance(value, str) and ("|" in value or "," in value):
        return [part.split(",", 1)[0].strip() for part in value.split("|") if part.strip()]
    return as_str_list(value)


class RedcapSites(StrictModel):
    """Where a record's site is: its data access group (``dag``: unique group name → site; an empty
    mapping matches group names to the study's sites ignoring case), or a field (``field``) whose
    code or label is the site."""

    dag: dict[str, Code] | None = None
    field: str | None = None

    @model_validator(mode="after")
    def _one(self) -> RedcapSites:
        if self.dag is not None and self.field is not None:
            raise ValueError("give dag or field, not both: a record's site is read from one place")
        if self.dag is None and self.field is None:
            self.dag = {}
        return self


class RedcapParticipants(StrictModel):
    """The form of participant characteristics: each of its fields becomes a participants column
    under its own name, but those ``fields`` maps from a peerimpact column to a field of another name
    (``consent_date: date_consented``), which may be on any form of ``event``."""

    form: str
    event: str | None = None  # default: the first event of timepoints
    fields: dict[str, str] = {}


class RedcapInstrument(StrictModel):
    """An instrument's form and its item fields: a pattern with ``{item}`` for the item's ID, or
    the fields listed in the instrument's item order."""

    form: str | None = None  # default: a form named as the instrument
    items: str | list[str] = "{instrument}_{item}"


class RedcapQuestionnaires(StrictModel):
    """When a questionnaire was completed (a date or datetime field, or a survey's
    ``<form>_timestamp``) and each instrument's form and items (default: the form named as the
    instrument, fields ``<instrument>_<item>``)."""

    completed_date: list[str]  # the first of these fields that holds a date
    instruments: dict[str, RedcapInstrument] = {}

    _dates = field_validator("completed_date", mode="before")(as_str_list)


class RedcapServiceUse(StrictModel):
    """The service-use form: one checkbox field whose choices are the study's services (by code or
    label), or a yes/no field per service."""

    form: str
    checkbox: str | None = None
    fields: dict[Code, str] = {}

    @model_validator(mode="after")
    def _one(self) -> RedcapServiceUse:
        if (self.checkbox is None) == (not self.fields):
            raise ValueError("give checkbox (one field, a choice per service) or fields (a yes/no field per service)")
        return self


class RedcapContacts(StrictModel):
    """The repeating form that is the contact log; ``fields`` maps peerimpact's contact columns
    (person_id, date, mode, duration_minutes, completed) to fields where their names differ."""

    form: str
    fields: dict[str, str] = {}

    @field_validator("fields")
    @classmethod
    def _known(cls, fields: dict[str, str]) -> dict[str, str]:
        known = ("person_id", "date", "mode", "duration_minutes", "completed")
        raise_findings(
            [
                Finding((k,), k, f"not a column of the contact log ({', '.join(known)})")
                for k in fields
                if k not in known
            ]
        )
        return fields


class RedcapConfig(StrictModel):
    """A REDCap project's exports (paths in the study folder) and how they map onto a study."""

    records: str | None = None  # Data Exports: CSV, raw data, all events, with data access groups
    dictionary: str | None = None  # the Data Dictionary, as downloaded (or the API's metadata export)
    events: str | None = None  # the instrument-event designations (arm_num, unique_event_name, form)
    project: str | None = None  # the API's project information export, for its missing-data codes
    odm: str | None = None  # in place of the four above: the CDISC ODM (XML) export, metadata and data
    missing_codes: list[str] = []
    # how dates were exported: REDCap's raw export writes Y-M-D; its export options can write D-M-Y or M-D-Y
    date_format: Literal["YMD", "DMY", "MDY"] = "YMD"
    timepoints: dict[str, Code]  # unique event name -> timepoint
    sites: RedcapSites = RedcapSites()
    participants: RedcapParticipants
    questionnaires: RedcapQuestionnaires
    service_use: RedcapServiceUse | None = None
    contacts: RedcapContacts | None = None

    _missing = field_validator("missing_codes", mode="before")(missing_code_list)

    @field_validator("date_format", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("timepoints")
    @classmethod
    def _one_event_each(cls, mapping: dict[str, str]) -> dict[str, str]:
        """Two events read as one timepoint would make two records of one questionnaire."""
        first: dict[str, str] = {}
        found = []
        for event, tp in mapping.items():
            if tp in first:
                found.append(Finding((event,), tp, f"timepoint {tp!r} is also event {first[tp]!r}'s"))
            first.setdefault(tp, event)
        raise_findings(found)
        return mapping

    @model_validator(mode="after")
    def _one_export(self) -> RedcapConfig:
        """The project comes as CSV exports (records and dictionary) or as one ODM export, which holds both."""
        csv = {"records": self.records, "dictionary": self.dictionary, "events": self.events, "project": self.project}
        if self.odm is not None:
            found = [
                Finding((key,), name, f"the ODM export ({self.odm}) holds the {key} too: name the ODM export alone")
                for key, name in csv.items()
                if name is not None
            ]
            if "date_format" in self.model_fields_set and self.date_format != "YMD":
                found.append(Finding(("date_format",), self.date_format,
                                     "the ODM export writes every date as YYYY-MM-DD: date_format is for the CSV export"))  # fmt: skip
            raise_findings(found)
            return self
        raise_findings(
            [
                Finding(
                    (key,), None, f"name the {key} export (or, in place of the CSV exports, the ODM export as odm:)"
                )
                for key in ("records", "dictionary")
                if csv[key] is None
            ]
        )
        return self

    def named_files(self) -> list[tuple[tuple[str, ...], str]]:
        """Every file of the block, with its key."""
        named = [("records", self.records), ("dictionary", self.dictionary), ("events", self.events),
                 ("project", self.project), ("odm", self.odm)]  # fmt: skip
        return [(("redcap", key), name) for key, name in named if name]
