"""Drift pages that cost O(page) on BigQuery: bounded posting_id ranges, computed once per pass.

A drift page used to read the state log from the cursor to the end of the table (`posting_id >
@after ... LIMIT`): BigQuery bills every block it scans, and LIMIT stops no scan, so page k of a
pass over N postings read ~(N - k·page) rows. Here a pass starts (cursor empty) with one narrow
read of the drifted ids (`drift_bounds.sql`: every page-th one), kept in the process; each page
then reads only `(@after, @upto]` between two of those ids, the blocks of that range of the
log's clustering column. Per pass: one O(N) narrow read; per page: O(page).

The answer stays exact whatever happened since the bounds were read: a range that postings left
(re-enriched meanwhile) gives fewer rows and the page goes on to the next range; after
`MAX_RANGES` thin ranges it reads the rest unbounded, as before. Postings that drifted since land
in their range (the page is cut by LIMIT) or past the last bound (the last range is open).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from google.cloud import bigquery

P = bigquery.ScalarQueryParameter
Run = Callable[..., Iterable[Mapping[str, Any]]]


class DriftPager:
    """Pages of drifted (posting_id, content_hash) keys; `run(name, *params)` runs a named query.

    `last_ranges` lists the (after, upto) ranges the last page read (upto None: open-ended), for
    benches that count the rows a page touched. Not thread-safe (one per store, as the store).
    """

    MAX_RANGES = 8

    def __init__(self, run: Run) -> None:
        self._run = run
        self._key: tuple[Any, ...] | None = None
        self._bounds: list[str] = []
        self.last_ranges: list[tuple[str, str | None]] = []
        self.bounds_reads = 0

    def keys(
        self, filters: list[Any], filter_key: tuple[Any, ...], limit: int, after: str
    ) -> list[tuple[str, str]]:
        """Up to `limit` drifted keys with posting_id > `after`, by posting_id.

        `filters`: the drift query parameters (current, from_version, since); `filter_key`: the
        same values, hashable. A new pass (`after` empty) or other filters read new bounds.
        """
        key = (*filter_key, limit)
        if not after or key != self._key:
            self._bounds = [
                str(r["posting_id"])
                for r in self._run("drift_bounds", *filters, P("page", "INT64", limit))
            ]
            self._key = key
            self.bounds_reads += 1
        i = bisect_right(self._bounds, after)
        out: list[tuple[str, str]] = []
        cursor = after
        self.last_ranges = []
        for n in range(self.MAX_RANGES + 1):
            upto = self._bounds[i] if i < len(self._bounds) and n < self.MAX_RANGES else None
            out += self._page(filters, cursor, upto, limit - len(out))
            self.last_ranges.append((cursor, upto))
            if len(out) >= limit or upto is None:
                return out
            cursor, i = upto, i + 1
        return out  # unreachable: the last round has upto None

    def _page(
        self, filters: list[Any], after: str, upto: str | None, limit: int
    ) -> list[tuple[str, str]]:
        rows = self._run(
            "drift", *filters, P("after", "STRING", after), P("upto", "STRING", upto),
            P("limit", "INT64", limit),
        )  # fmt: skip
        return [(str(r["posting_id"]), str(r["content_hash"])) for r in rows]
