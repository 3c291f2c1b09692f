"""Bridge: source -> validate -> enqueue batch chains; ack only after the enqueue succeeded."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from domain.errors import PermanentError
from domain.models import Posting, Rejection
from domain.pipeline import utc_now
from domain.ports import Coordinator, PostingSource, RawMessage
from domain.recovery import unique_id_batches
from domain.validation import ValidationPolicy, validate

log = logging.getLogger(__name__)

EnqueuePostings = Callable[[Sequence[Posting]], None]
EnqueueRejections = Callable[[Sequence[Rejection]], None]
# Writes accepted postings (and where each came from) to the intake ledger, durably; raises
# when it cannot (IntakeLedger.record_intake).
RecordIntake = Callable[[Sequence[Posting], Sequence[str]], object]
_END = object()


class BridgeError(RuntimeError):
    """The source failed; nothing it delivered was acked without being enqueued."""


@dataclass
class IntakeStamps:
    """The intake stamp of each accepted posting (Posting.received_at): UTC ISO 8601 with
    microseconds, strictly increasing within one process (max(now, last + 1 µs)), so of two
    contents of one posting_id read in order the second is the later, whatever the clock does.
    `now` is injectable for tests."""

    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    last: datetime | None = None

    def __call__(self) -> str:
        t = self.now().astimezone(UTC)
        if self.last is not None and t <= self.last:
            t = self.last + timedelta(microseconds=1)
        self.last = t
        return t.isoformat(timespec="microseconds")


@dataclass
class BridgeStats:
    received: int = 0
    enqueued: int = 0
    rejected: int = 0
    batches: int = 0
    nacked: int = 0
    waits: int = 0  # times a batch was held because the broker refused it
    paused_s: float = 0.0  # time spent waiting for the queues to drain (backpressure)
    posting_ids: list[str] = field(default_factory=list)
    rejected_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def distinct(self) -> int:
        """Distinct posting ids enqueued (a repeated id is one posting: its last line is latest)."""
        return len(set(self.posting_ids))

    @property
    def repeated(self) -> int:
        """Postings enqueued whose id an earlier one had (`enqueued` - `distinct`)."""
        return len(self.posting_ids) - self.distinct


@dataclass
class Bridge:
    source: PostingSource
    enqueue_postings: EnqueuePostings
    enqueue_rejections: EnqueueRejections
    batch_size: int = 32
    max_wait_s: float = 2.0
    policy: ValidationPolicy = field(default_factory=ValidationPolicy)
    progress: Callable[[BridgeStats], None] | None = None
    # When the broker refuses a batch: a file/stdin source holds it and tries again (backoff up
    # to retry_pause_max_s) until the broker is back, so nothing read is ever dropped; a
    # streaming source (Pub/Sub) nacks it (redelivered later) and pauses.
    wait_for_broker: bool = True
    retry_pause_s: float = 5.0
    retry_pause_max_s: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    # The intake ledger: written before the enqueue, so before the ack; a refused write is
    # handled like a refused enqueue (held or nacked). None: no ledger (tests of the bridge alone).
    record_intake: RecordIntake | None = None
    # clock() time after which a refused batch is not tried again (BridgeError); None: wait
    deadline: float | None = None
    clock: Callable[[], float] = time.monotonic
    # Backpressure: `backlog()` says how many batches the fleet holds (queued + unacked). Above
    # max_queued_batches the bridge stops reading (a file stays unread; on Pub/Sub the
    # subscriber's flow control stops leasing once max_outstanding messages are held) until
    # the backlog is at most resume_fraction of it. 0 or no backlog: no limit.
    backlog: Callable[[], int] | None = None
    max_queued_batches: int = 0
    resume_fraction: float = 0.75
    backpressure_poll_s: float = 1.0
    # stamps each accepted posting's received_at: the order postings entered decides which
    # content of a repeated posting_id is its latest (adapters' posting_state)
    stamp: IntakeStamps = field(default_factory=IntakeStamps)

    def run(self) -> BridgeStats:
        """Drain the source. Batches flush when full or `max_wait_s` after their first message."""
        stats = BridgeStats()
        t0 = time.perf_counter()
        inbox: queue.Queue[object] = queue.Queue(maxsize=self.batch_size * 4)  # flow control
        reader_error: list[BaseException] = []

        def read() -> None:
            try:
                for msg in self.source.messages():
                    inbox.put(msg)
            except BaseException as exc:  # surfaced in the main thread
                reader_error.append(exc)
            finally:
                inbox.put(_END)

        threading.Thread(target=read, name="bridge-reader", daemon=True).start()
        msgs: list[RawMessage] = []
        postings: list[Posting] = []
        rejections: list[Rejection] = []
        refs: list[str] = []  # refs[i]: where postings[i] came from
        deadline: float | None = None
        done = False
        while not done:
            timeout = None if deadline is None else max(deadline - time.monotonic(), 0)
            try:
                item = inbox.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is _END:
                done = True
            elif isinstance(item, RawMessage):
                stats.received += 1
                msgs.append(item)
                result = validate(
                    item.payload,
                    source=item.source,
                    ref=item.ref,
                    now=utc_now(),
                    policy=self.policy,
                    size=item.size,
                )
                if isinstance(result, Posting):
                    postings.append(replace(result, received_at=self.stamp()))
                    refs.append(f"{item.source}:{item.ref}")
                else:
                    rejections.append(result)
                deadline = deadline or time.monotonic() + self.max_wait_s
            full = len(postings) >= self.batch_size
            expired = deadline is not None and time.monotonic() >= deadline
            if msgs and (full or expired or done):
                self._flush(msgs, postings, rejections, stats, refs)
                msgs, postings, rejections, refs, deadline = [], [], [], [], None
        if reader_error:
            raise BridgeError(f"source failed: {reader_error[0]!r}") from reader_error[0]
        stats.seconds = time.perf_counter() - t0
        return stats

    def _flush(
        self,
        msgs: list[RawMessage],
        postings: list[Posting],
        rejections: list[Rejection],
        stats: BridgeStats,
        refs: Sequence[str] = (),
    ) -> None:
        # (is a posting batch, enqueue it); done ones are popped, so a retry resends only the rest
        todo: list[tuple[bool, Callable[[], object]]] = [
            (True, lambda b=b: self.enqueue_postings(b))  # type: ignore[misc]
            for b in unique_id_batches(postings, self.batch_size)
        ]
        if postings and self.record_intake is not None:
            # first: once enqueued, a batch may be lost by the broker; once in the ledger, the
            # reconciler finds it whatever the broker does
            record = self.record_intake
            todo.insert(0, (False, lambda: record(postings, refs)))
        if rejections:
            todo.append((False, lambda: self.enqueue_rejections(rejections)))
        if postings:
            self._wait_for_room(stats)
        pause = self.retry_pause_s
        while todo:
            try:
                todo[0][1]()
            except PermanentError:
                raise  # the warehouse or config is unusable (not the broker): waiting won't help
            except Exception as exc:
                if self.deadline is not None and self.clock() + pause > self.deadline:
                    raise BridgeError(
                        f"still unable to record or enqueue after the timeout ({_brief(exc)}); "
                        f"{stats.enqueued} postings enqueued, the rest not: re-run the same input "
                        "(idempotent) once the broker is back"
                    ) from exc
                if not self.wait_for_broker:
                    self.source.nack(msgs)  # Pub/Sub redelivers them; enqueued parts are idempotent
                    stats.nacked += len(msgs)
                    log.error("enqueue failed, %d messages nacked for redelivery: %s",
                              len(msgs), _brief(exc))  # fmt: skip
                    self.sleep(self.retry_pause_s)
                    return
                # the cause as raised (the dispatcher says "broker refused", the ledger names the
                # warehouse), not assumed to be the broker
                log.error("could not record or enqueue a batch (%s); %d postings held, trying "
                          "again in %.0fs%s", _brief(exc), len(postings), pause,
                          _fleet_hint(exc) if stats.waits == 0 else "")  # fmt: skip
                stats.waits += 1
                self.sleep(pause)
                pause = min(pause * 2, self.retry_pause_max_s)
                continue
            stats.batches += todo.pop(0)[0]
        self.source.ack(msgs)
        stats.enqueued += len(postings)
        stats.rejected += len(rejections)
        stats.posting_ids.extend(p.posting_id for p in postings)
        stats.rejected_ids.extend(r.rejection_id for r in rejections)
        for r in rejections:
            # no posting_id (broken JSON, a list): said in words, "-" also reads as stdin
            log.warning(
                "rejected %s: %s (%s)", r.posting_id or "(no posting_id)", r.reason, r.detail
            )
        if self.progress:
            self.progress(stats)

    def _wait_for_room(self, stats: BridgeStats) -> None:
        """Block while the fleet holds more than max_queued_batches batches (see `backlog`)."""
        if self.backlog is None or self.max_queued_batches <= 0:
            return
        held = self._backlog()
        if held is None or held <= self.max_queued_batches:
            return
        resume = int(self.max_queued_batches * self.resume_fraction)
        log.warning("backpressure: %d batches queued or held (max %d), reading paused until "
                    "%d or fewer", held, self.max_queued_batches, resume)  # fmt: skip
        t0 = time.monotonic()
        while held is None or held > resume:
            self.sleep(self.backpressure_poll_s)
            held = self._backlog()
        waited = time.monotonic() - t0
        stats.paused_s += waited
        log.warning("backpressure released: %d batches queued, reading again after %.0fs",
                    held, waited)  # fmt: skip

    def _backlog(self) -> int | None:
        try:
            return self.backlog() if self.backlog is not None else 0
        except Exception as exc:  # a broker outage is handled by the enqueue that follows
            log.warning("cannot read the queue backlog (%s)", _brief(exc))
            return None


def queued_batches(coordinator: Coordinator, queues: Sequence[str]) -> int:
    """Batches the fleet holds: messages waiting in `queues` plus every message held unacked."""
    return sum(coordinator.queue_depth(q) for q in queues) + coordinator.unacked()[0]


def _fleet_hint(exc: BaseException) -> str:
    """For the first refusal by the broker: where a newcomer's broker usually is."""
    from worker.errors import BROKER, classify

    got = classify(exc)
    return "; is the fleet running? (enrich fleet start)" if got and got[0] == BROKER else ""


def _brief(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"
