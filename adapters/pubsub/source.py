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


class PubSubSource:
    """Messages stay leased (the client extends their deadline) until the bridge acks or nacks
    them, i.e. after their batch was enqueued — or nacked when the broker refused it.

    `idle_exit_s` ends the stream after that long without a message (backfills, tests); without
    it the stream runs until `stop()`.
    """

    def __init__(
        self,
        subscription: str,
        max_outstanding: int = 256,
        idle_exit_s: float | None = None,
        subscriber: pubsub_v1.SubscriberClient | None = None,
    ) -> None:
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
        last = time.monotonic()
        try:
            while not self._stop.is_set():
                try:
                    msg = self._inbox.get(timeout=0.2)
                except queue.Empty:
                    if future.done():
                        future.result()  # surfaces a stream error (subscription gone, ...)
                    if self.idle_exit_s is not None and time.monotonic() - last > self.idle_exit_s:
                        if self._leased:  # held by a paused bridge (backpressure): not idle
                            last = time.monotonic()
                            continue
                        return
                    continue
                last = time.monotonic()
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
