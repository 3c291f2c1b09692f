"""Dispatcher on the Celery app: publish a payload to a named task, broker errors -> TransientError."""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu.exceptions import KombuError, OperationalError
from redis.exceptions import RedisError

from domain.errors import TransientError

# Each send tries a few times quickly; callers own the longer wait (the bridge waits for the
# broker, a chain link keeps trying for ENRICH_HANDOFF_WINDOW_S, Pub/Sub nacks).
SEND_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0.2,
    "interval_step": 0.5,
    "interval_max": 1,
}


class CeleryDispatcher:
    def __init__(self, app: Celery) -> None:
        self.app = app

    def send(self, task: str, payload: Any, queue: str | None = None) -> None:
        # ignore_result: nobody waits for a link's result, and without it Celery subscribes to
        # the result backend on every send, retrying a dead Redis 20 x 1 s past any timeout
        options: dict[str, Any] = {
            "retry": True,
            "retry_policy": SEND_RETRY_POLICY,
            "ignore_result": True,
        }
        if queue:
            options["queue"] = queue
        kwargs = {"queue": queue} if queue else {}
        try:
            self.app.send_task(task, args=(payload,), kwargs=kwargs, **options)
        except (OperationalError, KombuError, RedisError, OSError) as exc:
            raise TransientError(f"broker refused {task}: {type(exc).__name__}: {exc}") from exc
