"""The intake reconciler (domain/reconcile.py) and the bridge's ledger write, with fakes.

Time moves only on the fake warehouse's clock (store.clock): the reconciler never reads its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.faults import FaultSwitchStore
from domain.errors import TransientError
from domain.models import EnrichedBatch, Posting
from domain.persist import persist
from domain.reconcile import ReconcileRequest, reconcile_intake
from domain.recovery import strand
from tests.conftest import posting
from tests.contract.test_store_contract import enrichment
from tests.fakes import FakeCoordinator, InMemoryStore, ListSource
from worker.bridge import Bridge

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NOW = "2026-11-30T09:00:00.000+00:00"
REQ = ReconcileRequest(grace_s=60, max_attempts=3, batch_size=2, limit=100, max_queue_depth=10)


class Warehouse(InMemoryStore):
    """The fake store with a clock the test moves."""

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.clock = lambda: self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Enqueued:
    def __init__(self) -> None:
        self.batches: list[list[Posting]] = []

    def __call__(self, postings: Sequence[Posting]) -> None:
        self.batches.append(list(postings))

    @property
    def ids(self) -> list[str]:
        return [p.posting_id for b in self.batches for p in b]


def run(store, coord=None, enq=None, req=REQ, now=NOW):  # type: ignore[no-untyped-def]
    return reconcile_intake(req, store, store, coord or FakeCoordinator(), enq or Enqueued(),
                            ("enrich", "reenrich", "persist"), 300, now)  # fmt: skip


def accepted(store: Warehouse, *ids: str) -> list[Posting]:
    ps = [posting(i, f"Experience with Python ({i}).") for i in ids]
    store.record_intake(ps, [f"in.jsonl:{n}" for n in range(len(ps))])
    return ps


def test_lost_posting_is_enqueued_again_after_the_grace_period_only() -> None:
    store, enq = Warehouse(), Enqueued()
    done, lost = accepted(store, "done", "lost")
    store.write_batch([done], [enrichment(done, "v1", NOW)], [])
    store.tick(59)
    assert run(store, enq=enq).found == 0 and enq.batches == []
    store.tick(1)
    report = run(store, enq=enq)
    assert (report.found, report.reenqueued, report.batches) == (1, 1, 1)
    assert enq.batches == [[lost]]  # the raw posting, rebuilt from the ledger
    assert run(store, enq=enq).found == 0, "an attempt restarts the grace period"


def test_posting_never_arriving_ends_with_one_lost_in_transit_row_not_a_loop() -> None:
    store, enq = Warehouse(), Enqueued()
    (p,) = accepted(store, "black-hole")
    reports = []
    for _ in range(6):
        store.tick(60)
        reports.append(run(store, enq=enq))
    assert enq.ids == ["black-hole"] * 3  # max_attempts re-enqueues, then never again
    assert [r.lost_in_transit for r in reports] == [0, 0, 0, 1, 0, 0]
    (row,) = store.rejection_rows.values()
    assert (row.stage, row.reason, row.posting_id) == ("intake", "lost_in_transit", "black-hole")
    assert "Python" not in row.detail  # never posting text
    # the raw text sits next to the failure row, so replay-failures can run it again
    assert store.failed_postings("v1", ["intake"], 10) == [p]
    assert store.ledger_counts(0).lost_in_transit == 1


def test_posting_failing_in_every_attempt_is_accounted_for_by_its_failure_row() -> None:
    store, enq = Warehouse(), Enqueued()
    (p,) = accepted(store, "poison")
    store.tick(60)
    run(store, enq=enq)
    failed = strand(EnrichedBatch(postings=(p,)), "extract", "component_error", "ValueError", NOW)
    persist(store, failed)  # the fleet recorded it: accounted for, never re-enqueued again
    for _ in range(5):
        store.tick(60)
        assert run(store, enq=enq).found == 0
    assert enq.ids == ["poison"]


def test_reconciler_racing_the_fleet_writes_each_posting_once() -> None:
    """grace 0: everything still in flight is enqueued a second time; both copies land."""
    store, enq = Warehouse(), Enqueued()
    ps = accepted(store, "a", "b", "c")
    run(store, enq=enq, req=ReconcileRequest(0, 3, 32, 100, 10))
    assert sorted(enq.ids) == ["a", "b", "c"]
    for batch in ([ps], enq.batches):  # the fleet's own copy, then the reconciler's
        for b in batch:
            done = EnrichedBatch(postings=tuple(b), enrichments=tuple(enrichment(p, "v1", NOW) for p in b))  # fmt: skip
            persist(store, done)
    assert sorted(e.posting_id for e in store.enrichments.values()) == ["a", "b", "c"]
    assert run(store, enq=enq, req=ReconcileRequest(0, 3, 32, 100, 10)).found == 0


def test_two_reconcilers_only_one_runs() -> None:
    store, coord = Warehouse(), FakeCoordinator()
    accepted(store, "a", "b", "c")
    store.tick(60)
    inner: list[object] = []

    def enqueue(ps: Sequence[Posting]) -> None:  # the second starts while the first works
        inner.append(run(store, coord=coord))

    first = run(store, coord=coord, enq=enqueue)
    assert first.reenqueued == 3
    assert {r.skipped for r in inner} == {"another run holds the lock"}  # type: ignore[attr-defined]
    assert all(r.reenqueued == 0 for r in inner)  # type: ignore[attr-defined]


def test_warehouse_down_during_reconciliation_is_retried_by_the_next_run(tmp_path: Path) -> None:
    inner, enq = Warehouse(), Enqueued()
    store = FaultSwitchStore(inner, tmp_path / "down")
    accepted(inner, "a")
    inner.tick(60)
    (tmp_path / "down").touch()
    with pytest.raises(TransientError):
        run(store, enq=enq)
    assert enq.batches == [] and inner.ledger_counts(0).reenqueued == 0
    (tmp_path / "down").unlink()
    assert run(store, enq=enq).reenqueued == 1 and enq.ids == ["a"]


def test_broker_down_during_reconciliation_keeps_attempts_bounded() -> None:
    store = Warehouse()
    accepted(store, "a")

    def refuse(ps: Sequence[Posting]) -> None:
        raise TransientError("broker down")

    for _ in range(3):
        store.tick(60)
        with pytest.raises(TransientError):
            run(store, enq=refuse)  # type: ignore[arg-type]
    store.tick(60)
    assert run(store).lost_in_transit == 1  # marked before each enqueue: no endless retries


def test_the_warehouse_clock_decides_not_the_reconcilers() -> None:
    """A reconciler host whose clock runs hours ahead (or behind) changes nothing: the ledger
    compares ages on its own clock; `now` only stamps failure rows."""
    store, enq = Warehouse(), Enqueued()
    accepted(store, "a")
    for skewed in ("2099-01-01T00:00:00.000+00:00", "2001-01-01T00:00:00.000+00:00"):
        assert run(store, enq=enq, now=skewed).found == 0
    store.tick(60)
    assert run(store, enq=enq, now="2001-01-01T00:00:00.000+00:00").reenqueued == 1


def test_a_backlogged_queue_defers_the_run() -> None:
    store, coord, enq = Warehouse(), FakeCoordinator(), Enqueued()
    accepted(store, "a")
    store.tick(60)
    coord.depths["enrich"] = 11
    assert run(store, coord=coord, enq=enq).skipped == "the chain's queues hold 11 batches"
    assert enq.batches == []
    coord.depths["enrich"] = 10
    assert run(store, coord=coord, enq=enq).reenqueued == 1


@pytest.mark.parametrize("where", ["persist", "reenrich"])
def test_a_stalled_persister_defers_the_run(where: str) -> None:
    """Postings waiting in the persist queue (a stalled warehouse) are slow, not lost:
    re-enqueueing them grew the broker past the bridge's backpressure limit."""
    store, coord, enq = Warehouse(), FakeCoordinator(), Enqueued()
    accepted(store, "a")
    store.tick(60)
    coord.depths["enrich"] = 6
    coord.depths[where] = 5
    assert run(store, coord=coord, enq=enq).skipped == "the chain's queues hold 11 batches"
    assert enq.batches == []


