-- Embedded warehouse schema (DuckDB). Mirrors the BigQuery tables in sql/; idempotent.
CREATE TABLE IF NOT EXISTS postings (
    posting_id   VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    title        VARCHAR,
    company      VARCHAR,
    text         VARCHAR NOT NULL,
    source       VARCHAR,
    posted_at    VARCHAR,
    received_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (posting_id, content_hash)
);
CREATE TABLE IF NOT EXISTS job_enrichments (
    row_id             VARCHAR PRIMARY KEY,  -- posting_id:content_hash:enrichment_version
    posting_id         VARCHAR NOT NULL,
    content_hash       VARCHAR NOT NULL,
    enrichment_version VARCHAR NOT NULL,
    component_versions JSON NOT NULL,
    sections           JSON NOT NULL,
    skills             JSON NOT NULL,
    skill_count        INTEGER NOT NULL,
    enriched_at        TIMESTAMP NOT NULL,
    processing_ms      DOUBLE,
    truncated          BOOLEAN NOT NULL
);
-- Current state: each posting's latest enrichment. Moves forward on every write (a rollback's
-- re-run of an old version included), so drift = rows here whose version is not current.
CREATE TABLE IF NOT EXISTS posting_state (
    posting_id         VARCHAR PRIMARY KEY,
    content_hash       VARCHAR NOT NULL,
    enrichment_version VARCHAR NOT NULL,
    row_id             VARCHAR NOT NULL,
    enriched_at        TIMESTAMP NOT NULL
);
-- One row per (enrichment row, skill); written only with a newly inserted enrichment row, so it
-- needs no key of its own (a key index here made every checkpoint rewrite a large index).
CREATE TABLE IF NOT EXISTS enrichment_skills (
    row_id     VARCHAR NOT NULL,
    skill_id   VARCHAR NOT NULL,
    name       VARCHAR NOT NULL,
    category   VARCHAR NOT NULL,
    confidence DOUBLE NOT NULL,
    mentions   INTEGER NOT NULL
);
-- Concept linking (enrichment 2026.11.3+): how the concept was found and how sure; files written
-- before read NULL. ADD COLUMN IF NOT EXISTS makes this the migration for older files too.
ALTER TABLE enrichment_skills ADD COLUMN IF NOT EXISTS link_score DOUBLE;
-- The posting's language (ISO 639-1, "mul", "und"; issue #23); rows written before read NULL.
ALTER TABLE job_enrichments ADD COLUMN IF NOT EXISTS language VARCHAR;
ALTER TABLE enrichment_skills ADD COLUMN IF NOT EXISTS link_method VARCHAR;
-- Section-aware extraction (2026.11.5+): the section of the mention that set the confidence and
-- its relevance weight; NULL on rows written before.
ALTER TABLE enrichment_skills ADD COLUMN IF NOT EXISTS section VARCHAR;
ALTER TABLE enrichment_skills ADD COLUMN IF NOT EXISTS section_relevance DOUBLE;
-- Occupation coding (2026.11.8+): the whole code (OccupationCode JSON: SOC, ESCO, ISCO, top 3,
-- seniority, method, reason) and flat columns trends group by; NULL on rows written before.
ALTER TABLE job_enrichments ADD COLUMN IF NOT EXISTS occupation JSON;
ALTER TABLE job_enrichments ADD COLUMN IF NOT EXISTS soc_code VARCHAR;
ALTER TABLE job_enrichments ADD COLUMN IF NOT EXISTS isco_group VARCHAR;
ALTER TABLE job_enrichments ADD COLUMN IF NOT EXISTS occupation_confidence DOUBLE;
-- Concept normalization (2026.11.10+): where the skill sits (concept, group:3..1, none), its
-- nearest broader group (ESCO skill group / O*NET category) and the linker's first candidates
-- (JSON [{skill_id, name, score, source}], best first); NULL on rows written before.
ALTER TABLE enrichment_skills ADD COLUMN IF NOT EXISTS link_level VARCHAR;
ALTER TABLE enrichment_skills ADD COLUMN IF NOT EXISTS group_id VARCHAR;
ALTER TABLE enrichment_skills ADD COLUMN IF NOT EXISTS group_name VARCHAR;
ALTER TABLE enrichment_skills ADD COLUMN IF NOT EXISTS candidates JSON;
-- Every enrichment row's sections, one row each, with the classifier version that made them.
CREATE OR REPLACE VIEW section_classifications AS
SELECT e.row_id, e.posting_id, e.content_hash, e.enrichment_version,
       json_extract_string(e.component_versions, '$.section_classifier') AS classifier_version,
       CAST(s.key AS INTEGER) AS section_index,
       json_extract_string(s.value, '$[0]') AS kind,
       CAST(json_extract(s.value, '$[1]') AS BIGINT) AS start,
       CAST(json_extract(s.value, '$[2]') AS BIGINT) AS "end",
       json_extract_string(s.value, '$[3]') AS header
