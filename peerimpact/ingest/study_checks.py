"""What ``study.yml`` asks of the data, checked against the study itself: cohort rules name the
study's sites and participants columns of the kind they compare, with values the data hold, and
targets and milestones name the study's own sites and timepoints."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import StudyConfig
from ..config.cohorts import Between, During
from ..problems import Problems
from .cohorts import rule_values, value_hits

SHOWN_VALUES = 8  # the data's values a warning lists, at most


def check_cohort_rules(yml: Path, config: StudyConfig, people: pd.DataFrame, problems: Problems) -> None:
    """A cohort rule must name a participants column of the kind it compares (numbers, dates); a
    value no participant has is a warning, since a cohort that matches nobody by a slip (``Bank``
    for ``bank``) would otherwise only be missing from the reports."""
    from ..config import key_line

    for name, cohort in config.cohorts.items():
        for column, rule in cohort.where.items():
            key = ("cohorts", name, "where", column)
            if column not in people.columns:
                message = "cohort rule names a column the participants file lacks"
            elif isinstance(rule, Between) and not pd.api.types.is_numeric_dtype(people[column]):
                message = "a min/max range needs a numeric column"
            elif isinstance(rule, During) and not pd.api.types.is_datetime64_any_dtype(people[column]):
                message = "a from/to range needs a date column (consent_date, left_post_date, withdrawn_date)"
            else:
                if not isinstance(rule, (Between, During)):
                    _values_held(yml, key, rule, people[column], config.categories.get(column), problems)
                continue
            problems.add(
                yml, line=key_line(yml, key), column=".".join(key), value=column, rule="params", message=message
            )


def _values_held(
    yml: Path, key: tuple[str, ...], rule: list[str], column: pd.Series, levels: dict | None, problems: Problems
) -> None:
    """A warning at each value of a rule that no participant has, naming the values they have."""
    from ..config import key_line

    flags = pd.api.types.is_bool_dtype(column)
    held = list(
        dict.fromkeys(column.dropna().map({True: "yes", False: "no"}) if flags else column.dropna().astype(str))
    )
    for i, (value, matched) in enumerate(zip(rule, rule_values(rule, levels))):
        if value_hits(column, [value], levels).any():
            continue
        near = [h for h in held if h.casefold() == matched.casefold()]
        shown = ", ".join(held[:SHOWN_VALUES]) + (" …" if len(held) > SHOWN_VALUES else "")
        hint = f"; did you mean {near[0]!r}?" if near else f" (they have {shown})" if held else ""
        problems.add(
            yml,
            line=key_line(yml, (*key, i)),
            column=".".join(key),
            value=value,
            rule="cohort-matches-nobody",
            message=f"no participant has {key[-1]} {value!r}, so this rule matches nobody{hint}",
            severity="warning",
        )


def check_cohort_sites(yml: Path, config: StudyConfig, problems: Problems) -> None:
    """A cohort rule on ``site`` names the study's sites: another is a mistake, not an empty cohort."""
    from ..config import key_line

    for name, cohort in config.cohorts.items():
        rule = cohort.where.get("site")
        if rule is None or isinstance(rule, (Between, During)):
            continue
        for i, site in enumerate(rule):
            if site not in config.sites:
                key = ("cohorts", name, "where", "site")
                problems.add(
                    yml,
                    line=key_line(yml, (*key, i)),
                    column=".".join(key),
                    value=site,
                    rule="params",
                    message=f"unknown site {site!r}; the study's sites are {', '.join(config.sites)}",
                )


def not_covariates(covariates: list[str], people: pd.DataFrame) -> list[tuple[int, str]]:
    """Each covariate (with its place) that names no participants column a model can take."""
    return [(i, c) for i, c in enumerate(covariates) if c not in people.columns or c == "participant_id"]


def check_covariates(yml: Path, config: StudyConfig, people: pd.DataFrame, problems: Problems) -> None:
    """A covariate of the mixed models must name a participants column."""
    from ..config import key_line

    for i, column in not_covariates(config.covariates, people):
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
