"""The qualitative section's blocks: the coding framework, code counts, the heatmap and quotes.

Everything that shows interview text goes through :class:`Quotes` or a :class:`Table`,
both of which HTML-escape it: excerpt text is data, never markup.
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from ..analysis.qualitative import code_counts, codings, quote_label, select_quotes
from ..text import plural
from .blocks import SUPPRESSED, FigureBlock, Quotes, Table
from .formats import fmt_count

# The analysis steps are re-exported: a section (and ``peerimpact.qualitative``) needs one module.
__all__ = [
    "Quotes",
    "code_counts",
    "codings",
    "counts_table",
    "framework",
    "heatmap",
    "quote_label",
    "quotes",
    "select_quotes",
]


def framework(codebook: pd.DataFrame) -> Table:
    """The coding framework: themes (in codebook order) and their codes with descriptions."""
    rows, previous = [], None
    for rec in codebook.itertuples(index=False):
        rows.append(
            {"Theme": rec.theme if rec.theme != previous else "", "Code": rec.code, "Description": rec.description}
        )
        previous = rec.theme
    data = codebook[["theme", "code_id", "code", "description"]]
    notes = [
        f"{plural(codebook['code_id'].nunique(), 'code')} under {plural(codebook['theme'].nunique(), 'theme')}."
        if len(codebook)
        else "This study has no coding framework."
    ]
    return Table("coding_framework", "Coding framework", data, pd.DataFrame(rows), notes)


def counts_table(counts: pd.DataFrame, codebook: pd.DataFrame, groups: list[str], *, name: str, title: str) -> Table:
    """Counts as ``excerpts (peer workers)`` per code, theme rows first, one column per group."""
    data = _theme_rows(counts).rename(columns={"group": name.rsplit("_", 1)[-1]})
    notes = [
        "Each cell: number of excerpts (number of peer workers they come from). An excerpt can carry "
        "several codes; a theme counts each excerpt once."
    ]
    return Table(
        name, title, data, partial(_counts_display, codebook=codebook, groups=groups, by=name.rsplit("_", 1)[-1]), notes
    )


def _counts_display(
    data: pd.DataFrame, *, codebook: pd.DataFrame, groups: list[str], by: str
) -> tuple[pd.DataFrame, list[str]]:
    """The counts by code; a code whose every count a policy withheld is left out and said so,
    rather than shown as a row of asterisks (its theme's row and the coding framework still
    name it)."""
    rows, hidden = [], 0
    for theme in dict.fromkeys(codebook["theme"]):
        for code_id, code in [("", "")] + list(
            codebook.loc[codebook["theme"] == theme, ["code_id", "code"]].itertuples(index=False, name=None)
        ):
            part = data[(data["theme"] == theme) & (data["code_id"] == code_id)].set_index(by)
            row = {"Theme": "" if code_id else theme, "Code": code or "(any code of the theme)"}
            for g in groups:
                row[g] = (
                    f"{fmt_count(part.loc[g, 'excerpts'])} ({fmt_count(part.loc[g, 'participants'])})"
                    if g in part.index
                    else "0 (0)"
                )
            withheld = f"{SUPPRESSED} ({SUPPRESSED})"
            if code_id and groups and all(row[g] == withheld for g in groups):
                hidden += 1
                continue
            rows.append(row)
    notes = (
        [f"Not listed: {plural(hidden, 'code')} whose every count here is withheld (see the coding framework)."]
        if hidden
        else []
    )
    return pd.DataFrame(rows, columns=["Theme", "Code", *groups]), notes


def _theme_rows(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts whose theme rows have an empty ``code_id`` (as read back from a CSV, a missing one)."""
    if "code_id" not in counts.columns or not counts["code_id"].isna().any():
        return counts
    return counts.assign(code_id=counts["code_id"].astype(object).where(counts["code_id"].notna(), ""))