FROM job_enrichments AS e, json_each(e.sections) AS s;
CREATE TABLE IF NOT EXISTS rejections (
    rejection_id VARCHAR PRIMARY KEY,
    stage        VARCHAR NOT NULL,
    reason       VARCHAR NOT NULL,
    detail       VARCHAR NOT NULL,
    source       VARCHAR,
    rejected_at  TIMESTAMP NOT NULL,
    posting_id   VARCHAR,
    content_hash VARCHAR
);
CREATE TABLE IF NOT EXISTS evaluation_results (
    result_id          VARCHAR PRIMARY KEY,
    dataset            VARCHAR NOT NULL,
    dataset_hash       VARCHAR NOT NULL,
    enrichment_version VARCHAR NOT NULL,
    metrics            JSON NOT NULL,
    n_docs             INTEGER NOT NULL,
    evaluated_at       TIMESTAMP NOT NULL,
    regressed          BOOLEAN NOT NULL,
    regressions        JSON NOT NULL,
    compared_to        VARCHAR
);
-- Job clustering. A run is active only once all its assignments are in (activate_cluster_run
-- flips is_active in one transaction); assignments are written per chunk, delete-then-insert by
-- posting id inside one transaction, so a redelivered chunk replaces its rows (no key index).
CREATE TABLE IF NOT EXISTS cluster_runs (
    run_id             VARCHAR PRIMARY KEY,
    clustering_version VARCHAR NOT NULL,
    enrichment_version VARCHAR NOT NULL,
    model_id           VARCHAR,
    status             VARCHAR NOT NULL,  -- running | completed | failed | skipped
    is_active          BOOLEAN NOT NULL,
    started_at         TIMESTAMP NOT NULL,
    finished_at        TIMESTAMP,
    n_postings         INTEGER NOT NULL,
    n_clusters         INTEGER NOT NULL,
    reason             VARCHAR,
    metrics            JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS cluster_assignments (
    run_id     VARCHAR NOT NULL,
    posting_id VARCHAR NOT NULL,
    cluster_id INTEGER NOT NULL,  -- -1: the posting had no skills and no title words
    distance   DOUBLE
);
-- Intake ledger: every posting the bridge accepted, written before its source is acked, with
-- its raw text so the reconciler can enqueue it again (domain/reconcile.py). Times are this
-- file's clock (the host that holds it); attempts = the reconciler's re-enqueues.
CREATE TABLE IF NOT EXISTS intake (
    posting_id      VARCHAR NOT NULL,
    content_hash    VARCHAR NOT NULL,
    title           VARCHAR,
    company         VARCHAR,
    text            VARCHAR NOT NULL,
    source          VARCHAR,
    posted_at       VARCHAR,
    source_ref      VARCHAR,
    accepted_at     TIMESTAMP NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TIMESTAMP,
    PRIMARY KEY (posting_id, content_hash)
);
-- Events outbox (issue #25): an enrichment row needs an event while it has no mark here.
-- sent_at is this file's clock. Never read by enrichment; pruned with the rows it marks.
CREATE TABLE IF NOT EXISTS event_marks (
    row_id     VARCHAR PRIMARY KEY,
    posting_id VARCHAR NOT NULL,
    sent_at    TIMESTAMP NOT NULL
);
-- 2026-11-30: the intake stamp of the state's content (Posting.received_at): the state moves to
-- a row only when (received_at, enriched_at) is later, so of two contents of one id the one that
-- ENTERED later stays the state whatever order they were enriched in. NULL: written before.
ALTER TABLE posting_state ADD COLUMN IF NOT EXISTS received_at TIMESTAMP;
-- ... and the intake ledger keeps it, so a posting the reconciler re-enqueues keeps its stamp.
ALTER TABLE intake ADD COLUMN IF NOT EXISTS received_at TIMESTAMP;
-- 2026-12-01: each row's skill categories and the level-1 groups of its skills as bit masks
-- (adapters/duckdb/trend_masks.py), so trends by category / group skip the skill rows. NULL:
-- written before; the store fills them on open.
ALTER TABLE job_enrichments ADD COLUMN IF NOT EXISTS category_mask UBIGINT;
ALTER TABLE job_enrichments ADD COLUMN IF NOT EXISTS group_mask UBIGINT;
