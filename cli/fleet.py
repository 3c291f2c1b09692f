"""`enrich demo`, `enrich fleet start|stop|status`, `enrich migrate`: the local fleet and its schema."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.common import SECONDS, Argument, Command, call
from cli.common import store as _store
from cli.ingest import run_bridge, wait_persisted
from cli.versions import print_summary

if TYPE_CHECKING:
    from worker.settings import Settings

# worker.settings.REPO_ROOT, without importing pydantic-settings for --help
REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT / "config" / "samples" / "skillspan_postings.jsonl"
INVALID_SAMPLES = REPO_ROOT / "config" / "samples" / "invalid_postings.jsonl"


def _fleet(settings: Settings):  # type: ignore[no-untyped-def]
    from worker.fleet import Fleet

    return Fleet(settings, settings.run_dir)


def demo_keys(inputs: Sequence[Path]) -> tuple[set[str], set[str]]:
    """(the posting ids named in the demo's input files, their rejection sources `file:<name>`):
    the rows the demo itself writes. Lines that are not JSON objects name no id."""
    ids: set[str] = set()
    for path in inputs:
        for line in path.read_bytes().splitlines():
            try:
                pid = json.loads(line).get("posting_id")
            except (ValueError, AttributeError):
                continue
            if isinstance(pid, str):
                ids.add(pid)
    return ids, {f"file:{p.name}" for p in inputs}


def foreign_rows(settings: Settings, inputs: Sequence[Path]) -> list[str]:
    """Posting ids (and rejection sources) in the DuckDB warehouse file that the demo's inputs
    do not name, sorted; [] when the file is absent or holds only the demo's own rows."""
    if settings.store_backend != "duckdb" or not settings.duckdb_path.exists():
        return []
    from worker.bootstrap import _build_store

    ids, sources = _build_store(settings).stored_keys()  # type: ignore[attr-defined]
    own_ids, own_sources = demo_keys(inputs)
    return sorted(i or "(a row without a posting id)" for i in ids - own_ids) + sorted(
        f"rejections from {s or '?'}" for s in sources - own_sources
    )


def cmd_demo(args: Any, settings: Settings) -> int:
    from worker.errors import BAD_INPUT, CliError

    fleet = _fleet(settings)
    fresh = args.fresh
    if fresh is None:  # default: start empty, unless that would delete someone else's postings
        others = foreign_rows(settings, [args.input, INVALID_SAMPLES])
        if others:
            shown = ", ".join(others[:3]) + (
                f" and {len(others) - 3} more" if len(others) > 3 else ""
            )
            raise CliError(
                f"{settings.duckdb_path} holds rows the demo did not write ({shown}); the demo "
                "starts on an empty warehouse and would delete them. Keep them and add the "
                "samples: enrich demo --no-fresh; delete them: enrich demo --fresh; or point "
                "ENRICH_DATA_DIR / ENRICH_DUCKDB_FILE at another warehouse",
                BAD_INPUT,
            )
        fresh = True
    if fresh:
        fleet.stop()
        settings.duckdb_path.unlink(missing_ok=True)
        settings.duckdb_path.with_suffix(".duckdb.wal").unlink(missing_ok=True)
    print(
        "starting fleet (redis-server, worker, persister, beat, flower, supervisor) ...",
        file=sys.stderr,
    )
    fleet.start()
    t0 = time.perf_counter()
    deadline = time.monotonic() + args.timeout  # bounds the bridge's and the wait's waits together
    stats = run_bridge([args.input, INVALID_SAMPLES], settings, deadline=deadline)
    wait_persisted(settings, stats.posting_ids, stats.rejected_ids, args.timeout, deadline)
    seconds = time.perf_counter() - t0
    print()
    print(
        f"bridged {stats.received} messages: {stats.enqueued} postings, {stats.rejected} rejected"
    )
    print_summary(settings, stats.enqueued, seconds)
    s = settings
    print(f"\nFlower: http://127.0.0.1:{s.flower_port}  (user {s.flower_user!r}, password from "
          f"ENRICH_FLOWER_PASSWORD, default {s.flower_password!r})")  # fmt: skip
    print(f"logs:   {fleet.run_dir / 'logs'}")
    print("stop:   make stop")
    return 0


def cmd_fleet(args: Any, settings: Settings) -> int:
    fleet = _fleet(settings)
    if args.action == "start":
        fleet.start()
    elif args.action == "stop":
        print("stopped: " + (", ".join(fleet.stop()) or "nothing was running"))
        return 0
    from worker.supervisor import read_state

    restarts = read_state(fleet)
    for name, pid in fleet.status().items():
        r = restarts.get(name, {})
        extra = (
            f"  restarted {r['restarts']}x, last {r['last_restart']}" if r.get("restarts") else ""
        )
        print(f"{name:<10} {'running pid ' + str(pid) if pid else 'stopped'}{extra}")
    return _print_health(fleet)


def _print_health(fleet) -> int:  # type: ignore[no-untyped-def]
    """The health lines under `fleet start|status`; 7 (FLEET) when one failed."""
    from worker.checks import fleet_checks
    from worker.errors import FLEET, OK

    checks = fleet_checks(fleet)
    for c in checks:
        print(c.line())
    failed = [c.name for c in checks if not c.ok]
    if failed:
        print(f"fleet NOT healthy: {', '.join(failed)}", file=sys.stderr)
    return FLEET if failed else OK


def cmd_migrate(args: Any, settings: Settings) -> int:
    if settings.store_backend != "bigquery":
        _store(settings)
        print(f"DuckDB schema is up to date in {settings.duckdb_path} (created on open)")
        return 0
    from adapters.bigquery.client import make_client
    from adapters.bigquery.migrate import migrate

    client = make_client(
        settings.bigquery_project, settings.bigquery_endpoint, settings.bigquery_location
    )
    ran = migrate(client, settings.bigquery_dataset_ref, settings.bigquery_location)
    applied = [r for r in ran if r.startswith("migrations/")]
    print(
        f"{settings.bigquery_dataset_ref}: tables ensured; migrations applied now: {applied or 'none'}"
    )
    return 0


@click.command(
    "demo",
    cls=Command,
    short_help="start the local fleet, enrich the sample postings, print a summary",
    help="Start the local fleet on 127.0.0.1 (redis-server, enrich worker, persister, beat, "
    "Flower, supervisor), bridge the sample postings plus four invalid lines, wait until every "
    "one is persisted or rejected, and print postings/s and the `enrich summary` of the "
    "warehouse. The fleet keeps running (enrich fleet stop). Example: make demo, or "
    "enrich demo --no-fresh",
)
@click.option("--input", type=click.Path(path_type=Path), default=SAMPLES,
              help=f"postings JSONL (default {SAMPLES.name})")  # fmt: skip
@click.option("--fresh/--no-fresh", default=None,
              help="--fresh: restart the fleet on an empty warehouse, deleting what it holds; "
              "--no-fresh: keep the warehouse and add the samples to it (default: empty it only "
              "when it holds nothing but the demo's own rows, else refuse, exit 2)")  # fmt: skip
@click.option("--timeout", type=SECONDS, default=600,
              help="seconds to bridge and persist the samples before giving up (default 600)")  # fmt: skip
def demo(**params: Any) -> int:
    return call(cmd_demo, params)


@click.command(
    "fleet",
    cls=Command,
    short_help="start/stop/status of the local fleet (redis, worker, persister, beat, Flower)",
    help="start: launch the local fleet on 127.0.0.1 (redis-server with a generated password, "
    "enrich worker, persister, beat, Flower and a supervisor that restarts what dies), then "
    "print each process's pid and health checks (exit 7 when one fails); stop: stop them by "
    "pid; status: pids, restarts and health. Logs: ENRICH_DATA_DIR/run/logs. "
    "Example: enrich fleet start",
)
@click.argument("action", type=click.Choice(["start", "stop", "status"]), cls=Argument)
def fleet(**params: Any) -> int:
    return call(cmd_fleet, params)


@click.command(
    "migrate",
    cls=Command,
    short_help="create/upgrade the warehouse schema (BigQuery: sql/); idempotent",
    help="DuckDB: open the warehouse file, which creates or upgrades its schema, and print its "
    "path. BigQuery (ENRICH_STORE_BACKEND=bigquery): ensure the dataset's tables and apply the "
    "numbered migrations of sql/migrations not yet applied, printing them. Safe to re-run. "
    "Example: ENRICH_STORE_BACKEND=bigquery enrich migrate",
)
def migrate(**params: Any) -> int:
    return call(cmd_migrate, params)
