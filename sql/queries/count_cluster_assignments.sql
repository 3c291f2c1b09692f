SELECT COUNT(*) AS n FROM `${dataset}.cluster_assignments` WHERE run_id = @run_id
