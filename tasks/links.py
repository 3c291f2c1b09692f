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

from billiard.einfo import ExceptionWithTraceback
from celery import Task
from celery.exceptions import Reject, Retry, SoftTimeLimitExceeded
from celery.worker.request import Request
from celery.worker.state import task_ready

from domain.errors import TransientError
from domain.lifecycle import release_landed
from domain.models import EnrichedBatch, Posting, Rejection
from domain.pipeline import utc_now
from domain.recovery import split_batch, strand
from worker.bootstrap import Services, recording_services, services
from worker.settings import get_settings

log = logging.getLogger(__name__)


class LinkRequest(Request):
    """A chain link's request in the worker parent. Celery re-raises a MemoryError that a pool
    child reports from outside the task body (decoding a huge batch's arguments under the
    child's memory cap) in the parent, which then exits with every prefetched message; here it
    rejects the message back to the broker instead. The parent counts each delivery
    (`on_received`), so a batch that keeps doing this is split and, alone, recorded."""

    def on_failure(self, exc_info: Any, send_failed_event: bool = True, return_ok: bool = False) -> None:  # fmt: skip
        exc = exc_info.exception
        if isinstance(exc, ExceptionWithTraceback):
            exc = exc.exc
        if not isinstance(exc, MemoryError):
            return super().on_failure(exc_info, send_failed_event, return_ok)  # type: ignore[no-any-return]
        task_ready(self)
        log.error("a pool child ran out of memory outside %s's body: message rejected back to "
                  "the broker (its deliveries are counted)", self.name)  # fmt: skip
        self.reject(requeue=True)
        return None


_s = get_settings()
LINK_OPTIONS: dict[str, Any] = {
    "Request": LinkRequest,
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
    """Run one link; the message's delivery count is cleared once it finished — handed on,
    recorded or retried — but not when it is rejected back to the broker (nowhere to record):
    that run counts as lost, so a batch that can never be recorded ends split, not looping."""
    key = _delivery_key(task)
    try:
        out = _run_link(task, stage, payload, step, next_task, queue)
    except Reject:
        raise
    except BaseException:
        _clear_delivery(key)
        raise
    _clear_delivery(key)
    return out


def _run_link(
    task: Task,
    stage: str,
    payload: dict[str, Any],
    step: Step,
    next_task: str | None,
    queue: str | None,
) -> dict[str, Any]:
    """Run one link over a batch. Everything that can raise — decoding the payload, building the
    services (config, models), the step, encoding and publishing the hand-off — sits inside the
    recording path: the batch ends handed on, or recorded with a stage and reason (raw text kept).
    """
    svc: Services | None = None
    batch: EnrichedBatch | None = None
    at = stage  # "handoff" once the step is done and `batch` holds its output
    try:
        batch = EnrichedBatch.from_dict(payload)
        svc = services()
        batch = step(svc, batch)
        at = "handoff"
        if next_task is not None:
            try:
                handed = handoff(svc, next_task, batch, queue)
            except SoftTimeLimitExceeded as exc:
                handed = _why(exc)
            if handed is not None:
                return record(svc, batch, "handoff", "broker_unavailable", handed)
    except (Retry, Reject):
        raise
    except TransientError as exc:
        if at == "handoff":  # not from the step (handoff waits those out): record what is done
            return record(svc, batch, at, "component_error", _why(exc), payload)
        reason, why = retry_or_give_up(task, exc)
        return record(svc, batch, at, reason, why, payload)
    except SoftTimeLimitExceeded as exc:
        return record(svc, batch, at, "time_limit", _why(exc), payload)
    except MemoryError as exc:
        log.error("%s ran out of memory on a batch of %s postings", at, _size(batch, payload))
        return record(svc, batch, at, "resource_exhausted", _why(exc), payload)
    except Exception as exc:
        log.exception("%s step failed for a batch of %s postings", at, _size(batch, payload))
        return record(svc, batch, at, "component_error", _why(exc), payload)
    return {"postings": len(batch.postings), "enrichments": len(batch.enrichments),
            "failures": len(batch.failures), "outcome": "done" if next_task is None else "handed_on"}  # fmt: skip


def _size(batch: EnrichedBatch | None, payload: Any) -> int | str:
    if batch is not None:
        return len(batch.postings)
    try:
        return len(payload["postings"])
    except Exception:
        return "?"


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
    svc: Services | None,
    batch: EnrichedBatch | None,
    stage: str,
    reason: str,
    detail: str,
    payload: Any = None,
) -> dict[str, Any]:
    """Write what is done plus a failure row per unfinished posting; else spool; else reject.

    `svc` None (services() itself failed): a store + spool built without any model config.
    `batch` None (the payload did not decode): the postings that still decode are recorded; a
    payload with none is spooled as "unreadable" for a human (replay-failures leaves it there).
    """
    if svc is None:
        svc = recording_services()
    if batch is None:
        batch, whole = salvage(payload)
        if not whole:  # keep the message itself too: some of it could not be read
            where = _spool(svc, "unreadable", stage, reason, payload)
            log.critical("an undecodable %s message was spooled as %s", stage, where)
        if batch is None:
            return {"postings": 0, "outcome": f"failed:{stage}/{reason}", "recorded_in": where}
    recorded = strand(batch, stage, reason, detail, utc_now())
    try:
        svc.store.write_batch(recorded.postings, recorded.enrichments, recorded.failures)
        where = "warehouse"
    except Exception as exc:
        log.error("warehouse refused the failure record (%s); spooling the batch", _why(exc))
        where = _spool(svc, "batch", stage, reason, batch.to_dict())
    release_landed(svc.coordinator, batch)  # recorded: drift may queue these postings again
    log.error("batch of %d postings recorded as failed: stage=%s reason=%s detail=%s in=%s",
              len(batch.postings), stage, reason, detail, where)  # fmt: skip
    return {
        "postings": len(batch.postings),
        "outcome": f"failed:{stage}/{reason}",
        "recorded_in": where,
    }


