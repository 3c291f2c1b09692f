"""Lifecycle tasks run by beat or by ops (CLI, Flower): drift re-enrichment, evaluation, reports."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from domain.errors import TransientError
from domain.events import ResendRequest, resend_due_events
from domain.lifecycle import ReenrichRequest, reenrich_drifted, run_evaluations
from domain.models import Posting
from domain.pipeline import utc_now
from domain.reconcile import ReconcileRequest, reconcile_intake
from tasks.enrich import enqueue_batch
from worker.app import ENRICH_QUEUE, PERSIST_QUEUE, REENRICH_QUEUE, app
from worker.bootstrap import services

log = logging.getLogger(__name__)


@app.task(name="lifecycle.report_versions", acks_late=True)
def report_versions() -> dict[str, Any]:
    """Log rows per version and the drift backlog so ops see a rollout progress in the logs."""
    svc = services(fresh=True)
    current = svc.manifest.effective
    counts = {c.enrichment_version: c.latest for c in svc.store.counts_by_version()}
    drift = svc.store.count_drifted(current)
    log.info("versions: current=%s latest_per_version=%s drift_backlog=%d", current, counts, drift)
    return {"current": current, "latest_per_version": counts, "drift_backlog": drift}


def enqueue_reenrichment(postings: Sequence[Posting], in_flight_scope: str | None = None) -> None:
    """One batch on the reenrich queue, carrying the drift job's in-flight mark (released where
    it lands: tasks/enrich.py persist link, tasks/links.py record)."""
    enqueue_batch(postings, queue=REENRICH_QUEUE, in_flight_scope=in_flight_scope)


@app.task(name="lifecycle.reenrich_drifted", acks_late=True)
def reenrich_drifted_task(
    limit: int | None = None, from_version: str | None = None, since: str | None = None
) -> dict[str, object]:
    """Enqueue the next slice of postings whose latest enrichment is not the current version."""
    svc = services(fresh=True)
    s = svc.settings
    req = ReenrichRequest(
        current_version=svc.manifest.effective,
        cap=min(limit or s.reenrich_cap_per_run, s.reenrich_cap_per_run),
        batch_size=s.batch_size,
        max_queue_depth=s.reenrich_max_queue_depth,
        from_version=from_version,
        since=since,
        in_flight_ttl_s=s.reenrich_in_flight_ttl_s,
    )
    report = reenrich_drifted(
        req, svc.store, svc.coordinator, enqueue_reenrichment, REENRICH_QUEUE, s.reenrich_lock_ttl_s
    )
    if report.skipped:
        log.info("reenrich skipped: %s (backlog %d)", report.skipped, report.backlog_before)
    return report.to_dict()


# what the fleet holds while the reconciler waits (queued anywhere in the chain, or unacked)
CHAIN_QUEUES = (ENRICH_QUEUE, REENRICH_QUEUE, PERSIST_QUEUE)


@app.task(name="lifecycle.reconcile_intake", acks_late=True)
def reconcile_intake_task() -> dict[str, object]:
    """Re-enqueue accepted postings the broker lost; give up on record after the last attempt."""
    svc = services(fresh=True)
    s = svc.settings
    req = ReconcileRequest(
        grace_s=s.reconcile_grace_s,
        max_attempts=s.reconcile_max_attempts,
        batch_size=s.batch_size,
        limit=s.reconcile_limit,
        max_queue_depth=s.reconcile_max_queue_depth,
    )
    try:
        report = reconcile_intake(
            req, svc.ledger, svc.store, svc.coordinator, enqueue_batch, CHAIN_QUEUES,
            s.reconcile_lock_ttl_s, utc_now(),
        )  # fmt: skip
    except TransientError as exc:  # nothing lost: the ledger keeps them for the next run
        log.warning("reconcile deferred to the next run: %s", exc)
        return {"skipped": f"unavailable: {type(exc).__name__}"}
    if report.skipped:
        log.info("reconcile skipped: %s", report.skipped)
    return report.to_dict()


@app.task(name="lifecycle.compact_intake", acks_late=True)
def compact_intake_task() -> dict[str, object]:
    """Drop the raw text of ledger entries older than the retention whose posting is accounted for."""
    svc = services(fresh=True)
    s = svc.settings
    try:
        n = svc.ledger.compact_intake(s.ledger_retention_s, s.ledger_compact_limit)
    except TransientError as exc:  # nothing lost: the text stays until the next run
        log.warning("ledger compaction deferred to the next run: %s", exc)
        return {"skipped": f"unavailable: {type(exc).__name__}"}
    if n:
        log.info("intake ledger: dropped the raw text of %d accounted-for entries", n)
    return {"compacted": n, "limit": s.ledger_compact_limit}


@app.task(name="lifecycle.resend_events", acks_late=True)
def resend_events_task() -> dict[str, object]:
    """Publish enrichment events still due (rows without a sent mark), one run at a time."""
    svc = services(fresh=True)
    s = svc.settings
    if svc.event_publisher is None:
        return {"skipped": "events off (ENRICH_EVENTS_TOPIC unset)"}
    req = ResendRequest(
        s.events_resend_window_s, s.events_resend_grace_s, s.events_resend_limit, s.events_max_bytes
    )
    with svc.coordinator.single_flight("events-resend", s.events_resend_lock_ttl_s) as mine:
        if not mine:
            return {"skipped": "another resend is running"}
        try:
            report = resend_due_events(
                req, svc.event_marks, svc.store.enrichments_by_keys, svc.event_publisher
            )
        except TransientError as exc:  # nothing lost: still due at the next run
            log.warning("events resend deferred to the next run: %s", exc)
            return {"skipped": f"unavailable: {type(exc).__name__}"}
    if report.due:
        log.info("events resend: %s", report.to_dict())
    return report.to_dict()


@app.task(name="lifecycle.evaluate_extraction", acks_late=True)
def evaluate_extraction(dataset: str | None = None) -> list[dict[str, Any]]:
    """Score the active version on the configured gold sets; store and flag regressions."""
    svc = services(fresh=True)
    results = run_evaluations(
        svc.pipeline,
        svc.datasets(dataset),
        svc.store,
        utc_now(),
        svc.evaluation_config().tolerance,
    )
    return [
        {
            "result_id": r.result_id,
            "dataset": r.dataset,
            "enrichment_version": r.enrichment_version,
            "micro_overlap_f1": r.f1(),
            "regressed": r.regressed,
            "regressions": list(r.regressions),
        }
        for r in results
    ]
