"""Settings from ENRICH_* environment variables, validated once per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ENRICH_", extra="ignore")

    broker_url: str = Field("redis://127.0.0.1:6379/0", description="Celery broker (Redis)")
    config_root: Path = Field(REPO_ROOT, description="folder holding config/model_versions.yaml")
    data_dir: Path = Field(REPO_ROOT / ".data", description="embedded warehouse and run state")
    store_backend: Literal["duckdb"] = "duckdb"
    duckdb_file: str = "enrichment.duckdb"
    duckdb_lock_timeout_s: float = 30.0
    # The persister keeps the file open across batches this long (0 = open per operation).
    duckdb_hold_s: float = 0.0

    batch_size: int = Field(32, ge=1, le=1000, description="postings per chain link")
    batch_max_wait_s: float = Field(2.0, gt=0, description="flush a partial batch after this")
    max_posting_bytes: int = Field(1_000_000, ge=1024, description="raw message size cap")

    # Build the extraction models when a worker starts (before the pool forks, so children
    # share them). The persister, which only writes, turns this off.
    preload_models: bool = True
    task_max_retries: int = 8
    # Redis redelivers a message unacked this long (a worker that died mid-task); must exceed
    # the longest task, or healthy tasks run twice (harmless, idempotent, but wasted).
    visibility_timeout_s: int = 3600
    worker_concurrency: int = 2
    log_level: str = "INFO"

    report_interval_s: float = Field(300.0, gt=0, description="beat: version/drift report period")
    report_enabled: bool = True

    flower_port: int = 5555
    flower_user: str = "ops"
    flower_password: str = "change-me"

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / self.duckdb_file


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
