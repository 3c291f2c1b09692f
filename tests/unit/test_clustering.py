"""Clustering: determinism, stability across refits, edge cases, run lifecycle on fakes."""

from __future__ import annotations

import random
from itertools import count

import numpy as np
import pytest

from domain.clustering.model import (
    NO_FEATURES,
    ClusterModel,
    ClusterParams,
    PostingFeatures,
    fit_model,
)
from domain.clustering.runs import LOCK, finish_run, plan_run, run_inline
from domain.clustering.stability import stability
from domain.errors import ConfigError
from tests.clustering_data import family_postings, seed_store
from tests.fakes import FakeCoordinator, InMemoryStore, MemoryModels

V = "2026.11.4+abc"
PARAMS = ClusterParams("c1", k=4, svd_components=16, chunk_size=50)


def feats(rows: list[tuple[str, str, list[str], str]]) -> list[PostingFeatures]:
    return [
        PostingFeatures(pid, title, tuple((f"esco:{s}", s, 0.8) for s in skills))
        for pid, title, skills, _ in rows
    ]


def clock() -> object:
    ticks = count()
    return lambda: f"2026-11-28T07:{next(ticks) // 60:02d}:{next(ticks) % 60:02d}.000+00:00"


def test_fit_recovers_families_and_is_order_independent() -> None:
    rows = family_postings(400)
    f = feats(rows)
    model = fit_model(f, PARAMS)
    shuffled = f[:]
    random.Random(3).shuffle(shuffled)
    again = fit_model(shuffled, PARAMS)
    assert again.model_id == model.model_id
    got = {p: c for p, c, _ in model.assign(f)}
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score([r[3] for r in rows], [got[r[0]] for r in rows]) > 0.9
    assert sorted(model.sizes, reverse=True)[0] < 0.4 * len(rows)
    assert all(" / " in label for label in model.labels)


def test_model_round_trips_through_arrays() -> None:
    f = feats(family_postings(200))
    model = fit_model(f, PARAMS)
    back = ClusterModel.from_arrays(model.to_arrays())
    assert back.model_id == model.model_id
    assert back.assign(f) == model.assign(f)


def test_posting_without_features_gets_its_own_bucket() -> None:
    f = feats(family_postings(200))
    model = fit_model(f, PARAMS)
    empty = [PostingFeatures("z1", None, ()), PostingFeatures("z2", "the of", ())]
    assert [c for _, c, _ in model.assign(empty)] == [NO_FEATURES, NO_FEATURES]


def test_refit_with_ten_percent_new_postings_keeps_old_assignments() -> None:
    old = feats(family_postings(500))
    first = fit_model(old, PARAMS)
    before = {p: c for p, c, _ in first.assign(old)}
    new = old + feats(family_postings(50, seed=9, prefix="q"))
    second = fit_model(new, PARAMS, first, before)
    after = {p: c for p, c, _ in second.assign(new)}
    s = stability(before, after)
    assert s["common_postings"] == 500
    assert s["ari"] >= 0.9
    assert s["changed_share"] <= 0.05  # ids carried over by matching, not just the partition
    assert second.parent_model_id == first.model_id


def test_stability_metrics_on_known_partitions() -> None:
    a = {"p1": 0, "p2": 0, "p3": 1, "p4": 1}
    relabelled = {"p1": 5, "p2": 5, "p3": 7, "p4": 7, "p9": 1}
    s = stability(a, relabelled)
    assert (s["common_postings"], s["ari"], s["nmi"], s["jaccard_worst"]) == (4, 1.0, 1.0, 1.0)
    assert s["changed_share"] == 1.0  # every id differs: ids are meant to carry over
    moved = {"p1": 0, "p2": 1, "p3": 1, "p4": 1}
    m = stability(a, moved)
    assert m["changed_share"] == 0.25 and m["jaccard_worst"] < 1.0 and m["ari"] < 1.0
    assert stability({}, a) == {"common_postings": 0}


@pytest.mark.parametrize(
    ("raw", "msg"),
    [
        ({"cluster_version": "1", "k": 1}, "k must be"),
        ({"cluster_version": "1", "k": "many"}, "k must be"),
        ({"k": 4}, "cluster_version"),
        ({"cluster_version": "1", "k": 4, "svd_components": 1}, "svd_components"),
        (None, "must be a mapping"),
    ],
)
def test_bad_cluster_config_is_refused(raw: object, msg: str) -> None:
    with pytest.raises(ConfigError, match=msg):
        ClusterParams.from_config(raw)  # type: ignore[arg-type]


def test_auto_k_picks_from_candidates() -> None:
    p = ClusterParams.from_config({"cluster_version": "1", "k": "auto", "k_candidates": [2, 4, 8]})
    model = fit_model(feats(family_postings(400)), p)
    assert model.k in (2, 4, 8)


def _store_with(n: int) -> InMemoryStore:
    store = InMemoryStore()
    seed_store(store, family_postings(n), V, "2026-11-28T06:00:00.000+00:00")
    return store


def test_run_twice_on_same_postings_gives_identical_assignments() -> None:
    store, models, coord, now = _store_with(300), MemoryModels(), FakeCoordinator(), clock()
    first = run_inline(store, models, coord, PARAMS, V, now)  # type: ignore[arg-type]
    second = run_inline(store, models, coord, PARAMS, V, now)  # type: ignore[arg-type]
    assert (first.status, second.status) == ("completed", "completed")
    assert store.cluster_assignments(first.run_id) == store.cluster_assignments(second.run_id)
    assert second.model_id == first.model_id  # reused, not refitted
    assert second.metrics["stability"]["ari"] == 1.0
    assert second.metrics["stability"]["changed_share"] == 0.0
    runs = store.cluster_runs()
    assert [r.is_active for r in runs] == [True, False]
    assert store.count_cluster_assignments(second.run_id) == 300
    assert not coord.locked


