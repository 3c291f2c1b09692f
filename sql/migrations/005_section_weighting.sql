-- Section-aware extraction (enrichment 2026.11.5+). Safe to run twice.
-- 1. Per skill: the section of the mention that set its confidence and that section's relevance
--    weight, one entry per element of `skills`, same order (a parallel column, like skill_links:
--    BigQuery DDL cannot add a field inside the skills STRUCT). Rows written before read NULL.
ALTER TABLE `${dataset}.job_enrichments`
  ADD COLUMN IF NOT EXISTS skill_sections ARRAY<STRUCT<skill_id STRING, section STRING, section_relevance FLOAT64>>;
-- 2. section_classifications: was a table nothing ever wrote; now a view with one row per section
--    of every enrichment row and the classifier version that made it (from component_versions),
--    so it can never disagree with the rows it describes.
--    (Tables from before versioning may lack `sections`: it is added, NULL = no sections.)
ALTER TABLE `${dataset}.job_enrichments` ADD COLUMN IF NOT EXISTS sections JSON;
DROP TABLE IF EXISTS `${dataset}.section_classifications`;
CREATE OR REPLACE VIEW `${dataset}.section_classifications` AS
SELECT
  e.row_id,
  e.posting_id,
  e.content_hash,
  e.enrichment_version,
  JSON_VALUE(e.component_versions, '$.section_classifier') AS classifier_version,
  o AS section_index,
  JSON_VALUE(s, '$[0]') AS kind,
  CAST(JSON_VALUE(s, '$[1]') AS INT64) AS start,
  CAST(JSON_VALUE(s, '$[2]') AS INT64) AS `end`,
  JSON_VALUE(s, '$[3]') AS header,
  e.enriched_at
FROM `${dataset}.job_enrichments` AS e, UNNEST(JSON_QUERY_ARRAY(e.sections)) AS s WITH OFFSET AS o;
