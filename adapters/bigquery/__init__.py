"""BigQuery warehouse: the production EnrichmentStore, its migrations and trend queries."""
