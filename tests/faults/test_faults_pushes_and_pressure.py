"""Fault suite, issue #21 part B: a bad config push, a memory-capped batch and a stalled
persister under a continuous feed. Each scenario runs its own fleet (its own config root,
memory cap or backpressure limit); reconciled like the rest (tests/faults/harness.py)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
import redis

from tests.conftest import ROOT, SAMPLES
from tests.faults.harness import (
    cli,
    fault_fleet,
    finish,
    ops,
    postings_file,
    reconcile,
    run_scenario,
    start_bridge,
    wait_progress,
    wait_settled,
)
from worker.supervisor import read_state

pytestmark = [pytest.mark.faults, pytest.mark.timeout(1800)]
VERSIONS = "config/model_versions.yaml"


def mirror_config(root: Path) -> Path:
    """A config root of its own (links to the repo's config, model_versions.yaml a copy), so a
    push can break it without touching the repo."""
    (root / "config").mkdir(parents=True)
    for entry in (ROOT / "config").iterdir():
        if entry.name != "model_versions.yaml":
            (root / "config" / entry.name).symlink_to(entry)
    (root / VERSIONS).write_bytes((ROOT / VERSIONS).read_bytes())
    return root


def test_bad_config_push_for_60_seconds(tmp_path: Path) -> None:
    """Invalid YAML replaces model_versions.yaml for 60 s mid-run, then the file is restored:
    workers refuse it and keep serving the last good config, so nothing fails or is lost."""
    root = mirror_config(tmp_path / "root")
    fleet = fault_fleet(tmp_path / "fleet", config_root=root)
    versions = root / VERSIONS
    good = versions.read_bytes()
    seen: dict[str, str] = {}

    def fault(f):  # type: ignore[no-untyped-def]
        versions.write_bytes(good[: len(good) // 2] + b"\n  - [unclosed: {\n")
        try:
            time.sleep(20)
            seen["status"] = ops(f, "status", timeout=120).stdout.decode()
            time.sleep(40)
        finally:
            versions.write_bytes(good)

    try:
        fleet.start()
        outcome = run_scenario("bad_config_push_60s", fleet, tmp_path, fault,
                               note="invalid YAML for 60 s, refused by every process")  # fmt: skip
        assert outcome.failed == 0, outcome
        assert "CONFIG REFUSED by" in seen["status"], seen["status"]
        assert "ACTIVE CONFIG INVALID" in seen["status"]
        worker_log = fleet.log_path("worker").read_text()
        assert "config refused, still serving" in worker_log
    finally:
        fleet.stop()


def big_postings(path: Path, n: int, size: int) -> list[str]:
    """n real postings, each its text repeated to about `size` characters."""
    rows = [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines()[:n]]
    ids = []
    with open(path, "w", encoding="utf-8") as fh:
        for i, row in enumerate(rows):
            row["posting_id"] = f"big-{i}"
            row["text"] = ((row["text"] + "\n") * (size // (len(row["text"]) + 1) + 1))[:size]
            ids.append(row["posting_id"])
            fh.write(json.dumps(row) + "\n")
    return ids


HEADROOM_MB = 64
BIG_BYTES = 1_900_000


def test_memory_capped_batch(tmp_path: Path) -> None:
    """A batch of 32 postings of 1.9 MB each (61 MB) reaches workers whose pool children may
    grow only 64 MiB (RLIMIT_AS, re-applied to every child the worker starts: the cap survives
    restarts), in the middle of 2,000 ordinary postings. The worker parent must stay up, every
    ordinary posting must be enriched, and every big one enriched or recorded with a reason."""
    fleet = fault_fleet(tmp_path / "fleet", worker_child_memory_headroom_mb=HEADROOM_MB,
                        max_posting_bytes=2_000_000)  # fmt: skip
    try:
        fleet.start()
        parent = fleet.pid("worker")
        ids = postings_file(tmp_path / "mem.jsonl", "memcap")
        big = big_postings(tmp_path / "big.jsonl", 32, BIG_BYTES)
        bridge = start_bridge(fleet, str(tmp_path / "mem.jsonl"))
        wait_progress(fleet, ids, 0.3)
        t0 = time.monotonic()
        run = cli(fleet, "bridge", str(tmp_path / "big.jsonl"))
        assert run.returncode == 0, run.stderr.decode()[-2000:]
        assert bridge.wait(timeout=900) == 0
        wait_settled(fleet, ids + big, 1200)
        took = time.monotonic() - t0
        assert fleet.pid("worker") == parent, "the worker parent died"
        assert not read_state(fleet).get("worker", {}).get("restarts")
        r = reconcile(fleet, big)
        log = fleet.log_path("worker").read_text()
        note = (f"+32 postings of 1.9 MB in one batch, children capped at +{HEADROOM_MB} MiB: "
                f"{r['enriched']} enriched, {r['failed']} recorded {r['failure_reasons']}, "
                f"{r['lost']} lost; splits {log.count('split into')}, parent up")  # fmt: skip
        assert r["lost"] == 0 and r["duplicates"] == 0, r
        finish("memory_capped_batch", fleet, ids, took, note=note)
    finally:
        fleet.stop()


STALL_S = 90
# FAULT_BRIDGE_LIMIT=0 runs the same scenario without backpressure (the baseline it is measured
# against); the suite runs it with 16.
LIMIT = int(os.environ.get("FAULT_BRIDGE_LIMIT", "16"))


def test_stalled_persister_with_a_continuous_feed(tmp_path: Path) -> None:
    """The persister is frozen (SIGSTOP) for 90 s while the bridge keeps reading 4,000 postings:
    the bridge must stop reading at ENRICH_BRIDGE_MAX_QUEUED_BATCHES (16 here) so Redis stays
    bounded, then everything is persisted once the persister resumes."""
    n = 2 * int(os.environ.get("FAULT_POSTINGS", "2000"))
    fleet = fault_fleet(tmp_path / "fleet", bridge_max_queued_batches=LIMIT)
    try:
        fleet.start()
        client = redis.Redis.from_url(fleet.settings.broker_connection_url)
        ids = postings_file(tmp_path / "feed.jsonl", "stall", n)
        bridge = start_bridge(fleet, str(tmp_path / "feed.jsonl"))
        wait_progress(fleet, ids, 0.1)
        samples: list[tuple[int, int, int]] = []  # used_memory, persist depth, enrich depth
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples.append((int(client.info("memory")["used_memory"]),
                                int(client.llen("persist")), int(client.llen("enrich"))))  # fmt: skip
                stop.wait(0.5)

        base = int(client.info("memory")["used_memory"])
        pgid = fleet.pid("persister")
        assert pgid is not None
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        os.killpg(pgid, signal.SIGSTOP)
        try:
            time.sleep(STALL_S)
        finally:
            os.killpg(pgid, signal.SIGCONT)
        stalled = list(samples)
        t0 = time.monotonic()
        assert bridge.wait(timeout=1200) == 0
        wait_settled(fleet, ids, 1200)
        stop.set()
        peak = max(m for m, _, _ in stalled)
        held = max(p + e for _, p, e in stalled)
        paused = (fleet.run_dir / "logs" / "bridge.log").read_text().count("reading paused")
        note = (f"persister frozen {STALL_S} s under a continuous feed of {n}; bridge limit "
                f"{LIMIT} batches: queues peaked at {held} batches, Redis used_memory peak "
                f"{peak / 2**20:.1f} MiB ({(peak - base) / 2**20:+.1f} MiB), bridge paused "
                f"{paused}x")  # fmt: skip
        if LIMIT:
            assert paused >= 1, "the bridge never paused"
            # queued batches + the prefetch held unacked + one batch in flight per link
            assert held <= LIMIT + 2 * fleet.settings.worker_concurrency + 2, note
        finish(
            f"stalled_persister_feed{'' if LIMIT else '_no_backpressure'}",
            fleet,
            ids,
            time.monotonic() - t0,
            note=note,
        )
    finally:
        fleet.stop()
