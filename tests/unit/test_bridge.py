import json
import threading
from collections.abc import Iterator, Sequence

import pytest

from domain.models import Posting, Rejection
from domain.ports import RawMessage
from tests.fakes import ListSource
from worker.bridge import Bridge, BridgeError, BridgeStats


def line(pid: str, text: str = "Python") -> bytes:
    return json.dumps({"posting_id": pid, "text": text}).encode()


class Collector:
    def __init__(self, fail_after: int | None = None, outage: int = 10**9) -> None:
        self.batches: list[list[str]] = []
        self.rejections: list[Rejection] = []
        self.fail_after = fail_after
        self.outage = outage  # refused calls before the broker comes back
        self.refused = 0

    def postings(self, ps: Sequence[Posting]) -> None:
        failing = self.fail_after is not None and len(self.batches) >= self.fail_after
        if failing and self.refused < self.outage:
            self.refused += 1
            raise ConnectionError("broker down")
        self.batches.append([p.posting_id for p in ps])

    def rejected(self, rs: Sequence[Rejection]) -> None:
        self.rejections.extend(rs)


def make(source, col: Collector, **kw) -> Bridge:
    return Bridge(source, col.postings, col.rejected, **kw)


def test_batches_by_size_and_acks_everything() -> None:
    src = ListSource([line(f"p{i}") for i in range(7)])
    col = Collector()
    stats = make(src, col, batch_size=3, max_wait_s=10).run()
    assert col.batches == [["p0", "p1", "p2"], ["p3", "p4", "p5"], ["p6"]]
    assert (stats.received, stats.enqueued, stats.batches) == (7, 7, 3)
    assert len(src.acked) == 7 and not src.nacked


def test_invalid_messages_become_rejections_and_are_acked() -> None:
    src = ListSource([line("a"), b"{broken", b'{"posting_id": "b"}'])
    col = Collector()
    stats = make(src, col, batch_size=10).run()
    assert col.batches == [["a"]]
    assert sorted(r.reason for r in col.rejections) == ["invalid_json", "missing_field"]
    assert stats.rejected == 2 and len(src.acked) == 3


def test_file_bridge_holds_a_refused_batch_until_the_broker_is_back() -> None:
    src = ListSource([line(f"p{i}") for i in range(6)])
    col = Collector(fail_after=1, outage=4)
    pauses: list[float] = []
    stats = make(src, col, batch_size=2, max_wait_s=10, retry_pause_s=1, sleep=pauses.append).run()
    assert col.batches == [["p0", "p1"], ["p2", "p3"], ["p4", "p5"]]  # nothing dropped, in order
    assert pauses == [1, 2, 4, 8] and stats.waits == 4
    assert len(src.acked) == 6 and not src.nacked


def test_streaming_bridge_nacks_a_refused_batch_and_carries_on() -> None:
    src = ListSource([line(f"p{i}") for i in range(4)])
    col = Collector(fail_after=1, outage=1)
    stats = make(src, col, batch_size=2, max_wait_s=10, wait_for_broker=False,
                 sleep=lambda _: None).run()  # fmt: skip
    assert src.acked == ["msg 0", "msg 1"]
    assert src.nacked == ["msg 2", "msg 3"] and stats.nacked == 2
    assert col.batches == [["p0", "p1"]]


def test_a_repeated_posting_id_starts_a_new_batch() -> None:
    src = ListSource([line("a"), line("b"), line("a", "Java"), line("c")])
    col = Collector()
    stats = make(src, col, batch_size=10, max_wait_s=10).run()
    assert col.batches == [["a", "b"], ["a", "c"]]
    assert stats.batches == 2 and stats.enqueued == 4


class SlowSource(ListSource):
    """Holds its second message back until `release` is set (or 60 s pass): a slow producer
    whose pace does not depend on how busy the machine is."""

    def __init__(self, payloads: list[bytes]) -> None:
        super().__init__(payloads)
        self.release = threading.Event()

    def messages(self) -> Iterator[RawMessage]:
        for i, p in enumerate(self.payloads):
            if i == 1:
                self.release.wait(60)
            yield RawMessage(p, f"msg {i}", self.source)


