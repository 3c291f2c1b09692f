-- Trends: skills found with an anchor (@skill_id, or @soc_code) in [@start, @end).
-- one row per posting: its current row (posting_state) or, with @version, its latest row of that
-- version; t = posted_at, else received_at. A posting is received (and enriched) after it is
-- posted, so received_at >= @start and enriched_at >= @start read only the partitions from the
-- period start on (postings by DATE(received_at), job_enrichments by DATE(enriched_at)).
WITH cur AS (
  SELECT e.row_id, e.posting_id, e.enrichment_version AS version, e.soc_code,
         JSON_VALUE(e.occupation, "$.soc_title") AS soc_title, e.skills,
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
anchored AS (
  SELECT w.row_id, w.skills FROM win AS w
  WHERE (@soc_code IS NOT NULL AND w.soc_code = @soc_code)
     OR (@skill_id IS NOT NULL AND EXISTS (SELECT 1 FROM UNNEST(w.skills) AS x WHERE x.skill_id = @skill_id))
)
SELECT s.skill_id AS key, MIN(s.name) AS label, COUNT(DISTINCT a.row_id) AS postings,
       (SELECT COUNT(*) FROM anchored) AS anchor_postings
FROM anchored AS a, UNNEST(a.skills) AS s
WHERE @skill_id IS NULL OR s.skill_id != @skill_id
GROUP BY s.skill_id
ORDER BY postings DESC, s.skill_id
LIMIT @limit
