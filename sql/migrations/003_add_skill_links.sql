-- Concept linking (enrichment 2026.11.3+): how each skill's concept was found and how sure, one
-- entry per element of `skills`, same order. A parallel column, because BigQuery DDL cannot add a
-- field inside the existing skills STRUCT. Rows written before read NULL. Safe to run twice.
ALTER TABLE `${dataset}.job_enrichments`
  ADD COLUMN IF NOT EXISTS skill_links ARRAY<STRUCT<skill_id STRING, link_score FLOAT64, link_method STRING>>;
