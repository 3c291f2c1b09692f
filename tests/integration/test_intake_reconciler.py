"""The broker loses messages; the product finds and finishes them (issue #21, Build 6).

Real redis-server, enrich worker, persister and beat. The test deletes chain messages straight
from Redis — a whole batch from the `enrich` list, and every entry of the `unacked` hash of a
frozen worker that is then SIGKILLed — standing in for kombu's window (a message popped from the
list but not yet registered as unacked dies with its process). Nothing in Redis or in kombu can
bring those back; only the intake ledger knows them. Every posting must end enriched exactly
once, with no failure row, within a bound set by the reconciler's grace and period.

Deterministic: the list deletion happens while no worker runs; the unacked deletion happens with
the worker group stopped (SIGSTOP) and holding at least one enrich message, so whatever the
machine's speed the same thing is lost. Time only bounds how long we wait for the outcome.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from adapters.artifacts.config_files import load_config
from tests.conftest import ROOT
from tests.integration.conftest import (
    enrich_cli,
    freeze_holding_enrich_messages,
    make_fleet,
    store_of,
    write_postings,
)

pytestmark = [pytest.mark.integration]
CURRENT = load_config(ROOT).manifest.effective
GRACE_S, INTERVAL_S = 5.0, 1.0
RECONCILER = {
    "reconcile_grace_s": GRACE_S,
    "reconcile_interval_s": INTERVAL_S,
    "reconcile_max_attempts": 5,
    # act only once the enrich queue is drained: postings merely waiting there are not lost
    "reconcile_max_queue_depth": 0,
    "reenrich_enabled": False,
    "evaluation_enabled": False,
    "cluster_enabled": False,
    "report_enabled": False,
    "batch_size": 16,
    # kombu's own redelivery must not be what saves them: far beyond the test's wait
    "visibility_timeout_s": 3600,
    # beat compacts the ledger while the reconciler works: only what is accounted for loses its text
    "ledger_retention_s": 0,
    "ledger_compact_interval_s": INTERVAL_S,
}


def test_messages_deleted_from_redis_end_enriched_exactly_once(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path / "lost", **RECONCILER)
    try:
        fleet.start(("redis", "persister", "beat"))
        r = redis.Redis.from_url(fleet.settings.broker_connection_url)
        src = tmp_path / "in.jsonl"
        ids = write_postings(src, "lost", 96)  # 6 batches of 16
        run = enrich_cli(fleet, "bridge", str(src))
        assert run.returncode == 0, run.stderr.decode()
        assert r.llen("enrich") == 6

        # 1. a batch vanishes from the queue list (no worker runs yet)
        assert r.rpop("enrich") is not None

        # 2. the worker takes messages; frozen, its unacked entries are deleted, then it dies
        fleet.start(("worker",))
        pgid = freeze_holding_enrich_messages(fleet, r)
        deleted = r.hkeys("unacked")
        assert r.hdel("unacked", *deleted) == len(deleted) >= 1
        r.zrem("unacked_index", *deleted)
        os.killpg(pgid, signal.SIGKILL)
        fleet.stop(("worker",))
        t_fault = time.monotonic()
        fleet.start(("worker",))

        # Bound: drain the rest, then one grace + period to notice, then one batch through the
        # chain; generous for a loaded 2-core machine, far below the 3600 s visibility timeout.
        store = store_of(fleet)
        deadline = t_fault + 240
        while store.enrichment_status(ids, CURRENT)[0] < len(ids):
            assert time.monotonic() < deadline, store.enrichment_status(ids, CURRENT)
            time.sleep(0.5)
        settled_s = time.monotonic() - t_fault

        rows = [(e.posting_id, e.enrichment_version) for i in ids for e in store.posting_history(i)]
        assert sorted(pid for pid, _ in rows) == sorted(ids)  # each exactly once
        assert {v for _, v in rows} == {CURRENT}
        assert [x for x in store.rejections(1000) if x.posting_id in set(ids)] == []
        counts = store.ledger_counts(GRACE_S)
        assert counts.reenqueued >= 16, "the product, not kombu, brought them back"
        assert (counts.unaccounted, counts.lost_in_transit) == (0, 0)
        status = subprocess.run(
            [sys.executable, "-m", "cli.enrich_ops", "status"], cwd=ROOT, env=fleet.env(),
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout  # fmt: skip
        assert "intake ledger:  96 accepted, 0 unaccounted" in status
        assert f"re-enqueued {counts.reenqueued}" in status
        while store.ledger_counts(GRACE_S).compacted < len(ids):  # beat's next compaction run
            assert time.monotonic() < deadline + 60, store.ledger_counts(GRACE_S)
            time.sleep(0.5)
        print(f"\nsettled {settled_s:.1f}s after the fault; {len(deleted)} unacked entries "
              f"deleted; reconciler re-enqueued {counts.reenqueued}")  # fmt: skip
    finally:
        fleet.stop()


def test_two_reconcilers_on_real_redis_only_one_runs(tmp_path: Path) -> None:
    """Two reconcilers (each its own Redis connection, as two beat-driven workers would have)
    over one DuckDB ledger: the second, started while the first works, skips; nothing twice."""
    from adapters.duckdb.store import DuckDbStore
    from adapters.redis.coordination import RedisCoordinator
    from domain.reconcile import ReconcileRequest, reconcile_intake
    from tests.conftest import posting

    fleet = make_fleet(tmp_path)
    try:
        fleet.start(("redis",))
        store = DuckDbStore(tmp_path / "w.duckdb")
        store.record_intake([posting(f"p{i}", f"text {i}") for i in range(3)], ["a", "b", "c"])
        req = ReconcileRequest(0, 3, 2, 100, 10)
        url = fleet.settings.broker_connection_url
        sent: list[str] = []
        second: list[object] = []

        def run(coord: RedisCoordinator, enqueue) -> object:  # type: ignore[no-untyped-def]
            return reconcile_intake(req, store, store, coord, enqueue, ("enrich",), 30, "t")

        def enqueue(ps) -> None:  # type: ignore[no-untyped-def]
            sent.extend(p.posting_id for p in ps)
            second.append(run(RedisCoordinator(url), lambda ps: sent.extend(["twice"])))

        first = run(RedisCoordinator(url), enqueue)
        assert first.reenqueued == 3 and sorted(sent) == ["p0", "p1", "p2"]  # type: ignore[attr-defined]
        assert {r.skipped for r in second} == {"another run holds the lock"}  # type: ignore[attr-defined]
        third = run(RedisCoordinator(url), lambda ps: None)  # the lock was released
        assert third.skipped is None  # type: ignore[attr-defined]
    finally:
        fleet.stop()