def salvage(payload: Any) -> tuple[EnrichedBatch | None, bool]:
    """The postings of a payload that did not decode as a whole, each decoded on its own (None
    when none does), and whether every one of them did."""
    postings = []
    try:
        items = list(payload.get("postings") or [])
    except Exception:
        return None, False
    for item in items:
        try:
            postings.append(Posting.from_dict(item))
        except Exception:
            log.error("a posting of an undecodable batch could not be decoded either")
    whole = len(postings) == len(items) > 0
    return (EnrichedBatch(postings=tuple(postings)) if postings else None), whole


def run_rejections(task: Task, payload: list[dict[str, Any]]) -> int:
    """Write validation rejections; what cannot be written (or built) is spooled, never acked away."""
    svc: Services | None = None
    try:
        svc = services()
        rows = [Rejection.from_dict(r) for r in payload]
        return svc.store.write_batch((), (), rows)[2]
    except (Retry, Reject):
        raise
    except TransientError as exc:
        reason, _ = retry_or_give_up(task, exc)
    except Exception as exc:
        log.exception("recording a batch of rejections failed")
        reason = "component_error" if not isinstance(exc, MemoryError) else "resource_exhausted"
    _spool(svc or recording_services(), "rejections", "validate", reason, payload)
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


def _delivery_key(task: Task) -> str | None:
    req = getattr(task, "request", None)
    return delivery_key(getattr(req, "id", None), getattr(req, "retries", 0))


def delivery_key(task_id: str | None, retries: int | None) -> str | None:
    """One counter per delivered message: Celery keeps the task id across redeliveries and
    gives a retry the same id with `retries` + 1, a new message (so a new counter)."""
    return f"{task_id}:{retries or 0}" if task_id else None


def on_received(request: Any, stage: str) -> bool:
    """Called in the worker *parent* when a chain-link message arrives (Celery's task_received),
    before any pool child decodes or runs it, so deliveries whose child died anywhere — in the
    task, decoding its arguments, or with the whole worker — are counted. A poisoned message is
    split or recorded here and revoked (Celery acks it without running it). True if so."""
    key = delivery_key(request.id, request.request_dict.get("retries"))
    try:
        svc = recording_services()  # no config check here: the parent must not reload models
        batch = EnrichedBatch.from_dict(request.args[0])
        queue = (request.kwargs or {}).get("queue")
        outcome = poison_guard(svc, request.name, key, stage, batch, queue)
    except Exception as exc:  # the guard must never stop a message from running
        log.warning("delivery guard skipped (%s)", _why(exc))
        return False
    if outcome is None:
        return False
    from celery.worker.state import revoked

    revoked.add(request.id)  # done with here: the worker acks it instead of running it
    _clear_delivery(key)
    return True


def poison_guard(
    svc: Services, task_name: str, key: str | None, stage: str, batch: EnrichedBatch,
    queue: str | None,
) -> dict[str, Any] | None:  # fmt: skip
    """Count this delivery of the message; a message whose earlier deliveries never finished
    (their worker was killed, ran out of memory, hit the hard time limit) more than
    `poison_max_deliveries` times is not run again as it is: split in halves (each a new
    message, counted afresh) to isolate the posting that causes it, and a lone posting is
    recorded as `worker_lost`. None: run it as usual."""
    limit = svc.settings.poison_max_deliveries
    if key is None or limit <= 0:
        return None
    starts = svc.coordinator.count_delivery(key, svc.settings.visibility_timeout_s * 6)
    lost = starts - 1  # earlier deliveries of this message that never finished
    if lost <= limit:
        if lost:
            log.warning("%s batch of %d postings delivered again after %d lost run(s)",
                        stage, len(batch.postings), lost)  # fmt: skip
        return None
    why = f"its worker was lost {lost} times running it"
    if len(batch.postings) == 1:
        return record(svc, batch, stage, "worker_lost", why)
    halves = split_batch(batch)
    log.error("%s batch of %d postings %s: split into %s to isolate the cause",
              stage, len(batch.postings), why, "+".join(str(len(h.postings)) for h in halves))  # fmt: skip
    for i, half in enumerate(halves):
        failed = handoff(svc, task_name, half, queue)
        if failed is not None:  # the broker stayed down: record what could not be resent
            for rest in halves[i:]:
                record(svc, rest, stage, "broker_unavailable", failed)
            break
    return {"postings": len(batch.postings), "outcome": f"split:{len(halves)}"}


def _clear_delivery(key: str | None) -> None:
    """The message finished: forget its count."""
    if key is None:
        return
    try:
        svc = recording_services()
        if svc.settings.poison_max_deliveries > 0:
            svc.coordinator.clear_delivery(key)
    except Exception as exc:  # the counter expires on its own
        log.warning("could not clear a delivery count (%s)", _why(exc))
