"""The README's main job, end to end: `enrich demo` starts the whole fleet and enriches the samples."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.artifacts.config_files import load_config
from tests.conftest import ROOT
from tests.integration.conftest import enrich_cli, make_fleet, store_of
from tests.integration.test_lifecycle import bump_version, wait_for
from worker.fleet import COMPONENTS, Fleet

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fleet, str]]:
    base = tmp_path_factory.mktemp("demo")
    shutil.copytree(ROOT / "config", base / "cfg" / "config")
    # beat reports every second; re-enrichment and evaluation run only when Flower asks
    fleet = make_fleet(
        base,
        config_root=base / "cfg",
        report_interval_s=1.0,
        batch_size=32,
        reenrich_enabled=False,
        evaluation_enabled=False,
        config_check_interval_s=0.5,
    )
    try:
        run = enrich_cli(fleet, "demo", timeout=400)
        assert run.returncode == 0, run.stderr.decode()[-3000:]
        yield fleet, run.stdout.decode()
    finally:
        stop = enrich_cli(fleet, "fleet", "stop")
        assert stop.returncode == 0
        assert all(fleet.pid(c) is None for c in COMPONENTS)


def flower(fleet: Fleet, path: str, auth: bool = True, body: object = None) -> tuple[int, object]:
    s = fleet.settings
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{s.flower_port}{path}", data=data)
    if data is not None:
        req.add_header("Content-Type", "application/json")
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
    assert "198 rows     198 postings at it now  <- current" in out
    assert "postings/s" in out and "rejections/failures: 4" in out
    assert all(fleet.pid(c) for c in COMPONENTS), fleet.status()


def test_beat_dispatches_the_version_report(demo: tuple[Fleet, str]) -> None:
    fleet, _ = demo
    deadline = time.monotonic() + 120
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


def _ops(fleet: Fleet, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.enrich_ops", *args],
        cwd=ROOT, env=fleet.env(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_flower_starts_a_clustering_chord_then_a_refit_is_stable(
    demo: tuple[Fleet, str], tmp_path: Path
) -> None:
    fleet, _ = demo
    store = store_of(fleet)
    current = load_config(fleet.settings.config_root).manifest.effective
    # smaller chunks so the run is a chord of several tasks; the clustering block is outside the
    # enrichment fingerprint, so this edit must not make a single posting drift
    versions = fleet.settings.config_root / "config" / "model_versions.yaml"
    text = versions.read_text()
    versions.write_text(
        text.replace("chunk_size: 5000", "chunk_size: 64").replace("\n  k: 24\n", "\n  k: 6\n")
    )
    assert load_config(fleet.settings.config_root).manifest.effective == current
    time.sleep(1)  # the workers' config check
    assert store.count_drifted(current) == 0

    status, reply = flower(fleet, "/api/task/async-apply/lifecycle.cluster_postings", body={})
    assert status == 200 and isinstance(reply, dict) and reply.get("task-id")
    wait_for(lambda: any(r.is_active for r in store.cluster_runs()), 120, "first cluster run")
    (first,) = store.cluster_runs()
    assert (first.status, first.n_postings, first.n_clusters) == ("completed", 198, 6)
    assert store.count_cluster_assignments(first.run_id) == 198
    assert sum(c["size"] for c in first.metrics["clusters"]) == 198
    log = fleet.log_path("worker").read_text(errors="replace")
    assert log.count(f"cluster run {first.run_id}: chunk") == 4  # 198 postings / 64 per chunk
    pid = store.cluster_features(current, 1)[0].posting_id
    assert store.posting_cluster(pid)[0] == first.run_id  # type: ignore[index]

    refit = _ops(fleet, "cluster", "--refit", "--wait", "--timeout", "120")
    assert refit.returncode == 0, refit.stderr
    second = store.cluster_runs()[0]
    assert second.is_active and second.status == "completed" and second.run_id != first.run_id
    # a refit (warm-started from the first model); on the same postings it may converge to the
    # same centroids, and models are content-addressed, so the model id may stay the same
    log = fleet.log_path("worker").read_text(errors="replace")
    assert f"cluster run {second.run_id}: model {second.model_id} (refit requested)" in log
    assert not store.cluster_runs()[1].is_active
    stab = second.metrics["stability"]
    assert stab["previous_run_id"] == first.run_id and stab["common_postings"] == 198
    assert stab["ari"] > 0.5  # same postings, warm-started refit
    shown = _ops(fleet, "clusters", "--plot", str(tmp_path / "clusters.png"))
    assert shown.returncode == 0, shown.stderr
    assert second.run_id in shown.stdout and "largest clusters" in shown.stdout
    assert (tmp_path / "clusters.png").read_bytes()[:4] == b"\x89PNG"


def test_flower_api_starts_a_reenrichment_that_completes(demo: tuple[Fleet, str]) -> None:
    fleet, _ = demo
    store = store_of(fleet)
    v_new = bump_version(fleet.settings.config_root, "2099.5.0")
    assert store.count_drifted(v_new) == 198
    status, reply = flower(
        fleet, "/api/task/async-apply/lifecycle.reenrich_drifted", body={"kwargs": {"limit": 1000}}
    )
    assert status == 200 and isinstance(reply, dict) and reply.get("task-id")
    wait_for(lambda: store.count_drifted(v_new) == 0, 180, "Flower-triggered re-enrichment")
    assert {c.enrichment_version: c.latest for c in store.counts_by_version()}[v_new] == 198


def test_evaluation_task_stores_results_and_flags_an_injected_regression(
    demo: tuple[Fleet, str],
) -> None:
    fleet, _ = demo
    store = store_of(fleet)
    before = len(store.evaluations("skillspan-dev"))
    assert flower(fleet, "/api/task/async-apply/lifecycle.evaluate_extraction", body={})[0] == 200
    wait_for(lambda: len(store.evaluations("skillspan-dev")) == before + 1, 120, "first evaluation")
    first = store.evaluations("skillspan-dev")[0]
    assert not first.regressed and first.f1("KNOWLEDGE") > 0.3
    assert first.enrichment_version == load_config(fleet.settings.config_root).manifest.effective

    # inject a regression: a bad config edit makes the extractor read only 50 characters
    versions = fleet.settings.config_root / "config" / "model_versions.yaml"
    versions.write_text(re.sub(r"max_text_chars: \d+", "max_text_chars: 50", versions.read_text()))
    time.sleep(1)  # let the workers' config check see the new file
    assert flower(fleet, "/api/task/async-apply/lifecycle.evaluate_extraction", body={})[0] == 200
    wait_for(
        lambda: len(store.evaluations("skillspan-dev")) == before + 2, 120, "second evaluation"
    )
    second = store.evaluations("skillspan-dev")[0]
    assert second.regressed and second.compared_to == first.result_id
    assert any(r.startswith("KNOWLEDGE/overlap") for r in second.regressions)
    status = subprocess.run(
        [sys.executable, "-m", "cli.enrich_ops", "status"],
        cwd=ROOT, env=fleet.env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert "REGRESSED" in status.stdout
