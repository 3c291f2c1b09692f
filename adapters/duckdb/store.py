"""DuckDB implementation of EnrichmentStore: the embedded default warehouse, one file."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from adapters.duckdb import trend_masks
from adapters.duckdb.preflight import SCHEMA_VERSION, STAMP_SQL, check_warehouse, is_lock_error
from adapters.rows import (
    enrichment_row,
    evaluation_row,
    first_per_key,
    posting_row,
    rejection_row,
    skill_concept_row,
    state_rows,
)
from domain.clustering.model import PostingFeatures
from domain.errors import StoreBusy, StoreUnusable, TransientError
from domain.models import (
    ClusterRun,
    EvaluationResult,
    JobEnrichment,
    Posting,
    Rejection,
    Section,
)
from domain.occupations.summary import OccupationGroup, OccupationSummary, summarize_occupations
from domain.ports import (
    DueEvent,
    GroupCount,
    IntakeEntry,
    LedgerCounts,
    SectionRow,
    SkillCount,
    VersionCount,
)

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


def _drift_filter(
    current_version: str, from_version: str | None, since: str | None
) -> tuple[str, list[Any]]:
    sql = "s.enrichment_version <> ?"
    params: list[Any] = [current_version]
    if from_version is not None:
        sql += " AND s.enrichment_version = ?"
        params.append(from_version)
    if since is not None:
        sql += " AND s.enriched_at >= ?"
        params.append(_ts(since))
    return sql, params


# A list of strings as ONE JSON text parameter. DuckDB's Python binding checks every element of a
# list parameter for a pandas object, and without pandas installed each check is a failed
# import: 74 ms per 1,000 ids (the bridge's --wait spent 60% of its CPU there). As JSON: 1.4 ms.
_STRINGS = """(SELECT unnest(from_json(?, '["VARCHAR"]')))"""


def _strings(values: Sequence[str]) -> str:
    return json.dumps(list(values))


def _ts(iso: str) -> datetime:
    """ISO 8601 (any offset) -> naive UTC, which is how timestamps are stored."""
    dt = datetime.fromisoformat(iso)
    return (dt.astimezone(UTC) if dt.tzinfo else dt).replace(tzinfo=None)


def _iso(dt: datetime) -> str:
    return dt.replace(tzinfo=UTC).isoformat(timespec="milliseconds")


def _iso_us(dt: datetime | None) -> str | None:
    """A stored intake stamp back to ISO 8601 UTC, microseconds kept (they order the stamps)."""
    return None if dt is None else dt.replace(tzinfo=UTC).isoformat(timespec="microseconds")


def _db_ts(iso: str) -> str:
    return _ts(iso).isoformat(sep=" ")


def _cutoff(grace_s: float) -> str:
    return _db_ts((datetime.now(UTC) - timedelta(seconds=grace_s)).isoformat())


def _reread(r: tuple[Any, ...]) -> Posting:
    """A posting read back for a re-run (drift, replay): its 7 stored fields, then its intake
    stamp: the state's when the state holds this content, else the postings row's."""
    return Posting(*r[:7], received_at=_iso_us(r[7]))


# Ledger entries neither enriched (any version) nor recorded as failed, idle since the cutoff.
_UNACCOUNTED = """
    NOT EXISTS (SELECT 1 FROM job_enrichments e
                WHERE e.posting_id = i.posting_id AND e.content_hash = i.content_hash)
    AND NOT EXISTS (SELECT 1 FROM rejections r
                    WHERE r.posting_id = i.posting_id AND r.content_hash = i.content_hash)
    AND coalesce(i.last_attempt_at, i.accepted_at) <= ?
