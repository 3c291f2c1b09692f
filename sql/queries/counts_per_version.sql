-- Rows, distinct postings, and postings whose latest enrichment it is, per enrichment version.
SELECT
  e.enrichment_version,
  COUNT(*) AS n_rows,
  COUNT(DISTINCT e.posting_id) AS postings,
  ANY_VALUE(COALESCE(s.n, 0)) AS latest
FROM `${dataset}.v_job_enrichments` AS e
LEFT JOIN (
  SELECT enrichment_version, COUNT(*) AS n FROM `${dataset}.posting_state` GROUP BY enrichment_version
) AS s USING (enrichment_version)
GROUP BY e.enrichment_version
ORDER BY n_rows DESC, e.enrichment_version
