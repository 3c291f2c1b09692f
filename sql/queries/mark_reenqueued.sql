-- One more reconciler attempt for each (posting_id, content_hash) in @rows (JSON array of
-- {"p": id, "h": hash}), stamped with BigQuery's clock.
MERGE `${dataset}.intake` T
USING (
  SELECT DISTINCT JSON_VALUE(j, '$.p') AS posting_id, JSON_VALUE(j, '$.h') AS content_hash
  FROM UNNEST(JSON_QUERY_ARRAY(@rows)) AS j
) S
ON T.posting_id = S.posting_id AND T.content_hash = S.content_hash
WHEN MATCHED THEN
  UPDATE SET attempts = T.attempts + 1, last_attempt_at = CURRENT_TIMESTAMP()
