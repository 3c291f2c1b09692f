-- Which keys of one batch the warehouse already holds (write_batch appends only the others).
-- Reads only what the batch names: postings and job_enrichments by their clustering columns
-- (posting_id; enrichment_version, posting_id), rejections by the partitions of their own
-- rejected_at, so the bytes read do not grow with the tables. A key appended twice by two
-- racing persisters is removed by the v_* views.
SELECT 'p' AS kind, CONCAT(posting_id, ':', content_hash) AS k
FROM `${dataset}.postings`
WHERE posting_id IN UNNEST(@posting_ids)
  AND CONCAT(posting_id, ':', content_hash) IN UNNEST(@posting_keys)
UNION ALL
SELECT 'e' AS kind, row_id AS k
FROM `${dataset}.job_enrichments`
WHERE enrichment_version IN UNNEST(@versions)
  AND posting_id IN UNNEST(@enriched_ids)
  AND row_id IN UNNEST(@row_ids)
UNION ALL
SELECT 'r' AS kind, rejection_id AS k
FROM `${dataset}.rejections`
WHERE DATE(rejected_at) IN UNNEST(@rejected_days)
  AND rejection_id IN UNNEST(@rejection_ids)
