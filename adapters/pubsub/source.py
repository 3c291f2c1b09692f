"""PostingSource over a Pub/Sub subscription: streaming pull with flow control, explicit acks."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator, Sequence

from google.cloud import pubsub_v1

from domain.ports import RawMessage

log = logging.getLogger(__name__)


class PubSubLost(RuntimeError):
    """The subscription stayed unreachable (service or emulator gone, subscription deleted)."""


class PubSubSource:
    """Messages stay leased (the client extends their deadline) until the bridge acks or nacks
    them, i.e. after their batch was enqueued — or nacked when the broker refused it.

    `idle_exit_s` ends the stream after that long without a message (backfills, tests); without
    it the stream runs until `stop()`.

    The client's streaming pull retries a lost connection silently and forever, so while no
    message arrives the source probes its subscription (every `probe_every_s`, one call); when
    the probes fail for `lost_after_s`, it raises PubSubLost (the bridge exits non-zero and its
    supervisor restarts it) instead of idling, or idle-exiting 0, on a dead service.
    """

    def __init__(
        self,
        subscription: str,
        max_outstanding: int = 256,
        idle_exit_s: float | None = None,
        subscriber: pubsub_v1.SubscriberClient | None = None,
        lost_after_s: float = 60.0,
        probe_every_s: float = 2.0,
    ) -> None:
        self.lost_after_s = lost_after_s
        self.probe_every_s = probe_every_s
        self.subscription = subscription
        self.source = f"pubsub:{subscription.rsplit('/', 1)[-1]}"
        self.idle_exit_s = idle_exit_s
        self.flow = pubsub_v1.types.FlowControl(max_messages=max_outstanding)
        self._subscriber = subscriber or pubsub_v1.SubscriberClient()
        self._inbox: queue.Queue[pubsub_v1.subscriber.message.Message] = queue.Queue()
        self._leased: dict[str, pubsub_v1.subscriber.message.Message] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def messages(self) -> Iterator[RawMessage]:
        future = self._subscriber.subscribe(
            self.subscription, self._inbox.put, flow_control=self.flow
        )
        last = probed = time.monotonic()
        lost_since: float | None = None
        try:
            while not self._stop.is_set():
                try:
                    msg = self._inbox.get(timeout=0.2)
                except queue.Empty:
                    if future.done():
                        future.result()  # surfaces a stream error (subscription gone, ...)
                    now = time.monotonic()
                    idle = self.idle_exit_s is not None and now - last > self.idle_exit_s
                    if idle and self._leased:  # held by a paused bridge (backpressure): not idle
                        last = now
                        idle = False
                    if idle or now - probed >= self.probe_every_s:
                        probed = now
                        lost_since = self._probe(lost_since, now)
                        if idle and lost_since is None:
                            return
                    continue
                last = probed = time.monotonic()
                lost_since = None
                ref = f"msg {msg.message_id}"
                with self._lock:
                    self._leased[ref] = msg
                yield RawMessage(bytes(msg.data), ref, self.source)
        finally:
            future.cancel()
            with self._lock:  # whatever was never acked goes back for redelivery
                for msg in self._leased.values():
                    msg.nack()
                self._leased.clear()

    def _probe(self, lost_since: float | None, now: float) -> float | None:
        """One reachability check; returns when the subscription became unreachable (None:
        reachable). Raises PubSubLost once it has been unreachable for `lost_after_s`."""
        try:
            self._subscriber.get_subscription(
                request={"subscription": self.subscription}, retry=None, timeout=5
            )
        except Exception as exc:  # the vendor's errors: UNAVAILABLE, NOT_FOUND, DEADLINE_...
            since = now if lost_since is None else lost_since
            if now - since >= self.lost_after_s:
                raise PubSubLost(
                    f"Pub/Sub subscription {self.subscription} unreachable for "
                    f"{now - since:.0f}s ({type(exc).__name__})"
                ) from exc
            if lost_since is None:
                log.warning("Pub/Sub subscription %s unreachable (%s); exiting if it stays so "
                            "for %.0fs", self.subscription, type(exc).__name__, self.lost_after_s)  # fmt: skip
            return since
        if lost_since is not None:
            log.warning("Pub/Sub subscription %s reachable again", self.subscription)
        return None

    def _take(self, messages: Sequence[RawMessage]) -> list[pubsub_v1.subscriber.message.Message]:
        with self._lock:
            return [m for m in (self._leased.pop(r.ref, None) for r in messages) if m is not None]

    def ack(self, messages: Sequence[RawMessage]) -> None:
        for m in self._take(messages):
            m.ack()

    def nack(self, messages: Sequence[RawMessage]) -> None:
        for m in self._take(messages):
            m.nack()


def publish_lines(
    topic: str, lines: Sequence[bytes], publisher: pubsub_v1.PublisherClient | None = None
) -> int:
    """Publish raw lines as messages (validation is the bridge's job); wait until all are sent."""
    publisher = publisher or pubsub_v1.PublisherClient()
    futures = [publisher.publish(topic, line) for line in lines]
    for f in futures:
        f.result(timeout=60)
    return len(futures)


# What the Pub/Sub service accepts in one publish request (and the client checks before
# sending: MessageTooLargeError); a message's request adds the topic and framing to its data.
MAX_PUBLISH_REQUEST_BYTES = 10 * 1000 * 1000


def publish_request_bytes(topic: str, data: bytes) -> int:
    """Size of the publish request carrying `data` alone to `topic`, as the client measures it."""
    from google.pubsub_v1.types import PublishRequest, PubsubMessage

    request = PublishRequest(topic=topic, messages=[PubsubMessage(data=data)])
    return int(PublishRequest.pb(request).ByteSize())


def too_large(topic: str, lines: Sequence[bytes]) -> list[tuple[int, int]]:
    """(index, request bytes) of every line Pub/Sub would refuse as one message."""
    out = []
    for i, line in enumerate(lines):
        if len(line) > MAX_PUBLISH_REQUEST_BYTES - 1024:  # only near the limit is it measured
            size = publish_request_bytes(topic, line)
            if size > MAX_PUBLISH_REQUEST_BYTES:
                out.append((i, size))
    return out
