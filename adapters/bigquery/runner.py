"""The BigQuery store's named-query runner: one client, one dataset, one API deadline."""

from __future__ import annotations

import json
from typing import Any

from google.cloud import bigquery
from google.cloud.bigquery.retry import DEFAULT_RETRY

from adapters.bigquery.client import translated
from adapters.bigquery.drift_pages import DriftPager
from adapters.bigquery.sql_files import query, render

P = bigquery.ScalarQueryParameter


class QueryRunner:
    """Runs the named queries of sql/queries/ on `dataset` ("project.dataset") within
    `api_deadline_s` seconds (errors translated by adapters/bigquery/client.py)."""

    def __init__(self, client: bigquery.Client, dataset: str, api_deadline_s: float) -> None:
        self.client = client
        self.dataset = dataset  # "project.dataset"
        # The client's own retries would wait up to 10 minutes; past this deadline the error
        # surfaces as TransientError and the Celery task retries with backoff instead.
        self.deadline_s = api_deadline_s
        self._retry = DEFAULT_RETRY.with_deadline(api_deadline_s)
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

    def _one(self, name: str, *params: Any) -> int:
        return int(next(iter(self._run(name, *params)))["n"])
