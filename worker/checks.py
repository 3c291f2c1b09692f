"""Health checks shared by `enrich fleet start|status` and the container health checks.

Each check answers one question and never writes: the store opens and its schema is current
(read-only), the broker answers PING with our password, the models' config and every file it
names load. A failed check says which and why, in one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from worker.settings import Settings

if TYPE_CHECKING:
    from worker.fleet import Fleet


# the widest check name ("persister"): every status line's ok / FAILED starts in one column
NAME_WIDTH = 9


@dataclass(frozen=True)
class Check:
    name: str  # store | broker | config | models | worker | persister
    ok: bool
    detail: str  # one line: what was found, or the cause and a hint
    version: str | None = None  # config: the effective enrichment version it names

    def line(self) -> str:
        return f"{self.name:<{NAME_WIDTH}} {'ok' if self.ok else 'FAILED'}: {self.detail}"


def check_store(settings: Settings) -> Check:
    """DuckDB: the file passes the read-only checks and its schema version is not newer (an
    older file is upgraded when the fleet opens it). BigQuery: every sql/migrations file is
    applied."""
    from domain.errors import EnrichmentError

    try:
        if settings.store_backend == "bigquery":
            return _check_bigquery(settings)
        from adapters.duckdb.preflight import SCHEMA_VERSION, check_warehouse, schema_version

        path = settings.duckdb_path
        check_warehouse(path, min(settings.duckdb_lock_timeout_s, 10.0))
        if not path.exists():
            return Check("store", True, f"{path} absent: created on first open")
        found = schema_version(path, min(settings.duckdb_lock_timeout_s, 10.0))
        when = "current" if found == SCHEMA_VERSION else "upgraded on the fleet's first open"
        return Check("store", True, f"{path} schema v{found} ({when})")
    except EnrichmentError as exc:
        return Check("store", False, str(exc))


def _check_bigquery(settings: Settings) -> Check:
    from adapters.bigquery.client import make_client
    from adapters.bigquery.sql_files import migration_files

    client = make_client(
        settings.bigquery_project, settings.bigquery_endpoint, settings.bigquery_location
    )
    ref = settings.bigquery_dataset_ref
    try:
        applied = {
            r[0] for r in client.query(f"SELECT name FROM `{ref}.schema_migrations`").result()
        }
    except Exception as exc:  # the vendor's errors, named in the line
        return Check(
            "store", False, f"BigQuery {ref}: {type(exc).__name__}: {exc}; run `enrich migrate`"
        )
    pending = [f.name for f in migration_files() if f"migrations/{f.name}" not in applied]
    if pending:
        return Check(
            "store",
            False,
            f"BigQuery {ref}: migrations not applied: {', '.join(pending)}; run `enrich migrate`",
        )
    return Check("store", True, f"BigQuery {ref}: every migration applied")


def check_broker(settings: Settings, timeout_s: float = 3.0) -> Check:
    """PING with the password every fleet client uses."""
    import redis
    from redis.exceptions import AuthenticationError, BusyLoadingError, RedisError, ResponseError

    from worker.errors import classify

    url = settings.broker_url  # without the password: safe to print
    client = redis.Redis.from_url(
        settings.broker_connection_url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
    )
    try:
        client.ping()
    except (AuthenticationError, ResponseError, RedisError, OSError) as exc:
        found = classify(exc)
        why = found[1] if found else f"{type(exc).__name__}: {exc}"
        if isinstance(exc, AuthenticationError) or "NOAUTH" in str(exc) or "WRONGPASS" in str(exc):
            why = (
                f"{url} refused the password: if another redis-server holds that port (another "
                "fleet, a system redis), give this fleet a free one with ENRICH_BROKER_URL; "
                "else set ENRICH_BROKER_PASSWORD to its requirepass (this fleet's: "
                f"{settings.redis_password_file})"
            )
        elif not isinstance(exc, (ResponseError, BusyLoadingError)) and _listens(url):
            # the port answers but not as redis (a redis loading its data says LOADING, a
            # ResponseError or BusyLoadingError): `enrich fleet start` would not start ours there
            why = (
                f"{url}: a process listens on that port but does not answer as redis-server "
                f"({type(exc).__name__}: {exc}); if another service holds the port, give this "
                "fleet a free one with ENRICH_BROKER_URL (e.g. redis://127.0.0.1:6390/0)"
            )
        return Check("broker", False, why)
    finally:
        client.close()
    return Check("broker", True, f"{url} answers PING with the password")


def _listens(url: str) -> bool:
    """Something accepts TCP connections at the broker URL's host and port (0.3 s to connect)."""
    import socket
    from urllib.parse import urlparse

    u = urlparse(url)
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((u.hostname or "127.0.0.1", u.port or 6379)) == 0