def test_partial_batch_flushes_after_max_wait() -> None:
    col = Collector()
    flushed_at: list[int] = []
    src = SlowSource([line("a"), line("b")])
    bridge = make(src, col, batch_size=100, max_wait_s=0.1)

    def progress(s: BridgeStats) -> None:
        flushed_at.append(s.received)
        src.release.set()  # "b" comes only once "a" was flushed on its own

    bridge.progress = progress
    bridge.run()
    assert col.batches == [["a"], ["b"]]  # "a" did not wait for the slow second message
    assert flushed_at == [1, 2]


def test_source_failure_is_reported() -> None:
    class Broken(ListSource):
        def messages(self) -> Iterator[RawMessage]:
            yield RawMessage(line("a"), "msg 0", "t")
            raise OSError("disk gone")

    col = Collector()
    with pytest.raises(BridgeError, match="disk gone"):
        make(Broken([]), col).run()
    assert col.batches == [["a"]]


def test_a_store_error_while_enqueueing_ends_the_bridge_and_is_not_a_broker_refusal() -> None:
    from domain.errors import StoreUnusable

    def refuse(_ps: Sequence[Posting]) -> None:
        raise StoreUnusable("warehouse /x/enrichment.duckdb is truncated")

    src = ListSource([line("a"), line("b")])
    pauses: list[float] = []
    bridge = Bridge(src, refuse, Collector().rejected, batch_size=2, sleep=pauses.append)
    with pytest.raises(StoreUnusable, match="truncated"):
        bridge.run()
    assert pauses == [] and src.acked == [] and src.nacked == []


def test_a_file_bridge_gives_up_on_a_refusing_broker_at_its_deadline() -> None:
    src = ListSource([line(f"p{i}") for i in range(4)])
    col = Collector(fail_after=1, outage=10**6)
    pauses: list[float] = []
    bridge = make(src, col, batch_size=2, max_wait_s=10, retry_pause_s=1, sleep=pauses.append,
                  clock=lambda: 100.0 + sum(pauses))  # fmt: skip
    bridge.deadline = 100.0 + 3.5  # room for the pauses of 1 and 2 s, not for 4
    with pytest.raises(BridgeError, match="still unable to record or enqueue after the timeout"):
        bridge.run()
    assert pauses == [1, 2] and col.batches == [["p0", "p1"]]
    assert src.acked == ["msg 0", "msg 1"]  # the refused batch was never acked


def test_intake_stamps_increase_strictly_when_the_clock_stalls_or_goes_back() -> None:
    from datetime import UTC, datetime

    from worker.bridge import IntakeStamps

    ticks = iter([datetime(2026, 11, 30, 21, 44, 35, tzinfo=UTC)] * 2
                 + [datetime(2026, 11, 30, 21, 44, 34, tzinfo=UTC),
                    datetime(2026, 11, 30, 21, 44, 36, tzinfo=UTC)])  # fmt: skip
    stamp = IntakeStamps(now=lambda: next(ticks))
    assert [stamp() for _ in range(4)] == [
        "2026-11-30T21:44:35.000000+00:00",
        "2026-11-30T21:44:35.000001+00:00",  # same clock reading: one microsecond later
        "2026-11-30T21:44:35.000002+00:00",  # clock stepped back: still later
        "2026-11-30T21:44:36.000000+00:00",
    ]


def test_a_repeated_id_is_stamped_later_and_counted_once() -> None:
    from datetime import datetime

    sent: list[Posting] = []
    src = ListSource([line("a", "Python (OLD)"), line("b"), line("a", "Java (NEW)")])
    stats = Bridge(src, sent.extend, lambda rs: None, batch_size=10).run()
    old, new = (p for p in sent if p.posting_id == "a")  # the repeated id: a later batch
    assert (old.text, new.text) == ("Python (OLD)", "Java (NEW)")
    assert old.received_at and new.received_at
    assert datetime.fromisoformat(new.received_at) > datetime.fromisoformat(old.received_at)
    assert all(p.received_at for p in sent)
    assert (stats.enqueued, stats.distinct, stats.repeated) == (3, 2, 1)
