"""N postings in through the bridge -> N versioned rows out, with a real redis-server and worker."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from adapters.artifacts.config_files import load_config
from tests.conftest import ROOT
from tests.integration.conftest import enrich_cli, make_fleet, store_of, write_postings

pytestmark = [pytest.mark.integration]
CURRENT = load_config(ROOT).manifest.effective


def rows_for(fleet, ids: list[str]) -> list[tuple[str, str]]:
    store = store_of(fleet)
    return [(e.posting_id, e.enrichment_version) for i in ids for e in store.posting_history(i)]


def test_n_postings_in_n_versioned_rows_out(fleet, tmp_path: Path) -> None:
    ids = write_postings(tmp_path / "in.jsonl", "n", 40)
    run = enrich_cli(fleet, "bridge", str(tmp_path / "in.jsonl"), "--wait", "--timeout", "120")
    assert run.returncode == 0, run.stderr.decode()
    assert b"enqueued 40" in run.stdout
    rows = rows_for(fleet, ids)
    assert sorted(pid for pid, _ in rows) == sorted(ids)  # exactly one row each
    assert {v for _, v in rows} == {CURRENT}
    hist = store_of(fleet).posting_history(ids[0])[0]
    assert set(hist.component_versions) == {
        "section_classifier",
        "skills_extractor",
        "taxonomy",
        "aliases",
        "transformer",
        "context_patterns",
        "concept_linker",
        "occupation_coder",
        "skill_combiner",
        "language_detector",  # 2026.12.7: a component since then
    }
    assert hist.occupation is not None and hist.occupation["method"] in ("title", "skills", "none")
    assert any("transformer" in s.source_strategies for s in hist.skills)
    assert {s.link_method for s in hist.skills} <= {
        "exact",
        "alias",
        "normalized",
        "vector",
        "group",
        "none",
    }
    assert all(s.link_level in ("concept", "none") or s.link_level.startswith("group:")
               for s in hist.skills)  # fmt: skip
    assert all(s.link_method is not None and s.link_score is not None for s in hist.skills)
    assert hist.skills, "a real posting yields skills"


def test_same_batch_delivered_twice_stays_n_rows(fleet, tmp_path: Path) -> None:
    ids = write_postings(tmp_path / "dup.jsonl", "dup", 20, offset=50)
    for _ in range(2):
        run = enrich_cli(fleet, "bridge", str(tmp_path / "dup.jsonl"), "--wait", "--timeout", "120")
        assert run.returncode == 0, run.stderr.decode()
    assert len(rows_for(fleet, ids)) == 20


def test_invalid_line_becomes_one_rejection_with_reason(fleet, tmp_path: Path) -> None:
    ids = write_postings(tmp_path / "mixed.jsonl", "mix", 3, offset=80)
    with open(tmp_path / "mixed.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"posting_id": "mix-broken", "title": "no text here"}\n')
    run = enrich_cli(fleet, "bridge", str(tmp_path / "mixed.jsonl"), "--wait", "--timeout", "120")
    assert run.returncode == 0, run.stderr.decode()
    assert b"rejected 1" in run.stdout
    assert len(rows_for(fleet, ids)) == 3
    rejected = [r for r in store_of(fleet).rejections(1000) if r.posting_id == "mix-broken"]
    assert [(r.stage, r.reason) for r in rejected] == [("validate", "missing_field")]
    assert "line 4" in rejected[0].detail


def test_stdin_bridge_and_no_posting_text_in_worker_log(fleet, tmp_path: Path) -> None:
    ids = write_postings(tmp_path / "s.jsonl", "stdin", 5, offset=100)
    run = enrich_cli(
        fleet,
        "bridge",
        "-",
        "--wait",
        "--timeout",
        "120",
        stdin=(tmp_path / "s.jsonl").read_bytes(),
    )
    assert run.returncode == 0, run.stderr.decode()
    assert len(rows_for(fleet, ids)) == 5
    log = fleet.log_path("worker").read_text() + fleet.log_path("persister").read_text()
    assert "persisted batch" in log and "enrich.extract_skills" in log
    body_lines = [
        line
        for row in map(json.loads, (tmp_path / "s.jsonl").read_text().splitlines())
        for line in row["text"].splitlines()
        if len(line) > 60
    ]
    assert body_lines
    leaked = [line for line in body_lines if line in log]
    assert not leaked, f"posting text in worker log: {leaked[:1]}"


def kill_outside_the_pop_window(fleet, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL the enrich worker's process group at a moment when no message can be lost.

    kombu's Redis transport pops a message (BRPOP) and only then registers it in the `unacked`
    hash; a worker killed between the two loses it for good (kombu#1836), and only the
    reconciler would find it. This test is about what a kill *outside* that window does, so it
    must not depend on luck: the group is frozen (SIGSTOP) and killed only if the `unacked`
    hash holds as many of the worker's messages as its prefetch allows. A worker at its
    prefetch limit has no BRPOP outstanding (kombu polls only channels that can consume), so
    every message it took is in `unacked` and comes back after the visibility timeout.
    Otherwise it is thawed (SIGCONT) and we look again a moment later.
    """
    import redis

    client = redis.Redis.from_url(fleet.settings.broker_connection_url)
    prefetch = fleet.settings.worker_concurrency  # worker_prefetch_multiplier = 1
    queues = {"enrich", "reenrich", "lifecycle", "cluster"}  # what the enrich worker consumes
    pgid = fleet.pid("worker")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        os.killpg(pgid, signal.SIGSTOP)
        held = [json.loads(v)[2] for v in client.hvals("unacked")]
        if sum(rk in queues for rk in held) == prefetch:
            os.killpg(pgid, signal.SIGKILL)
            return
        os.killpg(pgid, signal.SIGCONT)
        time.sleep(0.02)
    raise AssertionError("the worker never held its full prefetch: is the queue empty?")


