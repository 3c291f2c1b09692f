-- Ledger entries with no enrichment of their content (any version) and no failure/rejection
-- row, idle (since acceptance or the last attempt) for at least @grace_ms on BigQuery's clock.
SELECT i.posting_id, i.text, i.content_hash, i.title, i.company, i.source, i.posted_at,
       i.source_ref, i.accepted_at, i.attempts, i.received_at
FROM `${dataset}.intake` AS i
WHERE NOT EXISTS (
    SELECT 1 FROM `${dataset}.job_enrichments` AS e
    WHERE e.posting_id = i.posting_id AND e.content_hash = i.content_hash)
  AND NOT EXISTS (
    SELECT 1 FROM `${dataset}.rejections` AS r
    WHERE r.posting_id = i.posting_id AND r.content_hash = i.content_hash)
  AND COALESCE(i.last_attempt_at, i.accepted_at)
      <= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @grace_ms MILLISECOND)
ORDER BY i.posting_id, i.content_hash
LIMIT @limit
