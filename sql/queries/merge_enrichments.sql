-- Enrichments of one batch; idempotent on row_id = posting_id:content_hash:enrichment_version.
MERGE `${dataset}.job_enrichments` T
USING (
  SELECT
    JSON_VALUE(j, '$.row_id') AS row_id,
    JSON_VALUE(j, '$.posting_id') AS posting_id,
    JSON_VALUE(j, '$.content_hash') AS content_hash,
    JSON_VALUE(j, '$.enrichment_version') AS enrichment_version,
    JSON_QUERY(j, '$.component_versions') AS component_versions,
    JSON_QUERY(j, '$.sections') AS sections,
    ARRAY(
      SELECT AS STRUCT
        JSON_VALUE(s, '$.skill_id') AS skill_id,
        JSON_VALUE(s, '$.name') AS name,
        JSON_VALUE(s, '$.category') AS category,
        CAST(JSON_VALUE(s, '$.confidence') AS FLOAT64) AS confidence,
        ARRAY(SELECT JSON_VALUE(x, '$') FROM UNNEST(JSON_QUERY_ARRAY(s, '$.source_strategies')) AS x)
          AS source_strategies,
        ARRAY(
          SELECT AS STRUCT
            CAST(JSON_VALUE(m, '$.start') AS INT64) AS start,
            CAST(JSON_VALUE(m, '$.end') AS INT64) AS `end`,
            JSON_VALUE(m, '$.text') AS text,
            JSON_VALUE(m, '$.section') AS section,
            JSON_VALUE(m, '$.strategy') AS strategy
          FROM UNNEST(JSON_QUERY_ARRAY(s, '$.mentions')) AS m
        ) AS mentions
      FROM UNNEST(JSON_QUERY_ARRAY(j, '$.skills')) AS s
    ) AS skills,
    ARRAY(
      SELECT AS STRUCT
        JSON_VALUE(s, '$.skill_id') AS skill_id,
        CAST(JSON_VALUE(s, '$.link_score') AS FLOAT64) AS link_score,
        JSON_VALUE(s, '$.link_method') AS link_method
      FROM UNNEST(JSON_QUERY_ARRAY(j, '$.skills')) AS s WITH OFFSET AS o
      ORDER BY o
    ) AS skill_links,
    ARRAY(
      SELECT AS STRUCT
        JSON_VALUE(s, '$.skill_id') AS skill_id,
        JSON_VALUE(s, '$.section') AS section,
        CAST(JSON_VALUE(s, '$.section_relevance') AS FLOAT64) AS section_relevance
      FROM UNNEST(JSON_QUERY_ARRAY(j, '$.skills')) AS s WITH OFFSET AS o
      ORDER BY o
    ) AS skill_sections,
    ARRAY(
      SELECT AS STRUCT
        JSON_VALUE(s, '$.skill_id') AS skill_id,
        JSON_VALUE(s, '$.link_level') AS link_level,
        JSON_VALUE(s, '$.group_id') AS group_id,
        JSON_VALUE(s, '$.group_name') AS group_name,
        ARRAY(
          SELECT AS STRUCT
            JSON_VALUE(c, '$.skill_id') AS skill_id,
            JSON_VALUE(c, '$.name') AS name,
            CAST(JSON_VALUE(c, '$.score') AS FLOAT64) AS score,
            JSON_VALUE(c, '$.source') AS source
          FROM UNNEST(JSON_QUERY_ARRAY(s, '$.candidates')) AS c
        ) AS candidates
      FROM UNNEST(JSON_QUERY_ARRAY(j, '$.skills')) AS s WITH OFFSET AS o
      ORDER BY o
    ) AS skill_concepts,
    ARRAY(
      SELECT AS STRUCT
        JSON_VALUE(s, '$.skill_id') AS skill_id,
        ARRAY(
          SELECT AS STRUCT
            CAST(JSON_VALUE(m, '$.years_min') AS FLOAT64) AS years_min,
            CAST(JSON_VALUE(m, '$.years_max') AS FLOAT64) AS years_max
          -- in the order of `skills.mentions`, built from the same array the same way
          FROM UNNEST(JSON_QUERY_ARRAY(s, '$.mentions')) AS m
        ) AS mentions
      FROM UNNEST(JSON_QUERY_ARRAY(j, '$.skills')) AS s WITH OFFSET AS o
      ORDER BY o
    ) AS skill_years,
    CAST(JSON_VALUE(j, '$.skill_count') AS INT64) AS skill_count,
    TIMESTAMP(JSON_VALUE(j, '$.enriched_at')) AS enriched_at,
    CAST(JSON_VALUE(j, '$.processing_ms') AS FLOAT64) AS processing_ms,
    CAST(JSON_VALUE(j, '$.truncated') AS BOOL) AS truncated,
    JSON_VALUE(j, '$.language') AS language,
    JSON_QUERY(j, '$.occupation') AS occupation,
    JSON_VALUE(j, '$.soc_code') AS soc_code,
    JSON_VALUE(j, '$.isco_group') AS isco_group,
    CAST(JSON_VALUE(j, '$.occupation_confidence') AS FLOAT64) AS occupation_confidence
  FROM UNNEST(JSON_QUERY_ARRAY(@rows)) AS j
) S
ON T.row_id = S.row_id
WHEN NOT MATCHED THEN
  INSERT (row_id, posting_id, content_hash, enrichment_version, component_versions, sections, skills,
          skill_links, skill_sections, skill_concepts, skill_count, enriched_at, processing_ms, truncated, language,
          occupation, soc_code, isco_group, occupation_confidence, skill_years)
  VALUES (S.row_id, S.posting_id, S.content_hash, S.enrichment_version, S.component_versions,
          S.sections, S.skills, S.skill_links, S.skill_sections, S.skill_concepts, S.skill_count, S.enriched_at, S.processing_ms,
          S.truncated, S.language, S.occupation, S.soc_code, S.isco_group, S.occupation_confidence,
          S.skill_years)
