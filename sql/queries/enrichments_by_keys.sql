-- The enrichment rows of @row_ids (with their @posting_ids: the clustering column prunes), one
-- read for the events resend job instead of one posting_history per posting. Same columns as
-- posting_history.sql.
SELECT posting_id, content_hash, enrichment_version, TO_JSON_STRING(component_versions) AS component_versions,
       TO_JSON_STRING(sections) AS sections, skills, skill_links, skill_sections, skill_concepts, enriched_at, processing_ms, truncated, language,
       TO_JSON_STRING(occupation) AS occupation, skill_years
FROM `${dataset}.v_job_enrichments`
WHERE posting_id IN UNNEST(@posting_ids) AND row_id IN UNNEST(@row_ids)
