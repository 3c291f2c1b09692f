"""Nothing lost: what a batch that cannot move on becomes, and how recorded failures are replayed.

A chain link that cannot finish (retries exhausted, time limit, next link unpublishable) records
its batch instead of dropping it: enrichments already computed are written as they are, every
other posting gets a failure row (stage, reason) next to its raw text, so `replay-failures` can
run it again. Replays are idempotent: rows are keyed by posting, content and version.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from domain.models import EnrichedBatch, Posting, Rejection
from domain.ports import EnrichmentStore, Spool

log = logging.getLogger(__name__)

# Stages whose failure rows name a posting that can be run again (validation rejections can't:
# the input itself was bad). "intake": the reconciler gave up on a posting lost in transit.
REPLAYABLE_STAGES = ("classify", "extract", "handoff", "persist", "intake")


def strand(batch: EnrichedBatch, stage: str, reason: str, detail: str, now: str) -> EnrichedBatch:
    """The batch as it must be recorded: a failure row for every posting that has neither an
    enrichment nor a failure yet. The detail must not quote posting text (callers pass types)."""
    settled = {e.posting_id for e in batch.enrichments} | {f.posting_id for f in batch.failures}
    added = tuple(
        Rejection(
            rejection_id=f"{stage}:{p.posting_id}:{p.content_hash}",
            stage=stage,
            reason=reason,
            detail=detail[:300],
            source=p.source,
            rejected_at=now,
            posting_id=p.posting_id,
            content_hash=p.content_hash,
        )
        for p in batch.postings
        if p.posting_id not in settled
    )
    return replace(batch, failures=batch.failures + added)


@dataclass(frozen=True, slots=True)
class ReplayReport:
    from_spool: int  # spooled items re-enqueued (then removed from the spool)
    postings: int  # failed postings re-enqueued from the warehouse
    batches: int

    def to_dict(self) -> dict[str, int]:
        return {"from_spool": self.from_spool, "postings": self.postings, "batches": self.batches}


def replay_failures(
    store: EnrichmentStore,
    spool: Spool,
    enqueue_postings: Callable[[Sequence[Posting]], None],
    enqueue_rejections: Callable[[Sequence[Rejection]], None],
    current_version: str,
    stages: Sequence[str] = REPLAYABLE_STAGES,
    batch_size: int = 32,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReplayReport:
    """Re-enqueue what failed: first the spool (its items leave it only once enqueued), then
    every posting with a failure row at `stages` and no enrichment at `current_version`.

    An enqueue error propagates: what was not enqueued stays recorded, so a rerun resumes.
    """
    spooled = 0
    for item in spool.items():
        if item.kind == "rejections":
            enqueue_rejections([Rejection.from_dict(r) for r in item.payload])
        elif item.kind == "batch":
            postings = EnrichedBatch.from_dict(item.payload).postings
            if item.stage not in stages or not postings:
                continue
            enqueue_postings(postings)
        else:  # "unreadable": a message that did not decode, kept for a human
            continue
        spool.remove(item.key)
        spooled += 1
    done = batches = 0
    cursor: str | None = None
    while limit is None or done < limit:
        take = batch_size if limit is None else min(batch_size, limit - done)
        page = store.failed_postings(current_version, stages, take, cursor)
        if not page:
            break
        # one id per batch: a batch carries one content per posting
        for chunk in unique_id_batches(page, batch_size):
            enqueue_postings(chunk)
            batches += 1
        done += len(page)
        cursor = page[-1].posting_id
        if progress:
            progress(done)
    return ReplayReport(spooled, done, batches)


def spooled_postings(spool: Spool) -> dict[str, str]:
    """posting_id -> "spool:<stage>/<reason>" for every posting held in the spool (recorded,
    waiting for replay-failures); rejections carry no posting and are left out."""
    held: dict[str, str] = {}
    for item in spool.items():
        if item.kind == "batch":
            for p in item.payload.get("postings", []):
                held[p["posting_id"]] = f"spool:{item.stage}/{item.reason}"
    return held


def unique_id_batches(postings: Sequence[Posting], size: int) -> list[list[Posting]]:
    """Split into batches of at most `size` in which no posting_id repeats (a batch keys its
    sections by posting id), keeping input order."""
    out: list[list[Posting]] = []
    cur: list[Posting] = []
    ids: set[str] = set()
    for p in postings:
        if len(cur) >= size or p.posting_id in ids:
            out.append(cur)
            cur, ids = [], set()
        cur.append(p)
        ids.add(p.posting_id)
    if cur:
        out.append(cur)
    return out


def split_batch(batch: EnrichedBatch, parts: int = 2) -> list[EnrichedBatch]:
    """The batch cut into up to `parts` batches of consecutive postings, each carrying the
    sections, enrichments and failures of its own postings (to isolate a poison posting)."""
    n = len(batch.postings)
    size = max(1, -(-n // parts))
    out = []
    for i in range(0, n, size):
        chunk = batch.postings[i : i + size]
        ids = {p.posting_id for p in chunk}
        out.append(
            replace(
                batch,
                postings=chunk,
                sections={k: v for k, v in batch.sections.items() if k in ids},
                enrichments=tuple(e for e in batch.enrichments if e.posting_id in ids),
                failures=tuple(f for f in batch.failures if f.posting_id in ids),
            )
        )
    return out
