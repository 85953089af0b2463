"""study.yml's ``files:``: the study's data files, each named once."""

from __future__ import annotations

import posixpath
from typing import Any

from pydantic import field_validator, model_validator
from pydantic_core import PydanticCustomError

from .parse import StrictModel, as_str_list
from .values import Finding, raise_findings

# Put by StudyConfig in place of a key a study without a redcap: block must have, so that its
# absence is reported with every other problem of study.yml (an after-validator would not run).
REQUIRED = object()


def required(value: Any) -> Any:
    if value is REQUIRED:
        raise PydanticCustomError("missing", "required key is missing")
    return value


class StudyFiles(StrictModel):
    participants: str | None = None  # required unless a redcap: block gives the participants
    questionnaires: list[str] = []
    service_use: str | None = None
    contacts: str | None = None
    codebook: str | None = None
    excerpts: str | None = None

    _participants = field_validator("participants", mode="before")(required)

    @field_validator("questionnaires", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return as_str_list(required(value))

    def named(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Every file named here, with its key."""
        named: list[tuple[tuple[str | int, ...], str | None]] = [
            (("participants",), self.participants),
            *((("questionnaires", i), q) for i, q in enumerate(self.questionnaires)),
            (("service_use",), self.service_use),
            (("contacts",), self.contacts),
            (("codebook",), self.codebook),
            (("excerpts",), self.excerpts),
        ]
        return [(key, name) for key, name in named if name]

    @model_validator(mode="after")
    def _each_file_once(self) -> StudyFiles:
        """A file named twice would be read twice: its rows counted twice, or read as two kinds of data."""
        first: dict[str, tuple[Any, ...]] = {}
        found = []
        for at, name in self.named():
            same = posixpath.normpath(name.replace("\\", "/"))
            if same in first:
                found.append(
                    Finding(
                        at,
                        name,
                        f"{name!r} is named twice: also as files."
                        f"{'.'.join(map(str, first[same]))}; a file is one kind of data, "
                        "read once",
                    )
                )
            else:
                first[same] = at
        raise_findings(found)
        return self
