"""Backpressure: a bridge stops reading while the fleet holds more batches than allowed, and
resumes once the backlog has drained below the resume mark (worker/bridge.py)."""

from __future__ import annotations

from itertools import pairwise

from tests.fakes import FakeCoordinator, ListSource
from tests.unit.test_bridge import Collector, line, make
from worker.bridge import queued_batches


class Fleet:
    """Batches the bridge enqueued, drained one per poll the bridge sleeps through."""

    def __init__(self, col: Collector, drained_per_poll: int = 1) -> None:
        self.col = col
        self.drained = 0
        self.per_poll = drained_per_poll
        self.polls = 0
        self.seen_at_enqueue: list[int] = []
        self.offline = 0  # polls that raise, as a broker blip would

    def backlog(self) -> int:
        if self.offline:
            self.offline -= 1
            raise ConnectionError("broker blip")
        return len(self.col.batches) - self.drained

    def sleep(self, _s: float) -> None:
        self.polls += 1
        self.drained = min(self.drained + self.per_poll, len(self.col.batches))

    def enqueue(self, ps) -> None:  # type: ignore[no-untyped-def]
        self.seen_at_enqueue.append(self.backlog())
        self.col.postings(ps)


def test_file_bridge_waits_above_the_limit_and_resumes_below_the_mark() -> None:
    src = ListSource([line(f"p{i}") for i in range(40)])
    col = Collector()
    fleet = Fleet(col)
    bridge = make(src, col, batch_size=2, max_wait_s=10, backlog=fleet.backlog,
                  max_queued_batches=4, resume_fraction=0.5, sleep=fleet.sleep)  # fmt: skip
    bridge.enqueue_postings = fleet.enqueue
    stats = bridge.run()
    assert stats.enqueued == 40 and len(src.acked) == 40  # nothing dropped, all in order
    assert [b for batch in col.batches for b in batch] == [f"p{i}" for i in range(40)]
    assert max(fleet.seen_at_enqueue) <= 4, "never enqueued above the limit"
    assert fleet.polls > 0
    # after each pause it resumed only at or below the resume mark (2 of 4)
    resumed = [n for prev, n in pairwise(fleet.seen_at_enqueue) if n < prev]
    assert resumed and max(resumed) <= 2


def test_no_limit_means_no_wait() -> None:
    src = ListSource([line(f"p{i}") for i in range(20)])
    col = Collector()
    fleet = Fleet(col)
    make(src, col, batch_size=2, backlog=fleet.backlog, max_queued_batches=0,
         sleep=fleet.sleep).run()  # fmt: skip
    assert len(col.batches) == 10 and fleet.polls == 0


def test_a_backlog_that_cannot_be_read_does_not_stop_the_bridge() -> None:
    src = ListSource([line(f"p{i}") for i in range(6)])
    col = Collector()
    fleet = Fleet(col)
    fleet.offline = 10**6
    stats = make(src, col, batch_size=2, backlog=fleet.backlog, max_queued_batches=1,
                 sleep=fleet.sleep).run()  # fmt: skip
    assert stats.enqueued == 6  # the enqueue itself decides what a broker outage means


def test_queued_batches_counts_waiting_and_held_messages() -> None:
    coord = FakeCoordinator()
    coord.depths = {"enrich": 5, "persist": 7, "lifecycle": 100}
    coord.held = [1.0, 2.0]
    assert queued_batches(coord, ("enrich", "reenrich", "persist")) == 14
