"""The reconciler: find accepted postings the broker lost, enqueue them again, give up on record.

The bridge writes every posting it accepts into the intake ledger before it acks the source
(domain.ports.IntakeLedger). A posting is *accounted for* once its content has an enrichment row
(any version: moving rows to the current version is the drift job's work) or a failure/rejection
row. One that is not, `grace_s` after it was accepted (or after its last re-enqueue), was lost in
transit — a message popped by a worker that died before kombu registered it as unacked, a
deleted key, a crash between stages — and is enqueued again, at most `max_attempts` times. After
the last attempt it gets a failure row (stage `intake`, reason `lost_in_transit`) next to its raw
text, so it is never re-enqueued in a loop and `enrich-ops replay-failures` can still run it.

Exactly one reconciler runs at a time (a single-flight lock). Re-enqueueing is harmless when the
posting was only slow, not lost: every warehouse write is keyed by posting, content and version.
Ages are measured on the warehouse's clock, never on the reconciler's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from domain.models import Posting, Rejection
from domain.ports import Coordinator, EnrichmentStore, IntakeEntry, IntakeLedger
from domain.recovery import unique_id_batches

log = logging.getLogger(__name__)

LOCK = "reconcile-intake"
STAGE = "intake"
REASON = "lost_in_transit"


@dataclass(frozen=True, slots=True)
class ReconcileRequest:
    grace_s: float  # seconds an accepted posting may be in flight before it counts as lost
    max_attempts: int  # re-enqueues before the lost_in_transit failure row
    batch_size: int
    limit: int  # ledger entries handled per run at most
    max_queue_depth: int  # batches queued in the chain above which a run waits


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    found: int  # unaccounted entries past the grace period
    reenqueued: int  # postings enqueued again this run
    lost_in_transit: int  # failure rows written this run
    batches: int
    skipped: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "found": self.found,
            "reenqueued": self.reenqueued,
            "lost_in_transit": self.lost_in_transit,
            "batches": self.batches,
            "skipped": self.skipped,
        }


def lost_in_transit(entry: IntakeEntry, now: str) -> Rejection:
    """The failure row of a posting the reconciler gives up on (no posting text in it)."""
    p = entry.posting
    return Rejection(
        rejection_id=f"{STAGE}:{p.posting_id}:{p.content_hash}",
        stage=STAGE,
        reason=REASON,
        detail=f"not enriched after {entry.attempts} re-enqueues (accepted {entry.accepted_at}, "
        f"{entry.source_ref[:120]})",
        source=p.source,
        rejected_at=now,
        posting_id=p.posting_id,
        content_hash=p.content_hash,
    )


def reconcile_intake(
    req: ReconcileRequest,
    ledger: IntakeLedger,
    store: EnrichmentStore,
    coordinator: Coordinator,
    enqueue: Callable[[Sequence[Posting]], None],
    queues: Sequence[str],
    lock_ttl_s: float,
    now: str,
) -> ReconcileReport:
    """One reconciler run, single-flight. `now` (ISO 8601) only stamps the failure rows; which
    posting is old enough is decided by the ledger on the warehouse's clock.

    The run waits while more than `req.max_queue_depth` batches wait in `queues` (the chain's
    queues, persist included). A posting waiting there is slow, not lost: with the warehouse or
    the persister stalled, counting the enrich queue alone re-enqueued postings that sat in the
    persist queue (the stalled-persister fault scenario grew to 51 batches past a bridge limit
    of 16). Messages held unacked are not counted: a dead worker's stay there until the
    visibility timeout (lifecycle ones too), and the reconciler must not wait on them.

    Each batch is marked as attempted *before* it is enqueued, so attempts stay bounded even when
    an enqueue fails. A warehouse or broker error propagates (TransientError): nothing was lost,
    the ledger still holds every entry, and the next run picks them up again.
    """
    with coordinator.single_flight(LOCK, lock_ttl_s) as mine:
        if not mine:
            return ReconcileReport(0, 0, 0, 0, "another run holds the lock")
        depth = sum(coordinator.queue_depth(q) for q in queues)
        if depth > req.max_queue_depth:
            # a backlog, not a loss: postings waiting in the queues would be enqueued twice
            return ReconcileReport(0, 0, 0, 0, f"the chain's queues hold {depth} batches")
        entries = ledger.unaccounted_intake(req.grace_s, req.limit)
        exhausted = [e for e in entries if e.attempts >= req.max_attempts]
        retry = [e.posting for e in entries if e.attempts < req.max_attempts]
        if exhausted:
            store.write_batch(
                [e.posting for e in exhausted], (), [lost_in_transit(e, now) for e in exhausted]
            )
            log.error("reconciler: %d postings recorded as %s/%s after %d attempts",
                      len(exhausted), STAGE, REASON, req.max_attempts)  # fmt: skip
        batches = 0
        for chunk in unique_id_batches(retry, req.batch_size):
            ledger.mark_reenqueued([(p.posting_id, p.content_hash) for p in chunk])
            enqueue(chunk)
            batches += 1
        if entries:
            log.warning("reconciler: %d accepted postings unaccounted after %.0fs: %d re-enqueued "
                        "in %d batches, %d given up", len(entries), req.grace_s, len(retry),
                        batches, len(exhausted))  # fmt: skip
        return ReconcileReport(len(entries), len(retry), len(exhausted), batches)
