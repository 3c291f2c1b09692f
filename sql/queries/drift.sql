-- Postings whose latest enrichment is not @current (optionally at @from_version, written at/after
-- @since), after cursor @after, ordered by posting_id. Carries the text for re-enrichment.
SELECT p.posting_id, p.text, p.content_hash, p.title, p.company, p.source, p.posted_at
FROM `${dataset}.posting_state` AS s
JOIN `${dataset}.v_postings` AS p USING (posting_id, content_hash)
WHERE s.enrichment_version != @current
  AND (@from_version IS NULL OR s.enrichment_version = @from_version)
  AND (@since IS NULL OR s.enriched_at >= @since)
  AND s.posting_id > @after
ORDER BY s.posting_id
LIMIT @limit
