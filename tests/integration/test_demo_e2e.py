"""The README's main job, end to end: `enrich demo` starts the whole fleet and enriches the samples."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.integration.conftest import enrich_cli, make_fleet
from worker.fleet import COMPONENTS, Fleet

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fleet, str]]:
    fleet = make_fleet(tmp_path_factory.mktemp("demo"), report_interval_s=1.0, batch_size=32)
    try:
        run = enrich_cli(fleet, "demo", timeout=400)
        assert run.returncode == 0, run.stderr.decode()[-3000:]
        yield fleet, run.stdout.decode()
    finally:
        stop = enrich_cli(fleet, "fleet", "stop")
        assert stop.returncode == 0
        assert all(fleet.pid(c) is None for c in COMPONENTS)


def flower(fleet: Fleet, path: str, auth: bool = True) -> tuple[int, object]:
    s = fleet.settings
    req = urllib.request.Request(f"http://127.0.0.1:{s.flower_port}{path}")
    if auth:
        token = base64.b64encode(f"{s.flower_user}:{s.flower_password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None


def test_demo_enriches_every_sample_and_reports(demo: tuple[Fleet, str]) -> None:
    fleet, out = demo
    assert "bridged 202 messages: 198 postings, 4 rejected" in out
    assert "198 rows     198 postings  <- current" in out
    assert "postings/s" in out and "rejections/failures: 4" in out
    assert all(fleet.pid(c) for c in COMPONENTS), fleet.status()


def test_beat_dispatches_the_version_report(demo: tuple[Fleet, str]) -> None:
    fleet, _ = demo
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if "drift_backlog=0" in fleet.log_path("worker").read_text():
            break
        time.sleep(0.5)
    log = fleet.log_path("worker").read_text()
    assert "versions: current=" in log and "drift_backlog=0" in log
    assert "Sending due task report-versions" in fleet.log_path("beat").read_text()


def test_flower_api_requires_auth_and_sees_the_worker(demo: tuple[Fleet, str]) -> None:
    fleet, _ = demo
    assert flower(fleet, "/api/workers", auth=False)[0] == 401
    status, workers = flower(fleet, "/api/workers?refresh=1")
    assert status == 200 and isinstance(workers, dict) and workers
    assert len(workers) == 2  # the enrich worker and the persister
    registered = [set(w["registered"]) for w in workers.values()]
    assert all({"enrich.extract_skills", "enrich.persist_enrichments"} <= r for r in registered)
