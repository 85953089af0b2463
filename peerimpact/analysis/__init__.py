"""Statistics and qualitative counts: tidy frames in, tidy frames out."""
