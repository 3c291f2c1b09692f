"""Composition root: settings -> adapters -> services, built lazily once per process."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from adapters.artifacts.config_files import build_pipeline, load_config
from adapters.duckdb.store import DuckDbStore
from domain.pipeline import Pipeline
from domain.ports import EnrichmentStore
from worker.settings import Settings, get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    settings: Settings
    pipeline: Pipeline
    store: EnrichmentStore


_lock = threading.Lock()
_services: Services | None = None


def build_store(settings: Settings) -> EnrichmentStore:
    return DuckDbStore(settings.duckdb_path, lock_timeout_s=settings.duckdb_lock_timeout_s)


def build_services(settings: Settings | None = None) -> Services:
    settings = settings or get_settings()
    cfg = load_config(settings.config_root)
    pipeline = build_pipeline(cfg)
    log.info("models loaded: enrichment_version=%s", cfg.manifest.effective)
    return Services(settings, pipeline, build_store(settings))


def services() -> Services:
    global _services
    if _services is None:
        with _lock:
            if _services is None:
                _services = build_services()
    return _services


def override(svc: Services | None) -> None:
    """Tests inject fakes here; None resets to lazy construction."""
    global _services
    _services = svc
