"""The participants file, service use and the contact log → canonical frames."""

from __future__ import annotations

import pandas as pd

from ..problems import Problems
from ..schema import (
    CONTACT_COLUMNS,
    CONTACT_MODES,
    CONTRACT_TYPES,
    ID,
    LEFT_POST_REASONS,
    PARTICIPANT_DATES,
    SERVICE_USE_COLUMNS,
)
from .cells import CellReader
from .lookalike import skeleton
from .rawtable import RawTable
from .row_checks import check_known_participant, dedupe_records
from .vocabulary import Roster, Vocabulary

# Participant columns with a known meaning; any other column is kept as text (e.g. for cohorts).
PARTICIPANT_NUMBERS = {
    "age": (16, 100),
    "months_in_post": (0, 600),
    "contracted_hours": (0, 80),
    "sick_days": (0, 366),
}
PARTICIPANT_CATEGORIES = [
    "gender",
    "sexual_orientation",
    "ethnicity",
    "highest_education_level",
    "marital_status",
    "religion",
]
PARTICIPANT_FLAGS = ["english_first_language", "child_under_18_in_household"]


def participants(table: RawTable, vocab: Vocabulary, problems: Problems) -> pd.DataFrame:
    """Participants file → one row per peer worker; known columns typed, others kept as text."""
    return read_participants(table, vocab, problems)[0]


def read_participants(table: RawTable, vocab: Vocabulary, problems: Problems) -> tuple[pd.DataFrame, Roster | None]:
    """Participants file → (one row per valid peer worker, the roster the other files are checked against).

    Parameters
    ----------
    table : RawTable
        The participants file as read.
    vocab : Vocabulary
        Sites, categories, missing codes and the data cut of the study.
    problems : Problems
        Every problem of the file is added here.

    Returns
    -------
    tuple of DataFrame and Roster or None
        The roster is ``None`` when the file has no usable rows (a required column is
        missing, or nothing is under the header): then no other file is checked against it,
        since every one of their rows would be an error with the same cause.
    """
    cells = CellReader(table, vocab, problems)
    if not cells.require(ID, "site"):
        return empty_participants(), None
    if not table.rows:
        cells.add(
            1,
            None,
            None,
            "no-rows",
            "the participants file has no rows: it needs one row per peer worker under its header",
        )
        return empty_participants(), None
    roster = Roster(table.path)
    known = {
        ID,
        "site",
        "contract_type",
        "left_post_reason",
        *PARTICIPANT_NUMBERS,
        *PARTICIPANT_CATEGORIES,
        *PARTICIPANT_FLAGS,
        *PARTICIPANT_DATES,
    }
    reasons = vocab.categories.get("left_post_reason", LEFT_POST_REASONS)
    extra = [c for c in cells.column if c not in known]
    records = []
    for row, line in zip(table.rows, table.lines):
        pid, site = cells.ident(row, line), cells.site(row, line)
        if pid is not None:
            roster.known.setdefault(skeleton(pid), pid)
            roster.lines.setdefault(pid, line)
        values: dict = {"site": site}
        for name in PARTICIPANT_CATEGORIES + extra:
            if name in vocab.categories:
                values[name] = cells.level(row, line, name, vocab.categories[name])
            else:
                values[name] = cells.text(row, name)
        for name in PARTICIPANT_FLAGS:
            values[name] = cells.flag(row, line, name)
        values["contract_type"] = cells.choice(row, line, "contract_type", CONTRACT_TYPES)
        for name, bounds in PARTICIPANT_NUMBERS.items():
            values[name] = cells.number(row, line, name, bounds)
        values.update(_dates(cells, row, line))
        values["left_post_reason"] = cells.level(row, line, "left_post_reason", reasons)
        if values["left_post_reason"] is not None and cells.vocab.is_missing(cells.raw(row, "left_post_date")):
            cells.add(
                line,
                cells.header("left_post_reason"),
                cells.raw(row, "left_post_reason"),
                "date-missing",
                "a reason for leaving post is given, but no left_post_date",
            )
        if pid is not None and site is not None:
            records.append(((pid,), values, line, row))
    kept = dedupe_records(cells, records, lambda k: f"participant {k[0]}")
    # Both of two look-alike IDs are left out: which one is right is for the user to say.
    twins = cells.twinned()
    kept = {k: v for k, v in kept.items() if k[0] not in twins}
    roster.kept = {k[0] for k in kept}
    roster.withheld = (set(roster.lines) | twins) - roster.kept
    frame = pd.DataFrame([{ID: k[0], **v} for k, (v, _) in kept.items()])
    if frame.empty:
        return empty_participants(), roster
    levels = {
        **{c: list(codes.values()) for c, codes in vocab.categories.items()},
        "contract_type": CONTRACT_TYPES,
        "left_post_reason": list(reasons.values()),
    }
    for name in (
        PARTICIPANT_CATEGORIES + [c for c in extra if c in vocab.categories] + ["contract_type", "left_post_reason"]
    ):
        if name in levels:
            frame[name] = pd.Categorical(frame[name], categories=levels[name])
        else:
            frame[name] = frame[name].astype("category")
    for name in PARTICIPANT_FLAGS:
        frame[name] = frame[name].astype("boolean")
    for name in PARTICIPANT_NUMBERS:
        frame[name] = frame[name].astype(float)
    for name in PARTICIPANT_DATES:
        frame[name] = pd.to_datetime(frame[name])
    frame["site"] = pd.Categorical(frame["site"], categories=vocab.sites) if vocab.sites else frame["site"]
    return frame.sort_values(ID, kind="stable").reset_index(drop=True), roster


