"""The bridge on Google's Pub/Sub emulator: ack only after enqueue, nack when the broker fails."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence

import pytest
from google.cloud import pubsub_v1

from adapters.pubsub.source import PubSubSource, publish_lines
from domain.models import Posting, Rejection
from worker.bridge import Bridge

pytestmark = [
    pytest.mark.integration,
    # pending() asks the emulator for an immediate answer, which the client calls deprecated
    pytest.mark.filterwarnings("ignore:The return_immediately flag is deprecated"),
]
PROJECT = "ml-enrichment-test"


@pytest.fixture
def subscription(pubsub_host: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """A fresh topic and subscription per test."""
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", pubsub_host)
    name = uuid.uuid4().hex[:10]
    topic = f"projects/{PROJECT}/topics/t-{name}"
    sub = f"projects/{PROJECT}/subscriptions/s-{name}"
    pubsub_v1.PublisherClient().create_topic(name=topic)
    subscriber = pubsub_v1.SubscriberClient()
    subscriber.create_subscription(name=sub, topic=topic, ack_deadline_seconds=10)
    yield topic, sub
    subscriber.delete_subscription(subscription=sub)


def posting_line(pid: str) -> bytes:
    return json.dumps({"posting_id": pid, "text": f"Python and SQL for {pid}"}).encode()


class Broker:
    """Stands in for the Celery enqueue; fails its first `fail_first` calls (broker down)."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.calls = 0
        self.enqueued: list[str] = []
        self.rejections: list[Rejection] = []

    def postings(self, ps: Sequence[Posting]) -> None:
        self.calls += 1
        if self.calls <= self.fail_first:
            raise ConnectionError("broker down")
        self.enqueued += [p.posting_id for p in ps]

    def rejected(self, rs: Sequence[Rejection]) -> None:
        self.rejections += rs


def pending(sub: str) -> int:
    """Messages still deliverable on the subscription (0 = all acked)."""
    resp = pubsub_v1.SubscriberClient().pull(
        subscription=sub, max_messages=100, return_immediately=True, timeout=10
    )
    return len(resp.received_messages)


def test_valid_enqueued_invalid_rejected_and_everything_acked(subscription) -> None:
    topic, sub = subscription
    lines = [posting_line(f"p{i}") for i in range(7)] + [b'{"posting_id": "bad"}', b"\xff\xfe"]
    assert publish_lines(topic, lines) == 9
    broker = Broker()
    stats = Bridge(PubSubSource(sub, idle_exit_s=2), broker.postings, broker.rejected,
                   batch_size=4, max_wait_s=0.3).run()  # fmt: skip
    assert sorted(broker.enqueued) == [f"p{i}" for i in range(7)]
    assert sorted(r.reason for r in broker.rejections) == ["invalid_utf8", "missing_field"]
    assert (stats.received, stats.enqueued, stats.rejected) == (9, 7, 2)
    assert pending(sub) == 0  # acked: no redelivery loop for the invalid ones either


def test_broker_down_nacks_and_messages_come_back(subscription) -> None:
    topic, sub = subscription
    publish_lines(topic, [posting_line(f"q{i}") for i in range(5)])
    broker = Broker(fail_first=2)
    stats = Bridge(PubSubSource(sub, idle_exit_s=3), broker.postings, broker.rejected,
                   batch_size=10, max_wait_s=0.3, wait_for_broker=False,
                   retry_pause_s=0.2).run()  # fmt: skip
    assert stats.nacked >= 1
    assert sorted(set(broker.enqueued)) == [f"q{i}" for i in range(5)]  # nothing lost
    assert pending(sub) == 0


def test_backpressure_stops_pulling_at_the_flow_control_limit(subscription) -> None:
    """While the fleet is full the bridge stops; the subscriber then holds at most
    max_outstanding messages (flow control), and nothing is lost once the fleet drains."""
    topic, sub = subscription
    publish_lines(topic, [posting_line(f"b{i}") for i in range(200)])
    broker = Broker()
    # the client takes seconds to resume a stream that flow control paused: idle_exit_s must
    # outlast that gap (with 3 s, the stream ended after 30 of the 200 messages; the rest
    # stayed on the subscription, so a backfill's --idle-exit should be generous)
    src = PubSubSource(sub, max_outstanding=30, idle_exit_s=15)
    held: list[int] = []

    class Fleet:
        polls = 0

        def backlog(self) -> int:
            return 100 if self.polls < 15 else 0  # full for 15 polls, then drained

        def sleep(self, s: float) -> None:
            import time

            self.polls += 1
            time.sleep(0.2)
            with src._lock:
                held.append(len(src._leased) + src._inbox.qsize())

    fleet = Fleet()
    stats = Bridge(src, broker.postings, broker.rejected, batch_size=10, max_wait_s=0.3,
                   wait_for_broker=False, backlog=fleet.backlog, max_queued_batches=5,
                   sleep=fleet.sleep).run()  # fmt: skip
    assert fleet.polls >= 15 and stats.paused_s > 0
    assert 0 < max(held) <= 30, held  # pulled up to flow control, no further
    # nothing lost (Pub/Sub is at-least-once: a redelivered message is enqueued again, and the
    # chain's idempotent writes make that harmless)
    assert set(broker.enqueued) == {f"b{i}" for i in range(200)}, (
        len(broker.enqueued), len(set(broker.enqueued)))  # fmt: skip
    assert pending(sub) == 0
