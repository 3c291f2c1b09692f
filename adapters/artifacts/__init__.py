"""Model artifacts and config files: load, version, fingerprint and archive what the pipeline runs."""
