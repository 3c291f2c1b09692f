"""Enrichment events on Google's Pub/Sub emulator, read back by a real subscriber.

The adapter: what it publishes matches the JSON Schema, carries the attributes and the ordering
key, an oversized event arrives truncated; a missing topic is a clear error and never raises
from publish(). The fleet: the events topic is missing at start (the persister logs why and
enrichment goes on), then created; the persister is SIGKILLed once mid-stream; the beat resend
job sends what stayed due. Every persisted row ends with one logical event: every idempotency
key received, each one a persisted row, duplicates carrying the same key.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from google.cloud import pubsub_v1

from adapters.artifacts.config_files import load_config
from adapters.pubsub.events import EventsTopicUnusable, PubSubEventPublisher, check_topic
from domain.events import build_event
from domain.models import ExtractedSkill, JobEnrichment, Mention, Section
from tests.conftest import ROOT
from tests.emulators import PROJECT
from tests.integration.conftest import enrich_cli, make_fleet, store_of, write_postings

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:The return_immediately flag is deprecated"),
]
SCHEMA = json.loads((ROOT / "config" / "schemas" / "enrichment_event.schema.json").read_text())
CURRENT = load_config(ROOT).manifest.effective


def big_message_subscriber() -> pubsub_v1.SubscriberClient:
    """A subscriber that can receive a 10 MB message from the emulator: the client's emulator
    channel keeps gRPC's 4 MiB receive limit (a 9.9 MB event fails with ResourceExhausted);
    against real Pub/Sub the client lifts it. Consumers of big events need the same."""
    import grpc
    from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

    channel = grpc.insecure_channel(
        os.environ["PUBSUB_EMULATOR_HOST"], options=[("grpc.max_receive_message_length", -1)]
    )
    return pubsub_v1.SubscriberClient(transport=SubscriberGrpcTransport(channel=channel))


class Collector:
    """A streaming-pull subscriber that acks and keeps every message it receives."""

    def __init__(self, subscription: str) -> None:
        self.messages: list[Any] = []
        self._lock = threading.Lock()
        self._client = big_message_subscriber()
        self._future = self._client.subscribe(subscription, self._take)

    def _take(self, msg: Any) -> None:
        with self._lock:
            self.messages.append(msg)
        msg.ack()

    def keys(self) -> list[str]:
        with self._lock:
            return [m.attributes["idempotency_key"] for m in self.messages]

    def close(self) -> None:
        self._future.cancel()
        self._client.close()


def topic_and_subscription(name: str) -> tuple[str, str]:
    topic = f"projects/{PROJECT}/topics/{name}"
    sub = f"projects/{PROJECT}/subscriptions/{name}-consumer"
    pubsub_v1.PublisherClient().create_topic(name=topic)
    pubsub_v1.SubscriberClient().create_subscription(
        request={"name": sub, "topic": topic, "enable_message_ordering": True,
                 "ack_deadline_seconds": 30}
    )  # fmt: skip
    return topic, sub


@pytest.fixture
def emulator(pubsub_host: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", pubsub_host)
    return pubsub_host


def _row(pid: str, n_skills: int) -> JobEnrichment:
    skills = tuple(
        ExtractedSkill(f"esco:s{i:06d}", f"skill {i}", "knowledge", 0.5 + (i % 50) / 100, ("d",),
                       (Mention(0, 1, "x", "requirements", "d"),), section="requirements")
        for i in range(n_skills)
    )  # fmt: skip
    at = datetime.now(UTC).isoformat(timespec="milliseconds")
    return JobEnrichment(pid, "0123456789abcdef", "v1", {}, (Section("requirements", 0, 9),),
                         skills, at, 1.0, language="en")  # fmt: skip


def test_published_events_arrive_with_schema_attributes_and_ordering_key(emulator: str) -> None:
    topic, sub = topic_and_subscription(f"ev-{uuid.uuid4().hex[:8]}")
    rows = [_row("a", 3), _row("b", 0), _row("huge", 120_000)]  # ~13 MB before truncation
    events = [build_event(r) for r in rows]
    collector = Collector(sub)
    try:
        sent = PubSubEventPublisher(topic, timeout_s=60).publish(events)
        assert sorted(sent) == sorted(r.row_id for r in rows)
        deadline = time.monotonic() + 300
        while len(set(collector.keys())) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        by_key = {m.attributes["idempotency_key"]: m for m in collector.messages}
        assert set(by_key) == {r.row_id for r in rows}
        for r in rows:
            m = by_key[r.row_id]
            body = json.loads(m.data)
            jsonschema.validate(body, SCHEMA)
            assert body["row_id"] == r.row_id and m.ordering_key == r.posting_id
            assert m.attributes["enrichment_version"] == "v1"
        huge = json.loads(by_key[rows[2].row_id].data)
        assert huge["truncated"] is True and huge["skills_total"] == 120_000
        assert by_key[rows[2].row_id].attributes["truncated"] == "true"
        assert 0 < len(huge["skills"]) < 120_000
    finally:
        collector.close()


def test_a_missing_topic_is_a_clear_error_and_publish_never_raises(emulator: str) -> None:
    topic = f"projects/{PROJECT}/topics/missing-{uuid.uuid4().hex[:8]}"
    with pytest.raises(EventsTopicUnusable, match="does not exist"):
        check_topic(topic)
    publisher = PubSubEventPublisher(topic, timeout_s=10, backoff_s=60)
    assert "does not exist" in publisher.startup_check()
    t0 = time.monotonic()
    assert publisher.publish([build_event(_row("a", 2))]) == []
    assert publisher.publish([build_event(_row("b", 2))]) == []  # quiet after a failure
    assert time.monotonic() - t0 < 30


def _freeze_and_kill_persister(fleet, timeout: float = 90) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL the persister's group while it holds a persist message in `unacked` (frozen
    first, so the kill never lands between kombu's pop and its unacked record, kombu#1836):
    that message comes back after the visibility timeout."""
    import redis

    client = redis.Redis.from_url(fleet.settings.broker_connection_url)
    pgid = fleet.pid("persister")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        os.killpg(pgid, signal.SIGSTOP)
        held = [json.loads(v)[2] for v in client.hvals("unacked")]
        if "persist" in held:
            os.killpg(pgid, signal.SIGKILL)
            return
        os.killpg(pgid, signal.SIGCONT)
        time.sleep(0.02)
    raise AssertionError("the persister never held a batch: is the persist queue empty?")


