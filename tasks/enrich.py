"""The enrichment chain: classify_sections | extract_skills | persist_enrichments, over batches."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

from celery import chain
from celery.canvas import Signature

from domain.errors import TransientError
from domain.models import EnrichedBatch, Posting, Rejection
from domain.persist import persist
from worker.app import app
from worker.bootstrap import services
from worker.settings import get_settings

log = logging.getLogger(__name__)

RETRY = {
    "autoretry_for": (TransientError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": get_settings().task_max_retries,
    "acks_late": True,
    # Return values carry posting text; keep it out of the worker log and Flower events.
    "resultrepr_maxsize": 0,
}


@app.task(name="enrich.classify_sections", **RETRY)
def classify_sections(batch: dict[str, Any]) -> dict[str, Any]:
    return services().pipeline.classify(EnrichedBatch.from_dict(batch)).to_dict()


@app.task(name="enrich.extract_skills", **RETRY)
def extract_skills(batch: dict[str, Any]) -> dict[str, Any]:
    out = services().pipeline.extract(EnrichedBatch.from_dict(batch))
    totals = batch_statistics(out)
    log.info(
        "extracted batch: postings=%d failures=%d skills=%d truncated=%d candidates=%s "
        "ambiguous kept=%d dropped=%d",
        len(out.enrichments), len(out.failures), totals["skills"], totals["truncated"],
        totals["candidates"], totals["ambiguous_kept"], totals["ambiguous_dropped"],
    )  # fmt: skip
    return out.to_dict()


def batch_statistics(batch: EnrichedBatch) -> dict[str, Any]:
    """Counts only (never text): skills, truncations, candidates per strategy, alias resolution."""
    candidates: Counter[str] = Counter()
    kept = dropped = 0
    for e in batch.enrichments:
        candidates.update(e.stats.get("candidates", {}))
        resolution = e.stats.get("alias_resolution", {})
        kept += int(resolution.get("ambiguous_kept", 0))
        dropped += int(resolution.get("ambiguous_dropped", 0))
    return {
        "skills": sum(len(e.skills) for e in batch.enrichments),
        "truncated": sum(e.truncated for e in batch.enrichments),
        "candidates": dict(sorted(candidates.items())),
        "ambiguous_kept": kept,
        "ambiguous_dropped": dropped,
    }


@app.task(name="enrich.persist_enrichments", **RETRY)
def persist_enrichments(batch: dict[str, Any]) -> dict[str, int]:
    b = EnrichedBatch.from_dict(batch)
    report = persist(services().store, b)
    log.info(
        "persisted batch: postings=%d enrichments=%d(+%d new) failures=%d(+%d new) isolated=%d",
        len(b.postings), len(b.enrichments), report.enrichments, len(b.failures), report.failures,
        report.isolated,
    )  # fmt: skip
    return report.to_dict()


@app.task(name="enrich.record_rejections", **RETRY)
def record_rejections(rejections: list[dict[str, Any]]) -> int:
    rows = [Rejection.from_dict(r) for r in rejections]
    return services().store.write_batch((), (), rows)[2]


def enrichment_chain(postings: Sequence[Posting], queue: str | None = None) -> Signature:
    """One batch through the three steps; each link carries the whole batch.

    `queue` moves the CPU-bound steps (e.g. re-enrichment on its own queue); persisting always
    goes to the persist queue, whose single consumer is the warehouse's one writer.
    """
    batch = EnrichedBatch(postings=tuple(postings)).to_dict()
    opts = {"queue": queue} if queue else {}
    return chain(
        classify_sections.s(batch).set(**opts),
        extract_skills.s().set(**opts),
        persist_enrichments.s(),
    )