def quotes(
    excerpts: pd.DataFrame,
    codebook: pd.DataFrame,
    *,
    pinned: dict[str, list[str]] | None = None,
    per_theme: int = 3,
    pool: pd.DataFrame | None = None,
) -> Quotes:
    """Illustrative quotes per theme (:func:`select_quotes`) as a block that knows how many
    people were interviewed, so that a policy can show none where too few were, or the study's
    approved quotes ``pool`` (``theme, text``) in their place."""
    chosen = select_quotes(excerpts, codebook, pinned=pinned, per_theme=per_theme)
    return Quotes(
        chosen,
        interviewees=int(excerpts["participant_id"].nunique()) if len(excerpts) else 0,
        pool=pool if pool is not None and len(pool.columns) else None,
    )


def heatmap(counts: pd.DataFrame, codebook: pd.DataFrame, groups: list[str], *, title: str) -> FigureBlock:
    """Peer workers per code (rows) and group (columns) as a heatmap, drawn from ``counts``
    (as from :func:`peerimpact.analysis.qualitative.code_counts`) when shown."""
    codes = _theme_rows(counts)
    codes = codes[codes["code_id"] != ""].reset_index(drop=True) if "code_id" in codes.columns else codes
    return FigureBlock(
        "heatmap", codes, partial(_draw_heatmap, codebook=codebook, groups=groups, title=title), draws_counts=True
    )


def _ink_on(fill) -> str:
    """A count's colour on a heatmap cell of colour ``fill``: seaborn's dark grey where it contrasts
    4.5:1 with the cell (WCAG 1.4.3), else black or white, whichever contrasts more (one of the two
    always reaches 4.58:1; seaborn's own choice of white gives mid-blue cells under 3:1)."""
    from seaborn.utils import relative_luminance

    cell = relative_luminance(fill)
    grey = relative_luminance((0.15, 0.15, 0.15))
    if (cell + 0.05) / (grey + 0.05) >= 4.5:
        return ".15"
    return "black" if (cell + 0.05) / 0.05 > 1.05 / (cell + 0.05) else "white"


def _draw_heatmap(counts: pd.DataFrame, *, codebook: pd.DataFrame, groups: list[str], title: str):
    import matplotlib.pyplot as plt
    import seaborn as sns

    from .plots import empty_figure, figure_style, to_figure

    codes = counts[counts["code_id"] != ""].copy()
    # a count a policy withheld is NaN here: its cell stays blank, never a 0; counts may come as
    # pandas' nullable integers, which a float fill would turn into objects seaborn cannot draw
    codes["participants"] = pd.to_numeric(codes["participants"], errors="coerce").astype(float)
    if codes.empty or codebook.empty:
        return empty_figure("No coded excerpts in this report.", "heatmap")
    every = pd.MultiIndex.from_product([codebook["code_id"], groups], names=["code_id", "group"])
    # no excerpt: 0; withheld: stays blank
    grid = (
        codes.set_index(["code_id", "group"])["participants"]
        .reindex(every, fill_value=0.0)
        .unstack()
        .reindex(index=codebook["code_id"], columns=groups)
    )
    if grid.isna().any().any() and not (grid.fillna(0) > 0).any().any():  # only zeros left to draw
        return empty_figure("Every count here is withheld: each rests on too few people.", "heatmap")
    grid.index = [f"{c} ({t})" for c, t in codebook[["code", "theme"]].itertuples(index=False, name=None)]
    with figure_style("white"):
        fig, ax = plt.subplots(figsize=(6.4, 0.24 * len(grid) + 1.2))
        sns.heatmap(
            grid, annot=True, fmt=".0f", cmap="Blues", cbar=False, linewidths=0.5, ax=ax, annot_kws={"fontsize": 7}
        )
        mesh = ax.collections[0]
        for count in ax.texts:  # each at the middle of its cell
            x, y = count.get_position()
            count.set_color(_ink_on(mesh.cmap(mesh.norm(grid.iat[int(y), int(x)]))))
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(labelsize=7)
        ax.set_title(title, fontsize=8.5)
        fig.tight_layout()
    alt = (
        f"Heatmap: {title.lower()}, one row per code and one column per group "
        f"({', '.join(map(str, groups))}); the counts are in the table of codes above."
    )
    return to_figure(fig, "heatmap", alt)
