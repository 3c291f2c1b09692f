"""Health checks for containers (docker-compose healthcheck): exit 0 when the role is healthy.

python -m worker.health worker     # this host's Celery worker answers a ping
python -m worker.health beat       # some beat holds the RedBeat leader lock
python -m worker.health flower     # Flower answers /healthcheck
python -m worker.health broker     # Redis answers PING with our password
"""

from __future__ import annotations

import socket
import sys
import urllib.request

import redis

from worker.settings import get_settings

REDBEAT_LOCK = "ml-enrichment:redbeat::lock"


def check(role: str) -> bool:
    s = get_settings()
    if role in ("broker", "beat"):
        client = redis.Redis.from_url(s.broker_connection_url, socket_timeout=3)
        return bool(client.ping()) if role == "broker" else bool(client.exists(REDBEAT_LOCK))
    if role == "worker":
        from worker.app import app

        replies = app.control.ping(destination=None, timeout=3.0) or []
        host = socket.gethostname()
        return any(name.endswith(f"@{host}") for reply in replies for name in reply)
    if role == "flower":
        url = f"http://127.0.0.1:{s.flower_port}/healthcheck"
        with urllib.request.urlopen(url, timeout=3) as r:
            return bool(r.status == 200)
    raise SystemExit(f"unknown role {role!r}: worker | beat | flower | broker")


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
