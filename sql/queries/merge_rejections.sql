-- Rejections and failures; idempotent on rejection_id.
MERGE `${dataset}.rejections` T
USING (
  SELECT
    JSON_VALUE(j, '$.rejection_id') AS rejection_id,
    JSON_VALUE(j, '$.stage') AS stage,
    JSON_VALUE(j, '$.reason') AS reason,
    JSON_VALUE(j, '$.detail') AS detail,
    JSON_VALUE(j, '$.source') AS source,
    TIMESTAMP(JSON_VALUE(j, '$.rejected_at')) AS rejected_at,
    JSON_VALUE(j, '$.posting_id') AS posting_id,
    JSON_VALUE(j, '$.content_hash') AS content_hash
  FROM UNNEST(JSON_QUERY_ARRAY(@rows)) AS j
) S
ON T.rejection_id = S.rejection_id
WHEN NOT MATCHED THEN
  INSERT (rejection_id, stage, reason, detail, source, rejected_at, posting_id, content_hash)
  VALUES (S.rejection_id, S.stage, S.reason, S.detail, S.source, S.rejected_at, S.posting_id,
          S.content_hash)
