"""DriftPager (adapters/bigquery/drift_pages.py): exact pages, each read bounded to its range.

The named queries are served by a fake over an in-memory list of drifted ids that keeps the SQL's
semantics (drift.sql: range (after, upto], LIMIT; drift_bounds.sql: every page-th id) and records
how many ids each drift query's range held: what BigQuery would scan on the clustered log.
"""

from __future__ import annotations

from typing import Any

from adapters.bigquery.drift_pages import DriftPager


class FakeDriftQueries:
    def __init__(self, ids: list[str]) -> None:
        self.drifted = set(ids)
        self.scanned: list[int] = []  # ids in each drift query's range

    def __call__(self, name: str, *params: Any) -> list[dict[str, str]]:
        p = {q.name: q.value for q in params}
        ids = sorted(self.drifted)
        if name == "drift_bounds":
            return [{"posting_id": i} for k, i in enumerate(ids, 1) if k % p["page"] == 0]
        assert name == "drift"
        in_range = [i for i in ids if i > p["after"] and (p["upto"] is None or i <= p["upto"])]
        self.scanned.append(len(in_range))
        return [{"posting_id": i, "content_hash": "h"} for i in in_range[: p["limit"]]]


def walk(pager: DriftPager, page: int) -> list[list[str]]:
    pages, after = [], ""
    while True:
        got = [pid for pid, _ in pager.keys([], ("v2",), page, after)]
        pages.append(got)
        if len(got) < page:
            return pages
        after = got[-1]


def test_a_pass_reads_bounds_once_and_each_page_only_its_range() -> None:
    fake = FakeDriftQueries([f"p{i:05d}" for i in range(10_000)])
    pager = DriftPager(fake)
    pages = walk(pager, 100)
    assert [pid for pg in pages for pid in pg] == sorted(fake.drifted)  # exact, in order
    assert pager.bounds_reads == 1
    assert max(fake.scanned) == 100  # O(page): never the rest of the table (was 10,000 first)


def test_pages_stay_exact_when_ranges_thin_out_and_fall_back_past_max_ranges() -> None:
    fake = FakeDriftQueries([f"p{i:04d}" for i in range(1000)])
    pager = DriftPager(fake)
    assert pager.keys([], ("v2",), 10, "") == [(f"p{i:04d}", "h") for i in range(10)]
    fake.drifted -= {f"p{i:04d}" for i in range(10, 500)}  # re-enriched since the bounds
    got = [pid for pid, _ in pager.keys([], ("v2",), 10, "p0009")]
    assert got == [f"p{i:04d}" for i in range(500, 510)]
    assert len(pager.last_ranges) == DriftPager.MAX_RANGES + 1  # 8 empty ranges, then open
    assert pager.last_ranges[-1][1] is None
    assert pager.bounds_reads == 1
    pager.keys([], ("v2",), 10, "")  # a new pass reads new bounds
    assert pager.bounds_reads == 2
