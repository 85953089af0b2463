"""The analysis layer's terms (:mod:`peerimpact.analysis.terms`) and study.yml's models say the same."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from peerimpact.analysis import terms
from peerimpact.config import study


@pytest.mark.parametrize(
    ("plain", "model"),
    [
        (terms.StatusRule, study.StatusRule),
        (terms.RetentionRule, study.RetentionRule),
        (terms.Alerts, study.Alerts),
    ],
)
def test_the_dataclasses_default_as_study_yml_does(plain, model):
    assert dataclasses.asdict(plain()) == model().model_dump()


@pytest.mark.parametrize(
    ("plain", "model", "given"),
    [
        (
            terms.RecruitmentTarget,
            study.RecruitmentTarget,
            {"total": 10, "start": dt.date(2020, 1, 1), "by": dt.date(2020, 12, 31)},
        ),
        (terms.Period, study.Period, {"start": dt.date(2020, 4, 1), "end": dt.date(2021, 3, 31)}),
        (terms.Window, study.Window, {"start": 80, "end": 164}),
    ],
)
def test_the_dataclasses_have_study_yml_fields(plain, model, given):
    """Every field a protocol reads is a field of the dataclass and of study.yml's model."""
    assert {f.name for f in dataclasses.fields(plain)} <= set(model.model_fields)
    assert dataclasses.asdict(plain(**given)).items() <= model(**given).model_dump().items()
