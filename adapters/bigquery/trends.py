"""Trend queries on BigQuery (domain/trends.py's TrendStore), from sql/queries/trend_*.sql."""

from __future__ import annotations

from typing import Any

from google.cloud import bigquery

from adapters.bigquery.store import BigQueryStore
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

P = bigquery.ScalarQueryParameter


def _ts(day: str) -> str:
    return f"{day[:10]} 00:00:00+00"


def _bounds(version: str | None, *spans: Period) -> list[Any]:
    return [
        P("version", "STRING", version),
        P("start", "STRING", _ts(min(s.start for s in spans))),
        P("end", "STRING", _ts(max(s.end for s in spans))),
    ]


class BigQueryTrends:
    def __init__(self, store: BigQueryStore) -> None:
        self.store = store

    def _coverage(self, version: str | None, a: Period, b: Period | None = None) -> Coverage:
        b = b or a
        rows = list(
            self.store._run(
                "trend_coverage",
                *_bounds(version, a, b),
                P("a_start", "STRING", _ts(a.start)), P("a_end", "STRING", _ts(a.end)),
                P("b_start", "STRING", _ts(b.start)), P("b_end", "STRING", _ts(b.end)),
            )
        )  # fmt: skip
        return Coverage(
            versions=tuple((str(r["version"]), int(r["postings"])) for r in rows),
            fallback_dates=sum(int(r["fallback_dates"] or 0) for r in rows),
            postings=sum(int(r["postings"]) for r in rows),
        )

    def demand(
        self, dimension: str, period: str, span: Period, limit: int = 10, version: str | None = None
    ) -> Demand:
        check(dimension, period)
        rows = self.store._run(
            "trend_demand",
            *_bounds(version, span),
            P("dimension", "STRING", dimension),
            P("period", "STRING", period),
            P("limit", "INT64", limit),
        )
        points = tuple(
            TrendPoint(str(r["bucket"]), str(r["key"]), str(r["label"]), int(r["postings"]))
            for r in rows
        )
        return Demand(points, self._coverage(version, span))

    def changes(
        self, dimension: str, before: Period, after: Period, limit: int = 10,
        version: str | None = None,
    ) -> Changes:  # fmt: skip
        check(dimension)
        rows = self.store._run(
            "trend_changes",
            *_bounds(version, before, after),
            P("dimension", "STRING", dimension),
            P("before_start", "STRING", _ts(before.start)),
            P("before_end", "STRING", _ts(before.end)),
            P("after_start", "STRING", _ts(after.start)),
            P("after_end", "STRING", _ts(after.end)),
        )
        rising, falling = split_changes(
            [
                Change(str(r["key"]), str(r["label"]), int(r["before"]), int(r["after"]))
                for r in rows
            ],
            limit,
        )
        return Changes(rising, falling, self._coverage(version, before, after))

    def cooccurring(
        self, anchor: str, span: Period, limit: int = 10, version: str | None = None
    ) -> CoOccurrence:
        soc = anchor.removeprefix("soc:") if anchor.startswith("soc:") else None
        rows = list(
            self.store._run(
                "trend_cooccurring",
                *_bounds(version, span),
                P("soc_code", "STRING", soc),
                P("skill_id", "STRING", None if soc else anchor),
                P("limit", "INT64", limit),
            )
        )
        total = int(rows[0]["anchor_postings"]) if rows else 0
        items = tuple(
            CoCount(str(r["key"]), str(r["label"]), int(r["postings"]), int(r["postings"]) / total)
            for r in rows
        )
        return CoOccurrence(total, items, self._coverage(version, span))
