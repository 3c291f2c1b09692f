-- Intake ledger (issue #21): every posting the bridge accepted, written before its source is
-- acked, with its raw text so the reconciler can enqueue it again (domain/reconcile.py).
-- accepted_at and last_attempt_at are set by BigQuery (CURRENT_TIMESTAMP()), never by a client,
-- so clock skew between bridge and reconciler hosts cannot age a posting. Safe to run twice.
CREATE TABLE IF NOT EXISTS `${dataset}.intake` (
  posting_id      STRING NOT NULL,
  content_hash    STRING NOT NULL,
  title           STRING,
  company         STRING,
  text            STRING NOT NULL,
  source          STRING,
  posted_at       STRING,
  source_ref      STRING,
  accepted_at     TIMESTAMP NOT NULL,
  attempts        INT64 NOT NULL,   -- re-enqueues by the reconciler
  last_attempt_at TIMESTAMP
)
PARTITION BY DATE(accepted_at)
CLUSTER BY posting_id;
