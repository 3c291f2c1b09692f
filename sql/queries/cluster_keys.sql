-- Keys of the postings current at @version whose id is in (@after, @upto], at most @limit, by id:
-- one clustering chunk. Reads only the narrow state log; features come from cluster_features.sql.
SELECT posting_id, content_hash, row_id FROM `${dataset}.posting_state`
WHERE enrichment_version = @version AND posting_id > @after
  AND (@upto IS NULL OR posting_id <= @upto)
ORDER BY posting_id
LIMIT @limit
