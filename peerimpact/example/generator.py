"""The embedded example study: synthetic, deterministic, shaped like Gillard et al. (2022).

Sample sizes, site sizes, attrition, Table 1 category counts and Table 2 service-use
counts follow the paper's published figures (Gillard et al. 2022, BMC Psychiatry,
doi:10.1186/s12888-022-03999-9, CC BY 4.0). Item responses are calibrated so that the
study's own scoring reproduces the paper's Tables 3 and 4 (see :mod:`peerimpact.example.calibration`);
no real participant's data is involved.

This module puts the example's frames together (:func:`generate`) and writes them, with their
``study.yml``, as a study folder (:func:`write`, run by ``peerimpact synth``). The frames are
made beside it: the peer workers (:mod:`~peerimpact.example.people`), their questionnaires
(:mod:`~peerimpact.example.questionnaires`), their dates (:mod:`~peerimpact.example.timeline`)
and their interviews (:mod:`~peerimpact.example.qualitative`); a larger study is copied from
the shipped one by :mod:`~peerimpact.example.scaled`.
"""

from __future__ import annotations

import errno
import io
import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import PublishedFigures
from ..config.targets import default_targets, load_targets
from .design import CATEGORIES, DATA_CUT, INSTRUMENTS, RECRUITMENT_TARGETS, SERVICES, SITES
from .people import contacts, participants, service_use
from .qualitative import codebook, excerpts
from .questionnaires import questionnaires
from .redcap import project_files
from .redcap import study_yml as redcap_study_yml
from .scaled import example_frames, scaled, size_refusal
from .timeline import dates, over_time_in_post

DEFAULT_SEED = 2022

STUDY_YML = """\
# The embedded example study. Synthetic data shaped like Gillard et al. (2022),
# BMC Psychiatry, doi:10.1186/s12888-022-03999-9: made by `peerimpact synth`.
name: Example peer worker study (synthetic)
data_cut: {data_cut}
sites: [{sites}]
timepoints: [T1, T2, T3]
instruments: [{instruments}]
missing_codes: ["", "NA", "-99", "-9"]
services:
{services}
categories:
{categories}
cohorts:
  contracted:
    label: Contracted staff
    where: {{contract_type: contracted}}
  bank:
    label: Bank staff
    where: {{contract_type: bank}}
  early_starters:
    label: Early starters (consented by January 2019)
    where: {{consent_date: {{to: 2019-01-31}}}}
  late_starters:
    label: Late starters (consented from February 2019)
    where: {{consent_date: {{from: 2019-02-01}}}}
funder:
  name: Example research funder (programme grant)
  grant: EX-2018-0001
reporting_period: {{start: 2020-04-01, end: 2021-03-31}}
targets:
  recruitment:
    sites: {{{recruitment}}}
    total: {recruit}
    start: 2018-10-01
    by: 2019-08-31
  retention: {{T2: 70, T3: 70}}   # percent of those who completed T1
  contacts_per_month: {per_month}         # completed contacts, study-wide
{reproduces}milestones:
  - {{name: Recruitment target reached, due: 2019-08-31, evidence: {{consented: {recruit}}}}}
  - name: Baseline (T1) questionnaires returned
    due: 2019-09-30
    evidence: {{returned: {{timepoint: T1, at_least: {n}}}}}
  - {{name: {contacts} completed contacts logged, due: 2020-03-31, evidence: {{contacts: {contacts}}}}}
  - {{name: Interim report to the funder, due: 2020-06-30, done: 2020-06-26}}
  - name: Follow-up (T3) questionnaires returned
    due: 2020-09-30
    evidence: {{returned: {{timepoint: T3, at_least: {t3}}}}}   # 70% of the {n} who returned T1
  - {{name: Final report to the funder, due: 2021-09-30}}
files:
  participants: participants.csv
  questionnaires: questionnaires.csv
  service_use: service_use.csv
  contacts: contacts.csv
  codebook: codebook.csv
  excerpts: excerpts.csv
windows:   # when each questionnaire is due, in days after consent (from, to: both included)
  T1: {{from: 0, to: 60}}       # at consent
  T2: {{from: 80, to: 164}}     # about 4 months after consent (122 days), give or take 6 weeks
  T3: {{from: 323, to: 407}}    # about 12 months after consent (365 days), give or take 6 weeks
alerts: {{quiet_months: 2, items_missing_percent: 10}}   # when the data-quality alerts speak
"""


def generate(seed: int = DEFAULT_SEED, targets: PublishedFigures | str | Path | None = None) -> dict[str, pd.DataFrame]:
    """All frames of the example study, as they are written to CSV, with questionnaires calibrated to
    ``targets`` (a :class:`~peerimpact.config.PublishedFigures` or its file; default: the paper's)."""
    if not isinstance(targets, PublishedFigures):
        targets = load_targets(Path(targets) if targets is not None else default_targets())
    rng, cal = np.random.default_rng(seed), np.random.default_rng([seed, 2])
    people = participants(rng, cal)
    quest = questionnaires(rng, people, np.random.default_rng([seed, 3]), targets)
    who_t3 = sorted(quest.loc[quest["timepoint"] == "T3", "participant_id"])
    use, log = service_use(rng, people, who_t3), contacts(rng, people, cal)
    people, quest = dates(np.random.default_rng([seed, 1]), people, quest)
    return {
        "participants": people,
        "questionnaires": quest,
        "service_use": use,
        "contacts": over_time_in_post(log, people),
        "codebook": codebook(),
        "excerpts": excerpts(),
    }


