-- Clustering runs per clustering and enrichment version, newest first (filled by the clustering job).
SELECT clustering_version, enrichment_version, COUNT(*) AS runs, MAX(started_at) AS last_run,
       ANY_VALUE(n_clusters) AS n_clusters
FROM `${dataset}.cluster_runs`
GROUP BY clustering_version, enrichment_version
ORDER BY last_run DESC
