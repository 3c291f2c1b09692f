"""The ClusterStore port, run against every adapter (fake, DuckDB, BigQuery emulator)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.clustering.model import PostingFeatures
from domain.models import ClusterRun
from tests.clustering_data import seed_store

pytestmark = pytest.mark.contract

V = "v1"
T0 = "2026-11-28T06:00:00.000+00:00"


def _run(rid: str, at: str, status: str = "running", **kw: Any) -> ClusterRun:
    return ClusterRun(rid, "c1", V, status, at, model_id="cm-1", **kw)


def _seed(store: Any) -> None:
    rows = [
        ("p1", "Data Engineer", ["python", "sql"], "x"),
        ("p2", "Nurse", ["patient care"], "x"),
        ("p3", "Web developer", ["react", "css", "html"], "x"),
        ("p4", "Nobody", [], "x"),
    ]
    seed_store(store, rows, V, T0)
    seed_store(store, [("p5", "Old", ["cobol"], "x")], "v0", T0)


def test_features_are_current_postings_in_id_ranges(store: Any) -> None:
    _seed(store)
    assert store.count_current(V) == 4 and store.count_current("v0") == 1
    feats = store.cluster_features(V, limit=10)
    assert [f.posting_id for f in feats] == ["p1", "p2", "p3", "p4"]
    assert feats[0] == PostingFeatures(
        "p1", "Data Engineer", (("esco:python", "python", 0.8), ("esco:sql", "sql", 0.8))
    )
    assert feats[3].skills == ()  # no skills: still a posting to assign
    assert [f.posting_id for f in store.cluster_features(V, 2, "p1")] == ["p2", "p3"]
    assert [f.posting_id for f in store.cluster_features(V, 10, "p1", "p3")] == ["p2", "p3"]
    assert [f.posting_id for f in store.cluster_features(V, 10, None, "p2")] == ["p1", "p2"]
    assert store.cluster_chunk_bounds(V, 2) == ["p2"]
    assert store.cluster_chunk_bounds(V, 1) == ["p1", "p2", "p3"]
    assert store.cluster_chunk_bounds(V, 4) == []


def test_assignments_are_idempotent_per_posting(store: Any) -> None:
    store.save_cluster_run(_run("r1", T0))
    assert store.write_cluster_assignments("r1", [("p1", 0, 0.1), ("p2", 1, 0.2)]) == 2
    assert store.write_cluster_assignments("r1", [("p1", 0, 0.1), ("p2", 1, 0.2)]) == 0
    assert store.write_cluster_assignments("r1", [("p3", -1, 1.0)]) == 1
    assert store.count_cluster_assignments("r1") == 3
    assert store.cluster_assignments("r1") == {"p1": 0, "p2": 1, "p3": -1}
    assert store.write_cluster_assignments("r1", []) == 0


def test_activation_flips_one_run_and_only_a_running_one(store: Any) -> None:
    store.save_cluster_run(_run("r1", T0))
    store.write_cluster_assignments("r1", [("p1", 0, 0.3), ("p2", 0, 0.1), ("p3", 1, 0.2)])
    assert store.posting_cluster("p1") is None  # not active yet
    assert store.activate_cluster_run("r1", 3, 2, {"clusters": [{"cluster_id": 0}]}, T0)
    store.save_cluster_run(_run("r2", "2026-11-28T07:00:00.000+00:00"))
    store.write_cluster_assignments("r2", [("p1", 1, 0.4), ("p2", 0, 0.1), ("p3", 1, 0.2)])
    assert store.posting_cluster("p1") == ("r1", 0, 0.3)  # r2 unfinished: readers see r1
    assert store.activate_cluster_run("r2", 3, 2, {"stability": {"ari": 0.5}}, T0)
    assert not store.activate_cluster_run("r2", 3, 2, {}, T0)  # already completed
    assert not store.activate_cluster_run("nope", 3, 2, {}, T0)
    runs = store.cluster_runs()
    assert [(r.run_id, r.is_active, r.status) for r in runs] == [
        ("r2", True, "completed"),
        ("r1", False, "completed"),
    ]
    assert runs[0].metrics == {"stability": {"ari": 0.5}}
    assert (runs[0].n_postings, runs[0].n_clusters, runs[0].model_id) == (3, 2, "cm-1")
    assert store.posting_cluster("p1") == ("r2", 1, 0.4)
    assert [r.run_id for r in store.cluster_runs(active_only=True)] == ["r2"]
    assert [r.run_id for r in store.cluster_runs(status="completed", limit=1)] == ["r2"]
    assert store.cluster_members("r2", 1) == ["p3", "p1"]  # closest first
    assert store.cluster_members("r2", 1, limit=1) == ["p3"]
    assert store.changed_postings("r1", "r2") == [("p1", 0, 1)]
    assert sorted(store.cluster_sizes()) == [
        ("r1", 0, 2), ("r1", 1, 1), ("r2", 0, 1), ("r2", 1, 2)
    ]  # fmt: skip
    assert sorted(store.cluster_sizes(runs=1)) == [("r2", 0, 1), ("r2", 1, 2)]


def test_failed_and_skipped_runs_are_recorded_never_active(store: Any) -> None:
    store.save_cluster_run(_run("r1", T0))
    failed = _run("r1", T0).ended("failed", "2026-11-28T06:05:00.000+00:00", "chunk failed")
    store.save_cluster_run(failed)
    store.save_cluster_run(
        _run("r0", "2026-11-28T05:00:00.000+00:00").ended("skipped", T0, "locked")
    )
    assert not store.activate_cluster_run("r1", 1, 1, {}, T0)
    runs = store.cluster_runs()
    assert [(r.run_id, r.status, r.reason, r.is_active) for r in runs] == [
        ("r1", "failed", "chunk failed", False),
        ("r0", "skipped", "locked", False),
    ]
    assert runs[0].finished_at == "2026-11-28T06:05:00.000+00:00"
    assert store.cluster_runs(cluster_version="other") == []
    assert store.cluster_runs(limit=1)[0].run_id == "r1"
    assert [r.run_id for r in store.cluster_runs(run_id="r0")] == ["r0"]
    assert [r.run_id for r in store.cluster_runs(status="failed")] == ["r1"]
    assert store.cluster_runs(active_only=True) == []
    assert store.cluster_sizes() == []
