"""A clustering run, start to end: plan (lock, model, chunks), assign a chunk, activate.

The steps run in different tasks (a Celery chord on the fleet, plain calls in tests and benches);
everything they share travels in `RunPlan` or lives in the store.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from domain.clustering.model import ClusterModel, ClusterParams, PostingFeatures, fit_model
from domain.clustering.stability import stability
from domain.errors import ConfigError
from domain.models import ClusterRun
from domain.ports import ClusterModels, ClusterStore, Coordinator

log = logging.getLogger(__name__)
LOCK = "cluster"


@dataclass(frozen=True, slots=True)
class RunPlan:
    run: ClusterRun
    lock_token: str | None
    chunks: tuple[tuple[str | None, str | None], ...]  # (after, upto] posting-id ranges
    refitted: bool = False

    def to_dict(self) -> dict[str, Any]:
        r = self.run
        return {
            "run_id": r.run_id,
            "status": r.status,
            "reason": r.reason,
            "model_id": r.model_id,
            "refitted": self.refitted,
            "chunks": len(self.chunks),
            "enrichment_version": r.enrichment_version,
            "cluster_version": r.cluster_version,
        }


def new_run_id(now: str) -> str:
    stamp = now[:19].replace("-", "").replace(":", "")
    return f"cr-{stamp}Z-{secrets.token_hex(3)}"


def iter_features(
    store: ClusterStore,
    version: str,
    chunk: int,
    after: str | None = None,
    upto: str | None = None,
) -> Iterator[PostingFeatures]:
    """Every posting current at `version` in (after, upto], by id, read `chunk` at a time so
    the whole feature set is never in memory at once."""
    cursor = after
    while True:
        page = store.cluster_features(version, chunk, cursor, upto)
        yield from page
        if len(page) < chunk:
            return
        cursor = page[-1].posting_id


def read_features(
    store: ClusterStore,
    version: str,
    chunk: int,
    after: str | None = None,
    upto: str | None = None,
) -> list[PostingFeatures]:
    return list(iter_features(store, version, chunk, after, upto))


def _sample_features(
    store: ClusterStore, version: str, total: int, params: ClusterParams
) -> list[PostingFeatures]:
    """At most fit_sample postings, spread evenly over the id order."""
    step = max(total / params.fit_sample, 1.0)
    out: list[PostingFeatures] = []
    nxt = 0.0
    for seen, f in enumerate(iter_features(store, version, params.chunk_size)):
        if seen >= nxt:
            out.append(f)
            nxt += step
    return out


@contextmanager
def _releasing(coordinator: Coordinator, lock_token: str | None) -> Iterator[None]:
    """The run's lock is freed when this step ends, however it ends."""
    try:
        yield
    finally:
        if lock_token is not None:
            coordinator.release(LOCK, lock_token)


def active_run(store: ClusterStore) -> ClusterRun | None:
    return next(iter(store.cluster_runs(limit=1, active_only=True)), None)


def _run(store: ClusterStore, run_id: str) -> ClusterRun | None:
    return next(iter(store.cluster_runs(limit=1, run_id=run_id)), None)


def plan_run(
    store: ClusterStore,
    models: ClusterModels,
    coordinator: Coordinator,
    params: ClusterParams,
    enrichment_version: str,
    now: str,
    refit: bool = False,
    lock_ttl_s: float = 3600.0,
    progress: Callable[[str], None] | None = None,
) -> RunPlan:
    """Take the lock, pick or fit the model and cut the postings into chunks.

    A run that cannot start is recorded as `skipped` with its reason (locked, too few postings).
    Runs still `running` when the lock is free again lost their worker: they become `failed`.
    """
    say = progress or (lambda _: None)
    run = ClusterRun(new_run_id(now), params.cluster_version, enrichment_version, "running", now)
    token = coordinator.acquire(LOCK, lock_ttl_s)
    if token is None:
        skipped = run.ended("skipped", now, "locked: another clustering run is in progress")
        store.save_cluster_run(skipped)
        log.info("cluster run %s skipped: locked", run.run_id)
        return RunPlan(skipped, None, ())
    try:
        active = active_run(store)
        for stale in store.cluster_runs(limit=10_000, status="running"):
            store.save_cluster_run(stale.ended("failed", now, "abandoned: never completed"))
            log.warning("cluster run %s never completed: marked failed", stale.run_id)
        total = store.count_current(enrichment_version)
        if total < params.min_postings:
            reason = (
                f"{total} postings at enrichment {enrichment_version}, fewer than "
                f"k={params.min_postings}"
            )
            skipped = run.ended("skipped", now, reason)
            store.save_cluster_run(skipped)
            coordinator.release(LOCK, token)
            log.info("cluster run %s skipped: %s", run.run_id, reason)
            return RunPlan(skipped, None, ())
        recent = store.cluster_runs(limit=params.refit_after_runs, status="completed")
        model_id, why = _current_model(recent, active, params, refit)
        if model_id is not None:
            try:
                models.load(model_id)
            except ConfigError as exc:  # the artifact went missing: say so, do not guess
                failed = run.ended("failed", now, f"{exc}; refit with `enrich-ops cluster --refit`")
                store.save_cluster_run(failed)
                coordinator.release(LOCK, token)
                log.error("cluster run %s failed: %s", run.run_id, exc)
                return RunPlan(failed, None, ())
        if model_id is None:
            say(f"fitting a cluster model ({why}) on up to {params.fit_sample} of {total} postings")
            model_id = _refit(store, models, params, enrichment_version, total, active)
        bounds = store.cluster_chunk_bounds(enrichment_version, params.chunk_size)
        edges: list[str | None] = [None, *bounds, None]
        chunks = tuple((edges[i], edges[i + 1]) for i in range(len(edges) - 1))
        started = ClusterRun(
            run.run_id, run.cluster_version, enrichment_version, "running", now, model_id
        )
        store.save_cluster_run(started)
        log.info(
            "cluster run %s: model %s (%s), %d postings in %d chunks",
            run.run_id, model_id, why, total, len(chunks),
        )  # fmt: skip
        return RunPlan(started, token, chunks, refitted=why != "reuse")
    except BaseException as exc:
        store.save_cluster_run(run.ended("failed", now, f"planning: {type(exc).__name__}"))
        coordinator.release(LOCK, token)
        raise


