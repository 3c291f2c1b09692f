-- Append, don't merge (issue #25). Safe to run twice.
-- Writes go through the Storage Write API's default stream (adapters/bigquery/append.py): a batch
-- appends its rows and reads nothing of the target tables but its own keys, so its cost does not
-- grow with the tables. The default stream is at-least-once: two persisters racing on one batch can
-- both append it. Readers therefore go through views that keep one row per key (QUALIFY
-- ROW_NUMBER()). Each window partitions by columns of the key that readers filter on (posting_id;
-- enrichment_version, which row_id contains anyway): a filter on a PARTITION BY column is pushed
-- below the window, so only the matching clustered blocks are read (history, pages by key).
--
-- 1. Current state: an append-only log of state moves, one row per posting per batch (what the
--    posting_state MERGE used to apply), and posting_state becomes the view of each posting's
--    newest move. A rollback re-run (old version's row id, later time) is a new move, as before.
CREATE TABLE IF NOT EXISTS `${dataset}.posting_state_log` (
  posting_id         STRING NOT NULL,
  content_hash       STRING NOT NULL,
  enrichment_version STRING NOT NULL,
  row_id             STRING NOT NULL,
  enriched_at        TIMESTAMP NOT NULL
)
PARTITION BY DATE(enriched_at)
CLUSTER BY posting_id, enrichment_version;
INSERT INTO `${dataset}.posting_state_log` (posting_id, content_hash, enrichment_version, row_id, enriched_at)
SELECT posting_id, content_hash, enrichment_version, row_id, enriched_at
FROM `${dataset}.posting_state`;
DROP TABLE IF EXISTS `${dataset}.posting_state`;
CREATE OR REPLACE VIEW `${dataset}.posting_state` AS
SELECT posting_id, content_hash, enrichment_version, row_id, enriched_at
FROM `${dataset}.posting_state_log`
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY posting_id ORDER BY enriched_at DESC, row_id DESC) = 1;
-- 2. One row per key of every appended table; the first delivery wins, like the old MERGEs.
CREATE OR REPLACE VIEW `${dataset}.v_job_enrichments` AS
SELECT * FROM `${dataset}.job_enrichments`
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY posting_id, enrichment_version, row_id ORDER BY enriched_at) = 1;
CREATE OR REPLACE VIEW `${dataset}.v_postings` AS
SELECT * FROM `${dataset}.postings`
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY posting_id, content_hash ORDER BY received_at) = 1;
CREATE OR REPLACE VIEW `${dataset}.v_rejections` AS
SELECT * FROM `${dataset}.rejections`
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY rejection_id ORDER BY rejected_at) = 1;
-- 3. The sections view reads deduplicated rows.
CREATE OR REPLACE VIEW `${dataset}.section_classifications` AS
SELECT
  e.row_id,
  e.posting_id,
  e.content_hash,
  e.enrichment_version,
  JSON_VALUE(e.component_versions, '$.section_classifier') AS classifier_version,
  o AS section_index,
  JSON_VALUE(s, '$[0]') AS kind,
  CAST(JSON_VALUE(s, '$[1]') AS INT64) AS start,
  CAST(JSON_VALUE(s, '$[2]') AS INT64) AS `end`,
  JSON_VALUE(s, '$[3]') AS header,
  e.enriched_at
FROM `${dataset}.v_job_enrichments` AS e, UNNEST(JSON_QUERY_ARRAY(e.sections)) AS s WITH OFFSET AS o;
