-- Title and skills (concept id, name, confidence) of the postings of one chunk, by key (@ids,
-- @row_ids from cluster_keys.sql): the version and ids are the clustering columns of both
-- tables, so only the chunk's blocks are read. No posting text.
SELECT e.posting_id, p.title,
       ARRAY(SELECT AS STRUCT k.skill_id, k.name, k.confidence FROM UNNEST(e.skills) AS k) AS skills
FROM `${dataset}.v_job_enrichments` AS e
JOIN `${dataset}.v_postings` AS p USING (posting_id, content_hash)
WHERE e.enrichment_version = @version
  AND e.posting_id IN UNNEST(@ids)
  AND e.row_id IN UNNEST(@row_ids)
  AND p.posting_id IN UNNEST(@ids)
ORDER BY e.posting_id
