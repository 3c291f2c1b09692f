-- Every @chunk_size-th posting id of the postings current at @version: the chunk edges of a run.
SELECT posting_id FROM (
  SELECT posting_id, ROW_NUMBER() OVER (ORDER BY posting_id) AS rn, COUNT(*) OVER () AS n
  FROM `${dataset}.posting_state` WHERE enrichment_version = @version)
WHERE MOD(rn, @chunk_size) = 0 AND rn < n
ORDER BY posting_id
