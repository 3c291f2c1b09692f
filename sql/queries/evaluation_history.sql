-- Evaluation results, newest first, optionally for one dataset.
SELECT result_id, dataset, dataset_hash, enrichment_version, TO_JSON_STRING(metrics) AS metrics,
       n_docs, evaluated_at, regressed, regressions, compared_to
FROM `${dataset}.evaluation_results`
WHERE @name IS NULL OR dataset = @name
ORDER BY evaluated_at DESC, result_id
LIMIT @limit
