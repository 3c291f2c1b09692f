"""Pub/Sub failures name their cause: an oversized line refuses the whole publish before anything
is sent; a bridge whose emulator dies exits non-zero instead of idling (Google's emulator)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.cloud import pubsub_v1

from adapters.pubsub.source import MAX_PUBLISH_REQUEST_BYTES, publish_request_bytes
from tests.emulators import EmulatorMissing, pubsub_emulator_process
from tests.integration.conftest import ROOT

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:The return_immediately flag is deprecated"),
]
PROJECT = "ml-enrichment-test"
PUBSUB_EXIT, BAD_INPUT = 6, 2


@pytest.fixture
def own_emulator(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """An emulator of this test's own, since the test kills it."""
    try:
        with pubsub_emulator_process(tmp_path / "emu") as (host, pid):
            yield host, pid
    except EmulatorMissing as exc:
        pytest.skip(str(exc))


def _topic_and_sub(host: str) -> tuple[str, str]:
    os.environ["PUBSUB_EMULATOR_HOST"] = host  # the clients in this process
    name = uuid.uuid4().hex[:10]
    topic = f"projects/{PROJECT}/topics/t-{name}"
    sub = f"projects/{PROJECT}/subscriptions/s-{name}"
    pubsub_v1.PublisherClient().create_topic(name=topic)
    pubsub_v1.SubscriberClient().create_subscription(name=sub, topic=topic, ack_deadline_seconds=10)
    return topic, sub


def _env(host: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return dict(os.environ, PUBSUB_EMULATOR_HOST=host, ENRICH_DATA_DIR=str(tmp_path / "data"),
                ENRICH_PUBSUB_PROJECT=PROJECT, **extra)  # fmt: skip


def _pull(sub: str) -> int:
    resp = pubsub_v1.SubscriberClient().pull(
        subscription=sub, max_messages=100, return_immediately=True, timeout=10
    )
    return len(resp.received_messages)


def _line(i: int, pad: int = 0) -> bytes:
    return b'{"posting_id": "p%d", "text": "Python and SQL%s"}' % (i, b" " * pad)


def test_publish_refuses_a_file_with_an_oversized_line_before_sending_anything(
    own_emulator: tuple[str, int], tmp_path: Path
) -> None:
    host, _ = own_emulator
    topic, sub = _topic_and_sub(host)
    over = _line(6, pad=11_900_000)  # 11.9 MB, as in the report
    # the largest line the service takes, measured as the client measures it
    pad = MAX_PUBLISH_REQUEST_BYTES - publish_request_bytes(topic, _line(99))
    while publish_request_bytes(topic, _line(99, pad)) > MAX_PUBLISH_REQUEST_BYTES:
        pad -= 1  # length prefixes grow with the data
    limit = _line(99, pad)
    assert publish_request_bytes(topic, limit) == MAX_PUBLISH_REQUEST_BYTES
    src = tmp_path / "postings.jsonl"
    src.write_bytes(b"\n".join([*(_line(i) for i in range(1, 6)), over,
                                *(_line(i) for i in range(7, 12))]) + b"\n")  # fmt: skip
    r = subprocess.run([sys.executable, "-m", "cli.enrich", "publish", str(src), "--topic", topic],
                       cwd=ROOT, env=_env(host, tmp_path), capture_output=True, timeout=120)  # fmt: skip
    err = r.stderr.decode().strip().splitlines()
    assert r.returncode == BAD_INPUT, r.stderr.decode()
    assert len(err) == 1 and f"{src}:6 (" in err[0] and "nothing was published" in err[0], err
    assert _pull(sub) == 0  # not one of the 10 good lines went out
    # one byte under the limit and at it: published, so the check does not refuse too much
    ok = tmp_path / "ok.jsonl"
    ok.write_bytes(_line(1) + b"\n" + limit + b"\n")
    r = subprocess.run([sys.executable, "-m", "cli.enrich", "publish", str(ok), "--topic", topic],
                       cwd=ROOT, env=_env(host, tmp_path), capture_output=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr.decode()
    assert b"published 2 messages" in r.stdout


def test_a_pubsub_bridge_whose_emulator_dies_exits_non_zero_naming_it(
    own_emulator: tuple[str, int], tmp_path: Path
) -> None:
    host, pid = own_emulator
    _topic, sub = _topic_and_sub(host)
    bridge = subprocess.Popen(
        [sys.executable, "-m", "cli.enrich", "bridge", "--source", "pubsub", "--subscription", sub],
        cwd=ROOT, env=_env(host, tmp_path, ENRICH_PUBSUB_LOST_AFTER_S="3"),
        stderr=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert bridge.stderr is not None
        assert b"bridging Pub/Sub" in bridge.stderr.readline()
        os.killpg(pid, signal.SIGKILL)  # the emulator, by PID, under a running bridge
        _out, err = bridge.communicate(timeout=120)
    finally:
        if bridge.poll() is None:
            bridge.kill()
            bridge.wait()
    lines = [ln for ln in err.decode().splitlines() if ln.startswith("enrich: error: ")]
    assert bridge.returncode == PUBSUB_EXIT, err.decode()
    assert len(lines) == 1 and sub in lines[0] and "unreachable" in lines[0], err.decode()
    assert "Traceback" not in err.decode()
