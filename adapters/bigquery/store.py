"""BigQuery implementation of EnrichmentStore: batches appended through the Storage Write API,
reads through the de-duplicating views of migration 011, named queries in sql/."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from google.cloud import bigquery
from google.cloud.bigquery.retry import DEFAULT_RETRY

from adapters.bigquery.append import Appender
from adapters.bigquery.client import translated
from adapters.bigquery.drift_pages import DriftPager
from adapters.bigquery.sql_files import query, render
from adapters.rows import (
    enrichment_row,
    evaluation_row,
    first_per_key,
    posting_row,
    rejection_row,
    state_rows,
)
from domain.clustering.model import PostingFeatures
from domain.errors import PermanentError
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
    GroupCount,
    IntakeEntry,
    LedgerCounts,
    SectionRow,
    SkillCount,
    VersionCount,
)

P = bigquery.ScalarQueryParameter


def _parallel(row: Any, column: str, i: int, names: tuple[str, ...]) -> dict[str, Any]:
    """The i-th skill's fields from a parallel per-skill column (skill_links since migration
    003, skill_sections since 005); None for rows written before the column existed."""
    entries = row.get(column) or []
    return {n: entries[i][n] if i < len(entries) else None for n in names}


def _concepts(row: Any, i: int) -> dict[str, Any]:
    """The i-th skill's concept fields from skill_concepts (migration 010); None / no
    candidates for rows written before."""
    d = _parallel(row, "skill_concepts", i, ("link_level", "group_id", "group_name", "candidates"))
    d["candidates"] = [dict(c) for c in d["candidates"] or ()]
    return d


def _mention_years(row: Any, i: int) -> list[dict[str, Any]]:
    """The years of the i-th skill's mentions, in mention order, from skill_years (migration
    009); an empty list for rows written before it (their mentions read no years)."""
    entries = row.get("skill_years") or []
    return list(entries[i]["mentions"] or []) if i < len(entries) else []


def _with_years(mentions: Any, years: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for k, m in enumerate(mentions):
        y = years[k] if k < len(years) else {}
        out.append({**dict(m), "years_min": y.get("years_min"), "years_max": y.get("years_max")})
    return out


def _json_or_none(text: str | None) -> Any:
    """A JSON column read through TO_JSON_STRING: NULL comes back as None or 'null'."""
    return None if text in (None, "null") else json.loads(text)


def enrichment_columns(row: dict[str, Any]) -> dict[str, Any]:
    """An enrichment row (adapters/rows.py) in job_enrichments' columns: per-skill link, section
    and concept fields go to the parallel columns skill_links / skill_sections / skill_concepts
    / skill_years (migrations 003, 005, 010, 009), same order as skills."""
    skills = row["skills"]
    return {
        **row,
        "skills": [{k: s.get(k) for k in _SKILL_FIELDS} for s in skills],
        "skill_links": [
            {"skill_id": s["skill_id"], "link_score": s.get("link_score"),
             "link_method": s.get("link_method")}
            for s in skills
        ],
        "skill_sections": [
            {"skill_id": s["skill_id"], "section": s.get("section"),
             "section_relevance": s.get("section_relevance")}
            for s in skills
        ],
        # migration 010: where each skill sits and its first candidates (re-thresholding)
        "skill_concepts": [
            {"skill_id": s["skill_id"], "link_level": s.get("link_level"),
             "group_id": s.get("group_id"), "group_name": s.get("group_name"),
             "candidates": [
                 {k: c.get(k) for k in ("skill_id", "name", "score", "source")}
                 for c in s.get("candidates") or ()
             ]}
            for s in skills
        ],
        # migration 009: each mention's years of experience, in mention order
        "skill_years": [
            {"skill_id": s["skill_id"],
             "mentions": [
                 {"years_min": m.get("years_min"), "years_max": m.get("years_max")}
                 for m in s.get("mentions") or ()
             ]}
            for s in skills
        ],
    }  # fmt: skip


_SKILL_FIELDS = ("skill_id", "name", "category", "confidence", "source_strategies", "mentions")


def _iso_us(dt: datetime | None) -> str | None:
    """An intake stamp as ISO 8601 UTC, microseconds kept (they order the stamps)."""
    return None if dt is None else dt.astimezone(UTC).isoformat(timespec="microseconds")


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")


def _ts(iso: str) -> datetime:
    dt = datetime.fromisoformat(iso)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class BigQueryStore:
    """Batches are appended (Storage Write API, default stream), never MERGEd: per batch, one
    query reads the keys the batch names (clustered / partition-pruned, see existing_keys.sql)
    and one append per table writes the new rows, so the cost does not grow with the tables and
    no DML quota (25 mutating statements per table per 10 s) caps the fleet. Any number of
    persister processes may write at once. A redelivered batch appends nothing new; two
    persisters racing on one batch may both append it, and the v_* views keep one row per key.
    Current state is the newest move per posting in posting_state_log (view posting_state).

    `writer` is required for writes (reads work without one). The appends of a batch are not one
    transaction: a crash between them leaves a prefix written and the task's retry completes it.
    Other writes (evaluations, clustering, intake ledger) are rare and stay MERGEs.
    """

    def __init__(
        self,
        client: bigquery.Client,
        dataset: str,
        api_deadline_s: float = 120.0,
        writer: Appender | None = None,
    ) -> None:
        self.client = client
        self.dataset = dataset  # "project.dataset"
        # The client's own retries would wait up to 10 minutes; past this deadline the error
        # surfaces as TransientError and the Celery task retries with backoff instead.
        self.deadline_s = api_deadline_s
        self._retry = DEFAULT_RETRY.with_deadline(api_deadline_s)
        self.writer = writer
        self.drift_pager = DriftPager(self._run)  # O(page) drift pages (drift_pages.py)

    def _job(self, name: str, params: list[Any]) -> bigquery.QueryJob:
        sql = render(query(name), self.dataset)
        job = self.client.query(
            sql,
            job_config=bigquery.QueryJobConfig(query_parameters=params),
            retry=self._retry,
            job_retry=None,  # the client's job retry ignores our deadline; Celery retries instead
            timeout=self.deadline_s,
        )
        job.result(retry=self._retry, timeout=self.deadline_s)
        return job

    def _run(self, name: str, *params: Any) -> bigquery.table.RowIterator:
        with translated(name):
            return self._job(name, list(params)).result(retry=self._retry, timeout=self.deadline_s)

    def _merge(self, name: str, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        with translated(name):
            job = self._job(name, [P("rows", "STRING", json.dumps(rows))])
            return int(job.num_dml_affected_rows or 0)

    # -- writes -------------------------------------------------------------------------------

    def write_batch(
        self,
        postings: Sequence[Posting],
        enrichments: Sequence[JobEnrichment],
        rejections: Sequence[Rejection],
    ) -> tuple[int, int, int]:
        if self.writer is None:
            raise PermanentError(
                "BigQuery writes need the Storage Write API: on an emulator set "
                "ENRICH_BIGQUERY_WRITE_ENDPOINT to its gRPC host:port"
            )
        now = datetime.now(UTC).isoformat()
        # a posting's received_at is its intake stamp (the persist time when it has none)
        p_rows = first_per_key(
            [posting_row(p, p.received_at or now) for p in postings], ("posting_id", "content_hash")
        )
        e_rows = first_per_key([enrichment_row(e) for e in enrichments], ("row_id",))
        r_rows = first_per_key([rejection_row(r) for r in rejections], ("rejection_id",))
        have = self._existing_keys(p_rows, e_rows, r_rows)
        new_p = [r for r in p_rows if ("p", f"{r['posting_id']}:{r['content_hash']}") not in have]
        new_e = [r for r in e_rows if ("e", r["row_id"]) not in have]
        new_r = [r for r in r_rows if ("r", r["rejection_id"]) not in have]
        self.writer.append("postings", new_p)
        self.writer.append("job_enrichments", [enrichment_columns(r) for r in new_e])
        # every batch moves the state, new rows or not (a rollback re-run of an old version)
        received = {(p.posting_id, p.content_hash): p.received_at for p in postings}
        self.writer.append("posting_state_log", state_rows(e_rows, _ts, received))
        self.writer.append("rejections", new_r)
        return len(new_p), len(new_e), len(new_r)

    def _existing_keys(
        self, p_rows: list[dict[str, Any]], e_rows: list[dict[str, Any]],
        r_rows: list[dict[str, Any]],
    ) -> set[tuple[str, str]]:  # fmt: skip
        if not (p_rows or e_rows or r_rows):
            return set()
        A = bigquery.ArrayQueryParameter
        rows = self._run(
            "existing_keys",
            A("posting_ids", "STRING", sorted({r["posting_id"] for r in p_rows})),
            A("posting_keys", "STRING", [f"{r['posting_id']}:{r['content_hash']}" for r in p_rows]),
            A("versions", "STRING", sorted({r["enrichment_version"] for r in e_rows})),
            A("enriched_ids", "STRING", sorted({r["posting_id"] for r in e_rows})),
            A("row_ids", "STRING", [r["row_id"] for r in e_rows]),
            A("rejected_days", "DATE", sorted({_ts(r["rejected_at"]).date() for r in r_rows})),
            A("rejection_ids", "STRING", [r["rejection_id"] for r in r_rows]),
        )
        return {(r["kind"], r["k"]) for r in rows}

    def save_evaluation(self, result: EvaluationResult) -> bool:
        return self._merge("merge_evaluation", [evaluation_row(result)]) > 0

    # -- reads --------------------------------------------------------------------------------

    def counts_by_version(self) -> list[VersionCount]:
        return [
            VersionCount(
                r["enrichment_version"], int(r["n_rows"]), int(r["postings"]), int(r["latest"])
            )
            for r in self._run("counts_per_version")
        ]

    @staticmethod
    def _drift_params(
        current: str, from_version: str | None, since: str | None
    ) -> list[bigquery.ScalarQueryParameter]:
        return [
            P("current", "STRING", current),
            P("from_version", "STRING", from_version),
            P("since", "TIMESTAMP", _ts(since) if since else None),
        ]

    def drifted_postings(
        self,
        current_version: str,
        limit: int,
        after_posting_id: str | None = None,
        from_version: str | None = None,
        since: str | None = None,
    ) -> list[Posting]:
        filters = self._drift_params(current_version, from_version, since)
        key = (current_version, from_version, since)
        return self._postings_by_keys(
            self.drift_pager.keys(filters, key, limit, after_posting_id or "")
        )

    def _postings_by_keys(self, keys: list[tuple[str, str]]) -> list[Posting]:
        """The raw postings of `keys`, in that order (a page: two queries, the second by key)."""
        if not keys:
            return []
        rows = self._run(
            "postings_by_keys",
            bigquery.ArrayQueryParameter("ids", "STRING", sorted({p for p, _ in keys})),
            bigquery.ArrayQueryParameter("keys", "STRING", [f"{p}:{h}" for p, h in keys]),
        )
        found = {
            (r["posting_id"], r["content_hash"]): Posting(
                r["posting_id"], r["text"], r["content_hash"], r["title"], r["company"],
                r["source"], r["posted_at"], received_at=_iso_us(r["received_at"]),
            )
            for r in rows
        }  # fmt: skip
        return [found[k] for k in keys if k in found]

    def failed_postings(
        self,
        current_version: str,
        stages: Sequence[str],
        limit: int,
        after_posting_id: str | None = None,
    ) -> list[Posting]:
        rows = self._run(
            "failed_postings",
            P("current", "STRING", current_version),
            bigquery.ArrayQueryParameter("stages", "STRING", list(stages)),
            P("after", "STRING", after_posting_id or ""),
            P("limit", "INT64", limit),
        )
        return self._postings_by_keys([(r["posting_id"], r["content_hash"]) for r in rows])

    def count_drifted(
        self, current_version: str, from_version: str | None = None, since: str | None = None
    ) -> int:
        rows = self._run("count_drift", *self._drift_params(current_version, from_version, since))
        return int(next(iter(rows))["n"])

    def section_classifications(self, posting_id: str) -> list[SectionRow]:
        rows = self._run("section_classifications", P("posting_id", "STRING", posting_id))
        return [
            SectionRow(
                r["enrichment_version"],
                r["content_hash"],
                r["classifier_version"] or "",
                int(r["section_index"]),
                Section(r["kind"], int(r["start"]), int(r["end"]), r["header"]),
            )
            for r in rows
        ]

    def posting_history(self, posting_id: str) -> list[JobEnrichment]:
        return self._enrichments(
            self._run("posting_history", P("posting_id", "STRING", posting_id))
        )

    def enrichments_by_keys(self, keys: Sequence[tuple[str, str]]) -> list[JobEnrichment]:
        """One query for all keys: clustered by posting_id, it reads the blocks of those ids."""
        if not keys:
            return []
        A = bigquery.ArrayQueryParameter
        rows = self._run(
            "enrichments_by_keys",
            A("posting_ids", "STRING", sorted({p for p, _ in keys})),
            A("row_ids", "STRING", sorted({r for _, r in keys})),
        )
        wanted = set(keys)
        return [e for e in self._enrichments(rows) if (e.posting_id, e.row_id) in wanted]

    @staticmethod
    def _enrichments(rows: Any) -> list[JobEnrichment]:
        return [
            JobEnrichment.from_dict(
                {
                    "posting_id": r["posting_id"],
                    "content_hash": r["content_hash"],
                    "enrichment_version": r["enrichment_version"],
                    "component_versions": json.loads(r["component_versions"] or "{}"),
                    "sections": json.loads(r["sections"] or "[]"),
                    "skills": [
                        {
                            **s,
                            "source_strategies": list(s["source_strategies"]),
                            "mentions": _with_years(s["mentions"], _mention_years(r, i)),
                            **_parallel(r, "skill_links", i, ("link_score", "link_method")),
                            **_parallel(r, "skill_sections", i, ("section", "section_relevance")),
                            **_concepts(r, i),
                        }
                        for i, s in enumerate(r["skills"])
                    ],
                    "enriched_at": _iso(r["enriched_at"]),
                    "processing_ms": r["processing_ms"],
                    "truncated": r["truncated"],
                    "language": r.get("language"),
                    "occupation": _json_or_none(r.get("occupation")),
                }
            )
            for r in rows
        ]

    def enrichment_status(self, posting_ids: Sequence[str], version: str) -> tuple[int, int]:
        r = next(
            iter(
                self._run(
                    "enrichment_status",
                    P("version", "STRING", version),
                    bigquery.ArrayQueryParameter("ids", "STRING", list(posting_ids)),
                )
            )
        )
        return int(r["enriched"]), int(r["failed"])

    def current_status(
        self, posting_ids: Sequence[str], version: str, failed_since: str
    ) -> tuple[int, int]:
        rows = self._run(
            "current_status",
            P("version", "STRING", version),
            P("since", "TIMESTAMP", _ts(failed_since)),
            bigquery.ArrayQueryParameter("ids", "STRING", list(posting_ids)),
        )
        r = next(iter(rows))
        return int(r["at_version"]), int(r["failed"])

    def count_rejections(self, rejection_ids: Sequence[str]) -> int:
        rows = self._run(
            "count_rejections", bigquery.ArrayQueryParameter("ids", "STRING", list(rejection_ids))
        )
        return int(next(iter(rows))["n"])

    def rejections(self, limit: int = 100) -> list[Rejection]:
        return [
            Rejection(
                r["rejection_id"],
                r["stage"],
                r["reason"],
                r["detail"],
                r["source"],
                _iso(r["rejected_at"]),
                r["posting_id"],
                r["content_hash"],
            )
            for r in self._run("rejections", P("limit", "INT64", limit))
        ]

    def rejection_counts(self) -> dict[tuple[str, str], int]:
        return {(r["stage"], r["reason"]): int(r["n"]) for r in self._run("rejection_counts")}

    def top_skills(self, version: str, limit: int = 10) -> list[SkillCount]:
        rows = self._run("top_skills", P("version", "STRING", version), P("limit", "INT64", limit))
        return [
            SkillCount(r["skill_id"], r["name"], r["category"], int(r["postings"])) for r in rows
        ]

    def top_groups(self, version: str, limit: int = 10) -> list[GroupCount]:
        rows = self._run("top_groups", P("version", "STRING", version), P("limit", "INT64", limit))
        return [
            GroupCount(r["group_id"], r["name"], int(r["postings"]), int(r["skills"])) for r in rows
        ]

    def top_occupations(self, version: str, limit: int = 10) -> OccupationSummary:
        rows = self._run("top_occupations", P("version", "STRING", version))
        groups = [
            OccupationGroup(r["soc_code"], r["soc_title"], r["isco_group"], r["method"],
                            r["reason"], int(r["postings"]), float(r["confidence"]))
            for r in rows
        ]  # fmt: skip
        return summarize_occupations(groups, limit)

    def skill_count_distribution(self, version: str) -> list[tuple[int, int, float]]:
        rows = self._run("skill_count_distribution", P("version", "STRING", version))
        return [(int(r["skill_count"]), int(r["n"]), float(r["ms"] or 0.0)) for r in rows]

    def skills_per_posting(self, version: str) -> float:
        rows = self._run("skills_per_posting", P("version", "STRING", version))
        return float(next(iter(rows))["avg_skills"] or 0.0)

    def evaluations(self, dataset: str | None = None, limit: int = 50) -> list[EvaluationResult]:
        rows = self._run(
            "evaluation_history", P("name", "STRING", dataset), P("limit", "INT64", limit)
        )
        return [
            EvaluationResult(
                r["result_id"],
                r["dataset"],
                r["dataset_hash"],
                r["enrichment_version"],
                json.loads(r["metrics"] or "{}"),
                int(r["n_docs"]),
                _iso(r["evaluated_at"]),
                bool(r["regressed"]),
                tuple(r["regressions"] or ()),
                r["compared_to"],
            )
            for r in rows
        ]

    def cluster_versions(self) -> list[dict[str, Any]]:
        """Clustering runs per version (the clustering job fills cluster_runs)."""
        return [dict(r.items()) for r in self._run("cluster_versions")]

    # -- intake ledger ------------------------------------------------------------------------
    # accepted_at / last_attempt_at come from CURRENT_TIMESTAMP() in the SQL: BigQuery's clock.

    def record_intake(self, postings: Sequence[Posting], refs: Sequence[str]) -> int:
        rows = first_per_key(
            [
                {**posting_row(p, p.received_at or ""), "source_ref": ref[:300]}
                for p, ref in zip(postings, refs, strict=True)
            ],
            ("posting_id", "content_hash"),
        )
        return self._merge("merge_intake", rows)

    def unaccounted_intake(self, grace_s: float, limit: int) -> list[IntakeEntry]:
        rows = self._run(
            "unaccounted_intake",
            P("grace_ms", "INT64", int(grace_s * 1000)),
            P("limit", "INT64", limit),
        )
        return [
            IntakeEntry(
                Posting(r["posting_id"], r["text"], r["content_hash"], r["title"], r["company"],
                        r["source"], r["posted_at"], received_at=_iso_us(r["received_at"])),
                r["source_ref"] or "", _iso(r["accepted_at"]), int(r["attempts"]),
            )
            for r in rows
        ]  # fmt: skip

    def mark_reenqueued(self, keys: Sequence[tuple[str, str]]) -> int:
        return self._merge("mark_reenqueued", [{"p": p, "h": h} for p, h in dict.fromkeys(keys)])

    def ledger_counts(self, grace_s: float) -> LedgerCounts:
        r = next(iter(self._run("ledger_counts", P("grace_ms", "INT64", int(grace_s * 1000)))))
        return LedgerCounts(
            int(r["accepted"]), int(r["unaccounted"]), int(r["reenqueued"]),
            int(r["lost_in_transit"]), int(r["compacted"]),
        )  # fmt: skip

    def compact_intake(self, retention_s: float, limit: int) -> int:
        with translated("compact_intake"):
            job = self._job(
                "compact_intake",
                [P("retention_ms", "INT64", int(retention_s * 1000)), P("limit", "INT64", limit)],
            )
            return int(job.num_dml_affected_rows or 0)

    # -- clustering ---------------------------------------------------------------------------

    def _one(self, name: str, *params: Any) -> int:
        return int(next(iter(self._run(name, *params)))["n"])

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