def test_refit_after_new_postings_is_stable_on_the_old_ones() -> None:
    store, models, coord, now = _store_with(400), MemoryModels(), FakeCoordinator(), clock()
    first = run_inline(store, models, coord, PARAMS, V, now)  # type: ignore[arg-type]
    seed_store(store, family_postings(40, seed=5, prefix="q"), V, "2026-11-28T06:30:00+00:00")
    second = run_inline(store, models, coord, PARAMS, V, now, refit=True)  # type: ignore[arg-type]
    assert second.model_id != first.model_id
    st = second.metrics["stability"]
    assert st["common_postings"] == 400 and st["ari"] >= 0.9
    assert second.n_postings == 440
    labels = {c["cluster_id"]: c["label"] for c in second.metrics["clusters"]}
    assert len(labels) == 4 and sum(c["size"] for c in second.metrics["clusters"]) == 440


def test_empty_warehouse_and_too_few_postings_are_skipped_with_reason() -> None:
    models, coord, now = MemoryModels(), FakeCoordinator(), clock()
    empty = InMemoryStore()
    run = run_inline(empty, models, coord, PARAMS, V, now)  # type: ignore[arg-type]
    assert (run.status, run.is_active) == ("skipped", False)
    assert "0 postings" in (run.reason or "")
    few = _store_with(3)
    run = run_inline(few, models, coord, PARAMS, V, now)  # type: ignore[arg-type]
    assert run.status == "skipped" and "fewer than k=4" in (run.reason or "")
    assert [r.status for r in few.cluster_runs()] == ["skipped"]
    assert not coord.locked


def test_second_trigger_while_locked_is_recorded_as_skipped() -> None:
    store, models, coord, now = _store_with(100), MemoryModels(), FakeCoordinator(), clock()
    plan = plan_run(store, models, coord, PARAMS, V, now())  # type: ignore[arg-type]
    assert plan.run.status == "running" and LOCK in coord.locked
    other = plan_run(store, models, coord, PARAMS, V, now())  # type: ignore[arg-type]
    assert other.run.status == "skipped" and other.run.reason.startswith("locked")
    assert other.chunks == ()
    assert len(plan.chunks) == 2  # 100 postings in chunks of 50


def test_run_that_never_finished_stays_inactive_and_next_run_completes() -> None:
    store, models, coord, now = _store_with(120), MemoryModels(), FakeCoordinator(), clock()
    good = run_inline(store, models, coord, PARAMS, V, now)  # type: ignore[arg-type]
    lost = plan_run(store, models, coord, PARAMS, V, now())  # type: ignore[arg-type]
    coord.locked.clear()  # its worker died; the lock's TTL ran out
    nxt = run_inline(store, models, coord, PARAMS, V, now)  # type: ignore[arg-type]
    by_id = {r.run_id: r for r in store.cluster_runs()}
    assert by_id[lost.run.run_id].status == "failed"
    assert "abandoned" in (by_id[lost.run.run_id].reason or "")
    assert not by_id[good.run_id].is_active and by_id[nxt.run_id].is_active


def test_run_missing_chunk_rows_fails_and_previous_stays_active() -> None:
    store, models, coord, now = _store_with(120), MemoryModels(), FakeCoordinator(), clock()
    good = run_inline(store, models, coord, PARAMS, V, now)  # type: ignore[arg-type]
    plan = plan_run(store, models, coord, PARAMS, V, now())  # type: ignore[arg-type]
    model = models.load(plan.run.model_id or "")
    done = finish_run(store, coord, model, plan.run.run_id, plan.lock_token, [60, 60], now())
    assert done.status == "failed" and "0 assignments stored" in (done.reason or "")
    assert next(r for r in store.cluster_runs() if r.is_active).run_id == good.run_id
    assert not coord.locked


def test_cluster_version_bump_refits() -> None:
    store, models, coord, now = _store_with(200), MemoryModels(), FakeCoordinator(), clock()
    first = run_inline(store, models, coord, PARAMS, V, now)  # type: ignore[arg-type]
    bumped = ClusterParams("c2", k=4, svd_components=16, chunk_size=50)
    second = run_inline(store, models, coord, bumped, V, now)  # type: ignore[arg-type]
    assert second.model_id != first.model_id and second.cluster_version == "c2"
    assert models.load(second.model_id or "").parent_model_id == first.model_id


def test_centroids_are_unit_vectors() -> None:
    model = fit_model(feats(family_postings(200)), PARAMS)
    assert np.allclose(np.linalg.norm(model.centroids, axis=1), 1.0, atol=1e-5)


def test_missing_model_artifact_fails_the_run_with_a_clear_reason() -> None:
    store, models, coord, now = _store_with(120), MemoryModels(), FakeCoordinator(), clock()
    good = run_inline(store, models, coord, PARAMS, V, now)  # type: ignore[arg-type]
    models.models.clear()  # the model file is gone
    run = run_inline(store, models, coord, PARAMS, V, now)  # type: ignore[arg-type]
    assert run.status == "failed" and not run.is_active
    assert f"cluster model {good.model_id} not found" in (run.reason or "")
    assert "--refit" in (run.reason or "")
    assert next(r for r in store.cluster_runs() if r.is_active).run_id == good.run_id
    assert not coord.locked
    again = run_inline(store, models, coord, PARAMS, V, now, refit=True)  # type: ignore[arg-type]
    assert again.status == "completed" and again.is_active
