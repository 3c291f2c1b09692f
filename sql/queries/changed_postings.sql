-- Postings whose cluster differs between run @run_a and run @run_b.
SELECT a.posting_id, a.cluster_id AS cluster_a, b.cluster_id AS cluster_b
FROM `${dataset}.cluster_assignments` AS a
JOIN `${dataset}.cluster_assignments` AS b ON a.posting_id = b.posting_id
WHERE a.run_id = @run_a AND b.run_id = @run_b AND a.cluster_id != b.cluster_id
ORDER BY a.posting_id
LIMIT @limit
