"""The Celery application: broker, queues, routes, reliability settings and worker signals."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, signals
from kombu import Queue

from worker.settings import get_settings

log = logging.getLogger(__name__)

ENRICH_QUEUE = "enrich"
PERSIST_QUEUE = "persist"
REENRICH_QUEUE = "reenrich"
LIFECYCLE_QUEUE = "lifecycle"
CLUSTER_QUEUE = "cluster"


def create_app() -> Celery:
    s = get_settings()
    app = Celery(
        "ml_enrichment",
        broker=s.broker_connection_url,
        include=["tasks.enrich", "tasks.lifecycle", "tasks.clustering"],
    )
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        # Results are kept only where a chord needs them (clustering chunks report their counts
        # to the run's callback); Redis holds them for a day.
        result_backend=s.broker_connection_url,
        result_expires=86400,
        # A message is acked only after its task finished; a killed worker's message is
        # redelivered. Writes are idempotent, so the redelivery is harmless.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=ENRICH_QUEUE,
        task_queues=[
            Queue(ENRICH_QUEUE),
            Queue(REENRICH_QUEUE),
            Queue(PERSIST_QUEUE),
            Queue(LIFECYCLE_QUEUE),
            Queue(CLUSTER_QUEUE),
        ],
        # Writes go to their own queue: the embedded warehouse (DuckDB) takes one writer
        # process, so one persister consumes it; CPU-bound steps scale on the enrich queue.
        task_routes={
            "enrich.persist_enrichments": {"queue": PERSIST_QUEUE},
            "enrich.record_rejections": {"queue": PERSIST_QUEUE},
            "enrich.*": {"queue": ENRICH_QUEUE},
            "lifecycle.cluster_*": {"queue": CLUSTER_QUEUE},
            "lifecycle.*": {"queue": LIFECYCLE_QUEUE},
        },
        broker_transport_options={
            "visibility_timeout": s.visibility_timeout_s,
            "unacked_restore_interval": s.unacked_restore_interval_s,
            "unacked_mutex_expire": s.unacked_mutex_expire_s,
            "unacked_restore_throttle": 1,  # sweep on every interval, not every 10th
            # A dead broker must fail a publish within seconds (the caller decides what next),
            # not hang it.
            "socket_timeout": 10,
            "socket_connect_timeout": 3,
        },
        # Every link hands on its batch itself (tasks/links.py) and is bounded by these;
        # visibility_timeout_s exceeds the hard limit with a margin (checked in Settings).
        task_soft_time_limit=s.task_soft_time_limit_s,
        task_time_limit=s.task_time_limit_s,
        broker_connection_retry=True,
        broker_connection_max_retries=None,  # a worker waits for its broker, it does not exit
        broker_connection_retry_on_startup=True,
        task_publish_retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
        worker_concurrency=s.worker_concurrency,
        worker_send_task_events=True,  # Flower shows tasks live
        task_send_sent_event=True,
        timezone="UTC",
        beat_scheduler="redbeat.RedBeatScheduler",
        redbeat_redis_url=s.broker_connection_url,
        redbeat_key_prefix="ml-enrichment:redbeat:",
        beat_max_loop_interval=5,  # also sets RedBeat's leader-lock timeout (5x this)
        # Payloads hold posting text: reprs in logs and Flower show only their outer keys.
        task_repr_maxlevels=2,
    )
    from worker.beat import beat_schedule

    app.conf.beat_schedule = beat_schedule(s)
    return app


app = create_app()


@signals.worker_init.connect
def _load_models(**_: Any) -> None:
    # Built in the parent before the pool forks, so children share the matcher (copy-on-write)
    # and the versions are logged once per worker start.
    from worker.bootstrap import services
    from worker.errors import classify

    try:
        # opens the store (read-only checks first); with models, builds and smoke-tests them,
        # falling back to the last good config when the active one does not validate (a worker
        # restarted during a bad push)
        svc = services(models=get_settings().preload_models)
        if svc.settings.preload_models:
            _ = svc.pipeline
    except Exception as exc:
        # Celery logs a signal handler's exception and starts anyway ("ready."), a worker that
        # fails every task: exit instead, with one line saying why (fleet start shows it)
        found = classify(exc)
        line = found[1] if found else f"{type(exc).__name__}: {exc}"
        log.critical("worker unhealthy: %s", line)
        raise SystemExit(found[0] if found else 1) from exc


@signals.worker_process_init.connect
def _cap_child_memory(**_: Any) -> None:
    # Only pool children are capped: a batch that exhausts memory then raises MemoryError inside
    # its task (recorded as resource_exhausted) instead of killing the parent, which holds the
    # broker connection and every prefetched message.
    s = get_settings()
    headroom_mb = s.worker_child_memory_headroom_mb
    if headroom_mb is None or not s.preload_models:
        # the cap is headroom above the loaded models; the persister loads none (and its DuckDB
        # invalidates the whole database on a failed allocation), so it is not capped
        return
    import resource

    with open("/proc/self/statm") as fh:  # size in pages, first field
        size = int(fh.read().split()[0]) * resource.getpagesize()
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = size + headroom_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    log.info("pool child memory capped: address space %d MiB (%d at start + %d headroom)",
             want >> 20, size >> 20, headroom_mb)  # fmt: skip


@signals.worker_process_init.connect
def _check_events_topic(**_: Any) -> None:
    # The persister (the process that writes, and so publishes) checks the events topic once
    # per pool child, after the fork: a missing topic or a denied permission is one clear
    # ERROR line at start, and enrichment goes on (the events stay due).
    if get_settings().preload_models or not get_settings().events_topic:
        return
    from worker.bootstrap import services
    from worker.events import check_events_at_start

    try:
        check_events_at_start(services())
    except Exception as exc:  # never keep the persister from starting
        log.error("events topic check failed: %s", type(exc).__name__)


@signals.task_received.connect
def _count_delivery(request: Any = None, **_: Any) -> None:
    # In the parent, before a pool child decodes or runs the message: poison batches are caught
    # even when they kill the child before the task body starts.
    from tasks.enrich import LINK_STAGES
    from tasks.links import on_received

    stage = LINK_STAGES.get(getattr(request, "name", ""))
    if stage is not None:
        on_received(request, stage)


@signals.worker_ready.connect
def _log_versions(**_: Any) -> None:
    from worker.bootstrap import services

    m = services().manifest
    labels = ", ".join(f"{k}={v}" for k, v in m.labels().items())
    log.info("worker ready: enrichment_version=%s components: %s", m.effective, labels)
