"""What ``study.yml`` asks of the data, checked against the study itself: cohort rules name
participants columns of the kind they compare, and targets and milestones name the study's
own sites and timepoints."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import StudyConfig
from ..config.cohorts import Between, During
from ..problems import Problems


def check_cohort_rules(yml: Path, config: StudyConfig, people: pd.DataFrame, problems: Problems) -> None:
    """A cohort rule must name a participants column of the kind it compares (numbers, dates)."""
    from ..config import key_line

    for name, cohort in config.cohorts.items():
        for column, rule in cohort.where.items():
            if column not in people.columns:
                message = "cohort rule names a column the participants file lacks"
            elif isinstance(rule, Between) and not pd.api.types.is_numeric_dtype(people[column]):
                message = "a min/max range needs a numeric column"
            elif isinstance(rule, During) and not pd.api.types.is_datetime64_any_dtype(people[column]):
                message = "a from/to range needs a date column (consent_date, left_post_date, withdrawn_date)"
            else:
                continue
            key = ("cohorts", name, "where", column)
            problems.add(
                yml, line=key_line(yml, key), column=".".join(key), value=column, rule="params", message=message
            )


def check_covariates(yml: Path, config: StudyConfig, people: pd.DataFrame, problems: Problems) -> None:
    """A covariate of the mixed models must name a participants column."""
    from ..config import key_line

    for i, column in enumerate(config.covariates):
        if column not in people.columns or column == "participant_id":
            problems.add(
                yml,
                line=key_line(yml, ("covariates", i)),
                column=f"covariates.{i}",
                value=column,
                rule="params",
                message="a covariate names a column of the participants file (site, contract_type, …)",
            )


def check_progress_targets(yml: Path, config: StudyConfig, problems: Problems) -> None:
    """Targets and milestones must name the study's own sites and timepoints."""
    from ..config import key_line

    def bad(key: tuple, value: str, message: str) -> None:
        problems.add(
            yml, line=key_line(yml, key), column=".".join(map(str, key)), value=value, rule="params", message=message
        )

    recruitment = config.targets.recruitment
    for site in recruitment.sites if recruitment else {}:
        if site not in config.sites:
            bad(
                ("targets", "recruitment", "sites", site),
                site,
                f"unknown site; the study's sites are {', '.join(config.sites)}",
            )
    for tp in config.targets.retention:
        if tp not in config.timepoints[1:]:
            bad(
                ("targets", "retention", tp),
                tp,
                f"retention is a share of {config.timepoints[0]} at a later timepoint "
                f"({', '.join(config.timepoints[1:])})",
            )
    for i, milestone in enumerate(config.milestones):
        returned = milestone.evidence.returned if milestone.evidence else None
        if returned and returned.timepoint not in config.timepoints:
            bad(("milestones", i, "evidence", "returned", "timepoint"), returned.timepoint, "unknown timepoint")
