"""The example's interviews as a study's qualitative files (its codebook and its excerpts), and
who was interviewed at each timepoint."""

from __future__ import annotations

import pandas as pd

from .design import TIMEPOINTS
from .interviews import CODES, EXCERPTS, THEMES


def interviewees() -> dict[str, set[str]]:
    """Who the example interviews at each timepoint."""
    out: dict[str, set[str]] = {tp: set() for tp in TIMEPOINTS}
    for pid, tp, _, _ in EXCERPTS:
        out[tp].add(pid)
    return out


def codebook() -> pd.DataFrame:
    """The example coding framework: 18 codes under three themes."""
    return pd.DataFrame(
        [
            {"code_id": cid, "code": name, "theme": THEMES[theme], "description": description}
            for cid, (theme, name, description) in CODES.items()
        ]
    )


def excerpts() -> pd.DataFrame:
    """The example excerpts, numbered within each interview: ``S4-PW02-T2-1``."""
    rows = []
    count: dict[tuple[str, str], int] = {}  # excerpts so far of each interview
    for pid, tp, codes, text in EXCERPTS:
        count[(pid, tp)] = count.get((pid, tp), 0) + 1
        rows.append(
            {
                "excerpt_id": f"{pid}-{tp}-{count[(pid, tp)]}",
                "participant_id": pid,
                "timepoint": tp,
                "codes": ";".join(codes),
                "text": text,
            }
        )
    return pd.DataFrame(rows).sort_values(["participant_id", "timepoint", "excerpt_id"]).reset_index(drop=True)
