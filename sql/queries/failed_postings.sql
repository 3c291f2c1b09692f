-- Raw postings with a failure row at one of @stages and no enrichment of that content at
-- @current, after cursor @after, ordered by posting_id: what `enrich-ops replay-failures` re-runs.
SELECT p.posting_id, p.text, p.content_hash, p.title, p.company, p.source, p.posted_at
FROM `${dataset}.v_postings` AS p
WHERE EXISTS (
    SELECT 1 FROM `${dataset}.rejections` AS r
    WHERE r.posting_id = p.posting_id AND r.content_hash = p.content_hash
      AND r.stage IN UNNEST(@stages))
  AND NOT EXISTS (
    SELECT 1 FROM `${dataset}.job_enrichments` AS e
    WHERE e.posting_id = p.posting_id AND e.content_hash = p.content_hash
      AND e.enrichment_version = @current)
  AND p.posting_id > @after
ORDER BY p.posting_id, p.content_hash
LIMIT @limit
