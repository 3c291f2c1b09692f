-- One evaluation result; idempotent on result_id.
MERGE `${dataset}.evaluation_results` T
USING (
  SELECT
    JSON_VALUE(j, '$.result_id') AS result_id,
    JSON_VALUE(j, '$.dataset') AS dataset,
    JSON_VALUE(j, '$.dataset_hash') AS dataset_hash,
    JSON_VALUE(j, '$.enrichment_version') AS enrichment_version,
    JSON_QUERY(j, '$.metrics') AS metrics,
    CAST(JSON_VALUE(j, '$.n_docs') AS INT64) AS n_docs,
    TIMESTAMP(JSON_VALUE(j, '$.evaluated_at')) AS evaluated_at,
    CAST(JSON_VALUE(j, '$.regressed') AS BOOL) AS regressed,
    ARRAY(SELECT JSON_VALUE(x, '$') FROM UNNEST(JSON_QUERY_ARRAY(j, '$.regressions')) AS x) AS regressions,
    JSON_VALUE(j, '$.compared_to') AS compared_to
  FROM UNNEST(JSON_QUERY_ARRAY(@rows)) AS j
) S
ON T.result_id = S.result_id
WHEN NOT MATCHED THEN
  INSERT (result_id, dataset, dataset_hash, enrichment_version, metrics, n_docs, evaluated_at,
          regressed, regressions, compared_to)
  VALUES (S.result_id, S.dataset, S.dataset_hash, S.enrichment_version, S.metrics, S.n_docs,
          S.evaluated_at, S.regressed, S.regressions, S.compared_to)
