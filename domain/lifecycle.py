"""Lifecycle decisions: which drifted postings to re-enrich now, and evaluation runs over time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from domain.errors import TransientError
from domain.evaluation.run import GoldDataset, evaluate
from domain.models import EnrichedBatch, EvaluationResult, Posting
from domain.pipeline import Pipeline
from domain.ports import Coordinator, EnrichmentStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReenrichRequest:
    current_version: str
    cap: int  # postings this run may enqueue at most
    batch_size: int
    max_queue_depth: int  # batches allowed to wait in the reenrich queue
    from_version: str | None = None
    since: str | None = None
    in_flight_ttl_s: float = 900.0  # how long an enqueued posting is not enqueued again

    @property
    def cursor_name(self) -> str:
        return f"reenrich:{self.current_version}:{self.from_version or '*'}:{self.since or '*'}"

    @property
    def in_flight_scope(self) -> str:
        """In-flight marks are per target version: a new rollout re-enqueues at once."""
        return f"reenrich:{self.current_version}"


@dataclass(frozen=True, slots=True)
class ReenrichReport:
    enqueued: int
    batches: int
    backlog_before: int
    queue_depth: int
    cursor: str | None
    skipped: str | None = None
    in_flight: int = 0  # drifted postings passed over: already enqueued for this version
    enqueued_ids: tuple[str, ...] = ()
    in_flight_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "enqueued": self.enqueued,
            "batches": self.batches,
            "backlog_before": self.backlog_before,
            "queue_depth": self.queue_depth,
            "cursor": self.cursor,
            "skipped": self.skipped,
            "in_flight": self.in_flight,
        }


LOCK_HELD = "another run holds the lock"
MAX_PAGES = 16  # drift pages one run reads at most while passing over in-flight postings


def reenrich_drifted(
    req: ReenrichRequest,
    store: EnrichmentStore,
    coordinator: Coordinator,
    enqueue: Callable[[Sequence[Posting], str], None],
    queue: str,
    lock_ttl_s: float,
) -> ReenrichReport:
    """Enqueue the next slice of drifted postings, single-flight, bounded by cap and queue depth.

    A cursor (last posting id read) makes consecutive runs walk the backlog; each posting
    enqueued is marked in flight for (`current_version`, posting id) for `in_flight_ttl_s`, and
    a run passes over postings marked so (the beat job and `enrich-ops reenrich` alike): at the
    end of the backlog the walk starts over without queueing again what is still queued.
    `enqueue(postings, in_flight_scope)` hands the scope to the batch, whose landing (a row at
    any version, a failure row, the spool) releases the marks (`release_landed`). A batch that
    dies without a word leaves its postings drifted; their mark expires and a later run
    re-enqueues them (nothing lost). Raises what `enqueue` raises, after un-marking what it did
    not enqueue.
    """
    with coordinator.single_flight("reenrich", lock_ttl_s) as mine:
        backlog = store.count_drifted(req.current_version, req.from_version, req.since)
        depth = coordinator.queue_depth(queue)
        if not mine:
            return ReenrichReport(0, 0, backlog, depth, None, LOCK_HELD)
        room = max(req.max_queue_depth - depth, 0) * req.batch_size
        cap = min(req.cap, room)
        if backlog == 0 or cap == 0:
            reason = "no drift" if backlog == 0 else f"reenrich queue full ({depth} batches)"
            return ReenrichReport(0, 0, backlog, depth, None, reason)
        postings, passed, new_cursor = _claim_slice(req, store, coordinator, cap, backlog)
        batches = 0
        try:
            for i in range(0, len(postings), req.batch_size):
                enqueue(postings[i : i + req.batch_size], req.in_flight_scope)
                batches += 1
        except Exception:
            left = [p.posting_id for p in postings[batches * req.batch_size :]]
            coordinator.release_in_flight(req.in_flight_scope, left)
            raise
        coordinator.set_cursor(req.cursor_name, new_cursor)
        log.info(
            "reenrich: enqueued %d postings in %d batches, passed over %d in flight "
            "(backlog %d, queue depth %d, version %s)",
            len(postings), batches, len(passed), backlog, depth, req.current_version,
        )  # fmt: skip
        return ReenrichReport(
            len(postings), batches, backlog, depth, new_cursor, None, len(passed),
            tuple(p.posting_id for p in postings), tuple(passed),
        )  # fmt: skip


def release_landed(coordinator: Coordinator, batch: EnrichedBatch) -> int:
    """Forget the drift job's in-flight marks of a batch that has landed: persisted (a row at
    whatever version the worker ran, failure rows included) or recorded as failed. A posting a
    worker re-ran at its old version before it noticed a switch is then drifted and unmarked, so
    the next run queues it again instead of after ENRICH_REENRICH_IN_FLIGHT_TTL_S. Returns the
    marks released (0 for a batch the drift job did not mark). Never raises TransientError: a
    mark that cannot be released expires by its TTL."""
    if batch.in_flight_scope is None or not batch.postings:
        return 0
    ids = [p.posting_id for p in batch.postings]
    try:
        coordinator.release_in_flight(batch.in_flight_scope, ids)
    except TransientError as exc:
        log.warning("in-flight marks of %d postings left to expire: %s", len(ids), exc)
        return 0
    return len(ids)


def _claim_slice(
    req: ReenrichRequest,
    store: EnrichmentStore,
    coordinator: Coordinator,
    cap: int,
    backlog: int,
) -> tuple[list[Posting], list[str], str | None]:
    """Up to `cap` drifted postings this call marked in flight, from the cursor on (wrapping
    once), the ids passed over as already in flight, and where the next run starts (None: at
    the beginning). Reads at most one pass over the backlog and MAX_PAGES pages."""
    start = coordinator.get_cursor(req.cursor_name)
    after, wrapped = start, start is None
    chosen: list[Posting] = []
    passed: list[str] = []
    scanned = pages = 0
    while len(chosen) < cap and scanned < backlog and pages < MAX_PAGES:
        page = store.drifted_postings(
            req.current_version, cap - len(chosen), after, req.from_version, req.since
        )
        pages += 1
        if not page:
            if wrapped:
                break
            after, wrapped = None, True  # past the end: start over
            continue
        scanned += len(page)
        after = page[-1].posting_id
        mine = coordinator.claim_in_flight(
            req.in_flight_scope, [p.posting_id for p in page], req.in_flight_ttl_s
        )
        chosen.extend(p for p in page if p.posting_id in mine)
        passed.extend(p.posting_id for p in page if p.posting_id not in mine)
    more = len(chosen) == cap or pages == MAX_PAGES
    return chosen, passed, (after if more else None)


def run_evaluations(
    pipeline: Pipeline,
    datasets: Sequence[GoldDataset],
    store: EnrichmentStore,
    now: str,
    tolerance: float,
) -> list[EvaluationResult]:
    """Evaluate on each dataset, compare with its previous result, store and flag regressions."""
    out = []
    for ds in datasets:
        previous = next(iter(store.evaluations(ds.name, limit=1)), None)
        result = evaluate(pipeline, ds, now, previous, tolerance)
        store.save_evaluation(result)
        if result.regressed:
            log.warning(
                "evaluation REGRESSED on %s (version %s vs %s): %s",
                ds.name, result.enrichment_version,
                previous.enrichment_version if previous else "-", "; ".join(result.regressions),
            )  # fmt: skip
        else:
            log.info(
                "evaluation on %s: version %s micro overlap F1 %.3f",
                ds.name, result.enrichment_version, result.f1(),
            )  # fmt: skip
        out.append(result)
    return out
