"""The data-quality alerts of a build: computed once on the whole study, said in the build's output
and put in each report whose sites they concern (:func:`peerimpact.analysis.quality.data_alerts`)."""

from __future__ import annotations

import pandas as pd

from ..analysis.quality import data_alerts
from ..ingest.study import Study
from ..locales import using_locale
from ..problems import Problems
from ..report.extract import Extract
from ..report.meta import DataAlert


def study_alerts(study: Study) -> pd.DataFrame:
    """Every alert of ``study``'s data, naming its files as study.yml names them."""
    config = study.config
    files = {
        "participants": config.files.participants,
        "questionnaires": config.files.questionnaires,
        "contacts": config.files.contacts,
        "study": "study.yml",
    }
    fields = {}
    rc = config.redcap
    if rc is not None:  # their rows are the REDCap project's records, their columns its fields
        records = rc.records or rc.odm
        files.update(participants=records, questionnaires=records)
        files["contacts"] = records if rc.contacts else files["contacts"]
        fields = {
            "completed_date": " or ".join(rc.questionnaires.completed_date),
            "consent_date": rc.participants.fields.get("consent_date", "consent_date"),
        }
    files = {k: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v for k, v in files.items()}
    with using_locale(config.report_locale):  # an alert's dates, as the reports write them
        return data_alerts(
            study.participants,
            study.returns,
            study.contacts,
            data_cut=config.data_cut,
            period=config.reporting_period,
            windows=config.windows,
            settings=config.alerts,
            sites=config.sites,
            files={k: str(v) for k, v in files.items() if v},
            names={i: inst.name for i, inst in study.instruments.items()},
            timepoints=config.timepoints,
            fields=fields,
        )


def say_alerts(alerts: pd.DataFrame, study: Study, problems: Problems) -> None:
    """Each alert as a warning of the build, at the file it names."""
    for row in alerts.itertuples(index=False):
        problems.add(
            study.path / str(row.file).split(", ")[0],
            value=row.site if isinstance(row.site, str) else None,
            rule="data-quality",
            message=f"{row.message} {row.check}",
            severity="warning",
        )


def alerts_of(alerts: pd.DataFrame, sites: tuple[str, ...]) -> tuple[DataAlert, ...]:
    """The alerts a report of ``sites`` carries: those of its sites and the study-wide ones."""

    def text(value) -> str | None:
        return value if isinstance(value, str) else None

    return tuple(
        DataAlert(
            alert=row.alert,
            site=text(row.site),
            timepoint=text(row.timepoint),
            count=int(row.count),
            file=str(row.file),
            message=row.message,
            check=row.check,
        )
        for row in alerts.itertuples(index=False)
        if text(row.site) is None or row.site in sites
    )


def whole_sites(study: Study, extract: Extract) -> tuple[str, ...]:
    """The sites all of whose peer workers a report covers: a site's alerts count them all, so a
    report of some of them (a cohort) carries only the study-wide alerts."""
    people = study.participants
    mine = set(extract.participants["participant_id"].astype(str))
    return tuple(
        site
        for site in extract.meta.sites
        if set(people.loc[people["site"].astype(str) == site, "participant_id"].astype(str)) <= mine
    )