def check_config(settings: Settings) -> Check:
    """The active config loads: model_versions.yaml and every file or model directory it names
    (read and fingerprinted), without building the models."""
    from adapters.artifacts.config_files import load_config
    from domain.errors import EnrichmentError

    root = settings.active_config_root()
    try:
        manifest = load_config(root).manifest
    except (EnrichmentError, OSError) as exc:
        return Check("config", False, f"{root}: {exc}")
    version = manifest.effective
    return Check("config", True, f"{root}: enrichment_version {version}", version)


def check_models(settings: Settings) -> Check:
    """Build the extraction pipeline as a worker does (seconds): every model loads."""
    from adapters.artifacts.config_files import build_pipeline, load_config

    root = settings.active_config_root()
    try:
        pipeline = build_pipeline(load_config(root), settings.model_threads)
    except Exception as exc:  # any model's loader: the line names it
        return Check("models", False, f"{root}: {type(exc).__name__}: {exc}")
    return Check("models", True, f"loaded, enrichment_version {pipeline.manifest.effective}")


def fleet_checks(fleet: Fleet) -> list[Check]:
    """Store, broker and config, then each started worker process: running, and ready (the
    worker loaded its models; a worker that cannot exits with a "worker unhealthy:" line)."""
    checks = [check_store(fleet.settings), check_broker(fleet.settings),
              check_config(fleet.settings)]  # fmt: skip
    deployed = checks[-1].version
    for name in ("worker", "persister"):
        if fleet.recorded_pid(name) is None:
            continue  # not part of this fleet
        offset = fleet.last_start_offset(name)
        if not fleet.pid(name):
            why = fleet.unhealthy_line(name, offset)
            where = f"not running ({why})" if why else f"not running: see {fleet.log_path(name)}"
            checks.append(Check(name, False, where))
            continue
        log = fleet._log_since(name, offset)
        if "ready." in log:
            checks.append(ready_check(name, log, deployed))
        else:
            why = fleet.unhealthy_line(name, offset) or "still starting"
            checks.append(Check(name, False, why))
    return checks


def ready_check(name: str, log: str, deployed: str | None) -> Check:
    """The check of a worker process whose log since its start (`log`) says it is ready: ok,
    naming the version it serves, unless a config it read was refused after its last switch
    ("config refused, still serving X: why (config root)", worker/bootstrap.py) and X is not
    `deployed`, the effective version of the config check (None when that check failed): then
    FAILED with the refusal's line. A worker that starts on a bad config serves the last good
    release when one was recorded (ops10: `fleet start` said ok with a corrupt coder.npz after
    `make demo` had run)."""
    version = serving_version(log)
    what = "models loaded" if name == "worker" else "store open"
    at = log.rfind(_REFUSED)  # at start it comes before the "worker ready" line
    if at > log.rfind("now serving ") and deployed is not None and version != deployed:
        line = log[at:].splitlines()[0].strip()
        return Check(name, False, f"{line}; deployed {deployed} (enrich-ops status)")
    return Check(name, True, f"{what}, enrichment_version {version}")


_REFUSED = "config refused, still serving "

# what a worker's log says it serves: at start, then after each reload of the active config
# (worker/bootstrap.py: "now serving X" on a change, "still serving X" when a new one is refused)
_SERVING_MARKERS = ("worker ready: enrichment_version=", "now serving ", "still serving ")


def serving_version(log: str) -> str:
    """The enrichment version the newest of a worker log's start / reload lines names ("?" when
    none does): after `enrich-ops rollback` or `profile`, the reloaded one, not the start one."""
    found = [(log.rfind(m), m) for m in _SERVING_MARKERS]
    at, marker = max(found)
    if at < 0:
        return "?"
    words = log[at + len(marker) :].split()
    return words[0].rstrip(":,") if words else "?"
