-- Every @page-th drifted posting id (same filters as drift.sql), ascending: the upper ends of the
-- page ranges of one drift pass. One narrow read of the state log per pass (~134 B per move);
-- each page then reads only its own range (drift.sql with @upto).
SELECT posting_id FROM (
  SELECT s.posting_id, ROW_NUMBER() OVER (ORDER BY s.posting_id) AS rn
  FROM `${dataset}.posting_state` AS s
  WHERE s.enrichment_version != @current
    AND (@from_version IS NULL OR s.enrichment_version = @from_version)
    AND (@since IS NULL OR s.enriched_at >= @since))
WHERE MOD(rn, @page) = 0
ORDER BY posting_id
