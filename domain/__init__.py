"""Pure domain of ml-enrichment: entities, ports and ML/business logic (no I/O)."""
