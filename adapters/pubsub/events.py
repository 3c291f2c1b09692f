"""EventPublisher over a Pub/Sub topic: ordered by posting_id, bounded in time, never raising.

The client publishes with message ordering on (ordering key = posting_id). A publish that fails
pauses its ordering key in the client; it is resumed here so the key's next event (a resend)
can go. After a failure the publisher stays quiet for `backoff_s` (it returns at once, every
event left due) so a Pub/Sub outage costs the persister no time per batch: the resend job
(`lifecycle.resend_events`) publishes them once the topic answers again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from concurrent import futures
from typing import Any

from google.api_core import exceptions as gexc
from google.api_core.retry import Retry
from google.cloud import pubsub_v1

from domain.events import EnrichmentEvent

log = logging.getLogger(__name__)

# The client's retry of one publish: transient codes only, for at most this many seconds.
RETRYABLE = (
    gexc.Aborted,
    gexc.Cancelled,
    gexc.DeadlineExceeded,
    gexc.InternalServerError,
    gexc.ResourceExhausted,
    gexc.ServiceUnavailable,
    gexc.Unknown,
)


class EventsTopicUnusable(RuntimeError):
    """The events topic is missing or this identity may not publish to it."""


def make_publisher() -> pubsub_v1.PublisherClient:
    """A publisher with message ordering on (PUBSUB_EMULATOR_HOST points it at an emulator)."""
    return pubsub_v1.PublisherClient(
        publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True)
    )


def check_topic(topic: str, publisher: Any | None = None, timeout_s: float = 10.0) -> str:
    """One line for logs and `enrich-ops status`: the topic is usable, or why not.

    Raises EventsTopicUnusable when the topic does not exist or permission is denied;
    other errors (service unreachable) return a line saying so: events then stay due.
    """
    client = publisher or make_publisher()
    try:
        client.get_topic(request={"topic": topic}, retry=None, timeout=timeout_s)
    except gexc.NotFound as exc:
        raise EventsTopicUnusable(
            f"events topic {topic} does not exist: create it (enrichment goes on; events stay "
            "due and are sent once it exists)"
        ) from exc
    except gexc.PermissionDenied as exc:
        raise EventsTopicUnusable(
            f"permission denied on events topic {topic}: grant roles/pubsub.publisher "
            "(enrichment goes on; events stay due)"
        ) from exc
    except Exception as exc:
        return f"events topic {topic}: unreachable ({type(exc).__name__}); events stay due"
    return f"events topic {topic}: ok"


class PubSubEventPublisher:
    """Publishes EnrichmentEvents to `topic`. `timeout_s` bounds one publish() call overall;
    `backoff_s` is how long publish() returns at once (nothing sent) after a failed call."""

    def __init__(
        self,
        topic: str,
        publisher: pubsub_v1.PublisherClient | None = None,
        timeout_s: float = 10.0,
        backoff_s: float = 30.0,
    ) -> None:
        self.topic = topic
        self.timeout_s = timeout_s
        self.backoff_s = backoff_s
        self._client = publisher or make_publisher()
        self._retry = Retry(
            predicate=lambda exc: isinstance(exc, RETRYABLE),
            initial=0.1,
            maximum=2.0,
            timeout=timeout_s,
        )
        self._quiet_until = 0.0
        self._lock = threading.Lock()
        self._checked = False

    def startup_check(self) -> str:
        """Check the topic once per process (log + return the status line); never raises."""
        try:
            line = check_topic(self.topic, self._client)
        except EventsTopicUnusable as exc:
            line = str(exc)
            log.error("%s", line)
        else:
            log.info("%s", line)
        self._checked = True
        return line

    def publish(self, events: Sequence[EnrichmentEvent]) -> list[str]:
        if not self._checked:
            self.startup_check()
        now = time.monotonic()
        with self._lock:
            if now < self._quiet_until:
                return []
        pending: dict[futures.Future[str], EnrichmentEvent] = {}
        sent: list[str] = []
        errors: list[str] = []
        for ev in events:
            try:
                f = self._client.publish(
                    self.topic, ev.data, ordering_key=ev.ordering_key, retry=self._retry,
                    timeout=self.timeout_s, **ev.attributes,
                )  # fmt: skip
            except Exception as exc:  # refused before sending (too large, client closed)
                errors.append(type(exc).__name__)
                continue
            pending[f] = ev
        done, not_done = futures.wait(pending, timeout=self.timeout_s)
        for f in done:
            try:
                f.result()
                sent.append(pending[f].row_id)
            except Exception as exc:
                errors.append(type(exc).__name__)
                self._resume(pending[f].ordering_key)
        for f in not_done:  # still in flight: may land later; a resend repeats the same key
            errors.append("Timeout")
            self._resume(pending[f].ordering_key)
        if errors:
            with self._lock:
                self._quiet_until = time.monotonic() + self.backoff_s
            log.warning("events topic %s: %d of %d events not published (%s); quiet for %.0fs",
                        self.topic, len(errors), len(events), sorted(set(errors)),
                        self.backoff_s)  # fmt: skip
        return sent

    def _resume(self, ordering_key: str) -> None:
        with contextlib.suppress(Exception):  # nothing paused for this key
            self._client.resume_publish(self.topic, ordering_key)
