-- Rows written at @version by how many skills they hold, with their summed processing time:
-- the skills-per-posting histogram and extraction latency of the metrics exporter.
SELECT skill_count, COUNT(*) AS n, IFNULL(SUM(processing_ms), 0) AS ms
FROM `${dataset}.v_job_enrichments`
WHERE enrichment_version = @version
GROUP BY skill_count
ORDER BY skill_count