def _dates(cells: CellReader, row: list[str | None], line: int) -> dict:
    """Consent, leaving post and withdrawal: none after the data cut, none before consent."""
    consent = cells.dated(row, line, "consent_date")
    out = {"consent_date": consent}
    for name in ("left_post_date", "withdrawn_date"):
        out[name] = cells.not_before(row, line, name, cells.dated(row, line, name), consent, "consent_date")
    return out


def empty_participants() -> pd.DataFrame:
    return pd.DataFrame(columns=[ID, "site"])


def service_use(table: RawTable, vocab: Vocabulary, problems: Problems, roster: Roster | None) -> pd.DataFrame:
    """Service use (one row per participant, timepoint and service) with ``contact`` yes/no.

    Rows are checked against ``roster`` (see :func:`read_participants`); other columns are
    ignored, with one warning naming them."""
    cells = CellReader(table, vocab, problems)
    if not cells.require(*SERVICE_USE_COLUMNS):
        return pd.DataFrame(columns=SERVICE_USE_COLUMNS)
    cells.unknown_columns(SERVICE_USE_COLUMNS)
    names = {**{k: k for k in vocab.services}, **{label.casefold(): k for k, label in vocab.services.items()}}
    records = []
    for row, line in zip(table.rows, table.lines):
        pid = cells.ident(row, line)
        tp = cells.timepoint(row, line)
        raw_service = cells.raw(row, "service")
        service = names.get((raw_service or "").strip().casefold()) if names else (raw_service or "").strip()
        if not service:
            cells.add(
                line,
                cells.header("service"),
                raw_service,
                "unknown-service",
                "unknown service; the study's services are listed in study.yml",
            )
        contact = cells.flag(row, line, "contact")
        if check_known_participant(cells, pid, line, roster) and tp and service:
            records.append(((pid, tp, service), {"contact": contact}, line, row))
    kept = dedupe_records(cells, records, lambda k: f"participant {k[0]} at {k[1]}, service {k[2]}")
    frame = pd.DataFrame(
        [{ID: k[0], "timepoint": k[1], "service": k[2], **v} for k, (v, _) in kept.items()], columns=SERVICE_USE_COLUMNS
    )
    frame["contact"] = frame["contact"].astype("boolean")
    return frame


def contacts(table: RawTable, vocab: Vocabulary, problems: Problems, roster: Roster | None) -> pd.DataFrame:
    """The contact log: one row per contact between a peer worker and a person supported.

    Rows are checked against ``roster`` (see :func:`read_participants`); other columns are
    ignored, with one warning naming them."""
    cells = CellReader(table, vocab, problems)
    if not cells.require(*CONTACT_COLUMNS):
        return pd.DataFrame(columns=CONTACT_COLUMNS)
    cells.unknown_columns(CONTACT_COLUMNS)
    rows = []
    for row, line in zip(table.rows, table.lines):
        pid = cells.ident(row, line)
        person = cells.ident(row, line, "person_id")
        date = cells.dated(row, line, "date")
        mode = cells.choice(row, line, "mode", CONTACT_MODES)
        minutes = cells.number(row, line, "duration_minutes", (0, 24 * 60))
        completed = cells.flag(row, line, "completed")
        if check_known_participant(cells, pid, line, roster) and person is not None:
            rows.append([pid, person, date, mode, minutes, completed])
    frame = pd.DataFrame(rows, columns=CONTACT_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["mode"] = pd.Categorical(frame["mode"], categories=CONTACT_MODES)
    frame["completed"] = frame["completed"].astype("boolean")
    frame["duration_minutes"] = frame["duration_minutes"].astype(float)
    return frame
