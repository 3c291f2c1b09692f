"""Prometheus metrics, real: a Prometheus server (Debian package) scrapes our exporter and
Flower during a run; its HTTP query API must agree with the warehouse."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT, SAMPLES
from tests.integration.conftest import enrich_cli, make_fleet, store_of, write_postings
from worker.fleet import Fleet, free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _get(url: str, auth: str | None = None) -> bytes:
    req = urllib.request.Request(url)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def _wait(fn, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last:
                return last
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fleet, str, int]]:
    if shutil.which("prometheus") is None:
        pytest.fail("prometheus is not installed: run scripts/install.sh (apt package)")
    base = tmp_path_factory.mktemp("metrics")
    fleet = make_fleet(base, reenrich_enabled=False, evaluation_enabled=False)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        fleet.start(("redis", "worker", "persister", "flower"))
        src = base / "in.jsonl"
        write_postings(src, "met", 40)
        with src.open("a") as fh:
            fh.write('{"posting_id": "bad-1"}\n{not json\n{"posting_id": "bad-2", "text": ""}\n')
        run = enrich_cli(fleet, "bridge", str(src), "--wait", "--timeout", "180")
        assert run.returncode == 0, run.stderr.decode()[-2000:]

        port, prom_port = free_port(), free_port()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "cli.enrich_ops", "metrics", "--port", str(port)],
            cwd=ROOT, env=fleet.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        ))  # fmt: skip
        s = fleet.settings
        (base / "prometheus.yml").write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            "scrape_configs:\n"
            f"  - job_name: enrich\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n"
            f"  - job_name: flower\n    static_configs: [{{targets: ['127.0.0.1:{s.flower_port}']}}]\n"
            f"    basic_auth: {{username: {s.flower_user}, password: {s.flower_password}}}\n"
        )
        procs.append(subprocess.Popen(
            ["prometheus", f"--config.file={base / 'prometheus.yml'}",
             f"--storage.tsdb.path={base / 'tsdb'}", f"--web.listen-address=127.0.0.1:{prom_port}"],
            stdout=subprocess.DEVNULL, stderr=(base / "prometheus.log").open("wb"),
        ))  # fmt: skip
        yield fleet, f"http://127.0.0.1:{prom_port}", port
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        fleet.stop()


def query(prom: str, expr: str) -> list[dict]:  # type: ignore[type-arg]
    body = json.loads(_get(f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr})))
    assert body["status"] == "success", body
    return body["data"]["result"]


def test_prometheus_scrapes_counts_that_match_the_warehouse(
    scraped: tuple[Fleet, str, int],
) -> None:
    fleet, prom, _ = scraped
    store = store_of(fleet)
    _wait(lambda: len(query(prom, "up == 1")) == 2, 60, "both targets up")
    latest = _wait(lambda: query(prom, "enrich_postings_latest"), 30, "enrich_postings_latest")
    got = {r["metric"]["version"]: float(r["value"][1]) for r in latest}
    want = {c.enrichment_version: float(c.latest) for c in store.counts_by_version()}
    assert got == want and sum(want.values()) == 40
    rows = {
        r["metric"]["version"]: float(r["value"][1]) for r in query(prom, "enrich_enrichment_rows")
    }
    assert rows == {c.enrichment_version: float(c.rows) for c in store.counts_by_version()}

    rejected = {
        (r["metric"]["stage"], r["metric"]["reason"]): float(r["value"][1])
        for r in query(prom, "enrich_rejections")
    }
    assert rejected == {k: float(n) for k, n in store.rejection_counts().items()}
    assert sum(rejected.values()) == 3

    (version,) = want
    (count,) = query(prom, f'enrich_skills_per_posting_count{{version="{version}"}}')
    assert float(count["value"][1]) == 40
    (total,) = query(prom, "enrich_skills_per_posting_sum")
    assert float(total["value"][1]) == pytest.approx(store.skills_per_posting(version) * 40)
    assert float(query(prom, "enrich_drift_backlog")[0]["value"][1]) == 0
    queues = {r["metric"]["queue"] for r in query(prom, "enrich_queue_depth")}
    assert queues == {"enrich", "reenrich", "persist", "lifecycle", "cluster"}
    (lat,) = query(prom, "enrich_extraction_seconds_per_posting")
    assert 0 < float(lat["value"][1]) < 10
    # Flower's own /metrics: task events of the run
    events = _wait(lambda: query(prom, 'flower_events_total{type="task-succeeded"}'), 30, "flower")
    assert sum(float(r["value"][1]) for r in events) >= 3  # at least one batch, three links


def test_exporter_output_has_no_posting_text(scraped: tuple[Fleet, str, int]) -> None:
    _, _, port = scraped
    text = _get(f"http://127.0.0.1:{port}/metrics").decode()
    assert "enrich_postings_latest{" in text and "enrich_exporter_scrape_seconds" in text
    for line in SAMPLES.read_text().splitlines()[:40]:
        body = json.loads(line)["text"]
        for i in range(0, max(len(body) - 24, 1), 97):
            assert body[i : i + 24] not in text
