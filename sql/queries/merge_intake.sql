-- Accepted postings of one bridge batch; idempotent on (posting_id, content_hash): a posting
-- bridged again keeps its first accepted_at. @rows: JSON array. Stamped with BigQuery's clock;
-- received_at is the bridge's intake stamp (Posting.received_at, "" when none: NULL).
MERGE `${dataset}.intake` T
USING (
  SELECT
    JSON_VALUE(j, '$.posting_id') AS posting_id,
    JSON_VALUE(j, '$.content_hash') AS content_hash,
    JSON_VALUE(j, '$.title') AS title,
    JSON_VALUE(j, '$.company') AS company,
    JSON_VALUE(j, '$.text') AS text,
    JSON_VALUE(j, '$.source') AS source,
    JSON_VALUE(j, '$.posted_at') AS posted_at,
    JSON_VALUE(j, '$.source_ref') AS source_ref,
    SAFE_CAST(NULLIF(JSON_VALUE(j, '$.received_at'), '') AS TIMESTAMP) AS received_at
  FROM UNNEST(JSON_QUERY_ARRAY(@rows)) AS j
) S
ON T.posting_id = S.posting_id AND T.content_hash = S.content_hash
WHEN NOT MATCHED THEN
  INSERT (posting_id, content_hash, title, company, text, source, posted_at, source_ref,
          accepted_at, attempts, received_at)
  VALUES (S.posting_id, S.content_hash, S.title, S.company, S.text, S.source, S.posted_at,
          S.source_ref, CURRENT_TIMESTAMP(), 0, S.received_at)
