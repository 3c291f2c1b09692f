"""How a chain link runs so that no batch is lost: retry, hand off before ack, or record.

    step ok            -> hand the batch to the next link (retrying up to handoff_window_s while
                          the broker is down) -> only then return, so the message is acked
    TransientError     -> retry with jittered backoff; when retries are exhausted or the retry
                          cannot be published -> record
    anything else      -> record (a bug or a time limit: retrying would not help)
    next link unpublishable for the whole window -> record, stage "handoff"

"Record" writes what is done (enrichments) and a failure row with stage and reason for every
other posting, next to its raw text, so `enrich-ops replay-failures` can re-run it. When the
warehouse refuses that too, the batch goes to the spool (files under ENRICH_DATA_DIR/spool); when
even that fails, the message is rejected back to the broker so it is redelivered, not dropped.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

from celery import Task
from celery.exceptions import Reject, Retry, SoftTimeLimitExceeded

from domain.errors import TransientError
from domain.models import EnrichedBatch, Rejection
from domain.pipeline import utc_now
from domain.recovery import strand
from worker.bootstrap import Services, services
from worker.settings import get_settings

log = logging.getLogger(__name__)

_s = get_settings()
LINK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "max_retries": _s.task_max_retries,
    "soft_time_limit": _s.task_soft_time_limit_s,
    "time_limit": _s.task_time_limit_s,
    # Return values are small counts, but keep payload reprs out of logs and Flower anyway.
    "resultrepr_maxsize": 0,
}
BACKOFF_MAX_S = 300
# After the spool failed too, wait before rejecting the message back to the broker, so a
# warehouse-and-disk outage does not turn into a hot redelivery loop.
REJECT_PAUSE_S = 5.0

Step = Callable[[Services, EnrichedBatch], EnrichedBatch]


def backoff_s(retries: int) -> float:
    """Full jitter over an exponential cap: 1, 2, 4, ... up to BACKOFF_MAX_S seconds."""
    return random.uniform(0, min(BACKOFF_MAX_S, 2.0**retries))


def _why(exc: BaseException) -> str:
    # Type only, plus the message for our own errors (they never quote posting text).
    if isinstance(exc, TransientError):
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    return type(exc).__name__


def run_link(
    task: Task,
    stage: str,
    payload: dict[str, Any],
    step: Step,
    next_task: str | None,
    queue: str | None,
) -> dict[str, Any]:
    svc = services()
    batch = EnrichedBatch.from_dict(payload)
    try:
        out = step(svc, batch)
    except TransientError as exc:
        reason, why = retry_or_give_up(task, exc)
        return record(svc, batch, stage, reason, why)
    except SoftTimeLimitExceeded as exc:
        return record(svc, batch, stage, "time_limit", _why(exc))
    except Exception as exc:
        log.exception("%s step failed for a batch of %d postings", stage, len(batch.postings))
        return record(svc, batch, stage, "component_error", _why(exc))
    if next_task is not None:
        try:
            handed = handoff(svc, next_task, out, queue)
        except SoftTimeLimitExceeded as exc:
            handed = _why(exc)
        if handed is not None:
            return record(svc, out, "handoff", "broker_unavailable", handed)
    return {"postings": len(out.postings), "enrichments": len(out.enrichments),
            "failures": len(out.failures), "outcome": "done" if next_task is None else "handed_on"}  # fmt: skip


def handoff(svc: Services, next_task: str, batch: EnrichedBatch, queue: str | None) -> str | None:
    """Publish the next link, retrying with backoff for up to handoff_window_s. None when sent,
    else the last error (the caller records the batch)."""
    deadline = time.monotonic() + svc.settings.handoff_window_s
    delay = 0.5
    payload = batch.to_dict()
    while True:
        try:
            svc.dispatcher.send(next_task, payload, queue)
            return None
        except TransientError as exc:
            if time.monotonic() + delay > deadline:
                log.error("could not hand a batch of %d to %s within %.0fs: %s",
                          len(batch.postings), next_task, svc.settings.handoff_window_s, exc)  # fmt: skip
                return _why(exc)
            log.warning("broker unavailable, handing a batch of %d to %s again in %.1fs",
                        len(batch.postings), next_task, delay)  # fmt: skip
            time.sleep(delay)
            delay = min(delay * 2, 10.0)


def record(
    svc: Services, batch: EnrichedBatch, stage: str, reason: str, detail: str
) -> dict[str, Any]:
    """Write what is done plus a failure row per unfinished posting; else spool; else reject."""
    recorded = strand(batch, stage, reason, detail, utc_now())
    try:
        svc.store.write_batch(recorded.postings, recorded.enrichments, recorded.failures)
        where = "warehouse"
    except Exception as exc:
        log.error("warehouse refused the failure record (%s); spooling the batch", _why(exc))
        where = _spool(svc, "batch", stage, reason, batch.to_dict())
    log.error("batch of %d postings recorded as failed: stage=%s reason=%s detail=%s in=%s",
              len(batch.postings), stage, reason, detail, where)  # fmt: skip
    return {
        "postings": len(batch.postings),
        "outcome": f"failed:{stage}/{reason}",
        "recorded_in": where,
    }


def run_rejections(task: Task, payload: list[dict[str, Any]]) -> int:
    svc = services()
    rows = [Rejection.from_dict(r) for r in payload]
    try:
        return svc.store.write_batch((), (), rows)[2]
    except TransientError as exc:
        reason, _ = retry_or_give_up(task, exc)
        _spool(svc, "rejections", "validate", reason, payload)
        return 0


def retry_or_give_up(task: Task, exc: TransientError) -> tuple[str, str]:
    """Raise Celery's Retry (a new message, backoff with jitter) while retries remain; else, or
    when the retry itself cannot be published, return (reason, detail) for the record."""
    retries = task.request.retries or 0
    if retries >= (task.max_retries or 0):
        return "retries_exhausted", _why(exc)
    try:
        raise task.retry(exc=exc, countdown=backoff_s(retries))
    except Retry:
        raise
    except Exception as publish_exc:  # Celery turns an unpublishable retry into Reject
        return "retry_unpublishable", _why(publish_exc)


def _spool(svc: Services, kind: str, stage: str, reason: str, payload: Any) -> str:
    try:
        key = svc.spool.put(kind, stage, reason, payload)
    except Exception as exc:
        log.critical("spool failed too (%s): rejecting the message back to the broker", _why(exc))
        time.sleep(REJECT_PAUSE_S)
        raise Reject(f"nowhere to record: {_why(exc)}", requeue=True) from exc
    return f"spool:{key}"
