"""The fault suite (`make test-faults`; nightly, ~25 min): real processes, ≥ 2,000 postings per
scenario, 0 lost and 0 duplicates whatever the fault. See tests/faults/harness.py."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.validation import rejection_id
from tests.faults.harness import (
    children,
    cli,
    fault_fleet,
    finish,
    kill,
    postings_file,
    run_scenario,
    start_bridge,
    store,
    wait_progress,
    wait_settled,
)
from worker.fleet import Fleet

pytestmark = [pytest.mark.faults, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    base = tmp_path_factory.mktemp("faults")
    f = fault_fleet(base, store_fault_file=base / "warehouse-down")
    try:
        f.start()
        yield f
    finally:
        f.stop()


def test_enrich_worker_child_sigkill(fleet: Fleet, tmp_path: Path) -> None:
    def fault(f: Fleet) -> None:
        kill(children(f.pid("worker"))[0])

    run_scenario("worker_child_kill", fleet, tmp_path, fault)


def test_enrich_worker_parent_sigkill(fleet: Fleet, tmp_path: Path) -> None:
    def fault(f: Fleet) -> None:
        kill(f.pid("worker"))  # its children are orphaned; the supervisor clears and restarts

    run_scenario("worker_parent_kill", fleet, tmp_path, fault,
                 note="held batches return after the visibility timeout (200 s here)")  # fmt: skip


def test_persister_child_sigkill(fleet: Fleet, tmp_path: Path) -> None:
    def fault(f: Fleet) -> None:
        kill(children(f.pid("persister"))[0])

    run_scenario("persister_child_kill", fleet, tmp_path, fault)


def test_persister_parent_sigkill(fleet: Fleet, tmp_path: Path) -> None:
    def fault(f: Fleet) -> None:
        kill(f.pid("persister"))

    run_scenario("persister_parent_kill", fleet, tmp_path, fault,
                 note="held batches return after the visibility timeout (200 s here)")  # fmt: skip


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_redis_killed_and_restarted_by_the_supervisor(
    fleet: Fleet, tmp_path: Path, sig: signal.Signals
) -> None:
    def fault(f: Fleet) -> None:
        kill(f.pid("redis"), sig)

    run_scenario(f"redis_{sig.name.lower()}_restart", fleet, tmp_path, fault)


def test_redis_down_for_60_seconds(fleet: Fleet, tmp_path: Path) -> None:
    """Longer than any reconnect: links wait with their batch (handoff window 70 s), the bridge
    holds its batch, beat and the workers reconnect."""

    def fault(f: Fleet) -> None:
        f.stop(("supervisor",))
        f.stop(("redis",))
        time.sleep(60)
        f.start(("redis",))
        f.start(("supervisor",))

    run_scenario("redis_down_60s", fleet, tmp_path, fault, at=0.2)
    assert fleet.pid("beat") and fleet.pid("worker") and fleet.pid("persister")


def test_warehouse_writes_fail_for_two_minutes(fleet: Fleet, tmp_path: Path) -> None:
    switch = fleet.settings.store_fault_file
    assert switch is not None

    def fault(f: Fleet) -> None:
        switch.touch()
        try:
            time.sleep(120)
        finally:
            switch.unlink()

    run_scenario("warehouse_down_120s", fleet, tmp_path, fault, at=0.2)


def test_broker_drops_messages(fleet: Fleet, tmp_path: Path) -> None:
    """Messages deleted straight from Redis mid-run — batches from the `enrich` and `persist`
    lists, and the `unacked` entries of a worker frozen and then SIGKILLed (kombu's window: popped
    but not yet unacked) — are gone for the broker; the intake ledger's reconciler finds the
    postings and enqueues them again."""
    import redis

    from tests.integration.conftest import freeze_holding_enrich_messages

    ids = postings_file(tmp_path / "drop.jsonl", "broker_drops")
    bridge = start_bridge(fleet, str(tmp_path / "drop.jsonl"))
    wait_progress(fleet, ids, 0.3)
    r = redis.Redis.from_url(fleet.settings.broker_connection_url)
    dropped = {q: sum(r.rpop(q) is not None for _ in range(n)) for q, n in (("enrich", 3), ("persist", 2))}  # fmt: skip
    pgid = freeze_holding_enrich_messages(fleet, r)
    held = {k: json.loads(v)[2] for k, v in r.hgetall("unacked").items()}
    gone = [k for k, queue in held.items() if queue == "enrich"]
    r.hdel("unacked", *gone)
    r.zrem("unacked_index", *gone)
    os.killpg(pgid, signal.SIGKILL)  # the supervisor restarts it
    dropped["unacked"] = len(gone)
    t0 = time.monotonic()
    assert bridge.wait(timeout=900) == 0, "the bridge failed: see logs/bridge.log"
    wait_settled(fleet, ids, 900)
    ((again,),) = store(fleet)._query(
        "SELECT coalesce(sum(attempts), 0) FROM intake WHERE list_contains(?, posting_id)", [ids])  # fmt: skip
    finish("broker_drops_messages", fleet, ids, time.monotonic() - t0,
           note=f"{sum(dropped.values())} messages deleted from Redis ({dropped}); the reconciler "
           f"re-enqueued {again} postings (grace 30 s, every 5 s)")  # fmt: skip


def test_bridge_killed_mid_input_and_rerun(fleet: Fleet, tmp_path: Path) -> None:
    ids = postings_file(tmp_path / "b.jsonl", "bridge_kill")
    bridge = start_bridge(fleet, str(tmp_path / "b.jsonl"))
    wait_progress(fleet, ids, 0.3)
    bridge.send_signal(signal.SIGKILL)
    bridge.wait()
    t0 = time.monotonic()
    rerun = cli(fleet, "bridge", str(tmp_path / "b.jsonl"), "--wait")
    assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
    wait_settled(fleet, ids, 600)
    finish("bridge_kill_rerun", fleet, ids, time.monotonic() - t0,
           note="recovery = the rerun of the whole file")  # fmt: skip


def test_two_beats_and_the_leader_killed(fleet: Fleet, tmp_path: Path) -> None:
    """The leader beat is SIGKILLed mid-run: scheduling resumes (the standby or the restarted
    leader takes the RedBeat lock once it expires) and never from both at once."""

    def sends() -> dict[str, int]:
        return {
            n: fleet.log_path(n).read_text().count("Sending due task") for n in ("beat", "beat2")
        }

    fleet.start_extra_beat("beat2")
    try:
        before: dict[str, int] = {}

        def fault(f: Fleet) -> None:
            before.update(sends())
            kill(f.pid("beat"))

        run_scenario("two_beats_leader_killed", fleet, tmp_path, fault,
                     note="scheduling resumed after the 25 s leader lock expired")  # fmt: skip
        deadline = time.monotonic() + 120
        while sum(sends().values()) <= sum(before.values()):
            assert time.monotonic() < deadline, "no beat took over after the leader was killed"
            time.sleep(1)
        a = sends()
        time.sleep(12)  # several reenrich intervals (2 s)
        b = sends()
        grew = [n for n in a if b[n] > a[n]]
        assert len(grew) == 1, f"exactly one scheduler dispatches, got {grew}"
    finally:
        fleet.stop(("beat2",))


@pytest.fixture
def pubsub_fleet(fleet: Fleet, pubsub_host: str) -> Iterator[Fleet]:
    from google.cloud import pubsub_v1

    os.environ["PUBSUB_EMULATOR_HOST"] = pubsub_host
    name = uuid.uuid4().hex[:8]
    s = fleet.settings.model_copy(update={
        "pubsub_project": "ml-enrichment-local", "pubsub_topic": f"t-{name}",
        "pubsub_subscription": f"s-{name}"})  # fmt: skip
    pubsub_v1.PublisherClient().create_topic(name=s.topic_path)
    pubsub_v1.SubscriberClient().create_subscription(
        name=s.subscription_path, topic=s.topic_path, ack_deadline_seconds=30
    )
    yield Fleet(s, fleet.run_dir)


def test_pubsub_poison_messages_are_recorded_once_and_acked(
    pubsub_fleet: Fleet, tmp_path: Path
) -> None:
    from adapters.pubsub.source import publish_lines

    f = pubsub_fleet
    ids = postings_file(tmp_path / "p.jsonl", "pubsub")
    poison = [
        b"[" * 1000 + b"]" * 1000,  # the 2 KB nesting that crashed the bridge
        b"[" * 100_000,
        b'{"posting_id": "x", "text": "' + b"y" * 2_000_000 + b'"}',
        b"\xff\xfe not utf-8",
        b'[{"posting_id": "arr", "text": "x"}]',
        json.dumps({"posting_id": "big-title", "text": "x", "title": "t" * 5000}).encode(),
    ]
    lines = (tmp_path / "p.jsonl").read_bytes().splitlines()
    publish_lines(f.settings.topic_path, lines[:1000] + poison + lines[1000:])
    t0 = time.monotonic()
    run = cli(f, "bridge", "--source", "pubsub", "--idle-exit", "15", "--wait")
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    source = f"pubsub:{f.settings.pubsub_subscription}"
    reasons = [
        "too_deep",
        "too_deep",
        "too_large",
        "invalid_utf8",
        "not_an_object",
        "field_too_large",
    ]
    expected = [rejection_id(source, p, r) for p, r in zip(poison, reasons, strict=True)]
    assert store(f).count_rejections(expected) == len(poison)
    finish("pubsub_poison", f, ids, time.monotonic() - t0,
           note=f"+{len(poison)} poison messages, each one rejection row, acked")  # fmt: skip


def test_ten_thousand_generated_bad_lines(fleet: Fleet, tmp_path: Path) -> None:
    """hypothesis generates the lines; each must end rejected with a reason or enriched."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from domain.models import Posting
    from domain.validation import validate

    json_value = st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=40),
        lambda kids: (
            st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4)
        ),
        max_leaves=20,
    )
    fields = st.fixed_dictionaries({}, optional={
        "posting_id": st.one_of(st.text(max_size=30), st.integers(), st.none()),
        "text": st.one_of(st.text(max_size=400), st.integers(), st.none(), st.just("   ")),
        "title": st.one_of(st.text(max_size=60), st.integers()),
        "posted_at": st.one_of(st.text(max_size=30), st.just("2026-11-01")),
        "extra": json_value,
    })  # fmt: skip
    line = st.one_of(
        st.binary(max_size=300),
        fields.map(lambda d: json.dumps(d).encode()),
        json_value.map(lambda v: json.dumps(v).encode()),
        fields.map(lambda d: json.dumps(d).encode()[: max(1, len(json.dumps(d)) // 2)]),
    )
    lines: list[bytes] = []

    @settings(max_examples=10_000, database=None, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(line)
    def collect(payload: bytes) -> None:
        payload = payload.replace(b"\n", b" ").replace(b"\r", b" ")
        if not payload.strip():
            payload = b"{}"
        lines.append(payload)

    collect()
    # valid postings get unique ids, so one id never carries two contents
    src = tmp_path / "hyp.jsonl"
    out, posting_ids, rejection_ids = [], [], []
    for i, payload in enumerate(lines):
        r = validate(payload, source=f"file:{src.name}", ref=f"line {i + 1}", now="t")
        if isinstance(r, Posting):
            d = json.loads(payload)
            d["posting_id"] = f"hyp-{i}"
            payload = json.dumps(d).encode()
            posting_ids.append(d["posting_id"])
        else:
            assert r.reason and r.detail
            rejection_ids.append(r.rejection_id)
        out.append(payload)
    src.write_bytes(b"\n".join(out) + b"\n")
    assert len(out) >= 10_000
    t0 = time.monotonic()
    bridge = start_bridge(fleet, str(src), "--wait", "--timeout", "900")
    peak_kb = 0
    while bridge.poll() is None:
        try:
            status = Path(f"/proc/{bridge.pid}/status").read_text()
            peak_kb = max(peak_kb, int(status.split("VmHWM:")[1].split()[0]))
        except (OSError, IndexError):
            pass
        time.sleep(0.5)
    assert bridge.returncode == 0, "bridge crashed or hung (logs/bridge.log)"
    assert store(fleet).count_rejections(list(set(rejection_ids))) == len(set(rejection_ids))
    assert peak_kb < 1_000_000, f"bridge peak RSS {peak_kb} kB"
    finish("generated_bad_lines", fleet, posting_ids, time.monotonic() - t0,
           note=f"{len(out)} lines: {len(posting_ids)} valid, {len(set(rejection_ids))} distinct "
           f"rejections; bridge peak RSS {peak_kb // 1024} MiB")  # fmt: skip
