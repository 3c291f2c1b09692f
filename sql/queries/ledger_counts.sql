-- Intake ledger totals for `enrich-ops status` and the metrics; unaccounted as in
-- unaccounted_intake.sql (whatever the attempts).
SELECT
  (SELECT COUNT(*) FROM `${dataset}.intake`) AS accepted,
  (SELECT COUNT(*) FROM `${dataset}.intake` AS i
   WHERE NOT EXISTS (
       SELECT 1 FROM `${dataset}.job_enrichments` AS e
       WHERE e.posting_id = i.posting_id AND e.content_hash = i.content_hash)
     AND NOT EXISTS (
       SELECT 1 FROM `${dataset}.rejections` AS r
       WHERE r.posting_id = i.posting_id AND r.content_hash = i.content_hash)
     AND COALESCE(i.last_attempt_at, i.accepted_at)
         <= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @grace_ms MILLISECOND)) AS unaccounted,
  (SELECT COALESCE(SUM(attempts), 0) FROM `${dataset}.intake`) AS reenqueued,
  (SELECT COUNT(*) FROM `${dataset}.rejections`
   WHERE stage = 'intake' AND reason = 'lost_in_transit') AS lost_in_transit,
  (SELECT COUNT(*) FROM `${dataset}.intake` WHERE text = '') AS compacted
