"""Flower with its /metrics behind the same basic auth as its API and UI; /healthcheck stays open.

Flower (2.x) serves /metrics and /healthcheck without asking for credentials, even with
FLOWER_BASIC_AUTH set. The metrics name task types, worker hosts and rates: they are behind the
auth here, as the README and Prometheus' scrape config (basic_auth) say. /healthcheck answers
"OK" and nothing else, so liveness probes stay credential-free.

    python -m worker.flower --address=127.0.0.1 --port=5555     # = celery -A worker.app flower ...
"""

from __future__ import annotations

import sys

import tornado.web


def protect_metrics() -> None:
    """Wrap Flower's Metrics.get in tornado's `authenticated`, as its API handlers are: with
    basic auth configured, a request without the right credentials gets 401 (idempotent)."""
    from flower.views import monitor

    get = monitor.Metrics.get
    if getattr(get, "__wrapped__", None) is None:
        monitor.Metrics.get = tornado.web.authenticated(get)  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    from celery.__main__ import main as celery_main

    protect_metrics()
    sys.argv = ["celery", "-A", "worker.app", "flower", *(sys.argv[1:] if argv is None else argv)]
    celery_main()


if __name__ == "__main__":
    main()
