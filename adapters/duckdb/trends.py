"""Trend queries on the DuckDB warehouse (domain/trends.py's TrendStore); read-only."""

from __future__ import annotations

from typing import Any

from adapters.duckdb.store import DuckDbStore
from domain.trends import (
    Change,
    Changes,
    CoCount,
    CoOccurrence,
    Coverage,
    Demand,
    Period,
    TrendPoint,
    check,
    split_changes,
)

# The rows counted: one per posting. Without a version, the posting's current row (posting_state);
# with one, the posting's latest row of that version. t: posted_at, else received_at.
_CURRENT = """
cur AS (
    SELECT e.row_id, e.posting_id, e.enrichment_version AS version, e.soc_code,
           json_extract_string(e.occupation, '$.soc_title') AS soc_title,
           coalesce(try_cast(p.posted_at AS TIMESTAMP), p.received_at) AS t,
           try_cast(p.posted_at AS TIMESTAMP) IS NULL AS fallback
    FROM posting_state s
    JOIN job_enrichments e ON e.row_id = s.row_id
    JOIN postings p ON p.posting_id = e.posting_id AND p.content_hash = e.content_hash
    WHERE ? IS NULL
)"""
_PINNED = """
cur AS (
    SELECT e.row_id, e.posting_id, e.enrichment_version AS version, e.soc_code,
           json_extract_string(e.occupation, '$.soc_title') AS soc_title,
           coalesce(try_cast(p.posted_at AS TIMESTAMP), p.received_at) AS t,
           try_cast(p.posted_at AS TIMESTAMP) IS NULL AS fallback
    FROM job_enrichments e
    JOIN postings p ON p.posting_id = e.posting_id AND p.content_hash = e.content_hash
    WHERE e.enrichment_version = ?
    QUALIFY row_number() OVER (PARTITION BY e.posting_id ORDER BY e.enriched_at DESC, e.row_id DESC) = 1
)"""
# (posting, key, label) per dimension, for the rows of `win` (cur inside the asked span)
_KEYS = {
    "concept": "SELECT w.posting_id, w.t, k.skill_id AS key, k.name AS label "
    "FROM win w JOIN enrichment_skills k ON k.row_id = w.row_id",
    "group": "SELECT DISTINCT w.posting_id, w.t, k.category AS key, k.category AS label "
    "FROM win w JOIN enrichment_skills k ON k.row_id = w.row_id",
    "occupation": "SELECT w.posting_id, w.t, w.soc_code AS key, coalesce(w.soc_title, w.soc_code) "
    "AS label FROM win w WHERE w.soc_code IS NOT NULL",
    "cluster": "SELECT w.posting_id, w.t, CAST(a.cluster_id AS VARCHAR) AS key, "
    "'cluster ' || a.cluster_id AS label FROM win w "
    "JOIN cluster_assignments a ON a.posting_id = w.posting_id "
    "JOIN cluster_runs r ON r.run_id = a.run_id AND r.is_active",
}


def _ts(day: str) -> str:
    return day[:10]


