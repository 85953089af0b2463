"""``params/reports/<id>.yml``: a kind of report and the sections it is made of.

Kinds, formats and disclosure policies are names checked against their registries when
reports are planned, so a report definition can name one a plugin registers.
"""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from .analysis import QuantEvidence
from .parse import StrictModel, as_str_list
from .values import Code, distinct


class ReportDef(StrictModel):
    """``params/reports/<id>.yml``: one kind of report and the sections it is made of."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    kind: str  # a registered report kind (peerimpact.builder.kinds)
    title: str
    sections: list[str] = Field(min_length=1)
    formats: list[str] = ["html", "pdf", "xlsx", "docx"]  # registered output formats (peerimpact.builder.formats)
    # who reads the report (params/disclosure/audiences/): study_team, funder, site_lead or public;
    # default: the kind's (a site report is for a site lead, a cohort report for the funder)
    audience: str | None = None
    # one disclosure policy (params/disclosure/) for every kind of data, instead of the audience's rules
    disclosure: str | None = None
    sites: list[Code] | None = None  # site reports: only these sites (default: every site)
    cohorts: list[Code] | None = None  # cohort reports: only these cohorts (default: every cohort)
    # outcome rows a report names as its headline (a progress report's Table 3 / Table 4 rows)
    headline: list[QuantEvidence] = []

    @field_validator("sites", "cohorts", mode="before")
    @classmethod
    def _lists(cls, value: object, info: ValidationInfo) -> object:
        """A scalar or a list, with no two items alike (a site named twice would be reported twice)."""
        return distinct(as_str_list(value), "site" if info.field_name == "sites" else "cohort")
