"""How many persister processes the fleet starts: N on BigQuery, one on DuckDB (single writer)."""

from __future__ import annotations

import pytest

from worker.fleet import persister_processes
from worker.settings import Settings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("backend", "asked", "started"),
    [("bigquery", 4, 4), ("bigquery", 1, 1), ("duckdb", 4, 1), ("duckdb", 1, 1)],
)
def test_only_bigquery_runs_parallel_persisters(backend: str, asked: int, started: int) -> None:
    settings = Settings(store_backend=backend, persisters=asked)  # type: ignore[arg-type]
    assert persister_processes(settings) == started


def test_persisters_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENRICH_STORE_BACKEND", "bigquery")
    monkeypatch.setenv("ENRICH_PERSISTERS", "2")
    assert persister_processes(Settings()) == 2
