-- The keys of one drift page: postings whose latest enrichment is not @current (optionally at
-- @from_version, written at/after @since), in the posting_id range (@after, @upto] (@upto NULL:
-- no upper end), ordered by posting_id, at most @limit.
-- Reads only the narrow state log (5 columns, ~134 B per move), clustered by posting_id: with
-- both ends set only the blocks of that range are read, so a page costs O(page), not O(table)
-- (the ranges come from drift_bounds.sql once per pass: adapters/bigquery/drift_pages.py).
-- The texts of the page come next from postings_by_keys.sql, by key.
SELECT s.posting_id, s.content_hash
FROM `${dataset}.posting_state` AS s
WHERE s.enrichment_version != @current
  AND (@from_version IS NULL OR s.enrichment_version = @from_version)
  AND (@since IS NULL OR s.enriched_at >= @since)
  AND s.posting_id > @after
  AND (@upto IS NULL OR s.posting_id <= @upto)
ORDER BY s.posting_id
LIMIT @limit
