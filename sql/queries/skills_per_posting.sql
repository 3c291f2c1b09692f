SELECT COALESCE(AVG(skill_count), 0) AS avg_skills
FROM `${dataset}.v_job_enrichments`
WHERE enrichment_version = @version
