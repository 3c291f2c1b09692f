"""The store fixture shared by the contract suites: every adapter of the warehouse ports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.duckdb.store import DuckDbStore
from domain.ports import EnrichmentStore
from tests.fakes import InMemoryStore

STORES: dict[str, Callable[[Path], EnrichmentStore]] = {
    "fake": lambda _: InMemoryStore(),
    "duckdb": lambda tmp: DuckDbStore(tmp / "w.duckdb"),
}


def bigquery_store(request: pytest.FixtureRequest) -> EnrichmentStore:
    """A fresh dataset per test on the BigQuery emulator, created by the real migrate."""
    from adapters.bigquery.append import make_appender
    from adapters.bigquery.client import make_client
    from adapters.bigquery.migrate import migrate
    from adapters.bigquery.store import BigQueryStore
    from tests.emulators import PROJECT

    endpoint = request.getfixturevalue("bq_endpoint")
    client = make_client(PROJECT, endpoint)
    dataset = f"{PROJECT}.c{abs(hash(request.node.nodeid)) % 10**10}"
    migrate(client, dataset)
    appender = make_appender(client, dataset, request.getfixturevalue("bq_write_endpoint"), True)
    return BigQueryStore(client, dataset, writer=appender)


@pytest.fixture(params=[*sorted(STORES), "bigquery"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> EnrichmentStore:
    if request.param == "bigquery":
        return bigquery_store(request)
    return STORES[request.param](tmp_path)
