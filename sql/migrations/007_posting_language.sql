-- The posting's language, detected once per posting (enrichment 2026.11.7+, issue #23): ISO 639-1
-- ("en", "de"), "mul" for a mixed-language posting, "und" when undetermined. Rows written before
-- read NULL. Safe to run twice.
ALTER TABLE `${dataset}.job_enrichments` ADD COLUMN IF NOT EXISTS language STRING;