def test_worker_killed_mid_batch_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    """SIGKILL the enrich worker while batches are in flight; a new worker finishes them all once."""
    fleet = make_fleet(
        tmp_path / "crash", visibility_timeout_s=20, task_time_limit_s=10,
        task_soft_time_limit_s=8, handoff_window_s=5, unacked_restore_interval_s=2, batch_size=16,
    )  # fmt: skip
    try:
        fleet.start(("redis", "worker", "persister"))
        src = tmp_path / "crash.jsonl"
        ids = write_postings(src, "crash", 198)
        run = enrich_cli(fleet, "bridge", str(src))
        assert run.returncode == 0, run.stderr.decode()
        batches = -(-len(ids) // 16)
        persisted = fleet.log_path("persister")
        # Deadlines are upper bounds that end early on success, generous so that a loaded
        # machine only makes the test slower, never red (a CI at load 7 needed > 120 s to
        # restore the two unacked batches: visibility timeout + a worker start + 32 postings).
        deadline = time.monotonic() + 300
        while "persisted batch" not in persisted.read_text() and time.monotonic() < deadline:
            time.sleep(0.01)
        kill_outside_the_pop_window(fleet, timeout=300)  # no warm shutdown, no acks
        done_at_kill = persisted.read_text().count("persisted batch")
        assert 1 <= done_at_kill < batches, "the kill must land mid-run"
        fleet.stop(("worker",))
        fleet.start(("worker",))
        store = store_of(fleet)
        deadline = time.monotonic() + 900
        while store.enrichment_status(ids, CURRENT)[0] < len(ids) and time.monotonic() < deadline:
            time.sleep(0.5)
        rows = rows_for(fleet, ids)
        assert sorted(pid for pid, _ in rows) == sorted(ids)  # none lost, none twice
    finally:
        fleet.stop()


def test_a_repeated_id_keeps_the_later_line_as_its_state_whatever_finishes_last(
    fleet, tmp_path: Path
) -> None:
    """The new-user trial (2026-11-30): a full batch ending with raceY's OLD text, then raceY's
    NEW text alone in the next batch. The two batches run on the worker's two processes, NEW's
    one-posting batch is persisted first and OLD's after it; the state must still be NEW."""
    from domain.validation import validate

    path = tmp_path / "race.jsonl"
    size = fleet.settings.batch_size
    write_postings(path, "race", size - 1, offset=100)  # real postings: the slow batch
    old = {"posting_id": "raceY", "title": "Data engineer",
           "text": "We need a data engineer who knows Python and SQL (OLD)."}  # fmt: skip
    new = {**old, "text": "We need a data engineer who knows Java and Rust (NEW)."}
    with open(path, "a", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row) + "\n" for row in (old, new))
    run = enrich_cli(fleet, "bridge", str(path), "--wait", "--timeout", "120")
    assert run.returncode == 0, run.stderr.decode()
    assert f"enqueued {size + 1} in 2 batches".encode() in run.stdout
    assert f"{size} distinct postings, 1 repeated ids".encode() in run.stdout
    store = store_of(fleet)
    hist = {e.content_hash: e.enriched_at for e in store.posting_history("raceY")}
    old_hash, new_hash = (
        validate(
            json.dumps(r).encode(), source="t", ref="1", now="2026-11-30T00:00:00+00:00"
        ).content_hash  # type: ignore[union-attr]
        for r in (old, new)
    )
    assert set(hist) == {old_hash, new_hash}
    # the race happened: the older line was enriched (and persisted) last
    assert hist[old_hash] > hist[new_hash], "batches finished in order: no race to test"
    ((state,),) = store._query(
        "SELECT content_hash FROM posting_state WHERE posting_id = 'raceY'"
    )  # what drift re-enrichment re-reads (the trial found OLD here)
    assert state == new_hash
