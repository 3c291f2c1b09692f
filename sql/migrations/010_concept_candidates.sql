-- Concept normalization (enrichment 2026.11.10+, issue #24). Safe to run twice.
-- Per skill, one entry per element of `skills`, same order (a parallel column, like skill_links:
-- BigQuery DDL cannot add a field inside the skills STRUCT): where the skill sits (link_level:
-- concept, group:3..group:1, none), its nearest broader group (an ESCO skill group code such as
-- S5.1.1 or isced-f/0613, or onet-category:<name>) and the linker's first candidates, best
-- first, so a consumer can re-threshold without re-running the fleet. Rows written before
-- read NULL.
ALTER TABLE `${dataset}.job_enrichments`
  ADD COLUMN IF NOT EXISTS skill_concepts ARRAY<STRUCT<
    skill_id STRING, link_level STRING, group_id STRING, group_name STRING,
    candidates ARRAY<STRUCT<skill_id STRING, name STRING, score FLOAT64, source STRING>>>>;
