"""Flower's /metrics is behind the same basic auth as its API; /healthcheck stays open (a real
Flower on 127.0.0.1, started by the fleet)."""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import make_fleet
from worker.fleet import Fleet

pytestmark = pytest.mark.integration


def _status(url: str, auth: str | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url)
    if auth is not None:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def flower(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    base: Path = tmp_path_factory.mktemp("flower")
    fleet = make_fleet(base, flower_password="s3cret-for-this-test")
    try:
        fleet.start(("redis", "flower"))
        yield fleet
    finally:
        fleet.stop()


@pytest.mark.parametrize("path", ["/metrics", "/api/workers"])
def test_metrics_and_api_need_the_credentials(flower: Fleet, path: str) -> None:
    s = flower.settings
    url = f"http://127.0.0.1:{s.flower_port}{path}"
    assert _status(url)[0] == 401
    assert _status(url, f"{s.flower_user}:wrong")[0] == 401
    code, body = _status(url, f"{s.flower_user}:{s.flower_password}")
    assert code == 200
    if path == "/metrics":
        assert b"flower_events_total" in body or b"# HELP" in body


def test_healthcheck_stays_open_for_liveness_probes(flower: Fleet) -> None:
    assert _status(f"http://127.0.0.1:{flower.settings.flower_port}/healthcheck") == (200, b"OK")
