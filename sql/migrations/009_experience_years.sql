-- Years of experience per mention (enrichment 2026.11.7+, issue #23: "5+ years of Java" ->
-- years_min 5, years_max NULL). One entry per element of `skills`, same order, each holding one
-- entry per mention of that skill, same order. A parallel column, because BigQuery DDL cannot
-- add a field inside the existing skills STRUCT. Rows written before read NULL (no years).
-- Safe to run twice.
ALTER TABLE `${dataset}.job_enrichments`
  ADD COLUMN IF NOT EXISTS skill_years
    ARRAY<STRUCT<skill_id STRING, mentions ARRAY<STRUCT<years_min FLOAT64, years_max FLOAT64>>>>;
