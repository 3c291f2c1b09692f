"""DuckDB store: clustering runs, assignments and the features they are computed from."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from adapters.duckdb.connection import LeasedConnection
from adapters.duckdb.values import _STRINGS, _db_ts, _iso, _strings
from domain.clustering.model import PostingFeatures
from domain.models import ClusterRun


class ClusterTables(LeasedConnection):
    """The ClusterStore side of the DuckDB store."""

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
