"""DuckDB store reads of enrichment rows: versions, drift, history, status, rejections,
evaluations and the summary counts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from adapters.duckdb.connection import LeasedConnection
from adapters.duckdb.values import _STRINGS, _db_ts, _iso, _reread, _strings, _ts
from adapters.rows import evaluation_row
from domain.models import EvaluationResult, JobEnrichment, Posting, Rejection, Section
from domain.occupations.summary import OccupationGroup, OccupationSummary, summarize_occupations
from domain.ports import GroupCount, SectionRow, SkillCount, VersionCount


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


class EnrichmentReads(LeasedConnection):
    """The EnrichmentStore reads (and the evaluation log) of the DuckDB store."""

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
