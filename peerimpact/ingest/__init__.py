"""Reading a study: files in, validated frames and scores out (load → validate → score)."""
