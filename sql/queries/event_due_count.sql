-- How many rows event_due.sql would list without its limit.
SELECT COUNT(DISTINCT e.row_id) AS n
FROM `${dataset}.job_enrichments` AS e
WHERE e.enriched_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @window_ms MILLISECOND)
  AND e.enriched_at <= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @grace_ms MILLISECOND)
  AND NOT EXISTS (
    SELECT 1 FROM `${dataset}.event_marks` AS m
    WHERE m.row_id = e.row_id
      AND m.sent_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @window_ms MILLISECOND))
