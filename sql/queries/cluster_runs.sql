-- Clustering runs, newest first; optionally of one clustering version, one run, one status, or
-- only the active run.
SELECT run_id, clustering_version, enrichment_version, status, started_at, model_id,
       IFNULL(is_active, FALSE) AS is_active, finished_at, n_postings, n_clusters, reason,
       TO_JSON_STRING(metrics) AS metrics
FROM `${dataset}.cluster_runs`
WHERE (@version IS NULL OR clustering_version = @version)
  AND (@run_id IS NULL OR run_id = @run_id)
  AND (@status IS NULL OR status = @status)
  AND (IFNULL(is_active, FALSE) OR NOT @active_only)
ORDER BY started_at DESC, run_id DESC
LIMIT @limit
