"""Real processes on 127.0.0.1: redis-server, a Celery worker, beat and Flower, started by PID."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from adapters.duckdb.store import DuckDbStore
from worker.fleet import Fleet, free_port
from worker.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def make_fleet(base: Path, **overrides: object) -> Fleet:
    values: dict[str, object] = {
        "broker_url": f"redis://127.0.0.1:{free_port()}/0",
        "data_dir": base,
        "flower_port": free_port(),
        "batch_size": 16,
        "batch_max_wait_s": 0.3,
    }
    settings = Settings(**(values | overrides))  # type: ignore[arg-type]
    return Fleet(settings, base / "run")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """redis-server + one worker, shared by a module's tests (each test uses its own ids)."""
    f = make_fleet(tmp_path_factory.mktemp("fleet"))
    try:
        f.start(("redis", "worker", "persister"))
        yield f
    finally:
        f.stop()


def store_of(fleet: Fleet) -> DuckDbStore:
    return DuckDbStore(fleet.settings.duckdb_path)


def enrich_cli(fleet: Fleet, *args: str, stdin: bytes | None = None, timeout: float = 180,
               program: str = "cli.enrich", env: dict[str, str] | None = None):  # fmt: skip
    """Run the `enrich` console entry point (or `program`) against this fleet, as an operator
    would (`env`: settings of this run only, e.g. another ENRICH_CONFIG_ROOT)."""
    env = fleet.env() | (env or {})
    return subprocess.run(
        [sys.executable, "-m", program, *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def write_postings(
    path: Path, prefix: str, n: int | None = None, offset: int = 0, copies: int = 1
) -> list[str]:
    """Real sample postings under fresh ids (`prefix-<id>`, or `prefix<c>-<id>` per copy), so
    fleets and benchmarks never collide on ids. Returns the ids in file order."""
    from tests.conftest import SAMPLES

    lines = SAMPLES.read_text(encoding="utf-8").splitlines()
    lines = lines[offset : None if n is None else offset + n]
    ids = []
    with open(path, "w", encoding="utf-8") as fh:
        for c in range(copies):
            pfx = prefix if copies == 1 else f"{prefix}{c}"
            for line in lines:
                row = json.loads(line)
                row["posting_id"] = f"{pfx}-{row['posting_id']}"
                ids.append(row["posting_id"])
                fh.write(json.dumps(row) + "\n")
    return ids


def freeze_holding_enrich_messages(fleet: Fleet, r: redis.Redis, timeout: float = 120) -> int:
    """SIGSTOP the worker's process group at a moment it holds enrich messages in `unacked`;
    return the worker's pgid. Retries (SIGCONT) until it does."""
    pgid = fleet.pid("worker")
    assert pgid is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        os.killpg(pgid, signal.SIGSTOP)
        held = [json.loads(v)[2] for v in r.hvals("unacked")]  # [message, exchange, routing_key]
        if "enrich" in held:
            return pgid
        os.killpg(pgid, signal.SIGCONT)
        time.sleep(0.02)
    raise AssertionError("the worker never held an enrich message")


def ops_cli(fleet: Fleet, *args: str, timeout: float = 120, env: dict[str, str] | None = None):
    """Run `enrich-ops` against this fleet, as an operator would."""
    return enrich_cli(fleet, *args, timeout=timeout, program="cli.enrich_ops", env=env)
