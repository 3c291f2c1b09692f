-- Skills by the number of postings mentioning them, at one enrichment version.
SELECT s.skill_id, ANY_VALUE(s.name) AS name, ANY_VALUE(s.category) AS category,
       COUNT(DISTINCT e.posting_id) AS postings
FROM `${dataset}.v_job_enrichments` AS e, UNNEST(e.skills) AS s
WHERE e.enrichment_version = @version
GROUP BY s.skill_id
ORDER BY postings DESC, s.skill_id
LIMIT @limit
