"""`enrich-ops metrics`: the Prometheus exporter's HTTP server (numbers read at each scrape)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cli.common import PORT, Command, call

if TYPE_CHECKING:
    from worker.settings import Settings


def cmd_metrics(args: Any, s: Settings) -> int:
    """Serve Prometheus metrics read from the warehouse and the broker at each scrape."""
    from prometheus_client import start_http_server
    from prometheus_client.registry import CollectorRegistry

    from adapters.prometheus.exporter import FleetCollector, Sources
    from worker.app import (
        CLUSTER_QUEUE,
        ENRICH_QUEUE,
        LIFECYCLE_QUEUE,
        PERSIST_QUEUE,
        REENRICH_QUEUE,
    )
    from worker.bootstrap import Services, _config_token, build_store

    store = build_store(s)
    if s.store_backend == "duckdb":  # one connection per scrape, let go at once for the writer
        from adapters.duckdb.store import DuckDbStore

        store = DuckDbStore(s.duckdb_path, lock_timeout_s=s.duckdb_lock_timeout_s, hold_s=0.5,
                            idle_s=0.05)  # fmt: skip
    svc = Services(s, store)
    seen: dict[str, object] = {}

    def current_version() -> str:  # re-read only when the config (or the rollback) changed
        token = _config_token(s)
        if seen.get("token") != token:
            seen.update(token=token, version=Services(s, store).manifest.effective)
        return str(seen["version"])

    registry = CollectorRegistry()
    registry.register(FleetCollector(Sources(
        store=store, coordinator=svc.coordinator, spool=svc.spool,
        current_version=current_version,
        queues=(ENRICH_QUEUE, REENRICH_QUEUE, PERSIST_QUEUE, LIFECYCLE_QUEUE, CLUSTER_QUEUE),
        reconcile_grace_s=s.reconcile_grace_s,
        trends=_trends_of(store),
        events=svc.event_marks if s.events_topic else None,
        events_window_s=s.events_resend_window_s, events_grace_s=s.events_resend_grace_s,
    )))  # fmt: skip
    server, thread = start_http_server(args.port, addr=args.host, registry=registry)
    print(f"serving Prometheus metrics on http://{args.host}:{args.port}/metrics", flush=True)
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


def _trends_of(store: object):  # type: ignore[no-untyped-def]
    """The TrendStore over the exporter's own store (None for a store without trend queries)."""
    from adapters.duckdb.store import DuckDbStore

    if isinstance(store, DuckDbStore):
        from adapters.duckdb.trends import DuckDbTrends

        return DuckDbTrends(store)
    from adapters.bigquery.store import BigQueryStore

    if isinstance(store, BigQueryStore):
        from adapters.bigquery.trends import BigQueryTrends

        return BigQueryTrends(store)
    return None


@click.command(
    "metrics",
    cls=Command,
    short_help="serve Prometheus metrics (warehouse counts, queues, evaluations, clusters)",
    help="An HTTP server for Prometheus: postings enriched / rejected / failed by version, stage "
    "and reason, drift backlog, skills per posting (histogram), extraction time per posting, "
    "queue depths, spooled batches, the newest evaluation F1 per dataset and label, the active "
    "clustering run's size and stability. Read from the warehouse and the broker at each "
    "scrape, so numbers survive worker restarts; no posting text in any label. Flower serves "
    "task rates and runtimes at its own /metrics. Runs until stopped. "
    "Example: enrich-ops metrics --port 9808, then curl http://127.0.0.1:9808/metrics",
)
@click.option("--port", type=PORT, default=9808, help="TCP port to serve on (default 9808)")
@click.option("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
def metrics(**params: Any) -> int:
    return call(cmd_metrics, params)
