"""What a report shows: tables, figures and quotes as blocks, the extract a report is given."""
