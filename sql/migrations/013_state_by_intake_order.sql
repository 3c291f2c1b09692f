-- The state follows the order postings ENTERED, not the order they were enriched (2026-11-30).
-- Two contents of one posting_id can be enriched in parallel batches, the older one last; the
-- state must still be the later-received content. posting_state_log gains the intake stamp of
-- the move's content (Posting.received_at, set by the bridge; NULL on moves written before), and
-- the view keeps each posting's move with the latest (received_at, enriched_at), a NULL stamp
-- the oldest. Safe to run twice.
ALTER TABLE `${dataset}.posting_state_log` ADD COLUMN IF NOT EXISTS received_at TIMESTAMP;
-- The intake ledger keeps the stamp too, so a posting the reconciler re-enqueues keeps it.
ALTER TABLE `${dataset}.intake` ADD COLUMN IF NOT EXISTS received_at TIMESTAMP;
CREATE OR REPLACE VIEW `${dataset}.posting_state` AS
SELECT posting_id, content_hash, enrichment_version, row_id, enriched_at, received_at
FROM `${dataset}.posting_state_log`
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (
  PARTITION BY posting_id ORDER BY received_at DESC NULLS LAST, enriched_at DESC, row_id DESC) = 1;
