"""The Celery application: broker, queues, routes and reliability settings (signals: tasks/signals.py)."""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from worker.settings import get_settings

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
        # tasks.signals: the worker processes' signal handlers (load models, memory cap, delivery
        # counts), loaded with the task modules before worker_init is sent
        include=["tasks.enrich", "tasks.lifecycle", "tasks.clustering", "tasks.signals"],
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
