"""Composition root: settings -> adapters -> services, built lazily once per process."""

from __future__ import annotations

import logging
import threading
import time
from functools import cached_property
from pathlib import Path
from typing import cast

from adapters.artifacts.cluster_models import FileClusterModels
from adapters.artifacts.config_files import (
    MODEL_VERSIONS,
    LoadedConfig,
    build_pipeline,
    load_clustering,
    load_config,
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
from domain.evaluation.run import GoldDataset
from domain.models import VersionManifest
from domain.pipeline import Pipeline
from domain.ports import (
    ClusterModels,
    ClusterStore,
    Coordinator,
    Dispatcher,
    EnrichmentStore,
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

    def evaluation_config(self) -> EvaluationConfig:
        return load_evaluation_config(self.config_root)

    def datasets(self, only: str | None = None) -> list[GoldDataset]:
        return configured_datasets(self.config_root, only)


_lock = threading.Lock()
_services: Services | None = None
_overridden = False
_token: tuple[object, ...] | None = None
_checked_at: float | None = None  # monotonic seconds; None until the first check


def build_store(settings: Settings) -> EnrichmentStore:
    store = _build_store(settings)
    if settings.store_fault_file is not None:
        from adapters.faults import FaultSwitchStore

        log.warning("fault drill armed: writes fail while %s exists", settings.store_fault_file)
        return FaultSwitchStore(store, settings.store_fault_file)
    return store


def _build_store(settings: Settings) -> EnrichmentStore:
    if settings.store_backend == "bigquery":
        from adapters.bigquery.client import make_client
        from adapters.bigquery.store import BigQueryStore

        client = make_client(
            settings.bigquery_project, settings.bigquery_endpoint, settings.bigquery_location
        )
        return BigQueryStore(client, settings.bigquery_dataset_ref)
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


def services(fresh: bool = False) -> Services:
    """The process's services; rebuilt when a rollout or rollback changed the active config.

    The config is checked at most every `config_check_interval_s` on the hot path; `fresh`
    checks now (lifecycle tasks decide what "current" is, so they must not act on a stale view).
    """
    global _services, _token, _checked_at
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
        if _services is None or token != _token:
            if _services is not None:
                log.warning("active config changed (%s): reloading models", token[0])
            # the store does not depend on the model config: keep it across reloads
            old = _services
            store = old.store if old is not None else build_store(settings)
            _services = Services(settings, store)
            if old is not None:  # broker-side services don't depend on the model config either
                for name in ("coordinator", "dispatcher", "spool"):
                    if name in old.__dict__:
                        _services.__dict__[name] = old.__dict__[name]
            if _token is not None and settings.preload_models:
                _ = _services.pipeline  # load now, not inside the next task's timing
            _token = token
    return _services


def override(svc: Services | None) -> None:
    """Tests inject fakes here; None resets to lazy construction."""
    global _services, _overridden, _token
    _services, _overridden, _token = svc, svc is not None, None
