"""``params/instruments/<name>.yml``: an instrument's items, range, subscales, missing-item rule, whether
its item layout is confirmed, and its minimal important difference."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from .parse import StrictModel, as_str_list
from .values import Finding, Float, Int, distinct, raise_findings

# An instrument is named, never located: its definition is <params>/instruments/<name>.yml.
INSTRUMENT_NAME = re.compile(r"[a-z][a-z0-9_]*")


class MissingRule(StrictModel):
    """How many items of a subscale may be missing, and whether the score is then prorated."""

    max_missing: Int = Field(default=1, ge=0)
    prorate: bool = True


class MinimalImportantDifference(StrictModel):
    """The smallest change in a score that matters to the people measured, in the score's own units
    (points of a sum, or of a mean of items), and the publication it comes from."""

    value: Float = Field(gt=0)
    source: str = Field(min_length=1)


class Layout(StrictModel):
    """Whether the item layout (which items form each subscale, which are reverse-keyed) is the
    published instrument's (``confirmed``) or an assumption a study must check against the
    version it used; ``note`` says why."""

    confirmed: bool = True
    note: str | None = None


class Subscale(StrictModel):
    label: str
    items: list[str]
    method: Literal["sum", "mean"]
    higher: str | None = None  # what a higher score means, if not the instrument's ``higher``
    reverse: list[str] = []
    max_missing: Int | None = Field(default=None, ge=0)
    prorate: bool | None = None

    _lists = field_validator("items", "reverse", mode="before")(as_str_list)

    @model_validator(mode="after")
    def _reverse_within_items(self) -> Subscale:
        stray = [i for i in self.reverse if i not in self.items]
        if stray:
            raise ValueError(f"reverse-keyed items {stray} are not items of this subscale")
        return self


class Instrument(StrictModel):
    """An instrument's items, response range and subscales (see ``params/instruments``)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    min: Int
    max: Int
    items: list[str]
    subscales: dict[str, Subscale]
    missing: MissingRule = MissingRule()
    higher: str | None = None  # what a higher score means: "better wellbeing"
    layout: Layout = Layout()
    mid: MinimalImportantDifference | None = None
    note: str | None = None
    source: str | None = None
    # an answer's label by its value (``1: Never``), for the labels of an item-level export; only
    # the study's own wording or labels its licence allows, never an item's text
    answers: dict[Int, str] = {}

    @model_validator(mode="before")
    @classmethod
    def _layout_confirmed(cls, value: Any) -> Any:
        """``layout_confirmed: false``, the older spelling, is read as ``layout: {confirmed: false}``."""
        if not isinstance(value, dict) or "layout_confirmed" not in value:
            return value
        value = dict(value)
        old = value.pop("layout_confirmed")
        if "layout" in value:
            raise_findings(
                [
                    Finding(
                        ("layout_confirmed",),
                        old,
                        "give layout: {confirmed: …} only; layout_confirmed is its older spelling",
                    )
                ]
            )
        value["layout"] = {"confirmed": old}
        return value

    @field_validator("items", mode="before")
    @classmethod
    def _items(cls, value: object) -> object:
        """Items as a list (``1-14`` expands), none named twice: its answers would be read twice."""
        return distinct(as_str_list(value), "item")

    @model_validator(mode="after")
    def _check(self) -> Instrument:
        if self.min >= self.max:
            raise ValueError("min must be below max")
        for name, sub in self.subscales.items():
            unknown = [i for i in sub.items if i not in self.items]
            if unknown:
                raise ValueError(f"subscale {name!r} names items that are not listed: {unknown}")
        outside = [v for v in self.answers if not self.min <= v <= self.max]
        if outside:
            raise ValueError(f"answers {outside} are outside the range min {self.min} to max {self.max}")
        return self

    def column(self, item: str) -> str:
        """Column name of an item in the canonical questionnaire frame."""
        return f"{self.id}_{item}"

    @property
    def columns(self) -> list[str]:
        return [self.column(i) for i in self.items]

    def score_range(self, subscale: str) -> tuple[float, float]:
        """Lowest and highest possible score of a subscale: item range × item count for sums."""
        sub = self.subscales[subscale]
        count = len(sub.items) if sub.method == "sum" else 1
        return float(self.min * count), float(self.max * count)

    def direction(self, subscale: str) -> str | None:
        """What a higher score of a subscale means (``"more exhausted"``), if the definition says."""
        return self.subscales[subscale].higher or self.higher

    def rule_for(self, subscale: str) -> MissingRule:
        sub = self.subscales[subscale]
        return MissingRule(
            max_missing=self.missing.max_missing if sub.max_missing is None else sub.max_missing,
            prorate=self.missing.prorate if sub.prorate is None else sub.prorate,
        )