"""


# Column types for the JSON bulk insert; must match schema.sql (JSON columns travel as text).
_COLUMNS: dict[str, dict[str, str]] = {
    "postings": {
        "posting_id": "VARCHAR", "content_hash": "VARCHAR", "title": "VARCHAR",
        "company": "VARCHAR", "text": "VARCHAR", "source": "VARCHAR", "posted_at": "VARCHAR",
        "received_at": "TIMESTAMP",
    },
    "job_enrichments": {
        "row_id": "VARCHAR", "posting_id": "VARCHAR", "content_hash": "VARCHAR",
        "enrichment_version": "VARCHAR", "component_versions": "VARCHAR", "sections": "VARCHAR",
        "skills": "VARCHAR", "skill_count": "INTEGER", "enriched_at": "TIMESTAMP",
        "processing_ms": "DOUBLE", "truncated": "BOOLEAN", "language": "VARCHAR",
        "occupation": "VARCHAR", "soc_code": "VARCHAR", "isco_group": "VARCHAR",
        "occupation_confidence": "DOUBLE",
    },
    "enrichment_skills": {
        "row_id": "VARCHAR", "skill_id": "VARCHAR", "name": "VARCHAR", "category": "VARCHAR",
        "confidence": "DOUBLE", "mentions": "INTEGER", "link_score": "DOUBLE",
        "link_method": "VARCHAR", "section": "VARCHAR", "section_relevance": "DOUBLE",
        "link_level": "VARCHAR", "group_id": "VARCHAR", "group_name": "VARCHAR",
        "candidates": "VARCHAR",
    },
    "rejections": {
        "rejection_id": "VARCHAR", "stage": "VARCHAR", "reason": "VARCHAR", "detail": "VARCHAR",
        "source": "VARCHAR", "rejected_at": "TIMESTAMP", "posting_id": "VARCHAR",
        "content_hash": "VARCHAR",
    },
}  # fmt: skip
_COLUMNS["evaluation_results"] = {
    "result_id": "VARCHAR", "dataset": "VARCHAR", "dataset_hash": "VARCHAR",
    "enrichment_version": "VARCHAR", "metrics": "VARCHAR", "n_docs": "INTEGER",
    "evaluated_at": "TIMESTAMP", "regressed": "BOOLEAN", "regressions": "VARCHAR",
    "compared_to": "VARCHAR",
}  # fmt: skip
_COLUMNS["job_enrichments"].update(trend_masks.COLUMNS)
_INTAKE_SPEC = json.dumps(
    [{**{c: "VARCHAR" for c in ("posting_id", "content_hash", "title", "company", "text",
                                 "source", "posted_at", "source_ref")}, "accepted_at": "TIMESTAMP",
      "received_at": "TIMESTAMP"}]
)  # fmt: skip
_KEYS = {
    "postings": ("posting_id", "content_hash"),
    "job_enrichments": ("row_id",),
    "rejections": ("rejection_id",),
    "evaluation_results": ("result_id",),
}


class DuckDbStore:
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
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s
        self.hold_s = hold_s
        self.idle_s = idle_s
        self.config = {"threads": threads} if threads else {}
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened_at = 0.0
        self._last_used = 0.0
        self._mutex = threading.RLock()
        self._timer: threading.Timer | None = None
        # read-only first: a corrupt, truncated, empty or newer-schema file is never written to
        check_warehouse(self.path, lock_timeout_s)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute(SCHEMA)
            con.execute(_BACKFILL_STATE)
            trend_masks.backfill(con)
            con.execute(STAMP_SQL, {"v": SCHEMA_VERSION})
        self.close()  # never carry an open file across a fork

    def _open(self) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.005
        while True:
            try:
                return duckdb.connect(str(self.path), config=self.config)
            except duckdb.IOException as exc:
                if not is_lock_error(exc):
                    raise StoreUnusable(f"cannot open warehouse {self.path}: {exc}") from exc
                if time.monotonic() > deadline:
                    raise StoreBusy(f"{self.path} is locked by another process") from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.05)

    def close(self) -> None:
        with self._mutex:
            if self._con is not None:
                self._con.close()
                self._con = None

    def _close_if_idle(self) -> None:
        with self._mutex:
            if self._con is not None and time.monotonic() - self._last_used >= self.idle_s:
                self.close()

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._mutex:
            if self._con is not None and time.monotonic() - self._opened_at > self.hold_s:
                self.close()
                time.sleep(0.05)  # lease expired: give a waiting reader its turn
            if self._con is None:
                self._con = self._open()
                self._opened_at = time.monotonic()
            try:
                yield self._con
            except duckdb.TransactionException as exc:
                self.close()
                raise TransientError(f"transaction conflict: {exc}") from exc
            except BaseException:
                self.close()  # a failed transaction must not leak into the next batch
                raise
            if self.hold_s <= 0:
                self.close()
            else:
                self._last_used = time.monotonic()
                if self._timer is not None:
                    self._timer.cancel()
                self._timer = threading.Timer(self.idle_s, self._close_if_idle)
                self._timer.daemon = True
                self._timer.start()

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

    @staticmethod
    def _insert(
        con: duckdb.DuckDBPyConnection,
        table: str,
        rows: list[dict[str, Any]],
        returning: str | None = None,
    ) -> set[Any]:
        """Bulk insert through one JSON parameter (~20x faster than binding each value).

        Returns the inserted rows' `returning` column (or their first key column).
        """
        if not rows:
            return set()
        cols = _COLUMNS[table]
        keys = _KEYS.get(table)
        if keys:
            rows = first_per_key(rows, keys)
        spec = json.dumps([dict(cols)])
        select = ", ".join(f"r.{c}" for c in cols)
        conflict = " ON CONFLICT DO NOTHING" if keys else ""
        out = returning or next(iter(cols))
        inserted = con.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM "
            f"(SELECT unnest(from_json(?, '{spec}')) AS r){conflict} RETURNING {out}",
            [json.dumps(rows)],
        ).fetchall()
        return {r[0] for r in inserted}

    # -- reads --------------------------------------------------------------------------------

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connect() as con:
            return con.execute(sql, list(params)).fetchall()

    def counts_by_version(self) -> list[VersionCount]:
        rows = self._query(
            """
            SELECT e.enrichment_version, count(*), count(DISTINCT e.posting_id),
                   coalesce(any_value(s.n), 0)
            FROM job_enrichments e
            LEFT JOIN (SELECT enrichment_version, count(*) AS n FROM posting_state GROUP BY 1) s
              USING (enrichment_version)
            GROUP BY 1 ORDER BY 2 DESC, 1
            """
        )
        return [VersionCount(v, int(n), int(p), int(c)) for v, n, p, c in rows]

    def drifted_postings(
        self,
        current_version: str,
        limit: int,
        after_posting_id: str | None = None,
        from_version: str | None = None,
        since: str | None = None,
    ) -> list[Posting]:
        where, params = _drift_filter(current_version, from_version, since)
        rows = self._query(
            f"""
            SELECT p.posting_id, p.text, p.content_hash, p.title, p.company, p.source, p.posted_at,
                   coalesce(s.received_at, p.received_at)
            FROM posting_state s JOIN postings p USING (posting_id, content_hash)
            WHERE {where} AND s.posting_id > ?
            ORDER BY s.posting_id LIMIT ?
            """,
            [*params, after_posting_id or "", limit],
        )
        return [_reread(r) for r in rows]

    def count_drifted(
        self, current_version: str, from_version: str | None = None, since: str | None = None
    ) -> int:
        where, params = _drift_filter(current_version, from_version, since)
        rows = self._query(f"SELECT count(*) FROM posting_state s WHERE {where}", params)
        return int(rows[0][0])

    def failed_postings(
        self,
        current_version: str,
        stages: Sequence[str],
        limit: int,
        after_posting_id: str | None = None,
    ) -> list[Posting]:
        rows = self._query(
            f"""
            SELECT p.posting_id, p.text, p.content_hash, p.title, p.company, p.source, p.posted_at,
                   coalesce(s.received_at, p.received_at)
            FROM postings p
            LEFT JOIN posting_state s USING (posting_id, content_hash)
            WHERE (p.posting_id, p.content_hash) IN (
                SELECT (posting_id, content_hash) FROM rejections WHERE stage IN {_STRINGS})
              AND NOT EXISTS (
                SELECT 1 FROM job_enrichments e WHERE e.posting_id = p.posting_id
                  AND e.content_hash = p.content_hash AND e.enrichment_version = ?)
              AND p.posting_id > ?
            ORDER BY p.posting_id, p.content_hash LIMIT ?
            """,
            [_strings(stages), current_version, after_posting_id or "", limit],
        )
        return [_reread(r) for r in rows]

    def posting_history(self, posting_id: str) -> list[JobEnrichment]:
        rows = self._query(
            "SELECT posting_id, content_hash, enrichment_version, component_versions, sections, "
            "skills, enriched_at, processing_ms, truncated, language, occupation "
            "FROM job_enrichments "
            "WHERE posting_id = ? ORDER BY enriched_at, row_id",
            [posting_id],
        )
        return [
            JobEnrichment.from_dict(
                {
                    "posting_id": r[0],
                    "content_hash": r[1],
                    "enrichment_version": r[2],
                    "component_versions": json.loads(r[3]),
                    "sections": json.loads(r[4]),
                    "skills": json.loads(r[5]),
                    "enriched_at": _iso(r[6]),
                    "processing_ms": r[7],
                    "truncated": r[8],
                    "language": r[9],
                    "occupation": None if r[10] is None else json.loads(r[10]),
                }
            )
            for r in rows
        ]

    def enrichments_by_keys(self, keys: Sequence[tuple[str, str]]) -> list[JobEnrichment]:
        """Local reads are cheap: one posting_history per posting named (same rows, same parse)."""
        wanted: dict[str, set[str]] = {}
        for posting_id, row_id in keys:
            wanted.setdefault(posting_id, set()).add(row_id)
        return [
            e for p, rows in wanted.items() for e in self.posting_history(p) if e.row_id in rows
        ]

    def section_classifications(self, posting_id: str) -> list[SectionRow]:
        rows = self._query(
            "SELECT c.enrichment_version, c.content_hash, c.classifier_version, c.section_index, "
            'c.kind, c.start, c."end", c.header FROM section_classifications c '
            "JOIN job_enrichments e USING (row_id) WHERE c.posting_id = ? "
            "ORDER BY e.enriched_at, c.row_id, c.section_index",
            [posting_id],
        )
        return [
            SectionRow(r[0], r[1], r[2] or "", int(r[3]), Section(r[4], int(r[5]), int(r[6]), r[7]))
            for r in rows
        ]

    def enrichment_status(self, posting_ids: Sequence[str], version: str) -> tuple[int, int]:
        ids = list(posting_ids)
        rows = self._query(
            f"""
            SELECT
              (SELECT count(DISTINCT posting_id) FROM job_enrichments
                 WHERE enrichment_version = ? AND posting_id IN {_STRINGS}),
              (SELECT count(DISTINCT posting_id) FROM rejections
                 WHERE posting_id IN {_STRINGS} AND posting_id NOT IN
                   (SELECT posting_id FROM job_enrichments WHERE enrichment_version = ?))
            """,
            [version, _strings(ids), _strings(ids), version],
        )
        return int(rows[0][0]), int(rows[0][1])

    def current_status(
        self, posting_ids: Sequence[str], version: str, failed_since: str
    ) -> tuple[int, int]:
        ids = _strings(posting_ids)
        rows = self._query(
            f"""
            SELECT
              (SELECT count(*) FROM posting_state
                 WHERE enrichment_version = ? AND posting_id IN {_STRINGS}),
              (SELECT count(DISTINCT posting_id) FROM rejections
                 WHERE posting_id IN {_STRINGS} AND rejected_at >= ? AND posting_id NOT IN
                   (SELECT posting_id FROM posting_state WHERE enrichment_version = ?))
            """,
            [version, ids, ids, _ts(failed_since), version],
        )
        return int(rows[0][0]), int(rows[0][1])

    def count_rejections(self, rejection_ids: Sequence[str]) -> int:
        rows = self._query(
            f"SELECT count(*) FROM rejections WHERE rejection_id IN {_STRINGS}",
            [_strings(rejection_ids)],
        )
        return int(rows[0][0])

    def rejections(self, limit: int = 100) -> list[Rejection]:
        rows = self._query(
            "SELECT rejection_id, stage, reason, detail, source, rejected_at, posting_id, "
            "content_hash FROM rejections ORDER BY rejected_at DESC, rejection_id LIMIT ?",
            [limit],
        )
        return [Rejection(r[0], r[1], r[2], r[3], r[4], _iso(r[5]), r[6], r[7]) for r in rows]

    def rejection_counts(self) -> dict[tuple[str, str], int]:
        rows = self._query("SELECT stage, reason, count(*) FROM rejections GROUP BY 1, 2")
        return {(s, r): int(n) for s, r, n in rows}

    def stored_keys(self) -> tuple[set[str], set[str]]:
        """(every posting id in postings, the intake ledger and rejections; the source of every
        rejection row without one): what `enrich demo` compares with its inputs before deleting."""
        ids = self._query("SELECT posting_id FROM postings UNION SELECT posting_id FROM intake "
                          "UNION SELECT posting_id FROM rejections WHERE posting_id IS NOT NULL")  # fmt: skip
        sources = self._query(
            "SELECT DISTINCT coalesce(source, '') FROM rejections WHERE posting_id IS NULL"
        )
        return {r[0] for r in ids}, {r[0] for r in sources}

    def save_evaluation(self, result: EvaluationResult) -> bool:
        row = {
            **evaluation_row(result),
            "metrics": json.dumps(result.metrics, sort_keys=True),
            "regressions": json.dumps(list(result.regressions)),
            "evaluated_at": _db_ts(result.evaluated_at),
        }
        with self._connect() as con:
            return bool(self._insert(con, "evaluation_results", [row]))

    def evaluations(self, dataset: str | None = None, limit: int = 50) -> list[EvaluationResult]:
        rows = self._query(
            "SELECT result_id, dataset, dataset_hash, enrichment_version, metrics, n_docs, "
            "evaluated_at, regressed, regressions, compared_to FROM evaluation_results "
            "WHERE ? IS NULL OR dataset = ? ORDER BY evaluated_at DESC, result_id LIMIT ?",
            [dataset, dataset, limit],
        )
        return [
            EvaluationResult(
                r[0],
                r[1],
                r[2],
                r[3],
                json.loads(r[4]),
                int(r[5]),
                _iso(r[6]),
                bool(r[7]),
                tuple(json.loads(r[8])),
                r[9],
            )
            for r in rows
        ]

    def top_skills(self, version: str, limit: int = 10) -> list[SkillCount]:
        rows = self._query(
            "SELECT s.skill_id, any_value(s.name), any_value(s.category), "
            "count(DISTINCT e.posting_id) AS n FROM enrichment_skills s "
            "JOIN job_enrichments e USING (row_id) WHERE e.enrichment_version = ? "
            "GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?",
            [version, limit],
        )
        return [SkillCount(*r) for r in rows]

    def top_groups(self, version: str, limit: int = 10) -> list[GroupCount]:
        rows = self._query(
            "SELECT s.group_id, any_value(s.group_name), count(DISTINCT e.posting_id) AS n, "
            "count(*) FROM enrichment_skills s JOIN job_enrichments e USING (row_id) "
            "WHERE e.enrichment_version = ? AND s.group_id IS NOT NULL "
            "GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?",
            [version, limit],
        )
        return [GroupCount(r[0], r[1], int(r[2]), int(r[3])) for r in rows]

    def top_occupations(self, version: str, limit: int = 10) -> OccupationSummary:
        # posting_state holds each posting's current row: one row per posting, by primary key
        rows = self._query(
            "SELECT e.soc_code, json_extract_string(e.occupation, '$.soc_title'), e.isco_group, "
            "json_extract_string(e.occupation, '$.method'), "
            "json_extract_string(e.occupation, '$.reason'), count(*), "
            "coalesce(sum(e.occupation_confidence), 0) FROM posting_state s "
            "JOIN job_enrichments e ON e.row_id = s.row_id WHERE s.enrichment_version = ? "
            "GROUP BY ALL",
            [version],
        )
        groups = [OccupationGroup(*r[:5], int(r[5]), float(r[6])) for r in rows]
        return summarize_occupations(groups, limit)

    def skill_count_distribution(self, version: str) -> list[tuple[int, int, float]]:
        rows = self._query(
            "SELECT skill_count, count(*), coalesce(sum(processing_ms), 0) FROM job_enrichments "
            "WHERE enrichment_version = ? GROUP BY 1 ORDER BY 1",
            [version],
        )
        return [(int(k), int(n), float(ms)) for k, n, ms in rows]

    def skills_per_posting(self, version: str) -> float:
        rows = self._query(
            "SELECT coalesce(avg(skill_count), 0) FROM job_enrichments WHERE enrichment_version = ?",
            [version],
        )
        return float(rows[0][0])

    # -- intake ledger ------------------------------------------------------------------------
    # The clock is this process's: DuckDB is one file on one host, so every process that opens
    # it (bridge, reconciler, persister) reads the same clock.

    def record_intake(self, postings: Sequence[Posting], refs: Sequence[str]) -> int:
        if not postings:
            return 0
        now = _db_ts(datetime.now(UTC).isoformat())
        rows = first_per_key(
            [
                {
                    **posting_row(p, _db_ts(p.received_at) if p.received_at else None),
                    "source_ref": ref[:300],
                    "accepted_at": now,
                }
                for p, ref in zip(postings, refs, strict=True)
            ],
            ("posting_id", "content_hash"),
        )
        with self._connect() as con:
            new = con.execute(
                f"""
                INSERT INTO intake (posting_id, content_hash, title, company, text, source,
                                    posted_at, source_ref, accepted_at, received_at)
                SELECT r.posting_id, r.content_hash, r.title, r.company, r.text, r.source,
                       r.posted_at, r.source_ref, r.accepted_at, r.received_at
                FROM (SELECT unnest(from_json(?, '{_INTAKE_SPEC}')) AS r)
                ON CONFLICT DO NOTHING RETURNING posting_id
                """,
                [json.dumps(rows)],
            ).fetchall()
        return len(new)

    def unaccounted_intake(self, grace_s: float, limit: int) -> list[IntakeEntry]:
        rows = self._query(
            f"""
            SELECT posting_id, text, content_hash, title, company, source, posted_at,
                   source_ref, accepted_at, attempts, received_at
            FROM intake i WHERE {_UNACCOUNTED}
            ORDER BY posting_id, content_hash LIMIT ?
            """,
            [_cutoff(grace_s), limit],
        )
        return [
            IntakeEntry(Posting(*r[:7], received_at=_iso_us(r[10])), r[7] or "", _iso(r[8]),
                        int(r[9]))
            for r in rows
        ]  # fmt: skip

    def mark_reenqueued(self, keys: Sequence[tuple[str, str]]) -> int:
        if not keys:
            return 0
        keys_json = json.dumps([{"p": p, "h": h} for p, h in dict.fromkeys(keys)])
        with self._connect() as con:
            done = con.execute(
                """
                UPDATE intake SET attempts = attempts + 1, last_attempt_at = $1
                FROM (SELECT unnest(from_json($2, '[{"p": "VARCHAR", "h": "VARCHAR"}]')) AS k) AS s
                WHERE intake.posting_id = s.k.p AND intake.content_hash = s.k.h
                RETURNING intake.posting_id
                """,
                [_db_ts(datetime.now(UTC).isoformat()), keys_json],
            ).fetchall()
        return len(done)

    def ledger_counts(self, grace_s: float) -> LedgerCounts:
        rows = self._query(
            f"""
            SELECT (SELECT count(*) FROM intake), (SELECT count(*) FROM intake i WHERE {_UNACCOUNTED}),
                   (SELECT coalesce(sum(attempts), 0) FROM intake),
                   (SELECT count(*) FROM rejections WHERE stage = 'intake'
                      AND reason = 'lost_in_transit'),
                   (SELECT count(*) FROM intake WHERE text = '')
            """,
            [_cutoff(grace_s)],
        )
        return LedgerCounts(*(int(v) for v in rows[0]))

    def compact_intake(self, retention_s: float, limit: int) -> int:
        with self._connect() as con:
            done = con.execute(
                """
                UPDATE intake SET text = '', title = NULL, company = NULL
                FROM (SELECT i.posting_id, i.content_hash FROM intake i
                      WHERE i.text <> '' AND i.accepted_at <= $1
                        AND (EXISTS (SELECT 1 FROM job_enrichments e WHERE e.posting_id = i.posting_id
                                       AND e.content_hash = i.content_hash)
                             OR EXISTS (SELECT 1 FROM rejections r WHERE r.posting_id = i.posting_id
                                          AND r.content_hash = i.content_hash))
                      ORDER BY 1, 2 LIMIT $2) AS s
                WHERE intake.posting_id = s.posting_id AND intake.content_hash = s.content_hash
                RETURNING intake.posting_id
                """,
                [_cutoff(retention_s), limit],
            ).fetchall()
        return len(done)

    # -- events outbox (domain/events.py) ------------------------------------------------------

    def mark_events_sent(self, rows: Sequence[tuple[str, str]]) -> int:
        if not rows:
            return 0
        now = _db_ts(datetime.now(UTC).isoformat())
        data = json.dumps([{"r": r, "p": p} for r, p in dict(rows).items()])
        with self._connect() as con:
            new = con.execute(
                """
                INSERT INTO event_marks (row_id, posting_id, sent_at)
                SELECT s.k.r, s.k.p, $1
                FROM (SELECT unnest(from_json($2, '[{"r": "VARCHAR", "p": "VARCHAR"}]')) AS k) AS s
                ON CONFLICT DO NOTHING RETURNING row_id
                """,
                [now, data],
            ).fetchall()
        return len(new)

    _DUE = """
        FROM job_enrichments e
        WHERE e.enriched_at >= ? AND e.enriched_at <= ?
          AND NOT EXISTS (SELECT 1 FROM event_marks m WHERE m.row_id = e.row_id)
    """

    def due_events(self, window_s: float, grace_s: float, limit: int) -> list[DueEvent]:
        rows = self._query(
            f"SELECT e.row_id, e.posting_id {self._DUE} ORDER BY e.row_id LIMIT ?",
            [_cutoff(window_s), _cutoff(grace_s), limit],
        )
        return [DueEvent(r[0], r[1]) for r in rows]

    def count_due_events(self, window_s: float, grace_s: float) -> int:
        rows = self._query(f"SELECT count(*) {self._DUE}", [_cutoff(window_s), _cutoff(grace_s)])
        return int(rows[0][0])

    # -- clustering ---------------------------------------------------------------------------

    def count_current(self, version: str) -> int:
        rows = self._query(
            "SELECT count(*) FROM posting_state WHERE enrichment_version = ?", [version]
        )
        return int(rows[0][0])

    def cluster_chunk_bounds(self, version: str, chunk_size: int) -> list[str]:
        rows = self._query(
            """
            SELECT posting_id FROM (
                SELECT posting_id, row_number() OVER (ORDER BY posting_id) AS rn,
                       count(*) OVER () AS n
                FROM posting_state WHERE enrichment_version = ?)
            WHERE rn % ? = 0 AND rn < n ORDER BY posting_id
            """,
            [version, chunk_size],
        )
        return [r[0] for r in rows]

    def cluster_features(
        self,
        version: str,
        limit: int,
        after_posting_id: str | None = None,
        upto_posting_id: str | None = None,
    ) -> list[PostingFeatures]:
        rows = self._query(
            """
            WITH s AS (
                SELECT posting_id, content_hash, row_id FROM posting_state
                WHERE enrichment_version = ? AND posting_id > ?
                  AND (CAST(? AS VARCHAR) IS NULL OR posting_id <= ?)
                ORDER BY posting_id LIMIT ?)
            SELECT s.posting_id, any_value(p.title),
                   list({'sid': k.skill_id, 'name': k.name, 'conf': k.confidence})
                       FILTER (WHERE k.skill_id IS NOT NULL)
            FROM s JOIN postings p USING (posting_id, content_hash)
            LEFT JOIN enrichment_skills k ON k.row_id = s.row_id
            GROUP BY s.posting_id ORDER BY s.posting_id
            """,
            [version, after_posting_id or "", upto_posting_id, upto_posting_id, limit],
        )
        return [
            PostingFeatures(
                pid, title, tuple(sorted((d["sid"], d["name"], d["conf"]) for d in skills or []))
            )
            for pid, title, skills in rows
        ]

    def save_cluster_run(self, run: ClusterRun) -> None:
        with self._connect() as con:
            con.execute(
                """
                INSERT INTO cluster_runs VALUES (?, ?, ?, ?, ?, false, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_id) DO UPDATE SET
                    model_id = excluded.model_id, status = excluded.status,
                    finished_at = excluded.finished_at, n_postings = excluded.n_postings,
                    n_clusters = excluded.n_clusters, reason = excluded.reason,
                    metrics = excluded.metrics
                """,
                [
                    run.run_id, run.cluster_version, run.enrichment_version, run.model_id,
                    run.status, _db_ts(run.started_at),
                    _db_ts(run.finished_at) if run.finished_at else None,
                    run.n_postings, run.n_clusters, run.reason,
                    json.dumps(run.metrics, sort_keys=True),
                ],
            )  # fmt: skip

    def write_cluster_assignments(self, run_id: str, rows: Sequence[tuple[str, int, float]]) -> int:
        if not rows:
            return 0
        ids = [r[0] for r in rows]
        payload = json.dumps([{"p": p, "c": c, "d": d} for p, c, d in rows])
        with self._connect() as con:
            con.begin()
            gone = con.execute(
                "DELETE FROM cluster_assignments WHERE run_id = ? "
                f"AND posting_id IN {_STRINGS} RETURNING posting_id",
                [run_id, _strings(ids)],
            ).fetchall()
            con.execute(
                "INSERT INTO cluster_assignments SELECT ?, r.p, r.c, r.d FROM "
                """(SELECT unnest(from_json(?, '[{"p": "VARCHAR", "c": "INTEGER", "d": "DOUBLE"}]'))"""
                " AS r)",
                [run_id, payload],
            )
            con.commit()
        return len(rows) - len(gone)

    def count_cluster_assignments(self, run_id: str) -> int:
        rows = self._query("SELECT count(*) FROM cluster_assignments WHERE run_id = ?", [run_id])
        return int(rows[0][0])

    def activate_cluster_run(
        self, run_id: str, n_postings: int, n_clusters: int, metrics: dict[str, Any], now: str
    ) -> bool:
        with self._connect() as con:
            con.begin()
            done = con.execute(
                "UPDATE cluster_runs SET is_active = true, status = 'completed', finished_at = ?, "
                "n_postings = ?, n_clusters = ?, metrics = ? "
                "WHERE run_id = ? AND status = 'running' RETURNING run_id",
                [_db_ts(now), n_postings, n_clusters, json.dumps(metrics, sort_keys=True), run_id],
            ).fetchall()
            if not done:
                con.rollback()
                return False
            con.execute(
                "UPDATE cluster_runs SET is_active = false WHERE is_active AND run_id <> ?",
                [run_id],
            )
            con.commit()
        return True

    def cluster_runs(
        self,
        limit: int = 20,
        cluster_version: str | None = None,
        run_id: str | None = None,
        status: str | None = None,
        active_only: bool = False,
    ) -> list[ClusterRun]:
        rows = self._query(
            "SELECT run_id, clustering_version, enrichment_version, status, started_at, model_id, "
            "is_active, finished_at, n_postings, n_clusters, reason, metrics FROM cluster_runs "
            "WHERE (CAST(? AS VARCHAR) IS NULL OR clustering_version = ?) "
            "AND (CAST(? AS VARCHAR) IS NULL OR run_id = ?) "
            "AND (CAST(? AS VARCHAR) IS NULL OR status = ?) AND (is_active OR NOT ?) "
            "ORDER BY started_at DESC, run_id DESC LIMIT ?",
            [cluster_version, cluster_version, run_id, run_id, status, status, active_only, limit],
        )
        return [
            ClusterRun(
                r[0], r[1], r[2], r[3], _iso(r[4]), r[5], bool(r[6]),
                _iso(r[7]) if r[7] else None, int(r[8]), int(r[9]), r[10], json.loads(r[11]),
            )
            for r in rows
        ]  # fmt: skip

    def cluster_assignments(self, run_id: str) -> dict[str, int]:
        rows = self._query(
            "SELECT posting_id, cluster_id FROM cluster_assignments WHERE run_id = ?", [run_id]
        )
        return {p: int(c) for p, c in rows}

    def posting_cluster(self, posting_id: str) -> tuple[str, int, float] | None:
        rows = self._query(
            "SELECT a.run_id, a.cluster_id, a.distance FROM cluster_assignments a "
            "JOIN cluster_runs r USING (run_id) WHERE r.is_active AND a.posting_id = ?",
            [posting_id],
        )
        return (rows[0][0], int(rows[0][1]), float(rows[0][2])) if rows else None

    def cluster_members(self, run_id: str, cluster_id: int, limit: int = 100) -> list[str]:
        rows = self._query(
            "SELECT posting_id FROM cluster_assignments WHERE run_id = ? AND cluster_id = ? "
            "ORDER BY distance, posting_id LIMIT ?",
            [run_id, cluster_id, limit],
        )
        return [r[0] for r in rows]

    def cluster_sizes(self, runs: int = 10) -> list[tuple[str, int, int]]:
        rows = self._query(
            """
            WITH r AS (SELECT run_id FROM cluster_runs WHERE status = 'completed'
                       ORDER BY started_at DESC, run_id DESC LIMIT ?)
            SELECT a.run_id, a.cluster_id, count(*) FROM cluster_assignments a JOIN r USING (run_id)
            GROUP BY 1, 2 ORDER BY 1, 2
            """,
            [runs],
        )
        return [(r[0], int(r[1]), int(r[2])) for r in rows]

    def changed_postings(
        self, run_a: str, run_b: str, limit: int = 100
    ) -> list[tuple[str, int, int]]:
        rows = self._query(
            "SELECT a.posting_id, a.cluster_id, b.cluster_id FROM cluster_assignments a "
            "JOIN cluster_assignments b ON a.posting_id = b.posting_id "
            "WHERE a.run_id = ? AND b.run_id = ? AND a.cluster_id <> b.cluster_id "
            "ORDER BY a.posting_id LIMIT ?",
            [run_a, run_b, limit],
        )
        return [(r[0], int(r[1]), int(r[2])) for r in rows]
