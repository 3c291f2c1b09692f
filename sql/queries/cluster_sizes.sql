-- Cluster sizes over the newest @runs completed runs.
WITH r AS (
  SELECT run_id FROM `${dataset}.cluster_runs` WHERE status = 'completed'
  ORDER BY started_at DESC, run_id DESC LIMIT @runs)
SELECT a.run_id, a.cluster_id, COUNT(*) AS size
FROM `${dataset}.cluster_assignments` AS a JOIN r USING (run_id)
GROUP BY a.run_id, a.cluster_id
ORDER BY a.run_id, a.cluster_id
