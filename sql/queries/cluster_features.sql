-- Title and skills (concept id, name, confidence) of postings current at @version whose id is in
-- (@after, @upto], at most @limit, by id. No posting text.
WITH s AS (
  SELECT posting_id, content_hash, row_id FROM `${dataset}.posting_state`
  WHERE enrichment_version = @version AND posting_id > @after
    AND (@upto IS NULL OR posting_id <= @upto)
  ORDER BY posting_id LIMIT @limit)
SELECT s.posting_id, p.title,
       ARRAY(SELECT AS STRUCT k.skill_id, k.name, k.confidence FROM UNNEST(e.skills) AS k) AS skills
FROM s
JOIN `${dataset}.v_postings` AS p USING (posting_id, content_hash)
JOIN `${dataset}.v_job_enrichments` AS e ON e.row_id = s.row_id
ORDER BY s.posting_id
