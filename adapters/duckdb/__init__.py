"""DuckDB warehouse: the embedded default EnrichmentStore, its preflight checks and trend queries."""
