"""The local fleet restarts what dies, keeps its logs, and keeps secrets off command lines."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from tests.integration.conftest import ROOT, make_fleet
from worker.supervisor import read_state

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def cmdlines() -> str:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError):
                out.append(
                    (d / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
                )
    return "\n".join(out)


def test_supervised_fleet_restarts_a_killed_worker_and_guards_its_secrets(tmp_path: Path) -> None:
    fleet = make_fleet(tmp_path, flower_password="s3cret-flower-pw", supervise_backoff_max_s=2)
    try:
        fleet.start(("redis", "worker", "beat", "flower", "supervisor"))
        s = fleet.settings
        password = s.redis_password()
        assert password and (s.redis_password_file.stat().st_mode & 0o777) == 0o600
        assert (fleet.run_dir / "redis.conf").stat().st_mode & 0o777 == 0o600
        procs = cmdlines()
        assert password not in procs and "s3cret-flower-pw" not in procs  # not visible in ps
        with pytest.raises(redis.AuthenticationError):
            redis.Redis.from_url(s.broker_url).ping()  # no password, no access
        assert redis.Redis.from_url(s.broker_connection_url).ping()

        health = [sys.executable, "-m", "worker.health"]
        for role in ("broker", "worker", "beat", "flower"):
            run = subprocess.run([*health, role], cwd=ROOT, env=fleet.env(), capture_output=True,
                                 timeout=60, check=False)  # fmt: skip
            assert run.returncode == 0, (role, run.stderr.decode())

        old = fleet.pid("worker")
        assert old is not None
        os.kill(old, signal.SIGKILL)  # the parent: its pool children are orphaned
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and not read_state(fleet).get("worker", {}).get(
            "restarts"
        ):
            time.sleep(0.5)
        assert read_state(fleet)["worker"]["restarts"] == 1, "the supervisor did not restart it"
        assert fleet.pid("worker") not in (None, old)
        log = fleet.log_path("worker").read_text()
        assert log.count("starting worker ===") == 2  # appended, the first run's log is kept
        assert "is not running; restarting" in fleet.log_path("supervisor").read_text()
        status = subprocess.run([sys.executable, "-m", "cli.enrich", "fleet", "status"], cwd=ROOT,
                                env=fleet.env(), capture_output=True, text=True, check=True)  # fmt: skip
        assert "restarted 1x" in status.stdout
    finally:
        fleet.stop()
    assert not fleet.pid("supervisor") and not fleet.pid("worker")
