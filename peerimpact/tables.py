"""Paper-style tables: an unrounded DataFrame for CSV and a formatted one for reading."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .stats import contact_summary, describe

DASH = "–"

TABLE1_VARIABLES = {
    "site": "Site",
    "gender": "Gender",
    "sexual_orientation": "Sexual orientation",
    "ethnicity": "Ethnicity",
    "highest_education_level": "Highest education level",
    "marital_status": "Marital status",
    "religion": "Religion",
    "english_first_language": "English is first language",
    "child_under_18_in_household": "Child under 18 living in the household",
    "age": "Age, years",
    "months_in_post": "Time in post, months",
    "contracted_hours": "Contracted hours per week",
    "sick_days": "Days of sick leave",
    "number_of_peers": "People supported",
    "completed_face_to_face_contacts": "Completed face-to-face contacts",
}


@dataclass
class Table:
    """A table as a report shows it, and as a machine reads it.

    ``data`` holds unrounded numbers (written to ``tables/<name>.csv``); ``display`` holds
    the formatted strings a reader sees; ``notes`` are footnotes under the table.
    """

    name: str
    title: str
    data: pd.DataFrame
    display: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def to_csv(self, folder: str | Path) -> Path:
        path = Path(folder) / f"{self.name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.data.to_csv(path, index=False, lineterminator="\n")
        return path

    def to_html(self) -> str:
        body = self.display.to_html(index=False, escape=True, na_rep=DASH, border=0,
                                    classes=["pi-table", f"pi-{self.name}"])
        notes = "".join(f"<p class=\"pi-note\">{html.escape(n)}</p>" for n in self.notes)
        return (f"<figure class=\"pi-table-figure\" id=\"table-{html.escape(self.name)}\">"
                f"<figcaption>{html.escape(self.title)}</figcaption>{body}{notes}</figure>")

    def _repr_html_(self) -> str:
        return self.to_html()


def fmt_number(value: float, digits: int = 1) -> str:
    """A number to ``digits`` decimals; missing is a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return DASH
    return f"{value:.{digits}f}"


def fmt_mean_sd_range(mean: float, sd: float, lo: float, hi: float, digits: int = 1, sd_digits: int | None = None
                      ) -> str:
    """``49.8 (9.07) 28.0–70.0``, as the paper prints a continuous summary."""
    if isinstance(mean, float) and math.isnan(mean):
        return DASH
    sd_text = fmt_number(sd, digits if sd_digits is None else sd_digits)
    return f"{fmt_number(mean, digits)} ({sd_text}) {fmt_number(lo, digits)}–{fmt_number(hi, digits)}"


def fmt_count_percent(count: int, percent: float) -> str:
    """``10 (31.3%)``."""
    return f"{count} ({fmt_number(percent, 1)}%)"


def sample_frame(participants: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """Participants with their contact-log summary (missing for workers without records)."""
    summary = contact_summary(contacts)
    return participants.merge(summary, on="participant_id", how="left")


def table1(participants: pd.DataFrame, contacts: pd.DataFrame) -> Table:
    """Table 1: sample characteristics, n (%) for categories and mean (SD) min–max otherwise."""
    frame = sample_frame(participants, contacts)
    variables = [v for v in TABLE1_VARIABLES if v in frame.columns]
    data = describe(frame, variables)
    rows = []
    previous = None
    for rec in data.itertuples(index=False):
        first = rec.variable != previous
        previous = rec.variable
        label = TABLE1_VARIABLES[rec.variable] if first else ""
        n = str(rec.n) if first else ""
        if pd.isna(rec.level):
            value = fmt_mean_sd_range(rec.mean, rec.sd, rec.min, rec.max) if rec.n else DASH
            rows.append([label, "", n, value])
        else:
            rows.append([label, rec.level, n, fmt_count_percent(rec.count, rec.percent)])
    display = pd.DataFrame(rows, columns=["Characteristic", "Level", "n", "n (%) or mean (SD) min–max"])
    notes = [
        "n is the number of peer workers with a known value; percentages are of n.",
        "People supported and face-to-face contacts are counted from the contact log, among peer workers "
        "who recorded any contact.",
    ]
    return Table("table1", "Table 1. Sample characteristics", data, display, notes)
