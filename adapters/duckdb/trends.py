"""Trend queries on the DuckDB warehouse (domain/trends.py's TrendStore); read-only."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import duckdb

from adapters.duckdb import trend_masks
from adapters.duckdb.store import DuckDbStore
from adapters.duckdb.trend_masks import LEVEL1
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
# with one, the posting's latest row of that version. t: posted_at, else received_at. Each call
# materializes them once in a temp table `win` (one connection), which the count and coverage
# queries then read; posted_at strings are parsed once.
# posting_state holds the current row's id, content hash and version (written together from that
# row), so only a question about occupations joins job_enrichments, for soc_code: skipping that
# 1M x 1M join cut building `win` from 1.56 s to 1.15 s at 1M postings. A question by category /
# group joins it too, for the row's stored key mask (`mask`, adapters/duckdb/trend_masks.py).
_CURRENT = """
SELECT s.row_id, s.posting_id, s.enrichment_version AS version, {soc_code} AS soc_code,
       {soc_title} AS soc_title, {mask} AS mask,
       coalesce(p.pt, p.received_at) AS t, p.pt IS NULL AS fallback
FROM posting_state s {soc_join}
JOIN (SELECT posting_id, content_hash, received_at, try_cast(posted_at AS TIMESTAMP) AS pt
      FROM postings) p ON p.posting_id = s.posting_id AND p.content_hash = s.content_hash
WHERE ? IS NULL"""
_PINNED = """
SELECT e.row_id, e.posting_id, e.enrichment_version AS version, e.soc_code,
       {soc_title} AS soc_title, {mask} AS mask,
       coalesce(p.pt, p.received_at) AS t, p.pt IS NULL AS fallback
FROM job_enrichments e
JOIN (SELECT posting_id, content_hash, received_at, try_cast(posted_at AS TIMESTAMP) AS pt
      FROM postings) p ON p.posting_id = e.posting_id AND p.content_hash = e.content_hash
