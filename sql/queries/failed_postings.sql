-- The keys of postings with a failure row at one of @stages and no enrichment of that content at
-- @current, after cursor @after, ordered by posting_id: what `enrich-ops replay-failures` re-runs.
-- Reads the rejections and only the key columns of postings / job_enrichments (the latter by
-- its first clustering column, @current); the texts come next from postings_by_keys.sql.
SELECT DISTINCT r.posting_id, r.content_hash
FROM `${dataset}.rejections` AS r
WHERE r.stage IN UNNEST(@stages)
  AND r.posting_id > @after
  AND EXISTS (
    SELECT 1 FROM `${dataset}.postings` AS p
    WHERE p.posting_id = r.posting_id AND p.content_hash = r.content_hash)
  AND NOT EXISTS (
    SELECT 1 FROM `${dataset}.job_enrichments` AS e
    WHERE e.posting_id = r.posting_id AND e.content_hash = r.content_hash
      AND e.enrichment_version = @current)
ORDER BY r.posting_id, r.content_hash
LIMIT @limit
