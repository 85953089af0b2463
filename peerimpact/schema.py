"""Column names of the canonical frames every layer passes on (documented in the README, "Input data")."""

ID = "participant_id"
SERVICE_USE_COLUMNS = [ID, "timepoint", "service", "contact"]
CONTACT_COLUMNS = [ID, "person_id", "date", "mode", "duration_minutes", "completed"]
CODEBOOK_COLUMNS = ["code_id", "code", "theme", "description"]
EXCERPT_COLUMNS = ["excerpt_id", ID, "timepoint", "codes", "text"]
SCORE_COLUMNS = [ID, "site", "timepoint", "instrument", "subscale", "score", "items_answered", "items_missing",
                 "prorated"]
# Levels fixed by peerimpact itself, not by a study or its data.
CONTRACT_TYPES = ["contracted", "bank"]
CONTACT_MODES = ["face_to_face", "telephone"]
