"""A larger study copied from the shipped example, peer worker by peer worker, for timing builds
at national scale (``peerimpact synth --sites N --per-site M``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .design import DATA_CUT

# Peer workers of a scaled study (sites × per site): each brings about 63 contacts, so 20,000 keep the
# contact log well under the 2,000,000 rows a study's table may have (peerimpact.limits).
MAX_PEOPLE = 20_000


def scaled(
    frames: dict[str, pd.DataFrame], sites: int, per_site: int, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """A larger study made from the example, for timing builds at national scale: ``sites`` sites of
    ``per_site`` peer workers, each a copy of one of the example's (drawn at random), with its
    answers, service use, contacts and interviews under its new ID and its dates moved by up to
    two weeks (never past the data cut). A bootstrap of the example: its figures no longer
    reproduce the paper's."""
    people = frames["participants"]
    templates = people["participant_id"].to_numpy()
    new_ids = [f"S{s}-PW{i:02d}" for s in range(1, sites + 1) for i in range(1, per_site + 1)]
    drawn = rng.choice(templates, size=len(new_ids))
    shifts = rng.integers(-14, 15, size=len(new_ids))
    # a worker who logs up to the data cut keeps every date on or before it
    latest = pd.concat(
        [
            pd.to_datetime(frames[name].set_index("participant_id")[column]).dropna()
            for name, column in (
                ("participants", "left_post_date"),
                ("participants", "withdrawn_date"),
                ("questionnaires", "completed_date"),
                ("contacts", "date"),
            )
        ]
    )
    room = (pd.Timestamp(DATA_CUT) - latest.groupby(level=0).max()).dt.days
    shifts = np.minimum(shifts, room.reindex(drawn).fillna(14).to_numpy().astype(int))
    copies = pd.DataFrame({"template": drawn, "participant_id": new_ids, "shift": shifts})

    def copied(frame: pd.DataFrame, key: str = "participant_id") -> pd.DataFrame:
        out = copies.merge(frame.rename(columns={key: "template"}), on="template").drop(columns="template")
        for column in ("consent_date", "left_post_date", "withdrawn_date", "completed_date", "date"):
            if column in out.columns:
                dates = pd.to_datetime(out[column])
                out[column] = (dates + pd.to_timedelta(out["shift"], unit="D")).dt.date.where(dates.notna(), None)
        return out.drop(columns="shift")

    out = {name: copied(frames[name]) for name in ("participants", "questionnaires", "service_use", "contacts")}
    out["participants"]["site"] = out["participants"]["participant_id"].str.split("-").str[0]
    out["questionnaires"]["site"] = out["questionnaires"]["participant_id"].str.split("-").str[0]
    contacts = out["contacts"]
    contacts["person_id"] = contacts["participant_id"] + contacts["person_id"].str.extract(r"(-P\d+)$")[0]
    excerpts = copied(frames["excerpts"])
    excerpts["excerpt_id"] = excerpts["participant_id"] + excerpts["excerpt_id"].str.extract(r"(-T\d+-\d+)$")[0]
    out["excerpts"] = excerpts
    out["codebook"] = frames["codebook"]
    order = ["participants", "questionnaires", "service_use", "contacts", "codebook", "excerpts"]
    return {name: out[name][frames[name].columns].reset_index(drop=True) for name in order}


def example_frames() -> dict[str, pd.DataFrame]:
    """The embedded example's data files as written (text, empty cells missing), for :func:`scaled`.

    A larger study copies these rather than a freshly generated example: the calibration that
    sets the questionnaire answers stops where the search's floating-point arithmetic leads it,
    which differs with the BLAS build numpy and scipy use, so only the shipped files are the same
    on every machine.
    """
    from ..resources import example_study_dir

    folder = example_study_dir()
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False).replace("", None)
        for name in ("participants", "questionnaires", "service_use", "contacts", "codebook", "excerpts")
    }


def size_refusal(sites: int | None, per_site: int | None) -> str | None:
    """Why ``sites`` and ``per_site`` make no study :func:`scaled` can write, or ``None``."""
    if sites is None and per_site is None:
        return None
    if sites is None or per_site is None:
        return "--sites and --per-site go together (e.g. --sites 60 --per-site 15)"
    if sites < 1 or per_site < 1:
        return f"a study needs at least one site and one peer worker per site, not {sites} and {per_site}"
    if sites * per_site > MAX_PEOPLE:
        return (
            f"{sites} sites of {per_site} is {sites * per_site:,} peer workers; at most {MAX_PEOPLE:,}, so the "
            "study's tables stay within the row limit a study is read with"
        )
    return None
