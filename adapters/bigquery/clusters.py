"""BigQuery store: clustering runs, assignments and the features they are computed from."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from google.cloud import bigquery

from adapters.bigquery.client import translated
from adapters.bigquery.columns import _iso, _ts
from adapters.bigquery.runner import P, QueryRunner
from domain.clustering.model import PostingFeatures
from domain.models import ClusterRun


class ClusterTables(QueryRunner):
    """The ClusterStore side of the BigQuery store."""

    def count_current(self, version: str) -> int:
        return self._one("count_current", P("version", "STRING", version))

    def cluster_chunk_bounds(self, version: str, chunk_size: int) -> list[str]:
        rows = self._run(
            "cluster_chunk_bounds",
            P("version", "STRING", version),
            P("chunk_size", "INT64", chunk_size),
        )
        return [r["posting_id"] for r in rows]

    def cluster_features(
        self,
        version: str,
        limit: int,
        after_posting_id: str | None = None,
        upto_posting_id: str | None = None,
    ) -> list[PostingFeatures]:
        keys = list(
            self._run(
                "cluster_keys",
                P("version", "STRING", version),
                P("after", "STRING", after_posting_id or ""),
                P("upto", "STRING", upto_posting_id),
                P("limit", "INT64", limit),
            )
        )
        if not keys:
            return []
        rows = self._run(
            "cluster_features",
            P("version", "STRING", version),
            bigquery.ArrayQueryParameter("ids", "STRING", [r["posting_id"] for r in keys]),
            bigquery.ArrayQueryParameter("row_ids", "STRING", [r["row_id"] for r in keys]),
        )
        return [
            PostingFeatures(
                r["posting_id"],
                r["title"],
                tuple(sorted((k["skill_id"], k["name"], k["confidence"]) for k in r["skills"])),
            )
            for r in rows
        ]

    def save_cluster_run(self, run: ClusterRun) -> None:
        row = {
            "run_id": run.run_id, "cluster_version": run.cluster_version,
            "enrichment_version": run.enrichment_version, "model_id": run.model_id,
            "status": run.status, "started_at": run.started_at, "finished_at": run.finished_at,
            "n_postings": run.n_postings, "n_clusters": run.n_clusters, "reason": run.reason,
            "metrics": run.metrics,
        }  # fmt: skip
        self._merge("merge_cluster_run", [row])

    def write_cluster_assignments(self, run_id: str, rows: Sequence[tuple[str, int, float]]) -> int:
        if not rows:
            return 0
        before = self.count_cluster_assignments(run_id)
        with translated("merge_cluster_assignments"):
            self._job(
                "merge_cluster_assignments",
                [
                    P("run_id", "STRING", run_id),
                    P("rows", "STRING", json.dumps([{"p": p, "c": c, "d": d} for p, c, d in rows])),
                ],
            )
        return self.count_cluster_assignments(run_id) - before

    def count_cluster_assignments(self, run_id: str) -> int:
        return self._one("count_cluster_assignments", P("run_id", "STRING", run_id))

    def activate_cluster_run(
        self, run_id: str, n_postings: int, n_clusters: int, metrics: dict[str, Any], now: str
    ) -> bool:
        with translated("activate_cluster_run"):
            job = self._job(
                "activate_cluster_run",
                [
                    P("run_id", "STRING", run_id),
                    P("now", "TIMESTAMP", _ts(now)),
                    P("n_postings", "INT64", n_postings),
                    P("n_clusters", "INT64", n_clusters),
                    P("metrics", "STRING", json.dumps(metrics, sort_keys=True)),
                ],
            )
        return int(job.num_dml_affected_rows or 0) > 0

    def cluster_runs(
        self,
        limit: int = 20,
        cluster_version: str | None = None,
        run_id: str | None = None,
        status: str | None = None,
        active_only: bool = False,
    ) -> list[ClusterRun]:
        rows = self._run(
            "cluster_runs",
            P("version", "STRING", cluster_version),
            P("run_id", "STRING", run_id),
            P("status", "STRING", status),
            P("active_only", "BOOL", active_only),
            P("limit", "INT64", limit),
        )
        return [
            ClusterRun(
                r["run_id"], r["clustering_version"], r["enrichment_version"],
                r["status"] or "completed", _iso(r["started_at"]), r["model_id"],
                bool(r["is_active"]), _iso(r["finished_at"]) if r["finished_at"] else None,
                int(r["n_postings"] or 0), int(r["n_clusters"] or 0), r["reason"],
                json.loads(r["metrics"] or "{}") or {},
            )
            for r in rows
        ]  # fmt: skip

    def cluster_assignments(self, run_id: str) -> dict[str, int]:
        rows = self._run("cluster_assignments", P("run_id", "STRING", run_id))
        return {r["posting_id"]: int(r["cluster_id"]) for r in rows}

    def posting_cluster(self, posting_id: str) -> tuple[str, int, float] | None:
        rows = list(self._run("posting_cluster", P("posting_id", "STRING", posting_id)))
        if not rows:
            return None
        return rows[0]["run_id"], int(rows[0]["cluster_id"]), float(rows[0]["distance"])

    def cluster_members(self, run_id: str, cluster_id: int, limit: int = 100) -> list[str]:
        rows = self._run(
            "cluster_members",
            P("run_id", "STRING", run_id),
            P("cluster_id", "INT64", cluster_id),
            P("limit", "INT64", limit),
        )
        return [r["posting_id"] for r in rows]

    def cluster_sizes(self, runs: int = 10) -> list[tuple[str, int, int]]:
        rows = self._run("cluster_sizes", P("runs", "INT64", runs))
        return [(r["run_id"], int(r["cluster_id"]), int(r["size"])) for r in rows]

    def changed_postings(
        self, run_a: str, run_b: str, limit: int = 100
    ) -> list[tuple[str, int, int]]:
        rows = self._run(
            "changed_postings",
            P("run_a", "STRING", run_a),
            P("run_b", "STRING", run_b),
            P("limit", "INT64", limit),
        )
        return [(r["posting_id"], int(r["cluster_a"]), int(r["cluster_b"])) for r in rows]