class DuckDbTrends:
    def __init__(self, store: DuckDbStore) -> None:
        self.store = store

    def _with(self, version: str | None, spans: list[Period]) -> tuple[str, list[Any]]:
        window = " OR ".join(
            "(t >= CAST(? AS TIMESTAMP) AND t < CAST(? AS TIMESTAMP))" for _ in spans
        )
        params: list[Any] = [version]
        for s in spans:
            params += [_ts(s.start), _ts(s.end)]
        base = _CURRENT if version is None else _PINNED
        return f"WITH {base}, win AS (SELECT * FROM cur WHERE {window})", params

    def _coverage(self, version: str | None, spans: list[Period]) -> Coverage:
        head, params = self._with(version, spans)
        rows = self.store._query(
            f"{head} SELECT version, count(*), sum(CAST(fallback AS INTEGER)) FROM win "
            "GROUP BY version ORDER BY version",
            params,
        )
        return Coverage(
            versions=tuple((str(v), int(n)) for v, n, _ in rows),
            fallback_dates=sum(int(f or 0) for *_, f in rows),
            postings=sum(int(n) for _, n, _ in rows),
        )

    def demand(
        self, dimension: str, period: str, span: Period, limit: int = 10, version: str | None = None
    ) -> Demand:
        check(dimension, period)
        head, params = self._with(version, [span])
        rows = self.store._query(
            f"""{head}, keyed AS ({_KEYS[dimension]}),
            top AS (SELECT key, count(DISTINCT posting_id) AS n, min(label) AS label FROM keyed
                    GROUP BY key ORDER BY n DESC, key LIMIT ?)
            SELECT CAST(date_trunc('{period}', k.t) AS DATE) AS bucket, k.key, top.label,
                   count(DISTINCT k.posting_id)
            FROM keyed k JOIN top ON top.key = k.key
            GROUP BY bucket, k.key, top.label, top.n ORDER BY bucket, top.n DESC, k.key""",
            [*params, limit],
        )
        points = tuple(TrendPoint(str(b), str(k), str(lab), int(n)) for b, k, lab, n in rows)
        return Demand(points, self._coverage(version, [span]))

    def changes(
        self, dimension: str, before: Period, after: Period, limit: int = 10,
        version: str | None = None,
    ) -> Changes:  # fmt: skip
        check(dimension)
        head, params = self._with(version, [before, after])
        rows = self.store._query(
            f"""{head}, keyed AS ({_KEYS[dimension]})
            SELECT key, min(label),
                   count(DISTINCT posting_id) FILTER (WHERE t >= CAST(? AS TIMESTAMP) AND t < CAST(? AS TIMESTAMP)),
                   count(DISTINCT posting_id) FILTER (WHERE t >= CAST(? AS TIMESTAMP) AND t < CAST(? AS TIMESTAMP))
            FROM keyed GROUP BY key""",
            [*params, _ts(before.start), _ts(before.end), _ts(after.start), _ts(after.end)],
        )
        rising, falling = split_changes(
            [Change(str(k), str(lab), int(a), int(b)) for k, lab, a, b in rows], limit
        )
        return Changes(rising, falling, self._coverage(version, [before, after]))

    def cooccurring(
        self, anchor: str, span: Period, limit: int = 10, version: str | None = None
    ) -> CoOccurrence:
        head, params = self._with(version, [span])
        if anchor.startswith("soc:"):
            anchored = "SELECT DISTINCT row_id FROM win WHERE soc_code = ?"
            exclude = ""
        else:
            anchored = (
                "SELECT DISTINCT w.row_id FROM win w JOIN enrichment_skills k "
                "ON k.row_id = w.row_id WHERE k.skill_id = ?"
            )
            exclude = "AND k.skill_id <> ?"
        key = anchor.removeprefix("soc:")
        extra = [key] if exclude else []
        rows = self.store._query(
            f"""{head}, anchored AS ({anchored}),
            total AS (SELECT count(*) AS n FROM anchored)
            SELECT k.skill_id, min(k.name), count(DISTINCT k.row_id) AS n, any_value(total.n)
            FROM anchored a JOIN enrichment_skills k ON k.row_id = a.row_id, total
            WHERE true {exclude}
            GROUP BY k.skill_id ORDER BY n DESC, k.skill_id LIMIT ?""",
            [*params, key, *extra, limit],
        )
        total = int(rows[0][3]) if rows else self._anchor_total(head, params, anchored, key)
        items = tuple(CoCount(str(s), str(lab), int(n), int(n) / total) for s, lab, n, _ in rows)
        return CoOccurrence(total, items, self._coverage(version, [span]))

    def _anchor_total(self, head: str, params: list[Any], anchored: str, key: str) -> int:
        rows = self.store._query(f"{head}, anchored AS ({anchored}) SELECT count(*) FROM anchored",
                                 [*params, key])  # fmt: skip
        return int(rows[0][0])
