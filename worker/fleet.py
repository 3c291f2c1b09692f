"""Start, watch and stop the local fleet: redis-server, a worker, beat and Flower, by PID."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from worker.settings import REPO_ROOT, Settings

COMPONENTS = ("redis", "worker", "persister", "beat", "flower")


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


def _wait(what: str, check: object, timeout: float, proc: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        if proc is not None and proc.poll() is not None:
            raise FleetError(f"{what} exited with code {proc.returncode} while starting")
        time.sleep(0.2)
    raise FleetError(f"{what} not ready after {timeout:.0f}s")


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
            else:
                env[key] = str(value)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _pidfile(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    def log_path(self, name: str) -> Path:
        return self.run_dir / "logs" / f"{name}.log"

    def pid(self, name: str) -> int | None:
        try:
            pid = int(self._pidfile(name).read_text())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def _spawn(
        self, name: str, argv: Sequence[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        self.log_path(name).parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path(name), "wb") as log:  # a fresh log per start
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
        return proc

    def _celery(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "celery", "-A", "worker.app", *args]

    def start(self, components: Sequence[str] = COMPONENTS, timeout: float = 90) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for name in components:
            if self.pid(name):
                continue
            getattr(self, f"_start_{name}")(timeout)

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
        proc = self._spawn(
            "redis",
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(self.run_dir),
             "--appendonly", "yes", "--save", "", "--daemonize", "no", "--protected-mode", "yes"],
        )  # fmt: skip
        _wait("redis-server", lambda: port_open(host, port), timeout, proc)

    def _start_worker(self, timeout: float) -> None:
        proc = self._spawn(
            "worker",
            self._celery("worker", "-Q", "enrich,reenrich,lifecycle", "-n", f"enrich-{os.getpid()}@%h",
                         "-c", str(self.settings.worker_concurrency),
                         "--loglevel", self.settings.log_level),
        )  # fmt: skip
        _wait("worker", lambda: "ready." in self.log_path("worker").read_text(), timeout, proc)

    def _start_persister(self, timeout: float) -> None:
        # The one consumer of the persist queue: the embedded warehouse's single writer, which
        # keeps its file open across batches (see DuckDbStore).
        proc = self._spawn(
            "persister",
            self._celery("worker", "-Q", "persist", "-n", f"persist-{os.getpid()}@%h", "-c", "1",
                         "--loglevel", self.settings.log_level),
            env={"ENRICH_DUCKDB_HOLD_S": "0.5", "ENRICH_PRELOAD_MODELS": "false"},
        )  # fmt: skip
        ready = self.log_path("persister")
        _wait("persister", lambda: "ready." in ready.read_text(), timeout, proc)

    def _start_beat(self, timeout: float, name: str = "beat") -> None:
        proc = self._spawn(
            name, self._celery("beat", "--pidfile=", "--loglevel", self.settings.log_level)
        )
        _wait(name, lambda: "beat: Starting" in self.log_path(name).read_text(), timeout, proc)

    def start_extra_beat(self, name: str, timeout: float = 60) -> None:
        """A second scheduler, to show RedBeat's leader lock lets only one dispatch."""
        self._start_beat(timeout, name)

    def _start_flower(self, timeout: float) -> None:
        s = self.settings
        proc = self._spawn(
            "flower",
            self._celery("flower", "--address=127.0.0.1", f"--port={s.flower_port}",
                         f"--basic-auth={s.flower_user}:{s.flower_password}"),
        )  # fmt: skip

        def healthy() -> bool:
            try:
                url = f"http://127.0.0.1:{s.flower_port}/healthcheck"
                with urllib.request.urlopen(url, timeout=1) as r:
                    return bool(r.status == 200)
            except OSError:
                return False

        _wait("flower", healthy, timeout, proc)

    def stop(self, components: Sequence[str] = COMPONENTS[::-1], timeout: float = 20) -> list[str]:
        """SIGTERM every process group at once (warm shutdown), then SIGKILL what is left."""
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


def _reap(pid: int) -> None:
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
