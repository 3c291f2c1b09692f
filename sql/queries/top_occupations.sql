-- Postings per (SOC code, SOC title, ISCO group, method, reason) among the postings whose current
-- row (posting_state) is at @version, with the sum of their occupation confidence; the ranking
-- is done by the caller (domain/occupations/summary.py) on these few groups (at most a few per
-- SOC code). One row per posting: posting_state keeps one per posting_id, and the join reads
-- that row through the de-duplicating view. Rows written before occupation coding (2026.11.8)
-- have a NULL occupation and group under a NULL method.
-- Scans: posting_state_log (posting_id, enrichment_version, row_id, enriched_at, received_at),
-- all of it (the view's window runs before the version filter), and of job_enrichments only
-- row_id, posting_id, enrichment_version, enriched_at, soc_code, isco_group,
-- occupation_confidence and the occupation JSON, in the blocks clustered under @version.
SELECT e.soc_code, JSON_VALUE(e.occupation, '$.soc_title') AS soc_title, e.isco_group,
       JSON_VALUE(e.occupation, '$.method') AS method,
       JSON_VALUE(e.occupation, '$.reason') AS reason,
       COUNT(*) AS postings, COALESCE(SUM(e.occupation_confidence), 0) AS confidence
FROM `${dataset}.posting_state` AS s
JOIN `${dataset}.v_job_enrichments` AS e
  ON e.row_id = s.row_id AND e.enrichment_version = @version
WHERE s.enrichment_version = @version
GROUP BY soc_code, soc_title, isco_group, method, reason
