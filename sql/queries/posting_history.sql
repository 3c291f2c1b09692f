-- Every enrichment of one posting, oldest first.
SELECT posting_id, content_hash, enrichment_version, TO_JSON_STRING(component_versions) AS component_versions,
       TO_JSON_STRING(sections) AS sections, skills, skill_links, skill_sections, skill_concepts, enriched_at, processing_ms, truncated, language,
       TO_JSON_STRING(occupation) AS occupation, skill_years
FROM `${dataset}.v_job_enrichments`
WHERE posting_id = @posting_id
ORDER BY enriched_at, row_id