def _csv_text(frame: pd.DataFrame) -> str:
    def cell(v: object) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float):
            return f"{v:g}"
        return str(v)

    text = frame.map(cell).to_csv(index=False, lineterminator="\n")
    return text


def out_refusal(out: str | Path) -> str | None:
    """Why the example must not be written to ``out``, or ``None``: it is written only into a new or
    an empty folder, so no study (or anything else) is ever written over."""
    out = Path(out)
    if out.is_symlink() and not out.exists():
        return "it is a symbolic link to nothing"
    if not out.exists():
        return None
    if not out.is_dir():
        return "it exists and is not a folder"
    try:
        names = sorted(os.listdir(out))
    except OSError as error:
        return f"it cannot be listed ({error.strerror or error})"
    if names:
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        return (
            f"it is not empty (it holds {', '.join(names[:3])}{more}); the example is written only into a new "
            "or empty folder"
        )
    return None


def write(
    out: str | Path,
    seed: int = DEFAULT_SEED,
    targets: PublishedFigures | str | Path | None = None,
    *,
    sites: int | None = None,
    per_site: int | None = None,
    format: str = "csv",
) -> list[Path]:
    """Write the example study (``study.yml`` and its CSV files) to ``out``; with ``sites`` and
    ``per_site``, the larger study :func:`scaled` makes from the embedded example's files (``seed``
    then draws the copies, and ``targets`` is not used).

    Parameters
    ----------
    out
        A new or empty folder; see :func:`out_refusal`.
    seed, targets
        As for :func:`generate`.
    sites, per_site
        Both or neither; positive, and at most :data:`~peerimpact.example.scaled.MAX_PEOPLE` peer workers in all.
    format
        ``csv`` (a file per table) or ``redcap``: the participants, questionnaires, service use and
        contact log as a REDCap project's exports under ``redcap/``, mapped by study.yml's ``redcap:``
        block (:mod:`peerimpact.example.redcap`).

    Raises
    ------
    FileExistsError
        ``out`` exists and is not an empty folder (or a file appeared in it while it was written);
        nothing is written over.
    ValueError
        ``sites`` and ``per_site`` make no study, or the targets are figures no data can give.
    """
    out = Path(out)
    reason = out_refusal(out)
    if reason:
        raise FileExistsError(errno.EEXIST, reason, str(out))
    reason = size_refusal(sites, per_site)
    if reason:
        raise ValueError(reason)
    if sites is not None and per_site is not None:
        frames = scaled(example_frames(), sites, per_site, np.random.default_rng([seed, 4]))
    elif format == "redcap" and seed == DEFAULT_SEED and targets is None:
        # the shipped files, so that the project reads back as the embedded example on every machine
        frames = example_frames()
    else:
        frames = generate(seed, targets)
    texts = {f"{name}.csv": _csv_text(frame) for name, frame in frames.items()}
    if format == "redcap":
        texts = _as_redcap(texts)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in texts.items():
        path = out / name
        path.parent.mkdir(exist_ok=True)
        _create(path, text)
        written.append(path)
    services = "\n".join(f"  {sid}: {json.dumps(label)}" for sid, label, _, _ in SERVICES)
    categories = "\n".join(
        f"  {column}: {{{', '.join(f'{code}: {json.dumps(label)}' for code, (label, _) in levels.items())}}}"
        for column, levels in CATEGORIES.items()
    )
    if sites is None:
        site_ids, recruitment, scale = list(SITES), RECRUITMENT_TARGETS, 1.0
        reproduces = (
            "reproduces: gillard2022   # the study report's appendix checks it against the paper's Tables 1-4\n"
        )
    else:  # the paper's targets, per site and in proportion
        site_ids = [f"S{s}" for s in range(1, sites + 1)]
        recruitment = {site: (per_site or 1) + 1 for site in site_ids}
        scale, reproduces = len(frames["participants"]) / sum(SITES.values()), ""
    yml = STUDY_YML.format(
        data_cut=DATA_CUT.isoformat(),
        sites=", ".join(site_ids),
        instruments=", ".join(INSTRUMENTS),
        services=services,
        categories=categories,
        recruitment=", ".join(f"{site}: {n}" for site, n in recruitment.items()),
        recruit=sum(recruitment.values()),
        n=len(frames["participants"]),
        t3=math.ceil(0.7 * len(frames["participants"])),
        contacts=round(1500 * scale),
        per_month=round(100 * scale),
        reproduces=reproduces,
    )
    if format == "redcap":
        yml = redcap_study_yml(yml, site_ids)
    _create(out / "study.yml", yml)
    return [out / "study.yml", *written]


def _as_redcap(texts: dict[str, str]) -> dict[str, str]:
    """The quantitative files as a REDCap project's exports (read from their text, empty cells
    ``""``); the interviews stay as they are."""
    from ..ingest.scoring import load_instruments
    from ..problems import Problems

    frames = {
        name[: -len(".csv")]: pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        for name, text in texts.items()
    }
    items = {name: inst.items for name, inst in load_instruments(INSTRUMENTS, [], Problems()).items()}
    return {
        **project_files(frames, items),
        "codebook.csv": texts["codebook.csv"],
        "excerpts.csv": texts["excerpts.csv"],
    }


def _create(path: Path, text: str) -> None:
    """Write a new file: ``O_EXCL`` fails rather than write over a file (or through a link) that
    appeared since the folder was found empty."""
    with open(path, "x", encoding="utf-8", newline="") as handle:
        handle.write(text)
