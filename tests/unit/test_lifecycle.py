from collections.abc import Sequence

import pytest

from domain.lifecycle import ReenrichRequest, reenrich_drifted
from domain.models import JobEnrichment, Posting, Section
from tests.conftest import posting
from tests.fakes import FakeCoordinator, InMemoryStore

T0 = "2026-01-01T00:00:00.000+00:00"
T1 = "2026-01-02T00:00:00.000+00:00"


def seed(store: InMemoryStore, n: int, version: str = "v1") -> list[Posting]:
    ps = [posting(f"p{i:02d}", f"text {i}") for i in range(n)]
    es = [
        JobEnrichment(
            p.posting_id, p.content_hash, version, {}, (Section("overview", 0, 4),), (), T0, 1.0
        )
        for p in ps
    ]
    store.write_batch(ps, es, [])
    return ps


class Enqueued:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.scopes: set[str] = set()

    def __call__(self, ps: Sequence[Posting], in_flight_scope: str) -> None:
        self.batches.append([p.posting_id for p in ps])
        self.scopes.add(in_flight_scope)

    @property
    def ids(self) -> list[str]:
        return [i for b in self.batches for i in b]


def run(store, coord, enq, **kw):
    req = ReenrichRequest(
        **({"current_version": "v2", "cap": 10, "batch_size": 4, "max_queue_depth": 100} | kw)
    )
    return reenrich_drifted(req, store, coord, enq, "reenrich", 60)


def test_enqueues_drifted_in_batches_up_to_cap_and_walks_with_a_cursor() -> None:
    store, coord, enq = InMemoryStore(), FakeCoordinator(), Enqueued()
    seed(store, 25)
    r1 = run(store, coord, enq)
    assert (r1.enqueued, r1.batches, r1.backlog_before) == (10, 3, 25)
    assert [len(b) for b in enq.batches] == [4, 4, 2]
    run(store, coord, enq)
    r3 = run(store, coord, enq)
    assert r3.enqueued == 5 and r3.cursor is None  # end of the backlog: start over next time
    assert enq.ids == [f"p{i:02d}" for i in range(25)]  # each once, in order
    assert enq.scopes == {"reenrich:v2"}  # each batch carries its marks' scope


def test_nothing_to_do_without_drift() -> None:
    store, coord, enq = InMemoryStore(), FakeCoordinator(), Enqueued()
    seed(store, 3, version="v2")
    r = run(store, coord, enq)
    assert (r.enqueued, r.skipped) == (0, "no drift")


def test_queue_depth_limits_the_slice() -> None:
    store, coord, enq = InMemoryStore(), FakeCoordinator(), Enqueued()
    seed(store, 30)
    coord.depths["reenrich"] = 8
    r = run(store, coord, enq, max_queue_depth=10, cap=100)
    assert r.enqueued == 8  # room for 2 batches of 4
    coord.depths["reenrich"] = 10
    assert run(store, coord, enq, max_queue_depth=10).skipped == "reenrich queue full (10 batches)"


def test_single_flight_skips_a_concurrent_run() -> None:
    store, coord, enq = InMemoryStore(), FakeCoordinator(), Enqueued()
    seed(store, 5)
    with coord.single_flight("reenrich", 60) as mine:
        assert mine
        r = run(store, coord, enq)
    assert r.skipped == "another run holds the lock" and enq.ids == []


def test_from_version_filter() -> None:
    store, coord, enq = InMemoryStore(), FakeCoordinator(), Enqueued()
    seed(store, 3, version="v0")
    more = [posting(f"q{i}", f"other {i}") for i in range(2)]
    store.write_batch(
        more,
        [JobEnrichment(p.posting_id, p.content_hash, "v1", {}, (), (), T0, 1.0) for p in more],
        [],
    )
    r = run(store, coord, enq, from_version="v1")
    assert r.enqueued == 2 and sorted(enq.ids) == ["q0", "q1"]


