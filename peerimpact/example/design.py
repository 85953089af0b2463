"""The example study's design: its sites, timepoints and instruments, the counts of the paper's
Tables 1 and 2 it follows (Gillard et al. 2022), and the dates of its contact log and data cut."""

from __future__ import annotations

import datetime as dt

SITES = {"S1": 5, "S2": 7, "S3": 6, "S4": 5, "S5": 3, "S6": 3, "S7": 3}
RECRUITMENT_TARGETS = {"S1": 6, "S2": 8, "S3": 6, "S4": 6, "S5": 4, "S6": 4, "S7": 4}  # 38 planned
TIMEPOINTS = ["T1", "T2", "T3"]
N_T2, N_T3 = 20, 21
INSTRUMENTS = ["wemwbs", "mjs", "itp", "mbi"]

# Published Table 1 counts (code: (label, count)); participants without a count have the item missing.
CATEGORIES = {
    "gender": {"M": ("Male", 10), "F": ("Female", 21), "X": ("Prefer not to say", 1)},
    "sexual_orientation": {
        "BI": ("Bisexual", 3),
        "LG": ("Lesbian/Gay", 2),
        "HE": ("Heterosexual", 22),
        "X": ("Prefer not to say", 4),
    },
    "ethnicity": {
        "WB": ("White British", 20),
        "WI": ("White Irish", 3),
        "WO": ("White other", 2),
        "AR": ("Arab", 1),
        "BA": ("Black/Black British African", 1),
        "AP": ("Asian/Asian British Pakistani", 1),
        "MWA": ("Mixed White & Asian", 1),
        "MO": ("Mixed other Mixed background", 1),
    },
    "highest_education_level": {
        "SEC": ("Secondary school", 7),
        "FE": ("More than secondary school", 10),
        "UG": ("University graduate", 4),
        "PG": ("Post-graduate", 4),
    },
    "marital_status": {
        "MA": ("Married", 3),
        "SI": ("Single", 16),
        "DI": ("Divorced", 2),
        "RE": ("In a relationship", 4),
    },
    "religion": {
        "NO": ("No religion", 14),
        "CH": ("Christian", 8),
        "MU": ("Muslim", 3),
        "NS": ("Religion not stated", 3),
    },
}
FLAGS = {"english_first_language": {"yes": 24, "no": 1}, "child_under_18_in_household": {"yes": 1, "no": 22}}
# Days of sick leave of the 18 contracted workers with any (12 more had none): mean 7.7, SD 13.8, max 55.
SICK_DAYS = [1, 1, 2, 2, 3, 4, 4, 5, 5, 5, 6, 7, 9, 22, 26, 30, 44, 55]
# Published Table 1 mean, SD, minimum and maximum of the continuous characteristics, and the grid their
# values lie on (whole years, tenths of a month, quarter hours, whole people and contacts).
TABLE1 = {
    "age": (42.9, 9.0, 26, 59, 1),
    "months_in_post": (17.7, 8.2, 6.1, 31.6, 0.1),
    "contracted_hours": (17.8, 5.6, 10, 30, 0.25),
    "number_of_peers": (9.7, 8.0, 1, 39, 1),  # the paper's table prints a maximum of 40; its text says 39
    "completed_face_to_face_contacts": (1682 / 30, 54.0, 2, 273, 1),  # 1,682 in all
}

# Published Table 2: (service id, label, people with any contact at T1, at T3).
SERVICES = [
    ("admission_mh", "Hospital admission (mental health)", 0, 0),
    ("admission_ph", "Hospital admission (physical health)", 1, 0),
    ("ae_mh", "A&E attendance (mental health)", 0, 0),
    ("ae_ph", "A&E attendance (physical health)", 4, 0),
    ("outpatient_mh", "Outpatient visit (mental health)", 5, 0),
    ("psychiatrist", "Psychiatrist", 7, 3),
    ("community_mh", "Community mental health services", 13, 6),
    ("crisis_team", "Crisis & home treatment team", 0, 0),
    ("psychological_therapy", "Psychological therapy", 4, 7),
    ("gp", "GP", 13, 10),
    ("primary_care_nurse", "Primary care nurse", 8, 3),
    ("wellbeing_services", "Wellbeing services (community-based)", 9, 12),
]

LEAVERS = ["contract_end", "new_job", "health", "new_job", "personal", "contract_end"]
WITHDRAWN = 2
CONTACTS_START = dt.date(2019, 1, 7)  # the contact log began
CONTACT_DAYS = 540  # a worker's contacts are drawn on days 0-539, then spread (timeline.over_time_in_post)
DATA_CUT = dt.date(2021, 3, 31)
# Sites whose log stops before the data cut (the first day not logged): S7 has entered nothing
# since December 2020, so the data-quality alerts have something to find.
LOG_STOPS = {"S7": dt.date(2021, 1, 1)}
