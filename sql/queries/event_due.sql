-- Enrichment rows enriched in [now - @window_ms, now - @grace_ms] (BigQuery's clock) with no
-- event mark: the events that are still due. Both tables are read for the window only
-- (partitions of job_enrichments by enriched_at, of event_marks by sent_at).
SELECT DISTINCT e.row_id, e.posting_id
FROM `${dataset}.job_enrichments` AS e
WHERE e.enriched_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @window_ms MILLISECOND)
  AND e.enriched_at <= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @grace_ms MILLISECOND)
  AND NOT EXISTS (
    SELECT 1 FROM `${dataset}.event_marks` AS m
    WHERE m.row_id = e.row_id
      AND m.sent_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @window_ms MILLISECOND))
ORDER BY e.row_id
LIMIT @limit
