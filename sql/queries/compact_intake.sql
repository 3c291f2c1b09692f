-- Drop the raw text of up to @limit ledger entries accepted at least @retention_ms ago (BigQuery's
-- clock) whose content is accounted for: an enrichment row (any version; the append-only table,
-- duplicates do not matter to EXISTS) or a failure/rejection row. Keys, refs, times and attempts
-- stay. Reads the ledger's partitions older than the retention, plus the two key columns of
-- job_enrichments and rejections; one DML statement per run (beat, hourly by default).
MERGE `${dataset}.intake` T
USING (
  SELECT i.posting_id, i.content_hash
  FROM `${dataset}.intake` AS i
  WHERE i.text != ''
    AND i.accepted_at <= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @retention_ms MILLISECOND)
    AND (EXISTS (
           SELECT 1 FROM `${dataset}.job_enrichments` AS e
           WHERE e.posting_id = i.posting_id AND e.content_hash = i.content_hash)
         OR EXISTS (
           SELECT 1 FROM `${dataset}.rejections` AS r
           WHERE r.posting_id = i.posting_id AND r.content_hash = i.content_hash))
  ORDER BY i.posting_id, i.content_hash
  LIMIT @limit
) S
ON T.posting_id = S.posting_id AND T.content_hash = S.content_hash
WHEN MATCHED THEN
  UPDATE SET text = '', title = NULL, company = NULL
