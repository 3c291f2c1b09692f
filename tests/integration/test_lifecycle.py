"""Lifecycle with real processes: rollout re-enrichment by beat, rollback, single scheduler."""

from __future__ import annotations

import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.artifacts.config_files import load_config
from tests.conftest import ROOT
from tests.integration.conftest import enrich_cli, make_fleet, ops_cli, store_of, write_postings
from worker.fleet import Fleet

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def bump_version(config_root: Path, declared: str) -> str:
    f = config_root / "config" / "model_versions.yaml"
    f.write_text(
        re.sub(r'enrichment_version: "[^"]+"', f'enrichment_version: "{declared}"', f.read_text())
    )
    return load_config(config_root).manifest.effective


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="module")
def lifecycle_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    base = tmp_path_factory.mktemp("lifecycle")
    shutil.copytree(ROOT / "config", base / "cfg" / "config")
    fleet = make_fleet(
        base,
        config_root=base / "cfg",
        reenrich_interval_s=1.0,
        report_interval_s=1.0,
        evaluation_enabled=False,
        config_check_interval_s=0.5,
    )
    try:
        fleet.start(("redis", "worker", "persister", "beat"))
        yield fleet
    finally:
        fleet.stop((*fleet.status(), "beat2"))


def test_rollout_is_reenriched_by_beat_then_rollback_returns_rows(
    lifecycle_fleet: Fleet, tmp_path: Path
) -> None:
    fleet = lifecycle_fleet
    cfg_root = fleet.settings.config_root
    v1 = load_config(cfg_root).manifest.effective
    ids = write_postings(tmp_path / "in.jsonl", "life", 60)
    run = enrich_cli(fleet, "bridge", str(tmp_path / "in.jsonl"), "--wait", "--timeout", "120")
    assert run.returncode == 0, run.stderr.decode()
    store = store_of(fleet)

    # rollout: a new declared version; beat's drift job re-enriches every old row by itself
    v2 = bump_version(cfg_root, "2099.1.0")
    assert v2 != v1
    wait_for(lambda: store.count_drifted(v2) == 0, 180, "drift to reach 0 after the rollout")
    counts = {c.enrichment_version: (c.rows, c.latest) for c in store.counts_by_version()}
    assert counts == {v1: (60, 0), v2: (60, 60)}
    per_posting = Counter(e.posting_id for i in ids for e in store.posting_history(i))
    assert set(per_posting.values()) == {2}  # one row per version, nothing duplicated

    # rollback with one command: rows return to v1 without new rows (v1's ids already exist)
    rb = ops_cli(fleet, "rollback", "--to", v1)
    assert rb.returncode == 0, rb.stderr.decode()
    assert f"active version is now {v1}" in rb.stdout.decode()
    wait_for(lambda: store.count_drifted(v1) == 0, 180, "drift to reach 0 after the rollback")
    counts = {c.enrichment_version: (c.rows, c.latest) for c in store.counts_by_version()}
    assert counts == {v1: (60, 60), v2: (60, 0)}
    status = ops_cli(fleet, "status")
    assert "ROLLED BACK" in status.stdout.decode()
    assert ops_cli(fleet, "rollback", "--clear").returncode == 0


def test_two_beat_processes_dispatch_each_due_task_once(lifecycle_fleet: Fleet) -> None:
    fleet = lifecycle_fleet
    fleet.start_extra_beat("beat2")
    sent_before = fleet.log_path("beat").read_text().count("Sending due task report-versions")

    def leader() -> int:
        return fleet.log_path("beat").read_text().count("Sending due task report-versions")

    # three of the leader's 1 s dispatches while the second runs (was a fixed 6 s sleep)
    wait_for(lambda: leader() - sent_before >= 3, 60, "the leader to keep dispatching")
    follower = fleet.log_path("beat2").read_text().count("Sending due task")
    assert follower == 0, "the second scheduler must not dispatch while the first holds the lock"
