-- Postings enriched before posting_state existed get their latest row as current state, so the
-- drift job sees them. Inserts only postings missing from the state table: safe to run twice.
-- (The table was in ddl/001 until migration 011 made posting_state a view: created here.)
CREATE TABLE IF NOT EXISTS `${dataset}.posting_state` (
  posting_id         STRING NOT NULL,
  content_hash       STRING NOT NULL,
  enrichment_version STRING NOT NULL,
  row_id             STRING NOT NULL,
  enriched_at        TIMESTAMP NOT NULL
)
CLUSTER BY enrichment_version, posting_id;
INSERT INTO `${dataset}.posting_state` (posting_id, content_hash, enrichment_version, row_id, enriched_at)
SELECT posting_id, content_hash, enrichment_version, row_id, enriched_at
FROM (
  SELECT e.*, ROW_NUMBER() OVER (PARTITION BY e.posting_id ORDER BY e.enriched_at DESC, e.row_id DESC) AS rn
  FROM `${dataset}.job_enrichments` AS e
  WHERE e.posting_id NOT IN (SELECT posting_id FROM `${dataset}.posting_state`)
)
WHERE rn = 1;
