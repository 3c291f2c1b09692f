"""`enrich-ops cluster` / `clusters` without a fleet: config errors first, empty warehouse,
runs and labels printed from the warehouse, the PNG."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from adapters.duckdb.store import DuckDbStore
from cli import enrich_ops as ops_cli
from domain.clustering.model import ClusterParams
from domain.clustering.runs import run_inline
from tests.clustering_data import family_postings, seed_store
from tests.conftest import ROOT
from tests.fakes import FakeCoordinator, MemoryModels
from worker import settings


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "cfg" / "config")
    monkeypatch.setenv("ENRICH_CONFIG_ROOT", str(tmp_path / "cfg"))
    monkeypatch.setenv("ENRICH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ENRICH_BROKER_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    settings.get_settings.cache_clear()
    yield tmp_path
    settings.get_settings.cache_clear()


def test_a_bad_clustering_block_is_refused_before_anything_runs(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    versions = env / "cfg" / "config" / "model_versions.yaml"
    versions.write_text(versions.read_text().replace("\n  k: 24\n", "\n  k: 1\n"))
    assert ops_cli.main(["cluster"]) == 2
    assert "clustering.k must be an integer >= 2" in capsys.readouterr().err


def test_clusters_lists_runs_stability_and_labels(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ops_cli.main(["clusters"]) == 0
    assert "no clustering runs yet" in capsys.readouterr().out
    store = DuckDbStore(env / "data" / "enrichment.duckdb")
    seed_store(store, family_postings(200), "v1", "2026-11-28T06:00:00.000+00:00")
    params = ClusterParams("c1", k=4, svd_components=8)
    models, coord = MemoryModels(), FakeCoordinator()
    stamps = iter(f"2026-11-28T07:00:{i:02d}.000+00:00" for i in range(60))
    run_inline(store, models, coord, params, "v1", lambda: next(stamps))
    second = run_inline(store, models, coord, params, "v1", lambda: next(stamps), refit=True)
    png = env / "c.png"
    assert ops_cli.main(["clusters", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert f"{second.run_id}  completed *" in out
    assert "largest clusters of the active run" in out and "python" in out  # a label
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert ops_cli.main(["clusters", "--posting", "p000001"]) == 0
    cid = store.posting_cluster("p000001")[1]  # type: ignore[index]
    assert f"p000001: cluster {cid} in active run {second.run_id}" in capsys.readouterr().out
    assert ops_cli.main(["clusters", "--posting", "nope"]) == 1
    assert "nope: not in the active run" in capsys.readouterr().out
    assert ops_cli.main(["clusters", "--members", str(cid), "--limit", "3"]) == 0
    members = capsys.readouterr().out.split()
    assert len(members) == 3 and all(store.posting_cluster(m)[1] == cid for m in members)  # type: ignore[index]
    first = store.cluster_runs()[1].run_id
    assert ops_cli.main(["clusters", "--changed", first, second.run_id]) == 0
    moved = store.changed_postings(first, second.run_id)
    out = capsys.readouterr().out
    assert (moved and moved[0][0] in out) or "no posting changed" in out


def test_progress_draws_a_bar_on_a_terminal_and_plain_lines_in_a_log(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cli.common import Progress

    assert Progress.bar(5, 10, width=10) == "[#####.....]  50%"
    assert Progress.bar(12, 10, width=4) == "[####] 100%"
    assert Progress.bar(0, 0, width=4) == "[....]   0%"
    tty = Progress()
    tty.tty = True
    tty("  3/4 done", done=3, total=4)
    assert capsys.readouterr().err == "\r\x1b[K[" + "#" * 18 + "......]  75% 3/4 done"
    # a machine booted 2 s ago: time.monotonic() is about 2.0, far below every_s
    now = [2.0]
    log = Progress(every_s=3600, clock=lambda: now[0])
    log.tty = False
    log("  first", done=1, total=4)
    now[0] += 3599
    log("  second (within every_s: skipped)", done=2, total=4)
    now[0] += 1
    log("  third (every_s later)", done=3, total=4)
    log("  last", final=True, done=4, total=4)
    assert capsys.readouterr().err == "  first\n  third (every_s later)\n  last\n"
