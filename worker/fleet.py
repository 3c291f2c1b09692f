"""Start, watch and stop the local fleet: redis-server, a worker, beat and Flower, by PID.

A supervisor process (worker/supervisor.py) restarts any of them that dies. Logs are appended
(one header line per start), never truncated. Secrets never appear on a command line: Redis reads
its password from a 0600 config file, Flower its basic auth from the environment.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from pydantic import SecretStr

from worker.settings import DEFAULT_FLOWER_PASSWORD, REPO_ROOT, Settings

if TYPE_CHECKING:
    from worker.checks import Check

log = logging.getLogger(__name__)

COMPONENTS = ("redis", "worker", "persister", "beat", "flower", "supervisor")
SUPERVISED = COMPONENTS[:-1]


class FleetError(RuntimeError):
    pass


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (a dead child nobody reaped yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _wait(
    what: str,
    check: object,
    timeout: float,
    proc: subprocess.Popen[bytes] | None,
    why: Callable[[], str] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        if proc is not None and proc.poll() is not None:
            cause = why() if why else ""
            raise FleetError(
                f"{what} exited with code {proc.returncode} while starting"
                + (f": {cause}" if cause else "")
            )
        time.sleep(0.2)
    raise FleetError(f"{what} not ready after {timeout:.0f}s")


def persister_processes(settings: Settings) -> int:
    """Processes consuming the persist queue: `persisters` on BigQuery (appends, no single
    writer), always 1 on DuckDB (one process may hold the file)."""
    return settings.persisters if settings.store_backend == "bigquery" else 1


@dataclass
class Fleet:
    """Processes live in their own session (process group) so a stop takes their children too."""

    settings: Settings
    run_dir: Path

    @property
    def broker(self) -> tuple[str, int]:
        u = urlparse(self.settings.broker_url)
        return u.hostname or "127.0.0.1", u.port or 6379

    def env(self) -> dict[str, str]:
        """The parent's environment plus every setting, so children see exactly this fleet's."""
        env = dict(os.environ)
        for name, value in self.settings.model_dump().items():
            key = f"ENRICH_{name.upper()}"
            if value is None:
                env.pop(key, None)
            elif isinstance(value, SecretStr):
                env[key] = value.get_secret_value()
            else:
                env[key] = str(value)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _pidfile(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    def log_path(self, name: str) -> Path:
        return self.run_dir / "logs" / f"{name}.log"

    def recorded_pid(self, name: str) -> int | None:
        """The pid in the pidfile, alive or not."""
        try:
            return int(self._pidfile(name).read_text())
        except (OSError, ValueError):
            return None

    def pid(self, name: str) -> int | None:
        pid = self.recorded_pid(name)
        return pid if pid is not None and pid_alive(pid) else None

    def _log_since(self, name: str, offset: int) -> str:
        with open(self.log_path(name), "rb") as fh:
            fh.seek(offset)
            return fh.read().decode("utf-8", "replace")

    def unhealthy_line(self, name: str, offset: int = 0) -> str:
        """The cause a worker logged when it refused to start ("worker unhealthy: ..."), if any."""
        for line in reversed(self._log_since(name, offset).splitlines()):
            if "worker unhealthy: " in line:
                return line.split("worker unhealthy: ", 1)[1].strip()
        return ""

    def last_start_offset(self, name: str) -> int:
        """Where the log of the component's latest start begins (0 if none is marked)."""
        try:
            text = self.log_path(name).read_bytes()
        except OSError:
            return 0
        at = text.rfind(f" starting {name} ===\n".encode())
        return 0 if at < 0 else at

    def _spawn(
        self, name: str, argv: Sequence[str], env: dict[str, str] | None = None
    ) -> tuple[subprocess.Popen[bytes], int]:
        """Start a process in its own session, its output appended to its log. Returns the
        process and the log offset where this start's output begins."""
        self.log_path(name).parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path(name), "ab") as log:  # appended: a restart keeps the evidence
            log.write(f"=== {time.strftime('%Y-%m-%dT%H:%M:%S%z')} starting {name} ===\n".encode())
            log.flush()
            offset = log.tell()
            proc = subprocess.Popen(
                list(argv),
                cwd=REPO_ROOT,
                env=self.env() | (env or {}),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._pidfile(name).write_text(str(proc.pid))
        return proc, offset

    def _celery(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "celery", "-A", "worker.app", *args]

    def start(self, components: Sequence[str] = COMPONENTS, timeout: float = 90) -> None:
        """Start what is not running, after the checks it depends on (worker/checks.py): the
        config for the worker, the store for the persister (read-only), the broker's password
        for everything after redis. A failed check or start raises FleetError naming it and
        stops what this call started: a fleet that is not healthy is not left "running"."""
        todo = [n for n in components if not self.pid(n)]
        self._check(self.preflight(todo))
        self.run_dir.mkdir(parents=True, exist_ok=True)
        started: list[str] = []
        try:
            for name in todo:
                if name != "redis" and not any(n != "redis" for n in started):
                    from worker.checks import check_broker

                    self._check([check_broker(self.settings)])
                getattr(self, f"_start_{name}")(timeout)
                started.append(name)
        except FleetError:
            if started:
                self.stop(started[::-1])
            raise

    def preflight(self, components: Sequence[str]) -> list[Check]:
        """The read-only checks the given components need before they start."""
        from worker.checks import check_config, check_store

        checks = []
        if "worker" in components:
            checks.append(check_config(self.settings))
        if "persister" in components:
            checks.append(check_store(self.settings))
        return checks

    @staticmethod
    def _check(checks: Sequence[Check]) -> None:
        failed = [c for c in checks if not c.ok]
        if failed:
            raise FleetError("not healthy: " + "; ".join(c.line() for c in failed))

    def _start_redis(self, timeout: float) -> None:
        host, port = self.broker
        if port_open(host, port):
            return  # an existing broker (e.g. a system redis) is used as it is
        if host not in ("127.0.0.1", "localhost"):
            raise FleetError(f"broker {host}:{port} is not reachable and is not local")
        binary = shutil.which("redis-server")
        if not binary:
            raise FleetError(
                "redis-server not found: run `make install` (apt-get install redis-server)"
            )
        conf = self.write_redis_conf(port)
        proc, _ = self._spawn("redis", [binary, str(conf)])
        _wait("redis-server", lambda: port_open(host, port), timeout, proc)

    def write_redis_conf(self, port: int) -> Path:
        """redis.conf (0600) with the password: the settings' one, else generated once per data
        dir into run/secrets/redis_password (0600) where every fleet client reads it.

        appendfsync always: a message is on disk before Redis acknowledges it, so a SIGKILLed
        redis-server loses no enqueued batch (everysec could lose the last second).
        """
        password = self.settings.redis_password()
        if password is None:
            secret = self.settings.redis_password_file
            secret.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            password = secrets.token_urlsafe(32)
            _write_private(secret, password + "\n")
        conf = self.run_dir / "redis.conf"
        _write_private(
            conf,
            "\n".join([
                "bind 127.0.0.1", f"port {port}", "protected-mode yes", f"dir {self.run_dir}",
                "appendonly yes", "appendfsync always", 'save ""', "daemonize no",
                f"requirepass {password}", "",
            ]),
        )  # fmt: skip
        return conf

    def _start_worker(self, timeout: float) -> None:
        proc, at = self._spawn(
            "worker",
            self._celery("worker", "-Q", "enrich,reenrich,lifecycle,cluster", "-n", f"enrich-{os.getpid()}@%h",
                         "-c", str(self.settings.worker_concurrency),
                         "--loglevel", self.settings.log_level),
        )  # fmt: skip
        _wait("worker", lambda: "ready." in self._log_since("worker", at), timeout, proc,
              lambda: self.unhealthy_line("worker", at))  # fmt: skip

    def _start_persister(self, timeout: float) -> None:
        # The one consumer of the persist queue: the embedded warehouse's single writer, which
        # keeps its file open across batches (see DuckDbStore). BigQuery has no single writer
        # (appends, adapters/bigquery/store.py): there `persisters` processes write at once.
        n = persister_processes(self.settings)
        proc, at = self._spawn(
            "persister",
            self._celery("worker", "-Q", "persist", "-n", f"persist-{os.getpid()}@%h", "-c", str(n),
                         "--loglevel", self.settings.log_level),
            # one DuckDB thread: batches are small, and more threads only spin against the
            # enrich processes for the same cores (bench/throughput.py --sweep)
            env={"ENRICH_DUCKDB_HOLD_S": "0.5", "ENRICH_DUCKDB_THREADS": "1",
                 "ENRICH_PRELOAD_MODELS": "false"},
        )  # fmt: skip
        _wait("persister", lambda: "ready." in self._log_since("persister", at), timeout, proc,
              lambda: self.unhealthy_line("persister", at))  # fmt: skip

    def _start_beat(self, timeout: float, name: str = "beat") -> None:
        proc, at = self._spawn(
            name, self._celery("beat", "--pidfile=", "--loglevel", self.settings.log_level)
        )
        _wait(name, lambda: "beat: Starting" in self._log_since(name, at), timeout, proc)

    def start_extra_beat(self, name: str, timeout: float = 60) -> None:
        """A second scheduler, to show RedBeat's leader lock lets only one dispatch."""
        self._start_beat(timeout, name)

    def _start_flower(self, timeout: float) -> None:
        s = self.settings
        if port_open("127.0.0.1", s.flower_port):  # Flower would exit with "Address in use"
            raise FleetError(
                f"Flower's port 127.0.0.1:{s.flower_port} is taken by another process: give this "
                "fleet a free one with ENRICH_FLOWER_PORT"
            )
        if s.flower_password == DEFAULT_FLOWER_PASSWORD:
            print(
                f"WARNING: Flower's password is the default {DEFAULT_FLOWER_PASSWORD!r}: anyone on "
                "this machine can drive the fleet through its API. Set ENRICH_FLOWER_PASSWORD.",
                file=sys.stderr,
            )
        proc, _ = self._spawn(
            "flower",
            # worker.flower: Flower with /metrics behind its basic auth too
            [
                sys.executable,
                "-m",
                "worker.flower",
                "--address=127.0.0.1",
                f"--port={s.flower_port}",
            ],
            env={"FLOWER_BASIC_AUTH": f"{s.flower_user}:{s.flower_password}"},  # not in `ps`
        )

        def healthy() -> bool:
            try:
                url = f"http://127.0.0.1:{s.flower_port}/healthcheck"
                with urllib.request.urlopen(url, timeout=1) as r:
                    return bool(r.status == 200)
            except OSError:
                return False

        _wait("flower", healthy, timeout, proc)

    def _start_supervisor(self, timeout: float) -> None:
        proc, at = self._spawn("supervisor", [sys.executable, "-m", "worker.supervisor"])
        _wait(
            "supervisor", lambda: "supervising" in self._log_since("supervisor", at), timeout, proc
        )

    def stop(self, components: Sequence[str] = COMPONENTS[::-1], timeout: float = 20) -> list[str]:
        """SIGTERM every process group at once (warm shutdown), then SIGKILL what is left.
        The supervisor goes first, so it does not restart what is being stopped."""
        if "supervisor" in components and len(components) > 1:
            stopped = self.stop(("supervisor",), timeout)
            rest = [c for c in components if c != "supervisor"]
            return stopped + self.stop(rest, timeout)
        running = {name: pid for name in components if (pid := self.pid(name))}
        for pid in running.values():
            with suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(self.pid(n) for n in running):
            for pid in running.values():
                _reap(pid)
            time.sleep(0.1)
        for name, pid in running.items():
            if self.pid(name):
                with suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                _reap(pid)
        for name in components:
            self._pidfile(name).unlink(missing_ok=True)
        return list(running)

    def status(self) -> dict[str, int | None]:
        return {name: self.pid(name) for name in COMPONENTS}

    @property
    def supervisor_state_file(self) -> Path:
        return self.run_dir / "supervisor.json"


def _write_private(path: Path, text: str) -> None:
    """Create or replace a file readable by its owner only (0600 from the first byte)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _reap(pid: int) -> None:
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