def test_messages_held_unacked_do_not_defer_the_run() -> None:
    """A dead worker's messages stay unacked until the visibility timeout (lifecycle ones too):
    waiting on them would stall the reconciler exactly when the broker lost something."""
    store, coord, enq = Warehouse(), FakeCoordinator(), Enqueued()
    accepted(store, "a")
    store.tick(60)
    coord.held.extend([1.0] * 50)
    assert run(store, coord=coord, enq=enq).reenqueued == 1


# -- the bridge's side: the ledger is written before the enqueue, hence before the ack ------------


def line(pid: str) -> bytes:
    return json.dumps({"posting_id": pid, "text": "Python and SQL"}).encode()


def test_bridge_records_intake_before_enqueue_and_ack() -> None:
    order: list[str] = []
    store = Warehouse()
    src = ListSource([line("a"), line("b"), b"{bad"])

    def intake(ps: Sequence[Posting], refs: Sequence[str]) -> int:
        order.append("intake")
        assert src.acked == []
        return store.record_intake(ps, refs)

    bridge = Bridge(src, lambda ps: order.append("enqueue"), lambda rs: None, record_intake=intake)
    bridge.run()
    assert order == ["intake", "enqueue"]
    assert [(e.posting.posting_id, e.source_ref) for e in store.unaccounted_intake(0, 10)] == [
        ("a", "test:msg 0"),
        ("b", "test:msg 1"),
    ]
    assert len(src.acked) == 3


