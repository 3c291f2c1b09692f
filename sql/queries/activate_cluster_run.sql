-- Activate @run_id and deactivate every other run in ONE statement (atomic: readers see the old
-- active run or the new one, never both or none). Changes nothing unless @run_id is running.
UPDATE `${dataset}.cluster_runs`
SET is_active = (run_id = @run_id),
    status = IF(run_id = @run_id, 'completed', status),
    finished_at = IF(run_id = @run_id, @now, finished_at),
    n_postings = IF(run_id = @run_id, @n_postings, n_postings),
    n_clusters = IF(run_id = @run_id, @n_clusters, n_clusters),
    metrics = IF(run_id = @run_id, PARSE_JSON(@metrics), metrics)
WHERE (run_id = @run_id OR is_active)
  AND EXISTS (SELECT 1 FROM `${dataset}.cluster_runs`
              WHERE run_id = @run_id AND status = 'running')
