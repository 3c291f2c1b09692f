"""BigQuery store reads of enrichment rows: versions, drift, history, status, rejections,
evaluations and the summary counts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from google.cloud import bigquery

from adapters.bigquery.columns import (
    _concepts,
    _iso,
    _iso_us,
    _json_or_none,
    _mention_years,
    _parallel,
    _ts,
    _with_years,
)
from adapters.bigquery.runner import P, QueryRunner
from domain.models import EvaluationResult, JobEnrichment, Posting, Rejection, Section
from domain.occupations.summary import OccupationGroup, OccupationSummary, summarize_occupations
from domain.ports import GroupCount, SectionRow, SkillCount, VersionCount


class EnrichmentReads(QueryRunner):
    """The EnrichmentStore reads (and the evaluation log) of the BigQuery store."""

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
