"""Persist a batch so nothing is lost: a permanent store error is isolated to the posting that
caused it, which is then recorded as a persist failure instead of sinking its batch."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from domain.errors import PermanentError
from domain.models import EnrichedBatch, Rejection
from domain.pipeline import utc_now
from domain.ports import EnrichmentStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PersistReport:
    postings: int
    enrichments: int
    failures: int
    isolated: int = 0  # postings that could not be written and were recorded as failures
    isolated_ids: tuple[str, ...] = ()  # their posting ids (no enrichment of theirs was written)

    def to_dict(self) -> dict[str, int]:
        return {
            "postings": self.postings,
            "enrichments": self.enrichments,
            "failures": self.failures,
            "isolated": self.isolated,
        }


def persist(store: EnrichmentStore, batch: EnrichedBatch) -> PersistReport:
    """Write the batch in one call; on a PermanentError, posting by posting.

    TransientError propagates (the task retries the whole, idempotent batch).
    """
    try:
        counts = store.write_batch(batch.postings, batch.enrichments, batch.failures)
        return PersistReport(*counts)
    except PermanentError as exc:
        log.error("batch of %d rejected by the store (%s); isolating", len(batch.postings), exc)
    totals = [0, 0, 0]
    isolated = 0
    isolated_ids: list[str] = []
    for p in batch.postings:
        mine = (
            (p,),
            tuple(e for e in batch.enrichments if e.posting_id == p.posting_id),
            tuple(f for f in batch.failures if f.posting_id == p.posting_id),
        )
        try:
            counts = store.write_batch(*mine)
        except PermanentError as exc:
            isolated += 1
            isolated_ids.append(p.posting_id)
            failure = Rejection(
                rejection_id=f"persist:{p.posting_id}:{p.content_hash}",
                stage="persist",
                reason="store_rejected",
                detail=f"{type(exc).__name__}: {str(exc)[:300]}",
                source=p.source,
                rejected_at=utc_now(),
                posting_id=p.posting_id,
                content_hash=p.content_hash,
            )
            counts = store.write_batch((), (), (failure,))  # raises if even this is refused
            log.error("posting %s could not be stored; recorded as a persist failure", p.posting_id)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    orphans = tuple(f for f in batch.failures if f.posting_id is None)
    if orphans:
        totals[2] += store.write_batch((), (), orphans)[2]
    return PersistReport(totals[0], totals[1], totals[2], isolated, tuple(isolated_ids))
