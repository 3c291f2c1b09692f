-- One chunk's assignments; a redelivered chunk replaces its rows (keyed by run_id, posting_id).
MERGE `${dataset}.cluster_assignments` T
USING (
  SELECT @run_id AS run_id,
    JSON_VALUE(j, '$.p') AS posting_id,
    CAST(JSON_VALUE(j, '$.c') AS INT64) AS cluster_id,
    CAST(JSON_VALUE(j, '$.d') AS FLOAT64) AS distance
  FROM UNNEST(JSON_QUERY_ARRAY(@rows)) AS j
) S
ON T.run_id = S.run_id AND T.posting_id = S.posting_id
WHEN MATCHED THEN UPDATE SET cluster_id = S.cluster_id, distance = S.distance
WHEN NOT MATCHED THEN
  INSERT (run_id, posting_id, cluster_id, distance)
  VALUES (S.run_id, S.posting_id, S.cluster_id, S.distance)
