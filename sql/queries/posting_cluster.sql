-- The active cluster of one posting.
SELECT a.run_id, a.cluster_id, a.distance
FROM `${dataset}.cluster_assignments` AS a
JOIN `${dataset}.cluster_runs` AS r USING (run_id)
WHERE r.is_active AND a.posting_id = @posting_id
