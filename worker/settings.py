"""Settings from ENRICH_* environment variables, validated once per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse, urlunparse

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FLOWER_PASSWORD = "change-me"
VISIBILITY_MARGIN = 2


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ENRICH_", extra="ignore")

    broker_url: str = Field("redis://127.0.0.1:6379/0", description="Celery broker (Redis)")
    # Redis password. Unset: the one `enrich fleet start` generated for its own redis-server
    # (run/secrets/redis_password, mode 0600), if any. Never put it on a command line.
    broker_password: SecretStr | None = None
    config_root: Path = Field(REPO_ROOT, description="folder holding config/model_versions.yaml")
    data_dir: Path = Field(REPO_ROOT / ".data", description="embedded warehouse and run state")
    store_backend: Literal["duckdb", "bigquery"] = "duckdb"
    # BigQuery (store_backend=bigquery): credentials from Application Default Credentials;
    # bigquery_endpoint points the client at an emulator instead (no credentials then).
    bigquery_project: str = "ml-enrichment-local"
    bigquery_dataset: str = "enrichment"
    bigquery_location: str | None = None
    bigquery_endpoint: str | None = None
    # host:port of the emulator's gRPC Storage Write API, needed for writes when bigquery_endpoint
    # is set (on BigQuery, writes go to Google's Write API endpoint with the same credentials).
    bigquery_write_endpoint: str | None = None
    # Persister processes (the persist queue's consumers). BigQuery only: DuckDB keeps one writer.
    persisters: int = Field(1, ge=1, le=64)
    # Pub/Sub source (enrich bridge --source pubsub). PUBSUB_EMULATOR_HOST (read by Google's
    # client itself) points it at an emulator.
    source: Literal["file", "pubsub"] = "file"
    pubsub_project: str = "ml-enrichment-local"
    pubsub_topic: str = "postings"
    pubsub_subscription: str = "postings-bridge"
    pubsub_max_outstanding: int = Field(256, ge=1, description="flow control: leased messages")
    # The Pub/Sub bridge probes its subscription while idle; unreachable this long (emulator or
    # service gone, subscription deleted), it exits non-zero (exit 6) for its supervisor to
    # restart it. Unacked messages are redelivered by Pub/Sub.
    pubsub_lost_after_s: float = Field(60.0, gt=0)
    duckdb_file: str = "enrichment.duckdb"
    duckdb_lock_timeout_s: float = 30.0
    # The persister keeps the file open across batches this long (0 = open per operation).
    duckdb_hold_s: float = 0.0
    duckdb_threads: int | None = Field(
        None, ge=1, description="DuckDB worker threads per connection (unset: one per core)"
    )

    batch_size: int = Field(32, ge=1, le=1000, description="postings per chain link")
    batch_max_wait_s: float = Field(2.0, gt=0, description="flush a partial batch after this")
    max_posting_bytes: int = Field(1_000_000, ge=1024, description="raw message size cap")

    # Build the extraction models when a worker starts (before the pool forks, so children
    # share them). The persister, which only writes, turns this off.
    preload_models: bool = True
    # (s24cost4) gc.freeze() once the models are built at worker start: the collector stops
    # walking the ~400,000 objects of the loaded models on every full collection (those ran
    # inside the concept linker), and the pool children share them untouched (docs/concept-linking.md)
    gc_freeze: bool = True
    task_max_retries: int = 8
    # Time limits of one chain link (a batch). Past the soft limit the batch is recorded as
    # failed (stage + reason, raw text kept for replay-failures); the hard limit kills the child.
    task_soft_time_limit_s: int = Field(210, ge=1)
    task_time_limit_s: int = Field(240, ge=2)
    # How long a finished link keeps trying to hand its batch to the next one while the broker
    # is down, before it records the batch as failed (stage "handoff"). Runs inside the task,
    # so it must fit under the soft time limit with room for the work itself.
    handoff_window_s: float = Field(120.0, gt=0)
    # Redis redelivers a message unacked this long (its worker died mid-task). It must exceed
    # the hard time limit with a margin, or healthy tasks run twice (harmless, idempotent, but
    # wasted); the smaller it is, the sooner a killed worker's batches come back.
    visibility_timeout_s: int = 600
    # How often a worker sweeps for such abandoned messages (kombu's default is ~100 s).
    unacked_restore_interval_s: int = Field(10, ge=1)
    # The Redis key that serializes those sweeps lives this long. kombu's default (300 s) meant a
    # worker SIGKILLed while holding it stalled every redelivery for five minutes.
    unacked_mutex_expire_s: int = Field(30, ge=1)
    worker_concurrency: int = 2
    # intra-op threads of the transformer span model per process: prefork processes each run
    # their own model, so one thread each keeps them from fighting over the cores
    model_threads: int = Field(1, ge=1)
    log_level: str = "INFO"

    report_interval_s: float = Field(300.0, gt=0, description="beat: version/drift report period")
    report_enabled: bool = True

    # Drift re-enrichment (beat): every interval, up to cap_per_run drifted postings are enqueued
    # on the reenrich queue, but never more than max_queue_depth batches waiting there — so a
    # backlog drains at most cap/interval postings/s and new postings are not starved.
    reenrich_enabled: bool = True
    reenrich_interval_s: float = Field(60.0, gt=0)
    reenrich_cap_per_run: int = Field(2000, ge=1)
    reenrich_max_queue_depth: int = Field(32, ge=1, description="batches")
    reenrich_lock_ttl_s: float = Field(300.0, gt=0)
    # A posting enqueued for re-enrichment is not enqueued again for the same version for this
    # long (a Redis mark per posting): long enough for a full reenrich queue to drain; a batch
    # that dies leaves its postings drifted, and they are enqueued again once the marks expire.
    reenrich_in_flight_ttl_s: float = Field(900.0, gt=0)

    # Intake reconciler (beat, domain/reconcile.py): every interval, accepted postings idle for
    # grace_s (warehouse clock) with neither an enrichment nor a failure row are enqueued again,
    # at most max_attempts times, then recorded as intake/lost_in_transit. The grace exceeds the
    # visibility timeout (600 s) + a hard time limit, so a batch Redis will redeliver by itself is
    # not enqueued twice; a shorter grace only costs duplicate work (writes are idempotent).
    # Worst case until a posting is enriched or has a failure row:
    # (max_attempts + 1) x (grace_s + interval_s) = 4 x (900 + 120) s = 68 min.
    reconcile_enabled: bool = True
    reconcile_interval_s: float = Field(120.0, gt=0)
    reconcile_grace_s: float = Field(900.0, ge=0)
    reconcile_max_attempts: int = Field(3, ge=0)
    reconcile_limit: int = Field(2000, ge=1, description="ledger entries handled per run")
    # enrich-queue batches above which a run waits: a backlog, not a loss
    reconcile_max_queue_depth: int = Field(256, ge=0)
    reconcile_lock_ttl_s: float = Field(300.0, gt=0)
    # Ledger compaction (beat): the raw text (~11 KiB per posting) of entries accepted more than
    # retention_s ago whose content is enriched or recorded as failed is dropped; keys, times and
    # attempts stay. A posting still in flight is never touched (it is not accounted for), so the
    # retention only decides how long a finished posting's raw text stays for a replay by hand.
    ledger_compact_enabled: bool = True
    ledger_retention_s: float = Field(7 * 86400.0, ge=0)
    ledger_compact_interval_s: float = Field(3600.0, gt=0)
    ledger_compact_limit: int = Field(50000, ge=1, description="ledger entries compacted per run")

    # Nightly evaluation of the active version on the datasets in config/evaluation.yaml.
    evaluation_enabled: bool = True
    evaluation_hour_utc: int = Field(3, ge=0, le=23)
    evaluation_interval_s: float | None = Field(
        None, gt=0, description="overrides the nightly crontab (tests, staging)"
    )

    # Nightly job clustering (config: the `clustering` block of model_versions.yaml).
    cluster_enabled: bool = True
    cluster_hour_utc: int = Field(2, ge=0, le=23)
    cluster_interval_s: float | None = Field(
        None, gt=0, description="overrides the nightly crontab (tests, staging)"
    )
    cluster_lock_ttl_s: float = Field(
        3600.0, gt=0, description="a run not finished by then (its worker died) frees the lock"
    )

    # Config reload: a worker re-reads the active config when model_versions.yaml or the
    # rollback pointer changed, checking at most this often.
    config_check_interval_s: float = Field(2.0, ge=0)

    # Fault drills only: while this file exists, warehouse writes fail (adapters/faults.py).
    store_fault_file: Path | None = None

    # Batches that could be neither handed on nor recorded in the warehouse (it was down too)
    # are spooled here as files until `enrich-ops replay-failures` re-enqueues them.
    spool_dirname: str = "spool"

    # The local fleet's supervisor restarts a process that died, waiting 1, 2, 4, ... seconds
    # up to this between restarts of the same process.
    supervise_backoff_max_s: float = Field(30.0, gt=0)

    # Poison batches: a message whose earlier runs never finished (worker killed, out of memory,
    # hard time limit) more than this many times is split in halves to isolate the posting that
    # causes it; a lone posting is then recorded as worker_lost. 0 turns the guard off.
    poison_max_deliveries: int = Field(2, ge=0)
    # Memory cap of each pool child of an enrich worker (one that preloads models; not the
    # persister): its address space (RLIMIT_AS) may grow this
    # many MiB above its size when it starts (the models it shares with the parent), so a batch
    # that exhausts memory raises MemoryError in that child (recorded as resource_exhausted),
    # never in the parent, which holds the broker connection. Unset: no cap. Applied to every
    # child the worker starts, so it survives restarts.
    worker_child_memory_headroom_mb: int | None = Field(None, ge=16)
    # Backpressure: a bridge stops reading while the enrich, reenrich and persist queues plus
    # the messages held unacked hold more than this many batches, and resumes below
    # bridge_resume_fraction of it. 0 turns it off.
    bridge_max_queued_batches: int = Field(64, ge=0)
    bridge_resume_fraction: float = Field(0.75, gt=0, le=1)
    bridge_backpressure_poll_s: float = Field(1.0, gt=0)

    # The bridge subscription's dead-letter topic (worker/pubsub_admin.py creates both): a
    # message delivered this many times without an ack (5..100) moves there instead of looping.
    pubsub_dead_letter_topic: str = "postings-dead-letter"
    pubsub_max_delivery_attempts: int = Field(5, ge=5, le=100)
    # Enrichment events (domain/events.py, docs/events.md): after a batch is persisted, one
    # message per posting to this topic (short name, in pubsub_project; or projects/P/topics/T).
    # Unset: no events, no cost. A failed publish never fails persistence: the row stays due
    # and the resend job (beat) publishes it after events_resend_grace_s.
    events_topic: str | None = None
    events_publish_timeout_s: float = Field(10.0, gt=0, description="one batch's publish, at most")
    events_backoff_s: float = Field(
        30.0, ge=0, description="publish nothing for this long after a failure"
    )
    events_max_bytes: int = Field(9_900_000, ge=10_000, le=9_900_000, description="event data cap")
    # Each resend run scans the window's enrichment rows (row_id, posting_id, enriched_at, ~110 B
    # a row on BigQuery, docs/cost.md): a day every 5 minutes. Only rows enriched within the
    # window are looked at (and, when events are first turned on, published).
    events_resend_interval_s: float = Field(300.0, gt=0)
    events_resend_grace_s: float = Field(120.0, ge=0)
    events_resend_window_s: float = Field(86400.0, gt=0)
    events_resend_limit: int = Field(1000, ge=1, description="rows per resend run")
    events_resend_lock_ttl_s: float = Field(300.0, gt=0)

    flower_port: int = 5555
    flower_user: str = "ops"
    flower_password: str = DEFAULT_FLOWER_PASSWORD

    @model_validator(mode="after")
    def _timeouts_fit(self) -> Settings:
        # A message must not be redelivered while its task can still be running.
        if self.visibility_timeout_s < VISIBILITY_MARGIN * self.task_time_limit_s:
            raise ValueError(
                f"visibility_timeout_s ({self.visibility_timeout_s}) must be at least "
                f"{VISIBILITY_MARGIN}x task_time_limit_s ({self.task_time_limit_s})"
            )
        if self.task_soft_time_limit_s >= self.task_time_limit_s:
            raise ValueError("task_soft_time_limit_s must be below task_time_limit_s")
        if self.handoff_window_s >= self.task_soft_time_limit_s:
            raise ValueError("handoff_window_s must be below task_soft_time_limit_s")
        return self

    @property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / self.spool_dirname

    @property
    def last_good_config_file(self) -> Path:
        """Points at the archived release a worker last validated (its restart fallback)."""
        return self.run_dir / "last_good_config"

    @property
    def redis_password_file(self) -> Path:
        return self.run_dir / "secrets" / "redis_password"

    def redis_password(self) -> str | None:
        """The configured password, else the one the local fleet generated, else None."""
        if self.broker_password is not None:
            return self.broker_password.get_secret_value()
        if urlparse(self.broker_url).password:
            return urlparse(self.broker_url).password
        try:
            return self.redis_password_file.read_text().strip() or None
        except OSError:
            return None

    @property
    def broker_connection_url(self) -> str:
        """broker_url with the password in it: what clients connect with (never logged)."""
        u = urlparse(self.broker_url)
        password = self.redis_password()
        if not password or u.password:
            return self.broker_url
        netloc = f"{u.username or ''}:{password}@{u.hostname}" + (f":{u.port}" if u.port else "")
        return urlunparse(u._replace(netloc=netloc))

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / self.duckdb_file

    @property
    def bigquery_dataset_ref(self) -> str:
        return f"{self.bigquery_project}.{self.bigquery_dataset}"

    @property
    def topic_path(self) -> str:
        return f"projects/{self.pubsub_project}/topics/{self.pubsub_topic}"

    @property
    def subscription_path(self) -> str:
        return f"projects/{self.pubsub_project}/subscriptions/{self.pubsub_subscription}"

    @property
    def dead_letter_topic_path(self) -> str:
        return f"projects/{self.pubsub_project}/topics/{self.pubsub_dead_letter_topic}"

    @property
    def events_topic_path(self) -> str | None:
        """The events topic as projects/P/topics/T, None when events are off."""
        if not self.events_topic:
            return None
        if self.events_topic.startswith("projects/"):
            return self.events_topic
        return f"projects/{self.pubsub_project}/topics/{self.events_topic}"

    @property
    def releases_dir(self) -> Path:
        """Every config version a worker ever ran, kept so a rollback can restore it."""
        return self.data_dir / "releases"

    @property
    def cluster_models_dir(self) -> Path:
        """Fitted cluster models, one .npz per model_id (a shared volume for a multi-host fleet)."""
        return self.data_dir / "cluster_models"

    @property
    def active_release_file(self) -> Path:
        """Pointer written by `enrich-ops rollback`; absent = run the deployed config_root."""
        return self.data_dir / "active_release"

    def active_config_root(self) -> Path:
        try:
            target = Path(self.active_release_file.read_text().strip())
        except OSError:
            return self.config_root
        return target if (target / "config" / "model_versions.yaml").is_file() else self.config_root


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
