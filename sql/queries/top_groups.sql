-- Skills rolled up to their nearest broader group (concept- and group-level links alike), by
-- the number of postings naming the group, at one enrichment version (2026.11.10+ rows).
SELECT c.group_id, ANY_VALUE(c.group_name) AS name,
       COUNT(DISTINCT e.posting_id) AS postings, COUNT(*) AS skills
FROM `${dataset}.job_enrichments` AS e, UNNEST(e.skill_concepts) AS c
WHERE e.enrichment_version = @version AND c.group_id IS NOT NULL
GROUP BY c.group_id
ORDER BY postings DESC, c.group_id
LIMIT @limit
