"""DuckDB implementation of EnrichmentStore: the embedded default warehouse, one file."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from domain.errors import PermanentError, TransientError
from domain.models import JobEnrichment, Posting, Rejection
from domain.ports import SkillCount, VersionCount

log = logging.getLogger(__name__)
SCHEMA = (Path(__file__).parent / "schema.sql").read_text()

_LATEST = """
    SELECT posting_id, content_hash, enrichment_version,
           row_number() OVER (PARTITION BY posting_id ORDER BY enriched_at DESC, row_id DESC) AS rn
    FROM job_enrichments
"""


def _ts(iso: str) -> datetime:
    """ISO 8601 (any offset) -> naive UTC, which is how timestamps are stored."""
    dt = datetime.fromisoformat(iso)
    return (dt.astimezone(UTC) if dt.tzinfo else dt).replace(tzinfo=None)


def _iso(dt: datetime) -> str:
    return dt.replace(tzinfo=UTC).isoformat(timespec="milliseconds")


def _dedupe(rows: Sequence[tuple[Any, ...]], key_len: int) -> list[tuple[Any, ...]]:
    seen: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for r in rows:
        seen.setdefault(r[:key_len], r)
    return list(seen.values())


class DuckDbStore:
    """Opens the file per unit of work, so several processes (workers, CLI) can share it.

    DuckDB allows one writer process at a time; a held lock is retried for `lock_timeout_s`, then
    surfaces as TransientError so the Celery task retries with backoff.
    """

    def __init__(self, path: Path, lock_timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.01
        while True:
            try:
                con = duckdb.connect(str(self.path))
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise PermanentError(f"cannot open {self.path}: {exc}") from exc
                if time.monotonic() > deadline:
                    raise TransientError(f"{self.path} is locked by another process") from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.25)
        try:
            yield con
        except duckdb.TransactionException as exc:
            raise TransientError(f"transaction conflict: {exc}") from exc
        finally:
            con.close()

    # -- writes -------------------------------------------------------------------------------

    def write_batch(
        self,
        postings: Sequence[Posting],
        enrichments: Sequence[JobEnrichment],
        rejections: Sequence[Rejection],
    ) -> tuple[int, int, int]:
        now = datetime.now(UTC).replace(tzinfo=None)
        p_rows = _dedupe(
            [
                (
                    p.posting_id,
                    p.content_hash,
                    p.title,
                    p.company,
                    p.text,
                    p.source,
                    p.posted_at,
                    now,
                )
                for p in postings
            ],
            2,
        )
        e_rows = _dedupe(
            [
                (
                    e.row_id,
                    e.posting_id,
                    e.content_hash,
                    e.enrichment_version,
                    json.dumps(e.component_versions, sort_keys=True),
                    json.dumps([s.to_list() for s in e.sections]),
                    json.dumps([s.to_dict() for s in e.skills]),
                    len(e.skills),
                    _ts(e.enriched_at),
                    e.processing_ms,
                    e.truncated,
                )
                for e in enrichments
            ],
            1,
        )
        s_rows = _dedupe(
            [
                (e.row_id, s.skill_id, s.name, s.category, s.confidence, len(s.mentions))
                for e in enrichments
                for s in e.skills
            ],
            2,
        )
        r_rows = _dedupe(
            [
                (
                    r.rejection_id,
                    r.stage,
                    r.reason,
                    r.detail,
                    r.source,
                    _ts(r.rejected_at),
                    r.posting_id,
                    r.content_hash,
                )
                for r in rejections
            ],
            1,
        )
        with self._connect() as con:
            con.begin()
            counts = (
                self._insert(con, "postings", p_rows),
                self._insert(con, "job_enrichments", e_rows),
                self._insert(con, "rejections", r_rows),
            )
            self._insert(con, "enrichment_skills", s_rows)
            con.commit()
        return counts

    @staticmethod
    def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> int:
        if not rows:
            return 0
        width = len(rows[0])
        values = ",".join(["(" + ",".join(["?"] * width) + ")"] * len(rows))
        params = [v for r in rows for v in r]
        inserted = con.execute(
            f"INSERT INTO {table} VALUES {values} ON CONFLICT DO NOTHING RETURNING 1", params
        ).fetchall()
        return len(inserted)

    # -- reads --------------------------------------------------------------------------------

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connect() as con:
            return con.execute(sql, list(params)).fetchall()

    def counts_by_version(self) -> list[VersionCount]:
        rows = self._query(
            "SELECT enrichment_version, count(*), count(DISTINCT posting_id) FROM job_enrichments "
            "GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        return [VersionCount(v, int(n), int(p)) for v, n, p in rows]

    def drifted_postings(
        self, current_version: str, limit: int, after_posting_id: str | None = None
    ) -> list[Posting]:
        rows = self._query(
            f"""
            WITH latest AS ({_LATEST})
            SELECT p.posting_id, p.text, p.content_hash, p.title, p.company, p.source, p.posted_at
            FROM latest l JOIN postings p USING (posting_id, content_hash)
            WHERE l.rn = 1 AND l.enrichment_version <> ? AND p.posting_id > ?
            ORDER BY p.posting_id LIMIT ?
            """,
            [current_version, after_posting_id or "", limit],
        )
        return [Posting(*r) for r in rows]

    def count_drifted(self, current_version: str) -> int:
        rows = self._query(
            f"WITH latest AS ({_LATEST}) SELECT count(*) FROM latest "
            "WHERE rn = 1 AND enrichment_version <> ?",
            [current_version],
        )
        return int(rows[0][0])

    def posting_history(self, posting_id: str) -> list[JobEnrichment]:
        rows = self._query(
            "SELECT posting_id, content_hash, enrichment_version, component_versions, sections, "
            "skills, enriched_at, processing_ms, truncated FROM job_enrichments "
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
                }
            )
            for r in rows
        ]

    def enrichment_status(self, posting_ids: Sequence[str], version: str) -> tuple[int, int]:
        ids = list(posting_ids)
        rows = self._query(
            """
            SELECT
              (SELECT count(DISTINCT posting_id) FROM job_enrichments
                 WHERE enrichment_version = ? AND list_contains(?, posting_id)),
              (SELECT count(DISTINCT posting_id) FROM rejections
                 WHERE list_contains(?, posting_id) AND posting_id NOT IN
                   (SELECT posting_id FROM job_enrichments WHERE enrichment_version = ?))
            """,
            [version, ids, ids, version],
        )
        return int(rows[0][0]), int(rows[0][1])

    def count_rejections(self, rejection_ids: Sequence[str]) -> int:
        rows = self._query(
            "SELECT count(*) FROM rejections WHERE list_contains(?, rejection_id)",
            [list(rejection_ids)],
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

    def top_skills(self, version: str, limit: int = 10) -> list[SkillCount]:
        rows = self._query(
            "SELECT s.skill_id, any_value(s.name), any_value(s.category), "
            "count(DISTINCT e.posting_id) AS n FROM enrichment_skills s "
            "JOIN job_enrichments e USING (row_id) WHERE e.enrichment_version = ? "
            "GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?",
            [version, limit],
        )
        return [SkillCount(*r) for r in rows]

    def skills_per_posting(self, version: str) -> float:
        rows = self._query(
            "SELECT coalesce(avg(skill_count), 0) FROM job_enrichments WHERE enrichment_version = ?",
            [version],
        )
        return float(rows[0][0])
