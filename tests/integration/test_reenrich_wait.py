"""After a rollback to a version whose rows exist, `enrich-ops reenrich --wait` returns only when
every drifted posting is back at it, and the drift job never queues a posting twice (the trial of
2026-11-30: `--wait` counted the old rows and returned at once; beat queued in-flight postings
again). Real redis-server, worker, persister and beat."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.artifacts.config_files import load_config
from tests.conftest import ROOT
from tests.integration.conftest import enrich_cli, make_fleet, ops_cli, store_of, write_postings
from tests.integration.test_lifecycle import bump_version, wait_for
from worker.fleet import Fleet

# a fleet start and two model reloads: 77 s at load ~5, 235 s at load ~10 (the default 300 s is too near)
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

N = 48  # three batches of 16


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    shutil.copytree(ROOT / "config", tmp_path / "cfg" / "config")
    f = make_fleet(
        tmp_path,
        config_root=tmp_path / "cfg",
        reenrich_interval_s=1.0,  # beat races the CLI: every second, a run over the backlog
        report_interval_s=60.0,
        evaluation_enabled=False,
        config_check_interval_s=0.5,
    )
    try:
        f.start(("redis", "worker", "persister", "beat"))
        yield f
    finally:
        f.stop()


def test_reenrich_wait_after_a_rollback_waits_for_the_work_and_queues_nothing_twice(
    fleet: Fleet, tmp_path: Path
) -> None:
    cfg_root = fleet.settings.config_root
    v1 = load_config(cfg_root).manifest.effective
    write_postings(tmp_path / "in.jsonl", "rw", N)
    run = enrich_cli(fleet, "bridge", str(tmp_path / "in.jsonl"), "--wait", "--timeout", "120")
    assert run.returncode == 0, run.stderr.decode()
    store = store_of(fleet)
    v2 = bump_version(cfg_root, "2099.2.0")  # a rollout, drained by beat
    wait_for(lambda: store.count_drifted(v2) == 0, 180, "drift to reach 0 after the rollout")

    rb = ops_cli(fleet, "rollback", "--to", v1)  # v1's rows exist: a row count at v1 is N already
    assert rb.returncode == 0, rb.stderr.decode()
    assert "Workers switch at their next task" in rb.stdout.decode()
    out = ops_cli(fleet, "reenrich", "--wait", "--timeout", "150", timeout=180)
    assert out.returncode == 0, out.stdout.decode() + out.stderr.decode()
    assert store.count_drifted(v1) == 0, out.stdout.decode()  # returned only once all are back
    status = ops_cli(fleet, "status").stdout.decode()
    assert "drift backlog: 0 postings" in status, status

    # every posting queued once for v1: the beat runs' and the CLI's counts add up to N
    log = fleet.log_path("worker").read_text(encoding="utf-8", errors="replace")
    beat = re.findall(rf"reenrich: enqueued (\d+) postings .*version {re.escape(v1)}\)", log)
    cli = re.search(r"enqueued (\d+) of \d+ drifted postings", out.stdout.decode())
    assert cli is not None, out.stdout.decode()
    assert sum(map(int, beat)) + int(cli.group(1)) == N, (beat, out.stdout.decode())
    counts = {c.enrichment_version: (c.rows, c.latest) for c in store.counts_by_version()}
    assert counts == {v1: (N, N), v2: (N, 0)}
