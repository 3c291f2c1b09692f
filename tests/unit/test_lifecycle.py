from collections.abc import Sequence

import pytest

from domain.lifecycle import ReenrichRequest, reenrich_drifted
from domain.models import JobEnrichment, Posting, Section
from tests.conftest import posting
from tests.fakes import FakeCoordinator, InMemoryStore

T0 = "2026-01-01T00:00:00.000+00:00"


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

    def __call__(self, ps: Sequence[Posting]) -> None:
        self.batches.append([p.posting_id for p in ps])

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
