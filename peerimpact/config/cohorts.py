"""A cohort of ``study.yml``: the participants whose columns match every condition of its ``where``.

A condition is a value or a set of values (``site: [S1, S2]``), a numeric range
(``months_in_post: {min: 12}``) or a date range (``consent_date: {from: 2019-03-01}``); which one
a condition is comes from its keys, so a mistake is one problem in words, not one per kind it
might have been.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from .parse import StrictModel, as_str_list
from .values import Code, Date, Finding, Float, distinct, raise_findings, starts_before_end


def _range(low, high, names: tuple[str, str]) -> None:
    """A range names at least one end, and its low end is not above its high end."""
    if low is None and high is None:
        raise ValueError(f"give {names[0]}, {names[1]} or both")
    if low is not None and high is not None and low > high:
        raise ValueError(f"{names[0]} {low} is above {names[1]} {high}")


class Between(StrictModel):
    """A numeric range on a participant column, both ends included: ``{min: 12, max: 24}``."""

    min: Float | None = None
    max: Float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Between:
        _range(self.min, self.max, ("min", "max"))
        return self


class During(StrictModel):
    """A date range on a participant date column, both ends included: ``{from: 2019-01-01, to: 2019-06-30}``."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    start: Date | None = Field(default=None, alias="from")
    end: Date | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> During:
        if self.start is None and self.end is None:
            raise ValueError("give from, to or both")
        starts_before_end(self.start, self.end, "from")
        return self


def _condition_kind(value: Any) -> str | None:
    """Which kind of rule a ``where`` value is, from its keys: one error for what was meant,
    not one per kind it might have been."""
    if isinstance(value, dict):
        return "dates" if {"from", "to"} & set(value) else "numbers" if {"min", "max"} & set(value) else None
    return "dates" if isinstance(value, During) else "numbers" if isinstance(value, Between) else "values"


Condition = Annotated[
    Annotated[list[Code], Tag("values")] | Annotated[During, Tag("dates")] | Annotated[Between, Tag("numbers")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="a range is {min: …, max: …} for numbers or {from: …, to: …} for dates",
    ),
]


class Cohort(StrictModel):
    """A cohort is the participants whose columns match every ``where`` entry: a value
    (``contract_type: bank``), a set (``site: [S1, S2]``), a numeric range
    (``months_in_post: {min: 12}``) or a date range (``consent_date: {from: 2019-03-01}``)."""

    label: str
    where: dict[str, Condition]

    @field_validator("where", mode="before")
    @classmethod
    def _values_as_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            raise_findings([f for k, v in value.items() for f in _not_text(k, v)])
            return {
                k: v if isinstance(v, dict) else distinct(as_str_list(_yes_no(v)), "value") for k, v in value.items()
            }
        return value


def _yes_no(value: Any) -> Any:
    """YAML's true and false as the yes and no a yes/no column is matched by."""
    items = [
        ("yes" if v else "no") if isinstance(v, bool) else v for v in (value if isinstance(value, list) else [value])
    ]
    return items if isinstance(value, list) else items[0]


def _not_text(column: str, value: Any) -> list[Finding]:
    """A value YAML read as a decimal, which a rule would compare with text it never equals
    (``3.5``): one problem in words, not pydantic's "a valid list"."""
    items = value if isinstance(value, list) else [value]
    return [
        Finding(
            (column, i) if isinstance(value, list) else (column,),
            v,
            f"{v} is read as a number, not a value of {column}: put it in quotes ({column}: '{v}'), "
            "or give a range {min: …, max: …}",
        )
        for i, v in enumerate(items)
        if isinstance(v, float)
    ]
