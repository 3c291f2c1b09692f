"""After a rollback to a version whose rows exist, `enrich-ops reenrich --wait` returns only when
every drifted posting is back at it, and the drift job never queues a posting twice (the trial of
2026-11-30: `--wait` counted the old rows and returned at once; beat queued in-flight postings
again). The drift job's in-flight marks are released where each batch lands, also when a worker
that has not noticed a switch persists it at its old version (then the next run queues it again,
not after ENRICH_REENRICH_IN_FLIGHT_TTL_S). Real redis-server, worker, persister and beat.

The warehouse starts in the state a rollback leaves (rows at the served version v1, every
posting's latest row at a later version), written through the store before the fleet starts: no
model reload is needed, so the test takes one fleet start. The rollout and rollback themselves,
with their reloads, are test_lifecycle.py's."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from adapters.artifacts.config_files import load_config
from adapters.duckdb.store import DuckDbStore
from adapters.redis.coordination import PREFIX
from domain.models import JobEnrichment, Posting, Section
from domain.validation import validate
from tests.conftest import ROOT
from tests.integration.conftest import make_fleet, ops_cli, store_of, write_postings
from tests.integration.test_lifecycle import bump_version, wait_for
from worker.fleet import Fleet

# one fleet start (models loaded once): ~35 s at load ~5; the default 300 s timeout stays far
pytestmark = [pytest.mark.integration, pytest.mark.slow]

N = 48  # three batches of 16
V2 = "2099.2.0+rolledback"  # the version rolled back from: every posting's latest row
T1, T2 = "2026-01-01T00:00:00.000+00:00", "2026-01-02T00:00:00.000+00:00"


def rolled_back_warehouse(path: Path, postings_file: Path, v1: str) -> None:
    """Each posting with a row at v1 (enriched first) and its latest row at V2, as after a
    rollout to V2 and a rollback to v1."""
    ps = []
    for i, line in enumerate(postings_file.read_bytes().splitlines()):
        p = validate(line, source="test", ref=f"in:{i}", now=T1)
        assert isinstance(p, Posting)
        ps.append(p)
    sections = (Section("overview", 0, 1),)
    store = DuckDbStore(path)
    try:
        for version, at in ((v1, T1), (V2, T2)):
            rows = [
                JobEnrichment(p.posting_id, p.content_hash, version, {}, sections, (), at, 1.0)
                for p in ps
            ]
            store.write_batch(ps, rows, [])
    finally:
        store.close()


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
    write_postings(tmp_path / "in.jsonl", "rw", N)
    v1 = load_config(tmp_path / "cfg").manifest.effective
    rolled_back_warehouse(f.settings.duckdb_path, tmp_path / "in.jsonl", v1)
    try:
        f.start(("redis", "worker", "persister", "beat"))
        yield f
    finally:
        f.stop()


def marks(fleet: Fleet, version: str) -> int:
    """The drift job's in-flight marks for `version` in the fleet's redis-server."""
    r = redis.Redis.from_url(fleet.settings.broker_connection_url)
    try:
        return sum(1 for _ in r.scan_iter(match=f"{PREFIX}inflight:reenrich:{version}:*"))
    finally:
        r.close()


def test_reenrich_wait_after_a_rollback_waits_for_the_work_and_queues_nothing_twice(
    fleet: Fleet, tmp_path: Path
) -> None:
    cfg_root = fleet.settings.config_root
    v1 = load_config(cfg_root).manifest.effective
    store = store_of(fleet)
    assert store.count_drifted(v1) == N  # v1's rows exist: a row count at v1 is N already

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
    assert counts == {v1: (N, N), V2: (N, 0)}
    assert marks(fleet, v1) == 0  # released where the batches landed, not left to the TTL

    # A worker that has not noticed a switch: the operator's CLI already sees 2099.3.0 (its own
    # config root), the worker still serves v1, so the batches land at v1 and the postings stay
    # drifted for v3. The next run queues them again at once (the old code: "enqueued 0 of 48
    # drifted postings in 0 batches, 48 already queued for it" for 900 s).
    cfg3 = tmp_path / "cfg3"
    shutil.copytree(cfg_root, cfg3)
    v3 = bump_version(cfg3, "2099.3.0")
    env = {"ENRICH_CONFIG_ROOT": str(cfg3)}
    first = ops_cli(fleet, "reenrich", env=env)
    assert f"enqueued {N} of {N} drifted postings" in first.stdout.decode(), first.stdout.decode()
    wait_for(lambda: marks(fleet, v3) == 0, 120, "the marks released where the batches landed")
    assert store.count_drifted(v3) == N
    again = ops_cli(fleet, "reenrich", env=env)
    assert f"enqueued {N} of {N} drifted postings" in again.stdout.decode(), again.stdout.decode()
