"""`enrich migrate`: create the dataset and tables, apply pending migrations; idempotent."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from google.cloud import bigquery

from adapters.bigquery.append import repair_emulator_catalog
from adapters.bigquery.client import translated
from adapters.bigquery.sql_files import ddl_files, migration_files, render, statements

log = logging.getLogger(__name__)


def migrate(client: bigquery.Client, dataset: str, location: str | None = None) -> list[str]:
    """Apply sql/ddl/*.sql, then every sql/migrations/*.sql not yet recorded. Returns what ran."""
    ran: list[str] = []
    emulator = _is_emulator(client)
    with translated("migrate"):
        ds = bigquery.Dataset(dataset)
        if location:
            ds.location = location
        client.create_dataset(ds, exists_ok=True)
        for f in ddl_files():
            for stmt in statements(render(f.read_text(), dataset)):
                client.query(stmt).result()
            ran.append(f"ddl/{f.name}")
        applied = {
            r[0] for r in client.query(f"SELECT name FROM `{dataset}.schema_migrations`").result()
        }
        for f in migration_files():
            name = f"migrations/{f.name}"
            if name in applied:
                continue
            if emulator:  # its SELECT * reads the catalog, which misses earlier ALTERs
                repair_emulator_catalog(client, dataset, APPEND_TABLES)
            for stmt in statements(render(f.read_text(), dataset)):
                client.query(stmt).result()
            client.query(
                f"INSERT INTO `{dataset}.schema_migrations` (name, applied_at) VALUES (@n, @t)",
                job_config=bigquery.QueryJobConfig(
                    query_parameters=[
                        bigquery.ScalarQueryParameter("n", "STRING", name),
                        bigquery.ScalarQueryParameter("t", "TIMESTAMP", datetime.now(UTC)),
                    ]
                ),
            ).result()
            ran.append(name)
            log.info("applied %s to %s", name, dataset)
        if emulator:
            repair_emulator_catalog(client, dataset, APPEND_TABLES)
    return ran


# Tables the Storage Write API appends to (adapters/bigquery/store.py: write_batch).
APPEND_TABLES = ("postings", "job_enrichments", "posting_state_log", "rejections")


def _is_emulator(client: bigquery.Client) -> bool:
    base = str(getattr(client._connection, "API_BASE_URL", ""))
    return not base.endswith(".googleapis.com")
