SELECT posting_id, cluster_id FROM `${dataset}.cluster_assignments` WHERE run_id = @run_id
