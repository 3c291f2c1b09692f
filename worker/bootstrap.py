"""Composition root: settings -> adapters -> services, built lazily once per process."""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading
import time
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from adapters.artifacts.cluster_models import FileClusterModels
from adapters.artifacts.config_files import (
    MODEL_VERSIONS,
    LoadedConfig,
    build_pipeline,
    load_clustering,
    load_config,
    smoke_extraction,
)
from adapters.artifacts.datasets import (
    EvaluationConfig,
    configured_datasets,
    load_evaluation_config,
)
from adapters.artifacts.releases import archive
from adapters.duckdb.store import DuckDbStore
from adapters.local.spool import FileSpool
from adapters.redis.coordination import RedisCoordinator
from domain.clustering.model import ClusterParams
from domain.errors import TransientError
from domain.evaluation.run import GoldDataset
from domain.models import VersionManifest
from domain.pipeline import Pipeline, utc_now
from domain.ports import (
    ClusterModels,
    ClusterStore,
    Coordinator,
    Dispatcher,
    EnrichmentStore,
    EventMarks,
    EventPublisher,
    IntakeLedger,
    Spool,
)
from worker.settings import Settings, get_settings

log = logging.getLogger(__name__)


class Services:
    """What tasks need. The pipeline (seconds to build) is only built by processes that use it."""

    def __init__(
        self,
        settings: Settings,
        store: EnrichmentStore,
        pipeline: Pipeline | None = None,
        coordinator: Coordinator | None = None,
        config_root: Path | None = None,
        dispatcher: Dispatcher | None = None,
        spool: Spool | None = None,
        event_publisher: EventPublisher | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.config_root = config_root or settings.active_config_root()
        if pipeline is not None:
            self.__dict__["pipeline"] = pipeline
        if coordinator is not None:
            self.__dict__["coordinator"] = coordinator
        if dispatcher is not None:
            self.__dict__["dispatcher"] = dispatcher
        if spool is not None:
            self.__dict__["spool"] = spool
        if event_publisher is not None:
            self.__dict__["event_publisher"] = event_publisher

    @cached_property
    def config(self) -> LoadedConfig:
        cfg = load_config(self.config_root)
        try:
            archive(cfg, self.settings.releases_dir)  # keep every version that ran, for rollback
        except OSError as exc:
            log.warning("could not archive release %s: %s", cfg.manifest.effective, exc)
        return cfg

    @cached_property
    def pipeline(self) -> Pipeline:
        pipeline = build_pipeline(self.config, self.settings.model_threads)
        log.info(
            "models loaded: enrichment_version=%s from %s",
            pipeline.manifest.effective,
            self.config_root,
        )
        return pipeline

    @cached_property
    def coordinator(self) -> Coordinator:
        return RedisCoordinator(self.settings.broker_connection_url)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        from worker.app import app
        from worker.dispatch import CeleryDispatcher

        return CeleryDispatcher(app)

    @cached_property
    def spool(self) -> Spool:
        return FileSpool(self.settings.spool_dir)

    @property
    def manifest(self) -> VersionManifest:
        """The versions this process runs: the loaded pipeline's, else the config on disk."""
        if "pipeline" in self.__dict__:
            return self.pipeline.manifest
        return self.config.manifest

    def clustering_params(self) -> ClusterParams:
        """From the deployed config, not a rollback's release: clustering has its own version
        line and is not rolled back with the enrichment version."""
        return load_clustering(self.settings.config_root)

    @cached_property
    def cluster_models(self) -> ClusterModels:
        return FileClusterModels(self.settings.cluster_models_dir)

    @property
    def cluster_store(self) -> ClusterStore:
        return cast(ClusterStore, self.store)  # every store adapter implements both ports

    @property
    def ledger(self) -> IntakeLedger:
        return cast(IntakeLedger, self.store)  # the intake ledger lives next to the tables

    @property
    def event_marks(self) -> EventMarks:
        """The events outbox next to the warehouse (BigQuery: its own adapter, same client)."""
        if self.settings.store_backend == "bigquery":
            from adapters.bigquery.events import BigQueryEventMarks

            if "_event_marks" not in self.__dict__:
                inner = getattr(self.store, "inner", self.store)  # under a fault drill's wrapper
                self.__dict__["_event_marks"] = BigQueryEventMarks(inner.client, inner.dataset)
            return cast(EventMarks, self.__dict__["_event_marks"])
        return cast(EventMarks, self.store)

    @cached_property
    def event_publisher(self) -> EventPublisher | None:
        """None when ENRICH_EVENTS_TOPIC is unset (no events, no Pub/Sub client)."""
        topic = self.settings.events_topic_path
        if topic is None:
            return None
        from adapters.pubsub.events import PubSubEventPublisher

        return PubSubEventPublisher(
            topic, timeout_s=self.settings.events_publish_timeout_s,
            backoff_s=self.settings.events_backoff_s,
        )  # fmt: skip

    def evaluation_config(self) -> EvaluationConfig:
        return load_evaluation_config(self.config_root)

    def datasets(self, only: str | None = None) -> list[GoldDataset]:
        return configured_datasets(self.config_root, only)


_lock = threading.Lock()
_services: Services | None = None
_overridden = False
_token: tuple[object, ...] | None = None
_checked_at: float | None = None  # monotonic seconds; None until the first check
_refused: tuple[object, ...] | None = None  # the config token this process refused


def build_store(settings: Settings) -> EnrichmentStore:
    store = _build_store(settings)
    if settings.store_fault_file is not None:
        from adapters.faults import FaultSwitchStore

        log.warning("fault drill armed: writes fail while %s exists", settings.store_fault_file)
        return FaultSwitchStore(store, settings.store_fault_file)
    return store


def _appender(settings: Settings, client: Any) -> Any:
    """The BigQuery store's Storage Write API appender; None on an emulator whose gRPC endpoint
    is not set (reads work, a write then fails naming ENRICH_BIGQUERY_WRITE_ENDPOINT)."""
    from adapters.bigquery.append import make_appender

    emulator = settings.bigquery_endpoint is not None
    if emulator and not settings.bigquery_write_endpoint:
        return None
    return make_appender(
        client, settings.bigquery_dataset_ref, settings.bigquery_write_endpoint, emulator
    )


def _build_store(settings: Settings) -> EnrichmentStore:
    if settings.store_backend == "bigquery":
        from adapters.bigquery.client import make_client
        from adapters.bigquery.store import BigQueryStore

        client = make_client(
            settings.bigquery_project, settings.bigquery_endpoint, settings.bigquery_location
        )
        return BigQueryStore(
            client, settings.bigquery_dataset_ref, writer=_appender(settings, client)
        )
    return DuckDbStore(
        settings.duckdb_path,
        lock_timeout_s=settings.duckdb_lock_timeout_s,
        hold_s=settings.duckdb_hold_s,
        threads=settings.duckdb_threads,
    )


def _config_token(settings: Settings) -> tuple[object, ...]:
    """Cheap signature of the active config: the rollback pointer and the versions file."""
    root = settings.active_config_root()
    try:
        mtime = (root / MODEL_VERSIONS).stat().st_mtime_ns
    except OSError:
        mtime = None
    return (str(root), mtime)


def services(fresh: bool = False, models: bool = False) -> Services:
    """The process's services; switched to a new config only once it validated completely.

    The config is checked at most every `config_check_interval_s` on the hot path; `fresh`
    checks now (lifecycle tasks decide what "current" is, so they must not act on a stale view).
    When model_versions.yaml (or the rollback pointer) changed, a candidate is built beside the
    running one and validated (YAML, schema, every artifact named, the models built and a smoke
    extraction where this process runs them); if anything fails, the process keeps serving the
    last good config, logs why, and publishes the refusal (`enrich-ops status`, the metric
    `enrich_config_refused`). Raises only when no config ever validated in this process and
    none was recorded as last good. `models`: the first build also builds the models and runs
    the smoke extraction (a worker at start); later builds do when this process runs models.
    """
    global _services, _token, _checked_at, _refused
    if _overridden and _services is not None:
        return _services
    settings = get_settings()
    now = time.monotonic()
    recent = _checked_at is not None and now - _checked_at < settings.config_check_interval_s
    if _services is not None and recent and not fresh:
        return _services
    with _lock:
        _checked_at = now
        token = _config_token(settings)
        if _services is not None and token in (_token, _refused):
            return _services
        old = _services
        store = old.store if old is not None else build_store(settings)
        candidate = Services(settings, store)
        if old is not None:  # broker-side services don't depend on the model config either
            for name in ("coordinator", "dispatcher", "spool", "event_publisher"):
                if name in old.__dict__:
                    candidate.__dict__[name] = old.__dict__[name]
        with_models = models if old is None else "pipeline" in old.__dict__
        try:
            _validate(candidate, old, with_models)
        except Exception as exc:
            _refused = token
            why = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
            fallback = old or last_good(settings, store, models)
            if fallback is None:
                raise
            log.error("config refused, still serving %s: %s (config %s)",
                      fallback.manifest.effective, why, candidate.config_root)  # fmt: skip
            _services = fallback
            _publish_refusal(fallback, {"reason": why, "config": str(candidate.config_root),
                                        "serving": fallback.manifest.effective,
                                        "at": utc_now()})  # fmt: skip
            return _services
        if old is not None:
            log.warning("active config changed (%s): now serving %s", token[0],
                        candidate.manifest.effective)  # fmt: skip
        if _refused is not None:
            _publish_refusal(candidate, {})
        _services, _token, _refused = candidate, token, None
        _remember_good(settings, candidate)
    return _services


def _validate(svc: Services, old: Services | None, with_models: bool) -> None:
    """Load the candidate's config (YAML, schema, every artifact it names exists and is
    fingerprinted); with models: build the pipeline and run a smoke extraction. An unchanged
    effective version reuses the running pipeline instead of loading it again."""
    manifest = svc.config.manifest
    if not with_models:
        return
    running = old.__dict__.get("pipeline") if old is not None else None
    if running is not None and running.manifest.effective == manifest.effective:
        svc.__dict__["pipeline"] = running
        return
    smoke_extraction(svc.pipeline)
    freeze_once(svc.settings)


_frozen = False


def freeze_once(settings: Settings) -> bool:
    """After the first models of this process are built (a worker at start, before the pool
    forks): collect, then `gc.freeze()` every object alive, so full collections no longer walk
    the models' objects (0.3-0.7 s each, landing inside the concept linker) and forked children
    do not write to their pages. Once per process (models loaded later by a config push are
    collected as usual); `gc_freeze` false: never. Returns whether it froze now."""
    global _frozen
    if _frozen or not settings.gc_freeze:
        return False
    _frozen = True
    gc.collect()
    gc.freeze()
    log.info("gc.freeze(): %d objects of the loaded models left out of collections",
             gc.get_freeze_count())  # fmt: skip
    return True


def last_good(settings: Settings, store: EnrichmentStore, models: bool) -> Services | None:
    """Services on the release a worker last validated (run/last_good_config), if any: what a
    process started during a bad push serves, so the refusal survives restarts."""
    try:
        root = Path(settings.last_good_config_file.read_text().strip())
    except OSError:
        return None
    svc = Services(settings, store, config_root=root)
    try:
        _validate(svc, None, models)
    except Exception as exc:
        log.error("last good config %s does not load either: %s", root, type(exc).__name__)
        return None
    return svc


def _remember_good(settings: Settings, svc: Services) -> None:
    """Point run/last_good_config at the archived copy of the config that just validated."""
    try:
        target = archive(svc.config, settings.releases_dir)
        pointer = settings.last_good_config_file
        pointer.parent.mkdir(parents=True, exist_ok=True)
        tmp = pointer.with_name(f".{pointer.name}.{os.getpid()}")
        tmp.write_text(f"{target}\n")
        os.replace(tmp, pointer)
    except Exception as exc:  # only the restart fallback is lost
        log.warning("could not record the last good config: %s", type(exc).__name__)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _publish_refusal(svc: Services, state: dict[str, str]) -> None:
    """Publish this process's refusal; {} clears it."""
    try:
        svc.coordinator.report_config(worker_id(), state or None)
    except Exception as exc:  # the log line above still says why
        log.warning("could not publish the config state: %s", type(exc).__name__)


def recording_services() -> Services:
    """What a task records a batch with when services() itself failed: the process's services if
    any were built, else a store and spool built without any model config."""
    if _services is not None:
        return _services
    settings = get_settings()
    try:
        store = build_store(settings)
    except Exception as exc:
        log.error("no warehouse to record in (%s): batches go to the spool", type(exc).__name__)
        store = cast(EnrichmentStore, UnavailableStore(f"{type(exc).__name__}"))
    return Services(settings, store)


class UnavailableStore:
    """The warehouse that could not be built: every write raises TransientError, so a record
    falls through to the spool."""

    def __init__(self, why: str) -> None:
        self.why = why

    def write_batch(self, *_: object) -> tuple[int, int, int]:
        raise TransientError(f"warehouse unavailable: {self.why}")


def override(svc: Services | None) -> None:
    """Tests inject fakes here; None resets to lazy construction."""
    global _services, _overridden, _token, _refused
    _services, _overridden, _token, _refused = svc, svc is not None, None, None
