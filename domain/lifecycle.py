"""Lifecycle decisions: which drifted postings to re-enrich now, and evaluation runs over time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from domain.evaluation.run import GoldDataset, evaluate
from domain.models import EvaluationResult, Posting
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

    @property
    def cursor_name(self) -> str:
        return f"reenrich:{self.current_version}:{self.from_version or '*'}:{self.since or '*'}"


@dataclass(frozen=True, slots=True)
class ReenrichReport:
    enqueued: int
    batches: int
    backlog_before: int
    queue_depth: int
    cursor: str | None
    skipped: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "enqueued": self.enqueued,
            "batches": self.batches,
            "backlog_before": self.backlog_before,
            "queue_depth": self.queue_depth,
            "cursor": self.cursor,
            "skipped": self.skipped,
        }


def reenrich_drifted(
    req: ReenrichRequest,
    store: EnrichmentStore,
    coordinator: Coordinator,
    enqueue: Callable[[Sequence[Posting]], None],
    queue: str,
    lock_ttl_s: float,
) -> ReenrichReport:
    """Enqueue the next slice of drifted postings, single-flight, bounded by cap and queue depth.

    A cursor (last posting id enqueued) makes consecutive runs walk the backlog instead of
    re-enqueueing postings still in flight; at the end of the backlog it starts over, by which
    time earlier slices have landed and left the drift set.
    """
    with coordinator.single_flight("reenrich", lock_ttl_s) as mine:
        backlog = store.count_drifted(req.current_version, req.from_version, req.since)
        depth = coordinator.queue_depth(queue)
        if not mine:
            return ReenrichReport(0, 0, backlog, depth, None, "another run holds the lock")
        room = max(req.max_queue_depth - depth, 0) * req.batch_size
        cap = min(req.cap, room)
        if backlog == 0 or cap == 0:
            reason = "no drift" if backlog == 0 else f"reenrich queue full ({depth} batches)"
            return ReenrichReport(0, 0, backlog, depth, None, reason)
        cursor = coordinator.get_cursor(req.cursor_name)
        postings = store.drifted_postings(
            req.current_version, cap, cursor, req.from_version, req.since
        )
        if not postings and cursor:  # past the end: wrap around
            postings = store.drifted_postings(
                req.current_version, cap, None, req.from_version, req.since
            )
        batches = 0
        for i in range(0, len(postings), req.batch_size):
            enqueue(postings[i : i + req.batch_size])
            batches += 1
        new_cursor = postings[-1].posting_id if len(postings) == cap else None
        coordinator.set_cursor(req.cursor_name, new_cursor)
        log.info(
            "reenrich: enqueued %d postings in %d batches (backlog %d, queue depth %d, version %s)",
            len(postings), batches, backlog, depth, req.current_version,
        )  # fmt: skip
        return ReenrichReport(len(postings), batches, backlog, depth, new_cursor)


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
