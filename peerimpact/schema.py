"""Column names of the canonical frames every layer passes on (documented in the README, "Input data")."""

ID = "participant_id"
SERVICE_USE_COLUMNS = [ID, "timepoint", "service", "contact"]
CONTACT_COLUMNS = [ID, "person_id", "date", "mode", "duration_minutes", "completed"]
CODEBOOK_COLUMNS = ["code_id", "code", "theme", "description"]
EXCERPT_COLUMNS = ["excerpt_id", ID, "timepoint", "codes", "text"]
SCORE_COLUMNS = [
    ID,
    "site",
    "timepoint",
    "instrument",
    "subscale",
    "score",
    "items_answered",
    "items_missing",
    "prorated",
]
# Levels fixed by peerimpact itself, not by a study or its data.
CONTRACT_TYPES = ["contracted", "bank"]
CONTACT_MODES = ["face_to_face", "telephone"]
# Why a peer worker left post, unless study.yml lists its own levels under categories: left_post_reason.
LEFT_POST_REASONS = {
    "contract_end": "Contract ended",
    "new_job": "Moved to another job",
    "health": "Own health",
    "personal": "Personal reasons",
    "other": "Other",
}
# Dates a participants file may hold: consent first, the others on or after it, none after the data cut.
PARTICIPANT_DATES = ["consent_date", "left_post_date", "withdrawn_date"]
RETURN_COLUMNS = [ID, "site", "timepoint", "instrument", "completed_date", "items", "items_answered", "items_missing"]
