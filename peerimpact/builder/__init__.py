"""Reports built: kinds and scopes, plan, execute, render, publish."""
