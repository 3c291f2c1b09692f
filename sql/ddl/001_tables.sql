-- BigQuery tables of ml-enrichment. `${dataset}` is replaced by `project.dataset` by `enrich migrate`.
-- Every statement is idempotent (IF NOT EXISTS).

CREATE TABLE IF NOT EXISTS `${dataset}.postings` (
  posting_id   STRING NOT NULL,
  content_hash STRING NOT NULL,
  title        STRING,
  company      STRING,
  text         STRING NOT NULL,
  source       STRING,
  posted_at    STRING,
  received_at  TIMESTAMP NOT NULL
)
PARTITION BY DATE(received_at)
CLUSTER BY posting_id;

CREATE TABLE IF NOT EXISTS `${dataset}.job_enrichments` (
  row_id             STRING NOT NULL,  -- posting_id:content_hash:enrichment_version
  posting_id         STRING NOT NULL,
  content_hash       STRING NOT NULL,
  enrichment_version STRING NOT NULL,
  component_versions JSON,
  sections           JSON,
  skills ARRAY<STRUCT<
    skill_id          STRING,
    name              STRING,
    category          STRING,
    confidence        FLOAT64,
    source_strategies ARRAY<STRING>,
    mentions ARRAY<STRUCT<start INT64, `end` INT64, text STRING, section STRING, strategy STRING>>
  >>,
  -- concept linking, one entry per skill in the same order (NULL on rows written before it)
  skill_links ARRAY<STRUCT<skill_id STRING, link_score FLOAT64, link_method STRING>>,
  -- section weighting, one entry per skill in the same order (NULL on rows written before it)
  skill_sections ARRAY<STRUCT<skill_id STRING, section STRING, section_relevance FLOAT64>>,
  skill_count        INT64,
  enriched_at        TIMESTAMP NOT NULL,
  processing_ms      FLOAT64,
  truncated          BOOL,
  language           STRING  -- ISO 639-1, "mul" mixed, "und" undetermined (migration 007)
)
PARTITION BY DATE(enriched_at)
CLUSTER BY enrichment_version, posting_id;

-- Current state (posting_state): each posting's latest enrichment. A view over the append-only
-- posting_state_log since migration 011; the table it replaces is created by migration 002 (a
-- CREATE TABLE IF NOT EXISTS here would meet the view on every later `enrich migrate`).

-- section_classifications is a view over job_enrichments.sections (migration 005).

CREATE TABLE IF NOT EXISTS `${dataset}.rejections` (
  rejection_id STRING NOT NULL,
  stage        STRING NOT NULL,
  reason       STRING NOT NULL,
  detail       STRING NOT NULL,
  source       STRING,
  rejected_at  TIMESTAMP NOT NULL,
  posting_id   STRING,
  content_hash STRING
)
PARTITION BY DATE(rejected_at);

CREATE TABLE IF NOT EXISTS `${dataset}.skill_aliases` (
  alias          STRING NOT NULL,
  skill_id       STRING NOT NULL,
  case_sensitive BOOL NOT NULL,
  aliases_version STRING NOT NULL
);

CREATE TABLE IF NOT EXISTS `${dataset}.evaluation_results` (
  result_id          STRING NOT NULL,
  dataset            STRING NOT NULL,
  dataset_hash       STRING NOT NULL,
  enrichment_version STRING NOT NULL,
  metrics            JSON,
  n_docs             INT64,
  evaluated_at       TIMESTAMP NOT NULL,
  regressed          BOOL NOT NULL,
  regressions        ARRAY<STRING>,
  compared_to        STRING
);

CREATE TABLE IF NOT EXISTS `${dataset}.cluster_runs` (
  run_id             STRING NOT NULL,
  clustering_version STRING NOT NULL,
  enrichment_version STRING NOT NULL,
  n_postings         INT64,
  n_clusters         INT64,
  metrics            JSON,
  started_at         TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS `${dataset}.cluster_assignments` (
  run_id     STRING NOT NULL,
  posting_id STRING NOT NULL,
  cluster_id INT64 NOT NULL,
  distance   FLOAT64
)
CLUSTER BY run_id;

CREATE TABLE IF NOT EXISTS `${dataset}.schema_migrations` (
  name       STRING NOT NULL,
  applied_at TIMESTAMP NOT NULL
);