WHERE e.enrichment_version = ?
QUALIFY row_number() OVER (PARTITION BY e.posting_id ORDER BY e.enriched_at DESC, e.row_id DESC) = 1"""
log = logging.getLogger(__name__)
__all__ = ["LEVEL1", "DuckDbTrends"]  # LEVEL1: domain/trends.py level1_group in SQL
# The key of a skill row for the dimensions that count a posting once per key however many of
# its skills share it: (the skill row's column, the key as an expression of that column's value
# `s.src`): the skill category, or the level-1 group of the nearest group (NULL before 2026.11.10).
_SKILL_KEY = {
    "category": ("k.category", "s.src"),
    "group": ("k.group_id", LEVEL1.format(col="s.src")),
}
# The skill-row form below answers category / group only when the rows' stored key masks cannot
# (trend_masks.py; or with stored_masks=False): reading the skill rows cost ~1 s of 1.3 s.
# A DISTINCT over (posting, key) hashed ~2M string keys at 1M postings and cost 2.4 s of the
# query; instead each posting's keys are OR-ed into a bit mask, grouped by win's integer rowid,
# and expanded back: one bit per key present in the table, so at most 64 keys (5 categories,
# ~30 level-1 groups); beyond that (unknown group codes) the DISTINCT below is used. The key is
# computed once per distinct column value (srcs: ~800 group codes), not per skill row: the CASE
# on 8.4M rows made demand per group 4.4 s at 1M postings.
MAX_BITS = 64
_CATS = (
    "srcs AS (SELECT DISTINCT {col} AS src FROM enrichment_skills k WHERE {col} IS NOT NULL), "
    "cats AS (SELECT key AS category, CAST(1 AS UBIGINT) << CAST(row_number() OVER (ORDER BY key)"
    " - 1 AS INTEGER) AS bit FROM (SELECT DISTINCT {of_src} AS key FROM srcs s)), "
    "bits AS (SELECT s.src, c.bit FROM srcs s JOIN cats c ON c.category = {of_src})"
)
_MASKS = (
    "masks AS (SELECT any_value(w.posting_id) AS posting_id, any_value(w.t) AS t, "
    "bit_or(b.bit) AS mask FROM win w JOIN enrichment_skills k ON k.row_id = w.row_id "
    "JOIN bits b ON b.src = {col} GROUP BY w.rowid)"
)


def _with(dimension: str) -> str:
    col, of_src = _SKILL_KEY[dimension]
    return f"WITH {_CATS.format(col=col, of_src=of_src)}, {_MASKS.format(col=col)}"


def _masked(dimension: str) -> str:
    return (
        f"{_with(dimension)} SELECT m.posting_id, m.t, "
        "c.category AS key, c.category AS label FROM masks m JOIN cats c ON (m.mask & c.bit) <> 0"
    )


def _distinct(dimension: str) -> str:
    col, of_src = _SKILL_KEY[dimension]
    key = of_src.replace("s.src", col)
    return (
        f"SELECT DISTINCT w.posting_id, w.t, {key} AS key, {key} AS label "
        f"FROM win w JOIN enrichment_skills k ON k.row_id = w.row_id WHERE {key} IS NOT NULL"
    )


# (posting, key, label) per dimension, one row per posting and key. An enrichment row holds one
# skill per skill_id (the ensemble merges by id), so concept rows need no DISTINCT. Labels of
# groups are their codes (the CLI names them from the hierarchy).
_KEYS = {
    "concept": "SELECT w.posting_id, w.t, k.skill_id AS key, k.name AS label "
    "FROM win w JOIN enrichment_skills k ON k.row_id = w.row_id",
    "category": _masked("category"),
    "group": _masked("group"),
    "occupation": "SELECT w.posting_id, w.t, w.soc_code AS key, coalesce(w.soc_title, w.soc_code) "
    "AS label FROM win w WHERE w.soc_code IS NOT NULL",
    "cluster": "SELECT w.posting_id, w.t, CAST(a.cluster_id AS VARCHAR) AS key, "
    "'cluster ' || a.cluster_id AS label FROM win w "
    "JOIN cluster_assignments a ON a.posting_id = w.posting_id "
    "JOIN cluster_runs r ON r.run_id = a.run_id AND r.is_active",
}


# Demand per category / group counts (period, mask) pairs first, a few thousand rows, and
# expands only those: 1.22 s -> 0.75 s at 1M postings against expanding every posting's mask.
# Same columns and order as the generic demand query; {period} week | month, ? the limit.
def _masked_demand(dimension: str) -> str:
    return trend_masks.demand_from(_with(dimension), "{period}")


_DEMAND = {dim: _masked_demand(dim) for dim in _SKILL_KEY}


def _ts(day: str) -> str:
    return day[:10]


class DuckDbTrends:
    """TrendStore on a DuckDbStore. `stored_masks` False counts categories / groups from the
    skill rows even when the rows' stored masks could answer (the form before 2026-12-01; the
    bench and the tests compare both)."""

    def __init__(self, store: DuckDbStore, stored_masks: bool = True) -> None:
        self.store = store
        self.stored_masks = stored_masks

    def _keys(self, con: duckdb.DuckDBPyConnection, dimension: str) -> str:
        """_KEYS[dimension], or the DISTINCT form when the skill keys outnumber the mask's bits."""
        if dimension in _SKILL_KEY and self._too_many(con, dimension):
            return _distinct(dimension)
        return _KEYS[dimension]

    @staticmethod
    def _too_many(con: duckdb.DuckDBPyConnection, dimension: str) -> bool:
        col, of_src = _SKILL_KEY[dimension]
        row = con.execute(
            f"SELECT count(DISTINCT {of_src}) FROM (SELECT DISTINCT {col} AS src "
            "FROM enrichment_skills k) s"
        ).fetchone()
        return row is not None and int(row[0]) > MAX_BITS

    def _masked(self, dimension: str) -> bool:
        return self.stored_masks and dimension in trend_masks.BOOKS

    def _stored_or(
        self, dimension: str, stored: str, from_skills: Callable[[duckdb.DuckDBPyConnection], str]
    ) -> Callable[[duckdb.DuckDBPyConnection], str]:
        """The SQL to run on `win`: `stored` when every row in it has a usable stored mask, else
        the skill-row form (a row written before the masks and not yet backfilled, or a key
        outside the book: same answer, slower)."""

        def pick(con: duckdb.DuckDBPyConnection) -> str:
            if trend_masks.covered(con):
                return stored
            log.info("trends by %s: some rows carry no usable key mask; counting skill rows",
                     dimension)  # fmt: skip
            return from_skills(con)

        return pick

    def _run(
        self,
        version: str | None,
        spans: list[Period],
        sql: str | Callable[[duckdb.DuckDBPyConnection], str],
        params: Sequence[Any] = (),
        titles: bool = False,
        occupations: bool = False,
        mask: str | None = None,
    ) -> tuple[list[tuple[Any, ...]], Coverage]:
        """`sql` (reading the temp table `win`; or a function of the connection that returns
        it, once `win` is built) and the coverage of `win`, on one connection.
        `win.soc_code` is filled only with `occupations` (or `titles`, which also fills
        `win.soc_title`); otherwise it is NULL for current rows. `win.mask` is the rows' stored
        `mask` column (category_mask / group_mask), else NULL."""
        window = " OR ".join(
            "(t >= CAST(? AS TIMESTAMP) AND t < CAST(? AS TIMESTAMP))" for _ in spans
        )
        bounds: list[Any] = [version]
        for s in spans:
            bounds += [_ts(s.start), _ts(s.end)]
        soc_title = "json_extract_string(e.occupation, '$.soc_title')" if titles else "NULL"
        mask_sql = f"e.{mask}" if mask else "CAST(NULL AS UBIGINT)"
        if version is not None:
            base = _PINNED.format(soc_title=soc_title, mask=mask_sql)
        elif occupations or titles or mask:
            base = _CURRENT.format(
                soc_code="e.soc_code" if occupations or titles else "CAST(NULL AS VARCHAR)",
                soc_title=soc_title,
                mask=mask_sql,
                soc_join="JOIN job_enrichments e ON e.row_id = s.row_id",
            )
        else:
            base = _CURRENT.format(
                soc_code="CAST(NULL AS VARCHAR)", soc_title="NULL", mask=mask_sql, soc_join=""
            )
        with self.store._connect() as con:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE win AS SELECT * FROM ({base}) WHERE {window}", bounds
            )
            try:
                text = sql if isinstance(sql, str) else sql(con)
                rows = con.execute(text, list(params)).fetchall()
                cov = con.execute(
                    "SELECT version, count(*), sum(CAST(fallback AS INTEGER)) FROM win "
                    "GROUP BY version ORDER BY version"
                ).fetchall()
            finally:
                con.execute("DROP TABLE IF EXISTS win")
        return rows, Coverage(
            versions=tuple((str(v), int(n)) for v, n, _ in cov),
            fallback_dates=sum(int(f or 0) for *_, f in cov),
            postings=sum(int(n) for _, n, _ in cov),
        )

    def demand(
        self, dimension: str, period: str, span: Period, limit: int = 10, version: str | None = None
    ) -> Demand:
        check(dimension, period)

        def from_skills(con: duckdb.DuckDBPyConnection) -> str:
            if dimension in _DEMAND and not self._too_many(con, dimension):
                return _DEMAND[dimension].format(period=period)
            return f"""WITH keyed AS ({self._keys(con, dimension)}),
            top AS (SELECT key, count(*) AS n, min(label) AS label FROM keyed
                    GROUP BY key ORDER BY n DESC, key LIMIT ?)
            SELECT CAST(date_trunc('{period}', k.t) AS DATE) AS bucket, k.key, top.label, count(*)
            FROM keyed k JOIN top ON top.key = k.key
            GROUP BY bucket, k.key, top.label, top.n ORDER BY bucket, top.n DESC, k.key"""

        masked = self._masked(dimension)
        rows, cov = self._run(
            version,
            [span],
            self._stored_or(dimension, trend_masks.demand_sql(dimension, period), from_skills)
            if masked
            else from_skills,
            [limit],
            titles=dimension == "occupation",
            mask=trend_masks.BOOKS[dimension][1] if masked else None,
        )
        points = tuple(TrendPoint(str(b), str(k), str(lab), int(n)) for b, k, lab, n in rows)
        return Demand(points, cov)

    def changes(
        self,
        dimension: str,
        before: Period,
        after: Period,
        limit: int = 10,
        version: str | None = None,
    ) -> Changes:
        check(dimension)

        def from_skills(con: duckdb.DuckDBPyConnection) -> str:
            return f"""WITH keyed AS ({self._keys(con, dimension)})
            SELECT key, min(label),
                   count(*) FILTER (WHERE t >= CAST(? AS TIMESTAMP) AND t < CAST(? AS TIMESTAMP)),
                   count(*) FILTER (WHERE t >= CAST(? AS TIMESTAMP) AND t < CAST(? AS TIMESTAMP))
            FROM keyed GROUP BY key"""

        masked = self._masked(dimension)
        rows, cov = self._run(
            version,
            [before, after],
            self._stored_or(dimension, trend_masks.changes_sql(dimension), from_skills)
            if masked
            else from_skills,
            [_ts(before.start), _ts(before.end), _ts(after.start), _ts(after.end)],
            titles=dimension == "occupation",
            mask=trend_masks.BOOKS[dimension][1] if masked else None,
        )
        rising, falling = split_changes(
            [Change(str(k), str(lab), int(a), int(b)) for k, lab, a, b in rows], limit
        )
        return Changes(rising, falling, cov)

    def cooccurring(
        self, anchor: str, span: Period, limit: int = 10, version: str | None = None
    ) -> CoOccurrence:
        if anchor.startswith("soc:"):
            anchored = "SELECT row_id FROM win WHERE soc_code = ?"
            exclude = ""
        else:
            anchored = "SELECT row_id FROM enrichment_skills WHERE skill_id = ? AND row_id IN (SELECT row_id FROM win)"
            exclude = "AND k.skill_id <> ?"
        key = anchor.removeprefix("soc:")
        rows, cov = self._run(
            version,
            [span],
            f"""WITH anchored AS ({anchored}),
            total AS (SELECT count(*) AS n FROM anchored)
            SELECT k.skill_id, min(k.name), count(*) AS n, any_value(total.n)
            FROM anchored a JOIN enrichment_skills k ON k.row_id = a.row_id, total
            WHERE true {exclude}
            GROUP BY k.skill_id
            UNION ALL SELECT NULL, NULL, 0, n FROM total
            ORDER BY n DESC, 1 NULLS LAST LIMIT ?""",
            [key, *([key] if exclude else []), limit + 1],
            occupations=anchor.startswith("soc:"),
        )
        total = int(rows[0][3]) if rows else 0
        items = tuple(
            CoCount(str(s), str(lab), int(n), int(n) / total)
            for s, lab, n, _ in rows
            if s is not None
        )[:limit]
        return CoOccurrence(total, items, cov)
