"""RedisCoordinator's run-spanning lock on a real redis-server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from adapters.redis.coordination import RedisCoordinator
from tests.integration.conftest import make_fleet

pytestmark = pytest.mark.integration


def test_lock_tokens_expire_and_never_free_another_holders_lock(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path)
    try:
        fleet.start(("redis",))
        coord = RedisCoordinator(fleet.settings.broker_connection_url)
        token = coord.acquire("cluster", ttl_s=0.5)
        assert token is not None
        assert coord.acquire("cluster", ttl_s=5) is None  # held
        assert not coord.release("cluster", "not-the-token")
        time.sleep(0.7)  # the holder "died": the TTL frees the lock
        other = coord.acquire("cluster", ttl_s=5)
        assert other is not None and other != token
        assert not coord.release("cluster", token)  # the late first holder can't free it
        assert coord.acquire("cluster", ttl_s=5) is None
        assert coord.release("cluster", other)
        assert coord.acquire("cluster", ttl_s=5) is not None
    finally:
        fleet.stop()


def test_the_broker_channel_takes_our_unacked_mutex_expiry(tmp_path: Path) -> None:
    """kombu's 300 s default let a worker killed inside a restore sweep stall every redelivery
    for five minutes; the channel must carry the setting instead."""
    from kombu import Connection

    from worker.app import app

    fleet = make_fleet(tmp_path)
    try:
        fleet.start(("redis",))
        opts = app.conf.broker_transport_options
        assert opts["unacked_mutex_expire"] == fleet.settings.unacked_mutex_expire_s == 30
        with Connection(fleet.settings.broker_connection_url, transport_options=opts) as conn:
            channel = conn.default_channel
            assert channel.unacked_mutex_expire == 30
            assert channel.qos.unacked_mutex_expire == 30
    finally:
        fleet.stop()


def test_messages_a_consumer_holds_unacked_are_counted_with_their_age(tmp_path: Path) -> None:
    """Queue lengths leave out what a worker took and has not acked; `unacked()` reads what
    kombu's Redis transport keeps for it, and the delivery counter counts per message."""
    from kombu import Connection

    fleet = make_fleet(tmp_path)
    try:
        fleet.start(("redis",))
        coord = RedisCoordinator(fleet.settings.broker_connection_url)
        assert coord.unacked() == (0, None)
        with Connection(fleet.settings.broker_connection_url) as conn:
            q = conn.SimpleQueue("probe")
            q.put({"n": 1})
            q.put({"n": 2})
            first = q.get(timeout=5)
            second = q.get(timeout=5)
            assert coord.queue_depth("probe") == 0  # what status showed before: nothing
            held, age = coord.unacked()
            assert held == 2 and age is not None and 0 <= age < 60
            first.ack()
            assert coord.unacked()[0] == 1
            second.ack()
            assert coord.unacked() == (0, None)
            q.close()
        assert [coord.count_delivery("t:0", 60) for _ in range(3)] == [1, 2, 3]
        coord.clear_delivery("t:0")
        assert coord.count_delivery("t:0", 60) == 1
        coord.report_config("w1", {"reason": "ConfigError: bad", "serving": "v1"})
        assert coord.refused_configs() == {"w1": {"reason": "ConfigError: bad", "serving": "v1"}}
        coord.report_config("w1", None)
        assert coord.refused_configs() == {}
    finally:
        fleet.stop()


def test_in_flight_marks_go_to_one_claimer_per_scope_carry_the_ttl_and_release(
    tmp_path: Path,
) -> None:
    fleet = make_fleet(tmp_path)
    try:
        fleet.start(("redis",))
        coord = RedisCoordinator(fleet.settings.broker_connection_url)
        assert coord.claim_in_flight("reenrich:v2", ["a", "b"], ttl_s=900) == {"a", "b"}
        assert coord.claim_in_flight("reenrich:v2", ["b", "c"], ttl_s=900) == {"c"}
        assert coord.claim_in_flight("reenrich:v3", ["a"], ttl_s=900) == {"a"}  # own scope
        ttl_ms = coord.client.pttl("ml-enrichment:inflight:reenrich:v2:a")
        assert 890_000 < ttl_ms <= 900_000  # expires: a dead batch's postings come back
        coord.release_in_flight("reenrich:v2", ["a", "c"])
        assert coord.claim_in_flight("reenrich:v2", ["a", "b", "c"], ttl_s=900) == {"a", "c"}
        coord.release_in_flight("reenrich:v2", [])  # nothing to release: no error
    finally:
        fleet.stop()
