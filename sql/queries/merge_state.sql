-- Move each posting's current state to its newest enrichment; one MERGE per batch.
MERGE `${dataset}.posting_state` T
USING (
  SELECT
    JSON_VALUE(j, '$.posting_id') AS posting_id,
    JSON_VALUE(j, '$.content_hash') AS content_hash,
    JSON_VALUE(j, '$.enrichment_version') AS enrichment_version,
    JSON_VALUE(j, '$.row_id') AS row_id,
    TIMESTAMP(JSON_VALUE(j, '$.enriched_at')) AS enriched_at
  FROM UNNEST(JSON_QUERY_ARRAY(@rows)) AS j
) S
ON T.posting_id = S.posting_id
WHEN MATCHED AND S.enriched_at >= T.enriched_at THEN
  UPDATE SET content_hash = S.content_hash, enrichment_version = S.enrichment_version,
             row_id = S.row_id, enriched_at = S.enriched_at
WHEN NOT MATCHED THEN
  INSERT (posting_id, content_hash, enrichment_version, row_id, enriched_at)
  VALUES (S.posting_id, S.content_hash, S.enrichment_version, S.row_id, S.enriched_at)