def _wait(what: str, ok, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not ok():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


@pytest.fixture
def events_fleet(emulator: str, tmp_path: Path) -> Iterator[Any]:
    name = f"events-{uuid.uuid4().hex[:8]}"
    fleet = make_fleet(
        tmp_path / "fleet", events_topic=name, pubsub_project=PROJECT,
        events_backoff_s=1.0, events_publish_timeout_s=10.0, events_resend_interval_s=2.0,
        events_resend_grace_s=3.0, report_enabled=False, reenrich_enabled=False,
        reconcile_enabled=False, evaluation_enabled=False, cluster_enabled=False,
        visibility_timeout_s=20, task_time_limit_s=10, task_soft_time_limit_s=8,
        handoff_window_s=5, unacked_restore_interval_s=2, batch_size=8,
    )  # fmt: skip
    try:
        fleet.start(("redis", "worker", "persister", "beat"))
        yield fleet
    finally:
        fleet.stop()


# ~120 s alone on the shared 2-core machine (a 20 s visibility timeout, two bridges, a resend
# cycle); the suite's 300 s default leaves too little room under a loaded run
@pytest.mark.timeout(600)
def test_every_persisted_posting_gets_one_logical_event_across_a_persister_kill(
    events_fleet, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fleet = events_fleet
    topic = fleet.settings.events_topic_path
    # 1. no topic yet: the persister said so at start, enrichment goes on, events stay due
    _wait("the start-up check", lambda: "does not exist" in fleet.log_path("persister").read_text(), 60)  # fmt: skip
    first = write_postings(tmp_path / "a.jsonl", "evA", 24)
    assert enrich_cli(fleet, "bridge", str(tmp_path / "a.jsonl")).returncode == 0
    store = store_of(fleet)
    _wait("the first postings", lambda: store.enrichment_status(first, CURRENT)[0] == len(first), 120)  # fmt: skip
    assert store.count_due_events(86400.0, 0.0) == len(first)
    # 2. the topic appears; a subscriber listens; the rest flows while the persister is killed
    topic_and_subscription(topic.rsplit("/", 1)[1])
    collector = Collector(f"{topic.replace('/topics/', '/subscriptions/')}-consumer")
    try:
        rest = write_postings(tmp_path / "b.jsonl", "evB", 174, offset=24)
        assert enrich_cli(fleet, "bridge", str(tmp_path / "b.jsonl")).returncode == 0
        persisted = fleet.log_path("persister")
        before = persisted.read_text().count("persisted batch")
        _wait("a batch persisted after the topic", lambda: persisted.read_text().count("persisted batch") > before, 120)  # fmt: skip
        _freeze_and_kill_persister(fleet)
        done_at_kill = store.enrichment_status(rest, CURRENT)[0]
        assert done_at_kill < len(rest), "the kill must land mid-stream"
        fleet.stop(("persister",))
        fleet.start(("persister",))
        ids = first + rest
        _wait("every posting persisted", lambda: store.enrichment_status(ids, CURRENT)[0] == len(ids), 240)  # fmt: skip
        rows = {e.row_id for i in ids for e in store.posting_history(i)}
        assert len(rows) == len(ids)
        _wait("an event for every row", lambda: rows <= set(collector.keys()), 180)
        time.sleep(3)  # let late duplicates arrive, so they are checked too
        keys = collector.keys()
        assert set(keys) == rows  # one logical event per persisted row, none for anything else
        for m in collector.messages:
            body = json.loads(m.data)
            jsonschema.validate(body, SCHEMA)
            assert m.attributes["idempotency_key"] == body["row_id"] == body["idempotency_key"]
            assert m.ordering_key == body["posting_id"]
            assert m.attributes["enrichment_version"] == CURRENT
        assert store.count_due_events(86400.0, 0.0) == 0
        duplicates = len(keys) - len(set(keys))
        print(f"events: {len(keys)} received for {len(rows)} rows ({duplicates} duplicates), "
              f"{done_at_kill} of {len(rest)} persisted at the kill")  # fmt: skip
        resend_log = fleet.log_path("worker").read_text()
        assert "events resend" in resend_log  # the first postings came through the resend job
        # ... and the rest mostly straight from the persister, right after their write
        assert re.search(r"events: \{'published': [1-9]", persisted.read_text())
    finally:
        collector.close()


def test_the_bridge_subscription_dead_letters_a_message_after_five_deliveries(emulator: str) -> None:  # fmt: skip
    """The emulator honours dead-letter policies: set up as docker-compose's pubsub-setup does."""
    from worker.pubsub_admin import ensure_topology
    from worker.settings import Settings

    n = uuid.uuid4().hex[:8]
    s = Settings(pubsub_project=PROJECT, pubsub_topic=f"postings-{n}",
                 pubsub_subscription=f"bridge-{n}", pubsub_dead_letter_topic=f"dead-{n}",
                 events_topic=f"events-{n}")  # fmt: skip
    first = ensure_topology(s)
    assert all(line.startswith("created") for line in first) and len(first) == 5
    assert all(line.startswith("exists") for line in ensure_topology(s))  # idempotent
    sub = pubsub_v1.SubscriberClient()
    policy = sub.get_subscription(subscription=s.subscription_path).dead_letter_policy
    assert (policy.dead_letter_topic, policy.max_delivery_attempts) == (s.dead_letter_topic_path, 5)
    pubsub_v1.PublisherClient().publish(s.topic_path, b"poison").result(timeout=30)
    attempts = []
    deadline = time.monotonic() + 300
    while len(attempts) < 5 and time.monotonic() < deadline:  # the bridge nacks it every time
        r = sub.pull(request={"subscription": s.subscription_path, "max_messages": 1}, timeout=10)
        for m in r.received_messages:
            attempts.append(m.delivery_attempt)
            sub.modify_ack_deadline(request={"subscription": s.subscription_path,
                                             "ack_ids": [m.ack_id], "ack_deadline_seconds": 0})  # fmt: skip
    assert attempts == [1, 2, 3, 4, 5]
    keep = f"{s.dead_letter_topic_path.replace('/topics/', '/subscriptions/')}-keep"
    got: list[bytes] = []
    redelivered = []
    deadline = time.monotonic() + 300
    while not got and time.monotonic() < deadline:
        # the emulator forwards to the dead-letter topic when the bridge pulls again (a live
        # bridge's stream always does); the message must not come back to the bridge
        r = sub.pull(request={"subscription": s.subscription_path, "max_messages": 5}, timeout=5)
        redelivered += list(r.received_messages)
        r = sub.pull(request={"subscription": keep, "max_messages": 5}, timeout=5)
        got += [m.message.data for m in r.received_messages]
    assert got == [b"poison"]
    assert redelivered == []


def test_the_status_line_names_a_missing_topic_then_counts_what_is_due(
    emulator: str, tmp_path: Path
) -> None:
    from adapters.duckdb.store import DuckDbStore
    from worker.bootstrap import Services
    from worker.events import events_status_line
    from worker.settings import Settings

    name = f"status-{uuid.uuid4().hex[:8]}"
    s = Settings(data_dir=tmp_path, pubsub_project=PROJECT, events_topic=name,
                 events_resend_grace_s=0.0)  # fmt: skip
    store = DuckDbStore(s.duckdb_path)
    store.write_batch([], [_row("a", 2), _row("b", 1)], [])
    svc = Services(s, store)
    line = events_status_line(svc)
    assert "ERROR" in line and "does not exist" in line and "2 due" in line
    topic_and_subscription(name)
    store.mark_events_sent([(_row("a", 0).row_id, "a")])
    line = events_status_line(svc)
    assert f"events topic projects/{PROJECT}/topics/{name}: ok; 1 due" in line
