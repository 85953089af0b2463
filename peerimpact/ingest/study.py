"""A study: its ``study.yml``, its files read and validated, its questionnaires scored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..config import AnalysisConfig, StudyConfig, parse_model
from ..problems import InvalidStudy, Problems
from ..resources import params_dir
from ..schema import CONTACT_COLUMNS, ID, RETURN_COLUMNS, SERVICE_USE_COLUMNS
from ..text import plural
from . import interviews, records
from . import questionnaires as items
from . import readers as io
from .cohorts import cohort_members
from .paths import check_files_confined, study_yml_path
from .rawtable import RawTable
from .redcap import read_redcap
from .scoring import Instrument, all_instrument_names, load_instruments, score_all
from .study_checks import check_cohort_rules, check_cohort_sites, check_covariates, check_progress_targets
from .tidy import tidy_scores
from .vocabulary import OutOfRange, Roster, Vocabulary

__all__ = ["AnalysisSettings", "Study", "cohort_members", "load_study", "tidy_scores"]


@dataclass(frozen=True)
class AnalysisSettings:
    """How a study tests change over time, as its reports do: study.yml's ``comparisons`` and
    ``multiplicity``, and ``min_pairs`` from ``params/analysis.yml``. It is what
    :func:`peerimpact.analysis.stats.change_over_time` takes as ``settings``."""

    comparisons: tuple[tuple[str, str], ...]
    multiplicity: str
    min_pairs: int


@dataclass
class Study:
    """A validated study: canonical frames, scores and every problem found on the way.

    Frames (documented column by column in the README, "Input data"):
    ``participants``, ``questionnaires`` (item level, one row per participant and
    timepoint), ``service_use``, ``contacts``, ``scores``; ``codebook`` and ``excerpts``
    are ``None`` until a study provides qualitative data.
    """

    path: Path
    config: StudyConfig
    instruments: dict[str, Instrument]
    participants: pd.DataFrame
    questionnaires: pd.DataFrame
    service_use: pd.DataFrame
    contacts: pd.DataFrame
    scores: pd.DataFrame
    problems: Problems = field(default_factory=Problems)
    codebook: pd.DataFrame | None = None
    excerpts: pd.DataFrame | None = None
    params: Path | None = None  # the params folder load_study was given

    @property
    def sites(self) -> list[str]:
        return list(self.config.sites)

    @property
    def timepoints(self) -> list[str]:
        return list(self.config.timepoints)

    @cached_property
    def returns(self) -> pd.DataFrame:
        """Questionnaires returned: see :func:`questionnaire_returns`."""
        return questionnaire_returns(self.questionnaires, self.instruments)

    @property
    def settings(self) -> AnalysisSettings:
        """The study's analysis settings, which its reports use: pass them on as
        ``change_over_time(study.tidy(), settings=study.settings)``.

        ``min_pairs`` is read from the ``params`` folder :func:`load_study` was given, when it
        holds an ``analysis.yml``, else from the package's ``params/analysis.yml``; one that
        cannot be read raises :class:`InvalidStudy` with its problems.

        Examples
        --------
        >>> import peerimpact
        >>> peerimpact.load_study().settings
        AnalysisSettings(comparisons=(('T1', 'T2'), ('T1', 'T3')), multiplicity='none', min_pairs=6)
        """
        found = [p / "analysis.yml" for p in (self.params, params_dir()) if p is not None]
        path = next((p for p in found if p.is_file()), None)
        problems = Problems()
        analysis = parse_model(AnalysisConfig, path, problems) if path is not None else None
        if problems.has_errors:  # a build would refuse it too: no silent fallback to the defaults
            raise InvalidStudy(problems)
        return AnalysisSettings(
            comparisons=tuple((a, b) for a, b in self.config.comparisons or []),
            multiplicity=self.config.multiplicity,
            min_pairs=(analysis or AnalysisConfig()).min_pairs,
        )

    def cohort_ids(self, name: str) -> list[str]:
        """Participant IDs of a cohort of ``study.yml``, in the participants' order (possibly none).

        Parameters
        ----------
        name : str
            The cohort's name, a key of study.yml's ``cohorts``.

        Returns
        -------
        list of str
            The participants matching every rule of its ``where``: a value or a set of values
            (a category's code or label alike), a numeric or a date range, ends included.

        Raises
        ------
        KeyError
            ``name`` is not a cohort of the study (the message names those there are).

        Examples
        --------
        >>> import peerimpact
        >>> study = peerimpact.load_study()
        >>> bank = study.cohort_ids("bank")
        >>> len(bank), bank[0]
        (2, 'S3-PW05')
        >>> study.participants.set_index("participant_id").loc[bank, "contract_type"].unique().tolist()
        ['bank']
        """
        if name not in self.config.cohorts:
            raise KeyError(f"no cohort {name!r}; the study's cohorts are {', '.join(self.config.cohorts) or 'none'}")
        return cohort_members(self.participants, self.config.cohorts[name], self.config.categories).tolist()

    def tidy(
        self,
        *,
        instrument: str | Iterable[str] | None = None,
        subscale: str | Iterable[str] | None = None,
        site: str | Iterable[str] | None = None,
        timepoint: str | Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Scores in one tidy frame, for analysis: a row per participant, timepoint and subscale.

        Parameters
        ----------
        instrument, subscale, site, timepoint : str or list of str, optional
            Keep only these; the frame then keeps only the categories of those four columns
            that are left, so that a model's ``C(subscale)`` has no empty level. (After a
            filter of one's own, ``frame[c].cat.remove_unused_categories()`` does the same,
            or :func:`peerimpact.analysis.descriptive.drop_unused_categories` for every
            categorical column; ``groupby(..., observed=True)`` leaves empty groups out.)

        Returns
        -------
        DataFrame
            ``participant_id, site, timepoint`` (an ordered category), ``instrument, subscale``,
            their labels, ``score, items_answered, items_missing, prorated, completed_date,
            days_since_baseline`` (days from ``consent_date`` to ``completed_date``), every
            participants column, and ``cohort_<name>`` (True or False) for each cohort; the labels
            and the study's orders in ``attrs``. See :func:`~peerimpact.ingest.tidy.tidy_scores`
            for every column.

        Examples
        --------
        >>> import peerimpact
        >>> study = peerimpact.load_study()
        >>> tidy = study.tidy(instrument="mbi")
        >>> list(tidy["subscale"].cat.categories)
        ['emotional_exhaustion', 'depersonalization', 'personal_accomplishment']
        >>> tidy.attrs["timepoints"], tidy["timepoint"].cat.ordered
        (['T1', 'T2', 'T3'], True)
        >>> int(tidy.loc[tidy["timepoint"] == "T1", "days_since_baseline"].median())
        16
        >>> bool((tidy["cohort_bank"] == tidy["participant_id"].isin(study.cohort_ids("bank"))).all())
        True
        """
        return tidy_scores(self, instrument=instrument, subscale=subscale, site=site, timepoint=timepoint)

    @property
    def labels(self) -> dict[tuple[str, str | None], str]:
        """Display names: ``(instrument, None)`` → instrument, ``(instrument, subscale)`` → subscale,
        as :func:`peerimpact.report.outcome_tables.table3` and ``table4`` take them."""
        out: dict[tuple[str, str | None], str] = {}
        for name, inst in self.instruments.items():
            out[(name, None)] = inst.name
            out.update({(name, sub): s.label for sub, s in inst.subscales.items()})
        return out

    @property
    def norms(self) -> pd.DataFrame:
        """Population norms (``params/norms.yml``): ``instrument, subscale, norm_mean, norm_sd, norm_source``."""
        from ..config import NormsConfig, parse_model

        problems = Problems()
        norms = parse_model(NormsConfig, params_dir() / "norms.yml", problems)
        frame = (
            norms.to_frame()
            if norms is not None
            else pd.DataFrame(columns=["instrument", "subscale", "norm_mean", "norm_sd", "norm_source"])
        )
        return frame[frame["instrument"].isin(list(self.instruments))].reset_index(drop=True)

    def __repr__(self) -> str:
        return (
            f"<Study {self.config.name!r}: {plural(len(self.participants), 'participant')} at "
            f"{plural(len(self.sites), 'site')}, {plural(len(self.questionnaires), 'questionnaire record')}; "
            f"{self.problems.summary()}>"
        )


def load_study(
    path: str | Path | None = None,
    *,
    out_of_range: OutOfRange = "error",
    params: str | Path | None = None,
    instruments: Iterable[str] | None = None,
    roots: Iterable[str | Path] = (),
) -> Study:
    """Read, validate and score a study.

    Parameters
    ----------
    path : str or Path, optional
        A study folder holding ``study.yml`` (or the ``study.yml`` itself). Default: the
        embedded example study.
    out_of_range : {"error", "missing"}
        What an item value outside its instrument's range is: an error (default), or a
        missing item reported as a warning.
    params : str or Path, optional
        A params folder whose ``instruments/`` override the defaults.
    instruments : list of str, optional
        Check and score only these of the study's instruments; the item columns of the
        others are passed over without a word. Default: all of them.

    Returns
    -------
    Study
        Problems in the data files are collected in ``Study.problems``; records with an
        error are left out of the frames. Raises :class:`InvalidStudy` only when
        ``study.yml`` or an instrument definition cannot be used, ``instruments`` names
        one the study does not have, or a file lies outside the study folder.
    roots : list of str or Path, optional
        Folders outside the study folder from which ``study.yml`` may name files (after
        symbolic links are followed, every file must be inside the study folder or one of these).

    Examples
    --------
    >>> import peerimpact
    >>> study = peerimpact.load_study()
    >>> study.problems.has_errors
    False
    >>> sorted(study.scores["instrument"].unique())
    ['itp', 'mbi', 'mjs', 'wemwbs']
    """
    from ..resources import example_study_dir

    yml = study_yml_path(Path(path) if path is not None else example_study_dir())
    problems = Problems()
    if not yml.exists():  # a FIFO or folder is there, not missing: reading it says so
        problems.add(yml, rule="file-missing", message="study.yml not found")
        raise InvalidStudy(problems)
    config = parse_model(StudyConfig, yml, problems)
    if config is None:
        raise InvalidStudy(problems)
    root = yml.parent
    check_files_confined(yml, config, [Path(r) for r in roots], problems)
    check_progress_targets(yml, config, problems)
    check_cohort_sites(yml, config, problems)
    search = [root] + ([Path(params)] if params else [])
    names = config.instruments if instruments is None else list(instruments)
    for name in names:
        if name not in config.instruments:
            problems.add(
                yml,
                column="instruments",
                value=name,
                rule="unknown-instrument",
                message=f"not an instrument of this study ({', '.join(config.instruments)})",
            )
    if problems.has_errors:
        raise InvalidStudy(problems)
    loaded = load_instruments(names, search, problems)
    if problems.has_errors:
        raise InvalidStudy(problems)
    project = None
    if config.redcap is not None:
        project = read_redcap(yml, config, loaded, problems)
        if project is None:
            raise InvalidStudy(problems)
        config = config.model_copy(update={"categories": {**project.categories, **config.categories}})
    vocab = Vocabulary(
        timepoints=config.timepoints,
        sites=config.sites,
        instruments=loaded,
        missing_codes=config.missing_codes,
        services=config.services,
        categories=config.categories,
        not_checked=frozenset(config.instruments) - set(names),
        data_cut=config.data_cut,
    )
    files = config.files

    def table(name: str | None) -> RawTable | None:
        return io.read_table(root / name, problems) if name else None

    if project is not None:
        # service use and contacts the redcap: block does not name may still be files
        raw, quest = project.participants, [project.questionnaires]
        su_raw = project.service_use or table(files.service_use)
        co_raw = project.contacts or table(files.contacts)
    else:
        raw, quest = table(files.participants), [table(name) for name in files.questionnaires]
        su_raw, co_raw = table(files.service_use), table(files.contacts)
    # Without a roster (the participants file unreadable, or empty) the other files are not
    # checked against it: each of their rows would be one more error with the same cause.
    people, roster = records.read_participants(raw, vocab, problems) if raw else (records.empty_participants(), None)
    if roster is not None and not people.empty:
        check_cohort_rules(yml, config, people, problems)
        check_covariates(yml, config, people, problems)
    parts = [items.questionnaire_records(t, vocab, problems, out_of_range) for t in quest if t is not None]
    questionnaires = items.merge_questionnaires(parts, problems)
    questionnaires = items.attach_sites(questionnaires, people, problems, roster)
    questionnaires = items.in_timepoint_order(questionnaires, config.timepoints)
    questionnaires = items.check_completion_dates(questionnaires, people, problems)
    services = (
        records.service_use(su_raw, vocab, problems, roster) if su_raw else pd.DataFrame(columns=SERVICE_USE_COLUMNS)
    )
    contacts = records.contacts(co_raw, vocab, problems, roster) if co_raw else pd.DataFrame(columns=CONTACT_COLUMNS)
    codebook, excerpts = _qualitative(root, files, vocab, problems, roster)
    scores = score_all(questionnaires, loaded, config.timepoints)
    if project is not None:
        project.relocate(problems)
    return Study(
        yml.parent,
        config,
        loaded,
        people,
        questionnaires.drop(columns=["_file", "_line", "_date_column"], errors="ignore"),
        services,
        contacts,
        scores,
        problems,
        codebook,
        excerpts,
        Path(params) if params else None,
    )


def questionnaire_returns(questionnaires: pd.DataFrame, instruments: dict[str, Instrument]) -> pd.DataFrame:
    """One row per participant, timepoint and instrument returned: its completion date and how many
    of its items were answered and missing (an instrument with no item answered was not returned)."""
    rows = []
    for name, inst in instruments.items():
        columns = [c for c in inst.columns if c in questionnaires]
        if not columns:
            continue
        answered = questionnaires[columns].notna().sum(axis=1)
        part = questionnaires[[ID, "site", "timepoint", "completed_date"]].assign(
            instrument=name,
            items=len(inst.columns),
            items_answered=answered,
            items_missing=len(inst.columns) - answered,
        )
        rows.append(part[answered > 0])
    if not rows:
        return pd.DataFrame(columns=RETURN_COLUMNS)
    out = pd.concat(rows, ignore_index=True)[RETURN_COLUMNS]
    out["instrument"] = pd.Categorical(out["instrument"], categories=list(instruments))
    return out


def _qualitative(
    root: Path, files, vocab: Vocabulary, problems: Problems, roster: Roster | None
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Codebook and excerpts from CSV/XLSX files, a ``.qdc`` codebook or a ``.qdpx`` project."""
    from . import refi

    codebook = project_excerpts = None
    for name in (files.codebook, files.excerpts):
        if name and Path(name).suffix.lower() == ".qdpx":
            codebook, project_excerpts = refi.read_qdpx(root / name, problems)
            break
    if files.codebook and Path(files.codebook).suffix.lower() == ".qdc":
        codebook = refi.read_qdc(root / files.codebook, problems)
    elif files.codebook and Path(files.codebook).suffix.lower() != ".qdpx":
        raw = io.read_table(root / files.codebook, problems)
        codebook = interviews.codebook(raw, vocab, problems) if raw else None
    if files.excerpts is None:
        return codebook, None
    codes = set(codebook["code_id"]) if codebook is not None else set()
    if project_excerpts is not None:
        raw = refi.as_table(project_excerpts, f"{root / files.excerpts}!project.qde")
    else:
        raw = io.read_table(root / files.excerpts, problems)
    return codebook, interviews.excerpts(raw, vocab, problems, codes, roster) if raw else None


def load_questionnaire_file(
    path: str | Path,
    *,
    instruments: Iterable[str] | None = None,
    out_of_range: OutOfRange = "error",
    study: str | Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, Problems]:
    """Validate and score one questionnaire file on its own.

    Sites, timepoints and missing codes come from ``study`` (a study folder) when given;
    otherwise any site is accepted, timepoints are T1–T3 and the default missing codes apply.
    Returns the item-level records, their scores and the problems found.
    """
    problems = Problems()
    vocab_args: dict = {}
    search: list[Path] = []
    if study is not None:
        yml = study_yml_path(Path(study))
        config = parse_model(StudyConfig, yml, problems)
        if config is None:
            raise InvalidStudy(problems)
        search = [yml.parent]
        vocab_args = dict(timepoints=config.timepoints, sites=config.sites, missing_codes=config.missing_codes)
        instruments = instruments or config.instruments
    known = all_instrument_names(search)
    names = list(instruments) if instruments else known
    insts = load_instruments(names, search, problems)
    if problems.has_errors:
        raise InvalidStudy(problems)
    vocab = Vocabulary(instruments=insts, not_checked=frozenset(known) - set(names), **vocab_args)
    raw = io.read_table(path, problems)
    records = items.questionnaire_records(raw, vocab, problems, out_of_range) if raw else pd.DataFrame()
    records = items.merge_questionnaires([records], problems)
    records = items.in_timepoint_order(records, vocab.timepoints)
    scores = score_all(records, insts, vocab.timepoints)
    return records.drop(columns=["_file", "_line"], errors="ignore"), scores, problems
