-- Rows written before versioning existed get the version fields, tagged as "legacy", so drift
-- re-enrichment picks them up like any other old version. Safe to run twice.
ALTER TABLE `${dataset}.job_enrichments` ADD COLUMN IF NOT EXISTS enrichment_version STRING;
ALTER TABLE `${dataset}.job_enrichments` ADD COLUMN IF NOT EXISTS component_versions JSON;
UPDATE `${dataset}.job_enrichments` SET enrichment_version = 'legacy' WHERE enrichment_version IS NULL;