def _current_model(
    recent: Sequence[ClusterRun], active: ClusterRun | None, params: ClusterParams, refit: bool
) -> tuple[str | None, str]:
    """(model_id to reuse, why) or (None, why a refit is due). `recent`: the newest
    refit_after_runs completed runs."""
    if refit:
        return None, "refit requested"
    if active is None or active.model_id is None:
        return None, "no active model"
    if active.cluster_version != params.cluster_version:
        return None, f"cluster_version {active.cluster_version} -> {params.cluster_version}"
    uses = sum(1 for r in recent if r.model_id == active.model_id)
    if uses >= params.refit_after_runs:
        return None, f"scheduled refit after {uses} runs"
    return active.model_id, "reuse"


def _refit(
    store: ClusterStore,
    models: ClusterModels,
    params: ClusterParams,
    version: str,
    total: int,
    active: ClusterRun | None,
) -> str:
    sample = _sample_features(store, version, total, params)
    previous: ClusterModel | None = None
    prev_assign: dict[str, int] | None = None
    if active is not None and active.model_id is not None:
        try:
            previous = models.load(active.model_id)
            prev_assign = store.cluster_assignments(active.run_id)
        except Exception as exc:  # a lost artifact costs the warm start, not the run
            log.warning("no warm start from %s: %s", active.model_id, exc)
    model = fit_model(sample, params, previous, prev_assign)
    return models.save(model)


def assign_chunk(
    store: ClusterStore,
    model: ClusterModel,
    run_id: str,
    version: str,
    after: str | None,
    upto: str | None,
    read_size: int,
) -> int:
    """Assign every posting in one id range and write the rows; returns how many."""
    feats = read_features(store, version, read_size, after, upto)
    rows = model.assign(feats)
    store.write_cluster_assignments(run_id, rows)
    return len(rows)


def finish_run(
    store: ClusterStore,
    coordinator: Coordinator,
    model: ClusterModel,
    plan_run_id: str,
    lock_token: str | None,
    assigned: Sequence[int],
    now: str,
) -> ClusterRun:
    """Check every chunk's rows landed, measure stability against the active run, activate
    (the previous run deactivates in the same step) and free the lock."""
    with _releasing(coordinator, lock_token):
        run = _run(store, plan_run_id)
        if run is None:
            raise RuntimeError(f"cluster run {plan_run_id} is not recorded")
        written = store.count_cluster_assignments(run.run_id)
        if written != sum(assigned):
            failed = run.ended(
                "failed", now, f"{written} assignments stored, chunks reported {sum(assigned)}"
            )
            store.save_cluster_run(failed)
            return failed
        previous = active_run(store)
        current = store.cluster_assignments(run.run_id)
        metrics: dict[str, Any] = {"refit_parent": model.parent_model_id}
        if previous is not None:
            metrics["stability"] = {
                "previous_run_id": previous.run_id,
                **stability(store.cluster_assignments(previous.run_id), current),
            }
        sizes = Counter(current.values())
        label = dict(zip(model.cluster_ids, model.labels, strict=True))
        metrics["clusters"] = [
            {"cluster_id": c, "size": n, "label": label.get(c, "no skills or title words")}
            for c, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        n_clusters = sum(1 for c in sizes if c >= 0)
        if not store.activate_cluster_run(run.run_id, len(current), n_clusters, metrics, now):
            raise RuntimeError(f"cluster run {run.run_id} was not running: not activated")
        done = _run(store, run.run_id) or run
        log.info(
            "cluster run %s active: %d postings, %d clusters, stability %s",
            run.run_id, len(current), n_clusters, metrics.get("stability", "first run"),
        )  # fmt: skip
        return done


def fail_run(
    store: ClusterStore,
    coordinator: Coordinator,
    run_id: str,
    lock_token: str | None,
    reason: str,
    now: str,
) -> None:
    """Record a run that could not finish (a chunk failed); it never becomes active."""
    with _releasing(coordinator, lock_token):
        run = _run(store, run_id)
        if run is not None and run.status == "running":
            store.save_cluster_run(run.ended("failed", now, reason))


def run_inline(
    store: ClusterStore,
    models: ClusterModels,
    coordinator: Coordinator,
    params: ClusterParams,
    enrichment_version: str,
    now: Callable[[], str],
    refit: bool = False,
) -> ClusterRun:
    """The whole run in this process (tests, benches, `enrich-ops cluster --inline`)."""
    plan = plan_run(store, models, coordinator, params, enrichment_version, now(), refit)
    if plan.run.status != "running":
        return plan.run
    try:
        model = models.load(plan.run.model_id or "")
        counts = [
            assign_chunk(store, model, plan.run.run_id, enrichment_version, a, u, params.chunk_size)
            for a, u in plan.chunks
        ]
    except BaseException as exc:
        fail_run(store, coordinator, plan.run.run_id, plan.lock_token, type(exc).__name__, now())
        raise
    return finish_run(store, coordinator, model, plan.run.run_id, plan.lock_token, counts, now())
