"""The enrichment chain over batches: classify_sections -> extract_skills -> persist_enrichments.

Each link hands its batch to the next one itself, *before* its own message is acked (see
tasks/links.py): a broker outage delays the handoff instead of losing the batch, and a batch that
cannot move on is recorded as failed, never dropped.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from celery import Task

from domain.events import publish_events
from domain.lifecycle import release_landed
from domain.models import EnrichedBatch, Posting, Rejection
from domain.persist import persist
from tasks.links import LINK_OPTIONS, run_link, run_rejections
from worker.app import app
from worker.bootstrap import Services, services

log = logging.getLogger(__name__)

CLASSIFY = "enrich.classify_sections"
EXTRACT = "enrich.extract_skills"
PERSIST = "enrich.persist_enrichments"
RECORD_REJECTIONS = "enrich.record_rejections"
# chain links whose deliveries the worker parent counts (tasks/links.py on_received)
LINK_STAGES = {CLASSIFY: "classify", EXTRACT: "extract", PERSIST: "persist"}


@app.task(name=CLASSIFY, **LINK_OPTIONS)
def classify_sections(
    self: Task, batch: dict[str, Any], queue: str | None = None
) -> dict[str, Any]:
    return run_link(self, "classify", batch, _classify, EXTRACT, queue)


@app.task(name=EXTRACT, **LINK_OPTIONS)
def extract_skills(self: Task, batch: dict[str, Any], queue: str | None = None) -> dict[str, Any]:
    return run_link(self, "extract", batch, _extract, PERSIST, None)


@app.task(name=PERSIST, **LINK_OPTIONS)
def persist_enrichments(
    self: Task, batch: dict[str, Any], queue: str | None = None
) -> dict[str, Any]:
    return run_link(self, "persist", batch, _persist, None, None)


@app.task(name=RECORD_REJECTIONS, **LINK_OPTIONS)
def record_rejections(
    self: Task, rejections: list[dict[str, Any]], queue: str | None = None
) -> int:
    return run_rejections(self, rejections)


def _classify(svc: Services, b: EnrichedBatch) -> EnrichedBatch:
    return svc.pipeline.classify(b)


def _extract(svc: Services, b: EnrichedBatch) -> EnrichedBatch:
    cpu0 = time.process_time()
    out = svc.pipeline.extract(b)
    cpu_ms = (time.process_time() - cpu0) * 1000  # CPU inside the domain call (bench/throughput)
    totals = batch_statistics(out)
    log.info(
        "extracted batch: postings=%d failures=%d skills=%d truncated=%d cpu_ms=%.0f "
        "candidates=%s ambiguous kept=%d dropped=%d",
        len(out.enrichments), len(out.failures), totals["skills"], totals["truncated"], cpu_ms,
        totals["candidates"], totals["ambiguous_kept"], totals["ambiguous_dropped"],
    )  # fmt: skip
    return out


def _persist(svc: Services, b: EnrichedBatch) -> EnrichedBatch:
    report = persist(svc.store, b)
    log.info(
        "persisted batch: postings=%d enrichments=%d(+%d new) failures=%d(+%d new) isolated=%d",
        len(b.postings), len(b.enrichments), report.enrichments, len(b.failures), report.failures,
        report.isolated,
    )  # fmt: skip
    if svc.settings.events_topic:  # after the write: an event names a persisted row
        _publish_events(svc, b, report.isolated_ids)
    release_landed(svc.coordinator, b)  # landed: drift may queue these postings again
    return b


def _publish_events(svc: Services, b: EnrichedBatch, isolated: tuple[str, ...]) -> None:
    """Never raises: whatever fails here (client construction, credentials, a bug), the batch
    is persisted and its rows stay due for the resend job."""
    try:
        publisher = svc.event_publisher
        if publisher is None:
            return
        written = [e for e in b.enrichments if e.posting_id not in isolated]
        events = publish_events(written, publisher, svc.event_marks, svc.settings.events_max_bytes)
        log.info("events: %s", events.to_dict())
    except Exception as exc:
        log.error("events not published (%s): the batch's rows stay due", type(exc).__name__)


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


def enqueue_batch(
    postings: Sequence[Posting], queue: str | None = None, in_flight_scope: str | None = None
) -> None:
    """Start one batch down the chain (raises TransientError when the broker refuses it).

    `queue` moves the CPU-bound links (e.g. re-enrichment on its own queue); persisting always
    goes to the persist queue, whose single consumer is the warehouse's one writer.
    `in_flight_scope`: the drift job's mark on these postings, released where the batch lands.
    """
    batch = EnrichedBatch(postings=tuple(postings), in_flight_scope=in_flight_scope).to_dict()
    services().dispatcher.send(CLASSIFY, batch, queue)


def enqueue_rejections(rejections: Sequence[Rejection]) -> None:
    services().dispatcher.send(RECORD_REJECTIONS, [r.to_dict() for r in rejections])
