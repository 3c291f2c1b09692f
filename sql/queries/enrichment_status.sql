-- Of @ids: how many have an enrichment at @version, and how many only a rejection/failure.
SELECT
  (SELECT COUNT(DISTINCT posting_id) FROM `${dataset}.job_enrichments`
    WHERE enrichment_version = @version AND posting_id IN UNNEST(@ids)) AS enriched,
  (SELECT COUNT(DISTINCT posting_id) FROM `${dataset}.rejections`
    WHERE posting_id IN UNNEST(@ids)
      AND posting_id NOT IN (SELECT posting_id FROM `${dataset}.job_enrichments`
                             WHERE enrichment_version = @version)) AS failed