@pytest.mark.parametrize("cap", [1, 4, 7])
def test_repeated_runs_drain_everything_exactly_once(cap: int) -> None:
    store, coord, enq = InMemoryStore(), FakeCoordinator(), Enqueued()
    seed(store, 9)
    while len(enq.ids) < 9:
        run(store, coord, enq, cap=cap)
    assert sorted(enq.ids) == [f"p{i:02d}" for i in range(9)]


def land(store: InMemoryStore, ids: Sequence[str], version: str, at: str = T1) -> None:
    """What the persister does for a re-enriched batch: the posting's latest row is `version`."""
    ps = [p for (pid, _), p in store.postings.items() if pid in set(ids)]
    store.write_batch(
        [],
        [JobEnrichment(p.posting_id, p.content_hash, version, {}, (), (), at, 1.0) for p in ps],
        [],
    )


def test_a_run_passes_over_postings_still_in_flight_after_a_wrap() -> None:
    """The trial's rollback: the CLI enqueued all 212, 32 landed, and beat's next run queued the
    other 180 a second time (the cursor had wrapped). Now it passes over them."""
    store, coord, enq = InMemoryStore(), FakeCoordinator(), Enqueued()
    seed(store, 212)
    first = run(store, coord, enq, cap=2000, batch_size=32)
    assert (first.enqueued, first.batches, first.cursor) == (212, 7, None)
    land(store, enq.ids[:32], "v2")
    again = run(store, coord, enq, cap=2000, batch_size=32)
    assert (again.enqueued, again.in_flight, again.backlog_before) == (0, 180, 180)
    assert set(again.in_flight_ids) == set(enq.ids[32:])
    assert sorted(enq.ids) == sorted(set(enq.ids))  # nothing enqueued twice


def test_a_batch_that_died_is_enqueued_again_once_its_marks_expire() -> None:
    store, coord, enq = InMemoryStore(), FakeCoordinator(), Enqueued()
    seed(store, 6)
    run(store, coord, enq, in_flight_ttl_s=100)
    coord.now = 99.0
    assert run(store, coord, enq, in_flight_ttl_s=100).enqueued == 0
    coord.now = 100.0  # the batch never landed: its postings are eligible again
    r = run(store, coord, enq, in_flight_ttl_s=100)
    assert r.enqueued == 6 and enq.ids == [f"p{i:02d}" for i in range(6)] * 2


def test_in_flight_marks_are_per_target_version() -> None:
    store, coord, enq = InMemoryStore(), FakeCoordinator(), Enqueued()
    seed(store, 5)
    run(store, coord, enq, current_version="v2")
    assert run(store, coord, enq, current_version="v3").enqueued == 5  # a new rollout: at once


def test_an_enqueue_failure_unmarks_what_it_did_not_enqueue() -> None:
    store, coord, enq = InMemoryStore(), FakeCoordinator(), Enqueued()
    seed(store, 10)

    def broker_down_after_one(ps: Sequence[Posting], scope: str) -> None:
        if enq.batches:
            raise ConnectionError("broker down")
        enq(ps, scope)

    with pytest.raises(ConnectionError):
        run(store, coord, broker_down_after_one)
    assert enq.ids == ["p00", "p01", "p02", "p03"]
    r = run(store, coord, enq)
    assert r.enqueued == 6 and enq.ids[4:] == [f"p{i:02d}" for i in range(4, 10)]


def test_passing_over_in_flight_postings_reads_a_bounded_number_of_pages() -> None:
    store, coord, enq = InMemoryStore(), FakeCoordinator(), Enqueued()
    seed(store, 90)
    coord.claim_in_flight("reenrich:v2", [f"p{i:02d}" for i in range(85)], 60)  # another run's
    r = run(store, coord, enq, cap=2)
    assert r.enqueued == 0 and r.in_flight == 32 and r.cursor == "p31"  # 16 pages of 2
    r = run(store, coord, enq, cap=2)
    assert (r.in_flight, r.cursor) == (32, "p63")
    r = run(store, coord, enq, cap=10)
    assert enq.ids == ["p85", "p86", "p87", "p88", "p89"]  # then wraps, still 16 pages at most
    assert (r.in_flight, r.cursor) == (21 + 60, "p59")
