"""Google's emulators on 127.0.0.1, started and stopped (by PID) by the test suite.

BigQuery: PyPI bqemulator (REST API on DuckDB) from its own venv, .venv-bqemu (make install).
Pub/Sub: Google's emulator from the Debian package google-cloud-cli-pubsub-emulator (Java).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from worker.fleet import free_port, port_open

ROOT = Path(__file__).resolve().parents[1]
BQEMU = ROOT / ".venv-bqemu"
PROJECT = "ml-enrichment-test"
PUBSUB_SCRIPT_CANDIDATES = (
    "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator",
    "/usr/share/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator",
)


class EmulatorMissing(RuntimeError):
    pass


def pubsub_script() -> str | None:
    found = shutil.which("cloud-pubsub-emulator")
    return found or next((p for p in PUBSUB_SCRIPT_CANDIDATES if os.path.exists(p)), None)


@contextmanager
def _process(
    argv: list[str], log: Path, env: dict[str, str], ready, timeout: float
) -> Iterator[subprocess.Popen[bytes]]:  # type: ignore[no-untyped-def]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            argv, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            if proc.poll() is not None:
                raise RuntimeError(f"{argv[0]} exited with {proc.returncode}; see {log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{argv[0]} not ready after {timeout}s; see {log}")
            time.sleep(0.2)
        yield proc
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextmanager
def bigquery_emulator(workdir: Path) -> Iterator[str]:
    """Yields the REST endpoint, e.g. http://127.0.0.1:PORT."""
    with bigquery_emulator_endpoints(workdir) as (rest, _grpc):
        yield rest


@contextmanager
def bigquery_emulator_endpoints(
    workdir: Path, patched: bool = True, keep_snapshots: bool = False
) -> Iterator[tuple[str, str]]:
    """Yields (REST endpoint http://127.0.0.1:PORT, gRPC host:port of the Storage APIs).

    patched=True (the default, tests and benches) starts it through bench/bqemu_launch.py: a
    DuckDB cursor per thread (no cross-thread deadlock or mixed-up results) and, unless
    keep_snapshots, no time-travel copy of the whole table after each write. The stock
    emulator (patched=False, the benches' --stock-emulator) deadlocks when a Write API append
    and a REST query meet: a CI run of 2026-12-01 lost the gcp end-to-end test to one request
    that did not answer for 120 s (docs/data-plane.md, "The emulator: two patches").
    """
    exe = BQEMU / "bin" / "bqemulator"
    if not exe.exists():
        raise EmulatorMissing(f"{exe} missing: run `make install`")
    rest, grpc = free_port(), free_port()
    env = dict(os.environ, HOME=str(BQEMU / "home"))
    launch = [str(BQEMU / "bin" / "python"), str(ROOT / "bench" / "bqemu_launch.py")]
    argv = [*(launch if patched else [str(exe)]), "start", "--rest-port", str(rest),
            "--grpc-port", str(grpc), "--project", PROJECT, "--log-level", "warning",
            "--log-format", "console", *(["--keep-snapshots"] if patched and keep_snapshots else [])]  # fmt: skip
    ready = lambda: port_open("127.0.0.1", rest) and port_open("127.0.0.1", grpc)  # noqa: E731
    with _process(argv, workdir / "bqemulator.log", env, ready, 90):
        yield f"http://127.0.0.1:{rest}", f"127.0.0.1:{grpc}"


@contextmanager
def pubsub_emulator(workdir: Path) -> Iterator[str]:
    """Yields host:port for PUBSUB_EMULATOR_HOST."""
    with pubsub_emulator_process(workdir) as (host, _pid):
        yield host


@contextmanager
def pubsub_emulator_process(workdir: Path) -> Iterator[tuple[str, int]]:
    """Yields (host:port, pid of its process group leader), for tests that kill it."""
    script = pubsub_script()
    if script is None:
        raise EmulatorMissing(
            "Pub/Sub emulator not installed (Debian package google-cloud-cli-pubsub-emulator)"
        )
    port = free_port()
    argv = [script, "--host=127.0.0.1", f"--port={port}"]
    with _process(argv, workdir / "pubsub-emulator.log", dict(os.environ),
                  lambda: port_open("127.0.0.1", port), 120) as proc:  # fmt: skip
        yield f"127.0.0.1:{port}", proc.pid