@pytest.mark.parametrize("streaming", [False, True], ids=["file-waits", "pubsub-nacks"])
def test_bridge_acks_nothing_the_ledger_refused(streaming: bool) -> None:
    store, sent = Warehouse(), []
    refusals = [1]

    def intake(ps: Sequence[Posting], refs: Sequence[str]) -> int:
        if refusals and refusals.pop():
            raise TransientError("warehouse down")
        return store.record_intake(ps, refs)

    src = ListSource([line("a")])
    bridge = Bridge(src, sent.append, lambda rs: None, record_intake=intake,
                    wait_for_broker=not streaming, sleep=lambda s: None)  # fmt: skip
    bridge.run()
    if streaming:
        assert (src.nacked, src.acked, sent) == (["msg 0"], [], [])  # redelivered by Pub/Sub
    else:
        assert src.acked == ["msg 0"] and len(sent) == 1 and len(store.intake) == 1


# -- what ops see: the status line and the Prometheus counters -----------------------------------


def test_status_line_and_counters_show_what_the_reconciler_did() -> None:
    from adapters.prometheus.exporter import FleetCollector, Sources
    from cli.status import ledger_line
    from worker.settings import Settings

    store = Warehouse()
    accepted(store, "a", "b")
    store.tick(60)
    run(store, req=ReconcileRequest(60, 1, 32, 100, 10))  # both re-enqueued once
    store.tick(60)
    run(store, req=ReconcileRequest(60, 1, 32, 100, 10))  # both given up
    accepted(store, "c")
    store.tick(60)
    s = Settings(reconcile_grace_s=60)
    line = ledger_line(store, s)
    assert "3 accepted, 1 unaccounted past the 60 s grace" in line
    assert "re-enqueued 2, gave up on 2 (intake/lost_in_transit)" in line
    sources = Sources(store, None, None, lambda: "v1", (), reconcile_grace_s=60)
    samples = {s.name: s.value for m in FleetCollector(sources).collect() for s in m.samples}
    assert samples["enrich_reconciler_reenqueued_total"] == 2
    assert samples["enrich_reconciler_lost_in_transit_total"] == 2
    assert samples["enrich_intake_unaccounted"] == 1
    assert samples["enrich_intake_accepted"] == 3
    assert samples["enrich_intake_compacted"] == 0


def test_beat_task_reenqueues_through_the_chain_via_the_composition_root() -> None:
    from tests.fakes import MemorySpool, RecordingDispatcher
    from worker import bootstrap
    from worker.settings import Settings

    store = Warehouse()
    svc = bootstrap.Services(Settings(reconcile_grace_s=60), store, coordinator=FakeCoordinator(),
                             dispatcher=RecordingDispatcher(), spool=MemorySpool())  # fmt: skip
    bootstrap.override(svc)
    try:
        from tasks.lifecycle import reconcile_intake_task

        accepted(store, "a", "b")
        assert reconcile_intake_task()["found"] == 0
        store.tick(60)
        assert reconcile_intake_task() == {
            "found": 2, "reenqueued": 2, "lost_in_transit": 0, "batches": 1, "skipped": None,
        }  # fmt: skip
        ((task, payload, queue),) = svc.dispatcher.sent  # type: ignore[attr-defined]
        assert task == "enrich.classify_sections" and queue is None
        assert [p["posting_id"] for p in payload["postings"]] == ["a", "b"]
    finally:
        bootstrap.override(None)


def test_beat_task_defers_when_the_warehouse_is_down(tmp_path: Path) -> None:
    from tests.fakes import MemorySpool, RecordingDispatcher
    from worker import bootstrap
    from worker.settings import Settings

    inner = Warehouse()
    svc = bootstrap.Services(Settings(reconcile_grace_s=60), FaultSwitchStore(inner, tmp_path / "down"),
                             coordinator=FakeCoordinator(), dispatcher=RecordingDispatcher(),
                             spool=MemorySpool())  # fmt: skip
    bootstrap.override(svc)
    try:
        from tasks.lifecycle import reconcile_intake_task

        accepted(inner, "a")
        inner.tick(60)
        (tmp_path / "down").touch()
        assert reconcile_intake_task() == {"skipped": "unavailable: TransientError"}
        assert svc.dispatcher.sent == []  # type: ignore[attr-defined]
        (tmp_path / "down").unlink()
        assert reconcile_intake_task()["reenqueued"] == 1
    finally:
        bootstrap.override(None)
