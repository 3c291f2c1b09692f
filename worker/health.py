"""Health checks for containers (docker-compose healthcheck): exit 0 when the role is healthy.

python -m worker.health worker     # the store and broker checks pass and this host's Celery
                                   # worker answers a ping (it exits if its models fail to load)
python -m worker.health store      # the warehouse opens read-only and its schema is current
python -m worker.health beat       # some beat holds the RedBeat leader lock
python -m worker.health flower     # Flower answers /healthcheck
python -m worker.health broker     # Redis answers PING with our password

A failure prints one line saying which check failed and why, and exits 1.
"""

from __future__ import annotations

import socket
import sys
import urllib.request

import redis

from worker.settings import get_settings

REDBEAT_LOCK = "ml-enrichment:redbeat::lock"


def check(role: str) -> bool:
    from worker.checks import check_broker, check_store

    s = get_settings()
    if role in ("broker", "store", "worker"):
        checks = [check_broker(s)] if role == "broker" else [check_store(s)]
        if role == "worker":
            checks.append(check_broker(s))
        failed = [c for c in checks if not c.ok]
        if failed:
            print("unhealthy: " + "; ".join(c.line() for c in failed), file=sys.stderr)
            return False
        if role != "worker":
            return True
    if role == "beat":
        client = redis.Redis.from_url(s.broker_connection_url, socket_timeout=3)
        return bool(client.exists(REDBEAT_LOCK))
    if role == "worker":
        from worker.app import app

        replies = app.control.ping(destination=None, timeout=3.0) or []
        host = socket.gethostname()
        if any(name.endswith(f"@{host}") for reply in replies for name in reply):
            return True
        print(f"unhealthy: no worker on {host} answered a ping", file=sys.stderr)
        return False
    if role == "flower":
        url = f"http://127.0.0.1:{s.flower_port}/healthcheck"
        with urllib.request.urlopen(url, timeout=3) as r:
            return bool(r.status == 200)
    raise SystemExit(f"unknown role {role!r}: worker | store | beat | flower | broker")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return 0 if check(sys.argv[1]) else 1
    except Exception as exc:
        print(f"unhealthy: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
