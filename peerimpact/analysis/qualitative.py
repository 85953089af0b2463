"""Qualitative analysis: codings, code counts per group, and the choice of illustrative quotes."""

from __future__ import annotations

import hashlib

import pandas as pd


def quote_label(participant_id: str, timepoint: str) -> str:
    """The identifier printed after a quote: ``S4-PW02-T2`` (site, peer worker, timepoint)."""
    return f"{participant_id}-{timepoint}"


def codings(excerpts: pd.DataFrame) -> pd.DataFrame:
    """One row per excerpt and code it carries."""
    columns = ["excerpt_id", "participant_id", "timepoint", "code_id"]
    if excerpts is None or excerpts.empty:
        return pd.DataFrame(columns=columns)
    long = excerpts.assign(code_id=excerpts["codes"].astype(str).str.split(";")).explode("code_id")
    return long[columns].reset_index(drop=True)


def code_counts(excerpts: pd.DataFrame, codebook: pd.DataFrame, by: pd.Series | str = "timepoint") -> pd.DataFrame:
    """Excerpts and distinct participants per code and per theme, for each value of ``by``.

    ``by`` is a column of the excerpts (``"timepoint"``) or a Series mapping
    participant IDs to a group (for example their site).
    """
    coded = codings(excerpts).merge(codebook[["code_id", "code", "theme"]], on="code_id", how="inner")
    if isinstance(by, str):
        coded["group"] = coded[by]
    else:
        coded["group"] = coded["participant_id"].map(by)
    per_code = (
        coded.groupby(["theme", "code_id", "code", "group"], sort=False)
        .agg(excerpts=("excerpt_id", "nunique"), participants=("participant_id", "nunique"))
        .reset_index()
    )
    per_theme = (
        coded.groupby(["theme", "group"], sort=False)
        .agg(excerpts=("excerpt_id", "nunique"), participants=("participant_id", "nunique"))
        .reset_index()
    )
    per_theme["code_id"], per_theme["code"] = "", ""
    columns = ["theme", "code_id", "code", "group", "excerpts", "participants"]
    return pd.concat([per_theme[columns], per_code[columns]], ignore_index=True)


def _order(excerpt_id: str) -> str:
    return hashlib.sha256(excerpt_id.encode()).hexdigest()


def select_quotes(
    excerpts: pd.DataFrame, codebook: pd.DataFrame, *, pinned: dict[str, list[str]] | None = None, per_theme: int = 3
) -> pd.DataFrame:
    """Illustrative quotes per theme: the team's pinned excerpts first, then a deterministic choice.

    The choice orders a theme's excerpts by a hash of their ID (stable whatever the row
    order) and prefers peer workers and timepoints not yet quoted for that theme. An
    excerpt coded under two themes is chosen for one of them only. Pinned excerpts absent
    from the data (for example, another site's) are skipped.
    """
    pinned = pinned or {}
    coded = codings(excerpts).merge(codebook[["code_id", "theme"]], on="code_id")
    by_id = excerpts.set_index("excerpt_id")
    rows = []
    shown = {e for ids in pinned.values() for e in ids}  # a pinned quote is not also chosen elsewhere
    for theme in dict.fromkeys(codebook["theme"]):
        candidates = sorted(set(coded.loc[coded["theme"] == theme, "excerpt_id"]) - shown, key=_order)
        chosen = [e for e in pinned.get(theme, []) if e in by_id.index][:per_theme]
        people = {by_id.loc[e, "participant_id"] for e in chosen}
        times = {by_id.loc[e, "timepoint"] for e in chosen}
        for strict in (True, False):
            for e in candidates:
                if len(chosen) >= per_theme:
                    break
                if e in chosen:
                    continue
                pid, tp = by_id.loc[e, "participant_id"], by_id.loc[e, "timepoint"]
                if strict and (pid in people or (tp in times and len(times) < 3)):
                    continue
                chosen.append(e)
                people.add(pid)
                times.add(tp)
        shown.update(chosen)
        for e in chosen:
            rows.append(
                {
                    "theme": theme,
                    "excerpt_id": e,
                    "label": quote_label(by_id.loc[e, "participant_id"], by_id.loc[e, "timepoint"]),
                    "timepoint": by_id.loc[e, "timepoint"],
                    "text": by_id.loc[e, "text"],
                    "pinned": e in pinned.get(theme, []),
                }
            )
    return pd.DataFrame(rows, columns=["theme", "excerpt_id", "label", "timepoint", "text", "pinned"])
