"""EventMarks on BigQuery: the events outbox (`event_marks`, migration 012) next to the tables.

Marks are appended with streaming inserts (`tabledata.insertAll`): no DML statement, so they
take nothing from the per-table DML quota the enrichment writes live under; a mark appended
twice is harmless (the due query only asks whether one exists). Kept out of store.py, whose
write path changes separately (issue #25 part A).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from google.cloud import bigquery
from google.cloud.bigquery.retry import DEFAULT_RETRY

from adapters.bigquery.client import translated
from adapters.bigquery.sql_files import query, render
from domain.errors import TransientError
from domain.ports import DueEvent

P = bigquery.ScalarQueryParameter


class BigQueryEventMarks:
    """`dataset` is "project.dataset"; errors come out as TransientError / PermanentError."""

    def __init__(
        self, client: bigquery.Client, dataset: str, api_deadline_s: float = 120.0
    ) -> None:
        self.client = client
        self.dataset = dataset
        self.deadline_s = api_deadline_s
        self._retry = DEFAULT_RETRY.with_deadline(api_deadline_s)

    def _run(self, name: str, *params: Any) -> bigquery.table.RowIterator:
        with translated(name):
            job = self.client.query(
                render(query(name), self.dataset),
                job_config=bigquery.QueryJobConfig(query_parameters=list(params)),
                retry=self._retry,
                job_retry=None,
                timeout=self.deadline_s,
            )
            return job.result(retry=self._retry, timeout=self.deadline_s)

    def mark_events_sent(self, rows: Sequence[tuple[str, str]]) -> int:
        if not rows:
            return 0
        now = datetime.now(UTC).isoformat()
        data = [{"row_id": r, "posting_id": p, "sent_at": now} for r, p in dict(rows).items()]
        with translated("mark_events_sent"):
            errors = self.client.insert_rows_json(
                f"{self.dataset}.event_marks",
                data,
                row_ids=[d["row_id"] for d in data],  # best-effort dedup by BigQuery
                retry=self._retry,
                timeout=self.deadline_s,
            )
        if errors:
            raise TransientError(f"BigQuery mark_events_sent: {len(errors)} rows refused")
        return len(data)

    def due_events(self, window_s: float, grace_s: float, limit: int) -> list[DueEvent]:
        rows = self._run(
            "event_due",
            P("window_ms", "INT64", int(window_s * 1000)),
            P("grace_ms", "INT64", int(grace_s * 1000)),
            P("limit", "INT64", limit),
        )
        return [DueEvent(r["row_id"], r["posting_id"]) for r in rows]

    def count_due_events(self, window_s: float, grace_s: float) -> int:
        rows = self._run(
            "event_due_count",
            P("window_ms", "INT64", int(window_s * 1000)),
            P("grace_ms", "INT64", int(grace_s * 1000)),
        )
        return int(next(iter(rows))["n"])
