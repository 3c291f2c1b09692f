-- Occupation coding (enrichment 2026.11.8+). Safe to run twice.
-- The whole code (OccupationCode JSON: SOC, ESCO, ISCO-08, top 3, seniority, method, reason) and
-- flat columns the trend queries group by. Rows written before read NULL.
ALTER TABLE `${dataset}.job_enrichments` ADD COLUMN IF NOT EXISTS occupation JSON;
ALTER TABLE `${dataset}.job_enrichments` ADD COLUMN IF NOT EXISTS soc_code STRING;
ALTER TABLE `${dataset}.job_enrichments` ADD COLUMN IF NOT EXISTS isco_group STRING;
ALTER TABLE `${dataset}.job_enrichments` ADD COLUMN IF NOT EXISTS occupation_confidence FLOAT64;
