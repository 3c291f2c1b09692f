-- Members of one cluster in one run, closest to the centre first.
SELECT posting_id FROM `${dataset}.cluster_assignments`
WHERE run_id = @run_id AND cluster_id = @cluster_id
ORDER BY distance, posting_id
LIMIT @limit
