"""Qualitative analysis: the coding framework, code counts, and illustrative quotes.

Everything that shows interview text goes through :class:`Quotes` or a :class:`Table`,
both of which HTML-escape it: excerpt text is data, never markup.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from .tables import Table
from .text import plural

if TYPE_CHECKING:
    from .plots import Figure


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


def framework(codebook: pd.DataFrame) -> Table:
    """The coding framework: themes (in codebook order) and their codes with descriptions."""
    rows, previous = [], None
    for rec in codebook.itertuples(index=False):
        rows.append({"Theme": rec.theme if rec.theme != previous else "", "Code": rec.code,
                     "Description": rec.description})
        previous = rec.theme
    data = codebook[["theme", "code_id", "code", "description"]]
    notes = [f"{plural(codebook['code_id'].nunique(), 'code')} under {plural(codebook['theme'].nunique(), 'theme')}."
             if len(codebook) else "This study has no coding framework."]
    return Table("coding_framework", "Coding framework", data, pd.DataFrame(rows), notes)


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
    per_code = (coded.groupby(["theme", "code_id", "code", "group"], sort=False)
                .agg(excerpts=("excerpt_id", "nunique"), participants=("participant_id", "nunique")).reset_index())
    per_theme = (coded.groupby(["theme", "group"], sort=False)
                 .agg(excerpts=("excerpt_id", "nunique"), participants=("participant_id", "nunique")).reset_index())
    per_theme["code_id"], per_theme["code"] = "", ""
    columns = ["theme", "code_id", "code", "group", "excerpts", "participants"]
    return pd.concat([per_theme[columns], per_code[columns]], ignore_index=True)


def counts_table(counts: pd.DataFrame, codebook: pd.DataFrame, groups: list[str], *, name: str,
                 title: str) -> Table:
    """Counts as ``excerpts (peer workers)`` per code, theme rows first, one column per group."""
    rows = []
    for theme in dict.fromkeys(codebook["theme"]):
        for code_id, code in [("", "")] + list(codebook.loc[codebook["theme"] == theme, ["code_id", "code"]]
                                                .itertuples(index=False, name=None)):
            part = counts[(counts["theme"] == theme) & (counts["code_id"] == code_id)].set_index("group")
            row = {"Theme": "" if code_id else theme, "Code": code or "(any code of the theme)"}
            for g in groups:
                row[g] = (f"{int(part.loc[g, 'excerpts'])} ({int(part.loc[g, 'participants'])})"
                          if g in part.index else "0 (0)")
            rows.append(row)
    data = counts.rename(columns={"group": name.rsplit("_", 1)[-1]})
    notes = ["Each cell: number of excerpts (number of peer workers they come from). An excerpt can carry "
             "several codes; a theme counts each excerpt once."]
    return Table(name, title, data, pd.DataFrame(rows), notes)


def heatmap(counts: pd.DataFrame, codebook: pd.DataFrame, groups: list[str], *, title: str) -> "Figure":
    """Peer workers per code (rows) and group (columns) as a heatmap (a :class:`peerimpact.plots.Figure`)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from .plots import empty_figure, figure_style, to_figure

    codes = counts[counts["code_id"] != ""]
    if codes.empty or codebook.empty:
        return empty_figure("No coded excerpts in this report.", "heatmap")
    grid = (codes.pivot_table(index="code_id", columns="group", values="participants", aggfunc="sum")
            .reindex(index=codebook["code_id"], columns=groups).fillna(0).astype(int))
    grid.index = [f"{c} ({t})" for c, t in codebook[["code", "theme"]].itertuples(index=False, name=None)]
    with figure_style("white"):
        fig, ax = plt.subplots(figsize=(6.4, 0.24 * len(grid) + 1.2))
        sns.heatmap(grid, annot=True, fmt="d", cmap="Blues", cbar=False, linewidths=0.5, ax=ax,
                    annot_kws={"fontsize": 7})
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(labelsize=7)
        ax.set_title(title, fontsize=8.5)
        fig.tight_layout()
    alt = (f"Heatmap: {title.lower()}, one row per code and one column per group "
           f"({', '.join(map(str, groups))}); the counts are in the table of codes above.")
    return to_figure(fig, "heatmap", alt)


def _order(excerpt_id: str) -> str:
    return hashlib.sha256(excerpt_id.encode()).hexdigest()


def select_quotes(excerpts: pd.DataFrame, codebook: pd.DataFrame, *, pinned: dict[str, list[str]] | None = None,
                  per_theme: int = 3) -> pd.DataFrame:
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
            rows.append({"theme": theme, "excerpt_id": e, "label": quote_label(by_id.loc[e, "participant_id"],
                                                                               by_id.loc[e, "timepoint"]),
                         "text": by_id.loc[e, "text"], "pinned": e in pinned.get(theme, [])})
    return pd.DataFrame(rows, columns=["theme", "excerpt_id", "label", "text", "pinned"])


@dataclass
class Quotes:
    """Quotes grouped by theme, rendered as escaped HTML block quotes."""

    quotes: pd.DataFrame
    name: str = "quotes"
    title: str = "Illustrative quotes"

    def to_csv(self, folder) -> None:
        from pathlib import Path

        path = Path(folder) / f"{self.name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.quotes.to_csv(path, index=False, lineterminator="\n")

    def _repr_html_(self) -> str:
        parts = [f"<div class=\"pi-quotes\"><p class=\"pi-quotes-title\"><strong>{html.escape(self.title)}"
                 "</strong></p>"]
        for theme, part in self.quotes.groupby("theme", sort=False):
            parts.append(f"<h3>{html.escape(theme)}</h3>")
            for rec in part.itertuples(index=False):
                parts.append(f"<blockquote class=\"pi-quote\"><p>“{html.escape(rec.text)}”</p>"
                             f"<cite>{html.escape(rec.label)}</cite></blockquote>")
        if self.quotes.empty:
            parts.append("<p>No excerpts in this report.</p>")
        parts.append("</div>")
        return "".join(parts)
