-- Insert or update one run's row; never touches is_active (only activation does).
MERGE `${dataset}.cluster_runs` T
USING (
  SELECT
    JSON_VALUE(j, '$.run_id') AS run_id,
    JSON_VALUE(j, '$.cluster_version') AS clustering_version,
    JSON_VALUE(j, '$.enrichment_version') AS enrichment_version,
    JSON_VALUE(j, '$.model_id') AS model_id,
    JSON_VALUE(j, '$.status') AS status,
    TIMESTAMP(JSON_VALUE(j, '$.started_at')) AS started_at,
    TIMESTAMP(JSON_VALUE(j, '$.finished_at')) AS finished_at,
    CAST(JSON_VALUE(j, '$.n_postings') AS INT64) AS n_postings,
    CAST(JSON_VALUE(j, '$.n_clusters') AS INT64) AS n_clusters,
    JSON_VALUE(j, '$.reason') AS reason,
    JSON_QUERY(j, '$.metrics') AS metrics
  FROM UNNEST(JSON_QUERY_ARRAY(@rows)) AS j
) S
ON T.run_id = S.run_id
WHEN MATCHED THEN UPDATE SET
  model_id = S.model_id, status = S.status, finished_at = S.finished_at,
  n_postings = S.n_postings, n_clusters = S.n_clusters, reason = S.reason,
  metrics = PARSE_JSON(S.metrics)
WHEN NOT MATCHED THEN
  INSERT (run_id, clustering_version, enrichment_version, model_id, status, is_active, started_at,
          finished_at, n_postings, n_clusters, reason, metrics)
  VALUES (S.run_id, S.clustering_version, S.enrichment_version, S.model_id, S.status, FALSE,
          S.started_at, S.finished_at, S.n_postings, S.n_clusters, S.reason, PARSE_JSON(S.metrics))
