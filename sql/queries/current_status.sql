-- Of @ids: how many are currently (posting_state) at @version, and how many are not but have a
-- rejection recorded at or after @since (what `enrich-ops reenrich --wait` waits on).
SELECT
  (SELECT COUNT(*) FROM `${dataset}.posting_state`
    WHERE enrichment_version = @version AND posting_id IN UNNEST(@ids)) AS at_version,
  (SELECT COUNT(DISTINCT posting_id) FROM `${dataset}.rejections`
    WHERE posting_id IN UNNEST(@ids) AND rejected_at >= @since
      AND posting_id NOT IN (SELECT posting_id FROM `${dataset}.posting_state`
                             WHERE enrichment_version = @version)) AS failed
