"""Section classification: split a posting into typed runs of text (requirements, benefits, ...)."""
