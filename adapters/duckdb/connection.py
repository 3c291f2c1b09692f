"""The DuckDB store's connection lease, bulk insert and query: one process holds the file at a time."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from adapters.duckdb import trend_masks
from adapters.duckdb.preflight import is_lock_error
from adapters.rows import first_per_key
from domain.errors import StoreBusy, StoreUnusable, TransientError

# Column types for the JSON bulk insert; must match schema.sql (JSON columns travel as text).
_COLUMNS: dict[str, dict[str, str]] = {
    "postings": {
        "posting_id": "VARCHAR", "content_hash": "VARCHAR", "title": "VARCHAR",
        "company": "VARCHAR", "text": "VARCHAR", "source": "VARCHAR", "posted_at": "VARCHAR",
        "received_at": "TIMESTAMP",
    },
    "job_enrichments": {
        "row_id": "VARCHAR", "posting_id": "VARCHAR", "content_hash": "VARCHAR",
        "enrichment_version": "VARCHAR", "component_versions": "VARCHAR", "sections": "VARCHAR",
        "skills": "VARCHAR", "skill_count": "INTEGER", "enriched_at": "TIMESTAMP",
        "processing_ms": "DOUBLE", "truncated": "BOOLEAN", "language": "VARCHAR",
        "occupation": "VARCHAR", "soc_code": "VARCHAR", "isco_group": "VARCHAR",
        "occupation_confidence": "DOUBLE",
    },
    "enrichment_skills": {
        "row_id": "VARCHAR", "skill_id": "VARCHAR", "name": "VARCHAR", "category": "VARCHAR",
        "confidence": "DOUBLE", "mentions": "INTEGER", "link_score": "DOUBLE",
        "link_method": "VARCHAR", "section": "VARCHAR", "section_relevance": "DOUBLE",
        "link_level": "VARCHAR", "group_id": "VARCHAR", "group_name": "VARCHAR",
        "candidates": "VARCHAR",
    },
    "rejections": {
        "rejection_id": "VARCHAR", "stage": "VARCHAR", "reason": "VARCHAR", "detail": "VARCHAR",
        "source": "VARCHAR", "rejected_at": "TIMESTAMP", "posting_id": "VARCHAR",
        "content_hash": "VARCHAR",
    },
}  # fmt: skip
_COLUMNS["evaluation_results"] = {
    "result_id": "VARCHAR", "dataset": "VARCHAR", "dataset_hash": "VARCHAR",
    "enrichment_version": "VARCHAR", "metrics": "VARCHAR", "n_docs": "INTEGER",
    "evaluated_at": "TIMESTAMP", "regressed": "BOOLEAN", "regressions": "VARCHAR",
    "compared_to": "VARCHAR",
}  # fmt: skip
_COLUMNS["job_enrichments"].update(trend_masks.COLUMNS)
_KEYS = {
    "postings": ("posting_id", "content_hash"),
    "job_enrichments": ("row_id",),
    "rejections": ("rejection_id",),
    "evaluation_results": ("result_id",),
}


class LeasedConnection:
    """A leased connection to one DuckDB file (see DuckDbStore for the lease rules): the
    `_connect` / `_query` / `_insert` every part of the store works through."""

    def __init__(
        self, path: Path, lock_timeout_s: float, hold_s: float, idle_s: float, threads: int | None
    ) -> None:
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s
        self.hold_s = hold_s
        self.idle_s = idle_s
        self.config = {"threads": threads} if threads else {}
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened_at = 0.0
        self._last_used = 0.0
        self._mutex = threading.RLock()
        self._timer: threading.Timer | None = None

    def _open(self) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.005
        while True:
            try:
                return duckdb.connect(str(self.path), config=self.config)
            except duckdb.IOException as exc:
                if not is_lock_error(exc):
                    raise StoreUnusable(f"cannot open warehouse {self.path}: {exc}") from exc
                if time.monotonic() > deadline:
                    raise StoreBusy(f"{self.path} is locked by another process") from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.05)

    def close(self) -> None:
        with self._mutex:
            if self._con is not None:
                self._con.close()
                self._con = None

    def _close_if_idle(self) -> None:
        with self._mutex:
            if self._con is not None and time.monotonic() - self._last_used >= self.idle_s:
                self.close()

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._mutex:
            if self._con is not None and time.monotonic() - self._opened_at > self.hold_s:
                self.close()
                time.sleep(0.05)  # lease expired: give a waiting reader its turn
            if self._con is None:
                self._con = self._open()
                self._opened_at = time.monotonic()
            try:
                yield self._con
            except duckdb.TransactionException as exc:
                self.close()
                raise TransientError(f"transaction conflict: {exc}") from exc
            except BaseException:
                self.close()  # a failed transaction must not leak into the next batch
                raise
            if self.hold_s <= 0:
                self.close()
            else:
                self._last_used = time.monotonic()
                if self._timer is not None:
                    self._timer.cancel()
                self._timer = threading.Timer(self.idle_s, self._close_if_idle)
                self._timer.daemon = True
                self._timer.start()

    @staticmethod
    def _insert(
        con: duckdb.DuckDBPyConnection,
        table: str,
        rows: list[dict[str, Any]],
        returning: str | None = None,
    ) -> set[Any]:
        """Bulk insert through one JSON parameter (~20x faster than binding each value).

        Returns the inserted rows' `returning` column (or their first key column).
        """
        if not rows:
            return set()
        cols = _COLUMNS[table]
        keys = _KEYS.get(table)
        if keys:
            rows = first_per_key(rows, keys)
        spec = json.dumps([dict(cols)])
        select = ", ".join(f"r.{c}" for c in cols)
        conflict = " ON CONFLICT DO NOTHING" if keys else ""
        out = returning or next(iter(cols))
        inserted = con.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM "
            f"(SELECT unnest(from_json(?, '{spec}')) AS r){conflict} RETURNING {out}",
            [json.dumps(rows)],
        ).fetchall()
        return {r[0] for r in inserted}

    # -- reads --------------------------------------------------------------------------------

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connect() as con:
            return con.execute(sql, list(params)).fetchall()
