"""Nightly job clustering on the fleet: a trigger plans the run, a chord assigns it in chunks
across workers, the callback activates it. Each task is a thin shell around domain.clustering."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from celery import chord

from domain.clustering.model import ClusterModel
from domain.clustering.runs import assign_chunk, fail_run, finish_run, plan_run
from domain.errors import TransientError
from domain.pipeline import utc_now
from worker.app import app
from worker.bootstrap import services

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _model(model_id: str) -> ClusterModel:
    return services().cluster_models.load(model_id)


@app.task(name="lifecycle.cluster_postings", acks_late=True)
def cluster_postings(refit: bool = False) -> dict[str, Any]:
    """Start a clustering run of every posting current at the active enrichment version.

    Single-flight: a second trigger while a run is in progress is recorded as skipped."""
    svc = services(fresh=True)
    params = svc.clustering_params()
    version = svc.manifest.effective
    store, coord = svc.cluster_store, svc.coordinator
    plan = plan_run(
        store, svc.cluster_models, coord, params, version, utc_now(), refit,
        svc.settings.cluster_lock_ttl_s, progress=log.info,
    )  # fmt: skip
    run = plan.run
    if run.status != "running":
        return plan.to_dict()
    header = [
        cluster_assign_chunk.s(run.run_id, run.model_id, version, after, upto, params.chunk_size)
        for after, upto in plan.chunks
    ]
    body = cluster_finish.s(run.run_id, run.model_id, plan.lock_token).on_error(
        cluster_failed.si(run.run_id, plan.lock_token)
    )
    try:
        chord(header)(body)
    except Exception as exc:  # broker refused the chord: record it, free the lock
        fail_run(store, coord, run.run_id, plan.lock_token, f"enqueue: {exc}", utc_now())
        raise
    return plan.to_dict()


@app.task(
    name="lifecycle.cluster_assign_chunk",
    acks_late=True,
    ignore_result=False,  # the chord's callback sums these counts
    autoretry_for=(TransientError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
)
def cluster_assign_chunk(
    run_id: str, model_id: str, version: str, after: str | None, upto: str | None, read_size: int
) -> int:
    """Assign the postings with ids in (after, upto] and write their rows (idempotent)."""
    n = assign_chunk(services().cluster_store, _model(model_id), run_id, version, after, upto,
                     read_size)  # fmt: skip
    log.info("cluster run %s: chunk (%s, %s] assigned %d postings", run_id, after, upto, n)
    return n


@app.task(
    name="lifecycle.cluster_finish",
    acks_late=True,
    autoretry_for=(TransientError,),
    retry_backoff=2,
    max_retries=8,
)
def cluster_finish(
    assigned: list[int], run_id: str, model_id: str, lock_token: str | None
) -> dict[str, Any]:
    svc = services()
    run = finish_run(svc.cluster_store, svc.coordinator, _model(model_id), run_id, lock_token,
                     assigned, utc_now())  # fmt: skip
    return {"run_id": run.run_id, "status": run.status, "n_postings": run.n_postings,
            "reason": run.reason}  # fmt: skip


@app.task(name="lifecycle.cluster_failed", acks_late=True)
def cluster_failed(run_id: str, lock_token: str | None, *_: Any) -> None:
    """The chord's error callback: a chunk failed for good, so the run is recorded failed."""
    svc = services()
    log.error("cluster run %s failed: a chunk task failed", run_id)
    fail_run(svc.cluster_store, svc.coordinator, run_id, lock_token, "a chunk task failed",
             utc_now())  # fmt: skip
