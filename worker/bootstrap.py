"""Composition root: settings -> adapters -> services, built lazily once per process."""

from __future__ import annotations

import logging
import threading
from functools import cached_property

from adapters.artifacts.config_files import LoadedConfig, build_pipeline, load_config
from adapters.duckdb.store import DuckDbStore
from domain.models import VersionManifest
from domain.pipeline import Pipeline
from domain.ports import EnrichmentStore
from worker.settings import Settings, get_settings

log = logging.getLogger(__name__)


class Services:
    """What tasks need. The pipeline (seconds to build) is only built by processes that use it."""

    def __init__(
        self,
        settings: Settings,
        store: EnrichmentStore,
        pipeline: Pipeline | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        if pipeline is not None:
            self.__dict__["pipeline"] = pipeline

    @cached_property
    def config(self) -> LoadedConfig:
        return load_config(self.settings.config_root)

    @cached_property
    def pipeline(self) -> Pipeline:
        pipeline = build_pipeline(self.config)
        log.info("models loaded: enrichment_version=%s", pipeline.manifest.effective)
        return pipeline

    @property
    def manifest(self) -> VersionManifest:
        """The versions this process runs: the loaded pipeline's, else the config on disk."""
        if "pipeline" in self.__dict__:
            return self.pipeline.manifest
        return self.config.manifest


_lock = threading.Lock()
_services: Services | None = None


def build_store(settings: Settings) -> EnrichmentStore:
    return DuckDbStore(
        settings.duckdb_path,
        lock_timeout_s=settings.duckdb_lock_timeout_s,
        hold_s=settings.duckdb_hold_s,
    )


def services() -> Services:
    global _services
    if _services is None:
        with _lock:
            if _services is None:
                settings = get_settings()
                _services = Services(settings, build_store(settings))
    return _services


def override(svc: Services | None) -> None:
    """Tests inject fakes here; None resets to lazy construction."""
    global _services
    _services = svc
