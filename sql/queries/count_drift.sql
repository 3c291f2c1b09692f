-- How many postings' latest enrichment is not @current (same filters as drift.sql).
SELECT COUNT(*) AS n
FROM `${dataset}.posting_state` AS s
WHERE s.enrichment_version != @current
  AND (@from_version IS NULL OR s.enrichment_version = @from_version)
  AND (@since IS NULL OR s.enriched_at >= @since)
