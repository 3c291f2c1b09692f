"""DuckDB implementation of EnrichmentStore: the embedded default warehouse, one file."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from adapters.duckdb import trend_masks
from adapters.duckdb.clusters import ClusterTables
from adapters.duckdb.intake import IntakeLedger
from adapters.duckdb.preflight import SCHEMA_VERSION, STAMP_SQL, check_warehouse
from adapters.duckdb.reads import EnrichmentReads
from adapters.duckdb.values import _db_ts
from adapters.rows import enrichment_row, posting_row, rejection_row, skill_concept_row, state_rows
from domain.models import JobEnrichment, Posting, Rejection

log = logging.getLogger(__name__)
SCHEMA = (Path(__file__).parent / "schema.sql").read_text()

# A row becomes the state when it is at least as late by (received_at, enriched_at): the content
# that ENTERED later wins (a NULL received_at, a row written before intake stamps, is the oldest),
# then, for one content, the later run (a re-run at a new version, a rollback's re-run).
_LATER = """(
    (new.received_at IS NOT NULL AND (cur.received_at IS NULL OR new.received_at > cur.received_at))
    OR (new.received_at IS NOT DISTINCT FROM cur.received_at AND new.enriched_at >= cur.enriched_at)
)"""
_UPSERT_STATE = f"""
    INSERT INTO posting_state
        (posting_id, content_hash, enrichment_version, row_id, enriched_at, received_at)
    SELECT r.posting_id, r.content_hash, r.enrichment_version, r.row_id, r.enriched_at,
           r.received_at
    FROM (SELECT unnest(from_json(?, '[{{"posting_id": "VARCHAR", "content_hash": "VARCHAR",
          "enrichment_version": "VARCHAR", "row_id": "VARCHAR", "enriched_at": "TIMESTAMP",
          "received_at": "TIMESTAMP"}}]')) AS r)
    ON CONFLICT (posting_id) DO UPDATE SET
        content_hash = excluded.content_hash,
        enrichment_version = excluded.enrichment_version,
        row_id = excluded.row_id,
        enriched_at = excluded.enriched_at,
        received_at = excluded.received_at
    WHERE {_LATER.replace("new.", "excluded.").replace("cur.", "posting_state.")}
"""


# Files written before posting_state existed: give every posting its latest row as state, with
# no intake stamp (NULL: the oldest). Ordered by enriched_at, not by postings.received_at: files
# that old hold no intake stamps (their received_at is the persist time, in enrichment order),
# and the join would cost every open +40% (1M rows: 0.65 s -> 0.92-1.11 s) for nothing.
_BACKFILL_STATE = """
    INSERT INTO posting_state
        (posting_id, content_hash, enrichment_version, row_id, enriched_at, received_at)
    SELECT posting_id, content_hash, enrichment_version, row_id, enriched_at, NULL FROM (
        SELECT *, row_number() OVER (
            PARTITION BY posting_id ORDER BY enriched_at DESC, row_id DESC) AS rn
        FROM job_enrichments e
        WHERE NOT EXISTS (SELECT 1 FROM posting_state s WHERE s.posting_id = e.posting_id)
    ) WHERE rn = 1
"""


class DuckDbStore(EnrichmentReads, IntakeLedger, ClusterTables):
    """DuckDB allows one process to hold the file at a time, so connections are leased.

    With `hold_s` = 0 (CLI, readers) every unit of work opens and closes the file. The single
    persister process uses `hold_s` > 0: it keeps its connection across batches for up to
    `hold_s` seconds, closes it after `idle_s` without writes, and pauses briefly when a lease
    expires so a waiting reader gets in. A held lock is retried for `lock_timeout_s`, then
    surfaces as TransientError so the Celery task retries with backoff.
    """

    def __init__(
        self,
        path: Path,
        lock_timeout_s: float = 30.0,
        hold_s: float = 0.0,
        idle_s: float = 0.3,
        threads: int | None = None,
    ) -> None:
        super().__init__(path, lock_timeout_s, hold_s, idle_s, threads)
        # read-only first: a corrupt, truncated, empty or newer-schema file is never written to
        check_warehouse(self.path, lock_timeout_s)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute(SCHEMA)
            con.execute(_BACKFILL_STATE)
            trend_masks.backfill(con)
            con.execute(STAMP_SQL, {"v": SCHEMA_VERSION})
        self.close()  # never carry an open file across a fork

    # -- writes -------------------------------------------------------------------------------

    def write_batch(
        self,
        postings: Sequence[Posting],
        enrichments: Sequence[JobEnrichment],
        rejections: Sequence[Rejection],
    ) -> tuple[int, int, int]:
        now = _db_ts(datetime.now(UTC).isoformat())
        # a posting's received_at is its intake stamp (the persist time when it has none)
        p_rows = [posting_row(p, _db_ts(p.received_at) if p.received_at else now) for p in postings]
        e_rows = [
            {
                **r,
                "component_versions": json.dumps(r["component_versions"], sort_keys=True),
                "sections": json.dumps(r["sections"]),
                "skills": json.dumps(r["skills"]),
                "occupation": None if r["occupation"] is None else json.dumps(r["occupation"]),
                "enriched_at": _db_ts(r["enriched_at"]),
                **trend_masks.mask_columns(e),
            }
            for e, r in zip(enrichments, map(enrichment_row, enrichments), strict=True)
        ]
        s_rows = [
            {
                "row_id": e.row_id,
                "skill_id": s.skill_id,
                "name": s.name,
                "category": s.category,
                "confidence": s.confidence,
                "mentions": len(s.mentions),
                "link_score": s.link_score,
                "link_method": s.link_method,
                "section": s.section,
                "section_relevance": s.section_relevance,
                **skill_concept_row(s),
            }
            for e in enrichments
            for s in e.skills
        ]
        r_rows = [{**rejection_row(r), "rejected_at": _db_ts(r.rejected_at)} for r in rejections]
        with self._connect() as con:
            con.begin()
            new_p = self._insert(con, "postings", p_rows)
            new_e = self._insert(con, "job_enrichments", e_rows, returning="row_id")
            new_r = self._insert(con, "rejections", r_rows)
            self._insert(con, "enrichment_skills", [r for r in s_rows if r["row_id"] in new_e])
            if e_rows:
                received = {
                    (p.posting_id, p.content_hash): _db_ts(p.received_at) if p.received_at else None
                    for p in postings
                }
                con.execute(_UPSERT_STATE, [json.dumps(state_rows(e_rows, str, received))])
            con.commit()
        return len(new_p), len(new_e), len(new_r)
