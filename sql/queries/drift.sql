-- The keys of one drift page: postings whose latest enrichment is not @current (optionally at
-- @from_version, written at/after @since), after cursor @after, ordered by posting_id.
-- Reads only the narrow state log (5 columns, ~134 B per move), clustered by posting_id so the
-- blocks before the cursor are skipped; the texts of the page come next from
-- postings_by_keys.sql, by key. (Joining postings here read every posting's text per page.)
SELECT s.posting_id, s.content_hash
FROM `${dataset}.posting_state` AS s
WHERE s.enrichment_version != @current
  AND (@from_version IS NULL OR s.enrichment_version = @from_version)
  AND (@since IS NULL OR s.enriched_at >= @since)
  AND s.posting_id > @after
ORDER BY s.posting_id
LIMIT @limit
