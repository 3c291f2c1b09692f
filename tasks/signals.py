"""Signal handlers of the worker processes: load and smoke-test models at start (or exit with
one line), cap pool children's memory, count deliveries before a task runs, log the versions.

Celery loads this module with the task modules (worker/app.py `include`), so worker/app.py
never imports tasks/ or worker/bootstrap.py: the app is built first, everything else on top.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import signals

from worker.settings import get_settings

log = logging.getLogger("worker.app")


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
