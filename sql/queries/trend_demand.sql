-- Trends: postings per @period (week | month) per key of @dimension (concept | category |
-- group (level 1) | occupation | cluster) for the @limit keys with most postings in [@start, @end).
-- one row per posting: its current row (posting_state) or, with @version, its latest row of that
-- version; t = posted_at, else received_at. A posting is received (and enriched) after it is
-- posted, so received_at >= @start and enriched_at >= @start read only the partitions from the
-- period start on (postings by DATE(received_at), job_enrichments by DATE(enriched_at)).
WITH cur AS (
  SELECT e.row_id, e.posting_id, e.enrichment_version AS version, e.soc_code,
         JSON_VALUE(e.occupation, "$.soc_title") AS soc_title, e.skills, e.skill_concepts,
         COALESCE(SAFE_CAST(p.posted_at AS TIMESTAMP), p.received_at) AS t,
         SAFE_CAST(p.posted_at AS TIMESTAMP) IS NULL AS fallback
  FROM `${dataset}.job_enrichments` AS e
  JOIN `${dataset}.postings` AS p ON p.posting_id = e.posting_id AND p.content_hash = e.content_hash
  LEFT JOIN `${dataset}.posting_state` AS s ON s.row_id = e.row_id
  WHERE ((@version IS NULL AND s.row_id IS NOT NULL) OR e.enrichment_version = @version)
    AND p.received_at >= TIMESTAMP(@start) AND e.enriched_at >= TIMESTAMP(@start)
  QUALIFY ROW_NUMBER() OVER (PARTITION BY e.posting_id ORDER BY e.enriched_at DESC, e.row_id DESC) = 1
),
win AS (SELECT * FROM cur WHERE t >= TIMESTAMP(@start) AND t < TIMESTAMP(@end)),
keyed AS (
  SELECT w.posting_id, w.t, s.skill_id AS key, s.name AS label
  FROM win AS w, UNNEST(w.skills) AS s WHERE @dimension = "concept"
  UNION ALL
  SELECT DISTINCT w.posting_id, w.t, s.category AS key, s.category AS label
  FROM win AS w, UNNEST(w.skills) AS s WHERE @dimension = "category"
  UNION ALL
  -- a skill's nearest group rolled up to level 1 (domain/trends.py level1_group); rows written
  -- before 2026.11.10 have no skill_concepts (NULL group_id) and count in no group
  SELECT DISTINCT w.posting_id, w.t, lvl1 AS key, lvl1 AS label
  FROM win AS w, UNNEST(w.skill_concepts) AS c,
       UNNEST([CASE WHEN STARTS_WITH(c.group_id, "onet-category:") THEN "isced-f/06"
                    WHEN STARTS_WITH(c.group_id, "isced-f/") THEN SUBSTR(c.group_id, 1, 10)
                    ELSE SPLIT(c.group_id, ".")[OFFSET(0)] END]) AS lvl1
  WHERE @dimension = "group" AND c.group_id IS NOT NULL
  UNION ALL
  SELECT w.posting_id, w.t, w.soc_code AS key, COALESCE(w.soc_title, w.soc_code) AS label
  FROM win AS w WHERE @dimension = "occupation" AND w.soc_code IS NOT NULL
  UNION ALL
  SELECT w.posting_id, w.t, CAST(a.cluster_id AS STRING) AS key, CONCAT("cluster ", CAST(a.cluster_id AS STRING)) AS label
  FROM win AS w
  JOIN `${dataset}.cluster_assignments` AS a ON a.posting_id = w.posting_id
  JOIN `${dataset}.cluster_runs` AS r ON r.run_id = a.run_id AND r.is_active
  WHERE @dimension = "cluster"
),
top AS (
  SELECT key, COUNT(DISTINCT posting_id) AS n, MIN(label) AS label FROM keyed
  GROUP BY key ORDER BY n DESC, key LIMIT @limit
)
-- a week starts on Monday (ISO); DAYOFWEEK is 1 on Sunday
SELECT CAST(IF(@period = "month", DATE_TRUNC(DATE(k.t), MONTH), DATE_SUB(DATE(k.t), INTERVAL MOD(EXTRACT(DAYOFWEEK FROM DATE(k.t)) + 5, 7) DAY)) AS STRING) AS bucket,
       k.key, top.label, COUNT(DISTINCT k.posting_id) AS postings, top.n
FROM keyed AS k JOIN top ON top.key = k.key
GROUP BY bucket, k.key, top.label, top.n
ORDER BY bucket, top.n DESC, k.key
