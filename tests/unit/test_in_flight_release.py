"""Drift re-enrichment's in-flight marks are released where a batch lands — persisted at whatever
version the worker ran, or recorded as failed — so a posting a worker re-ran at its old version
(before it noticed a switch) is queued again by the next run instead of after the mark's TTL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from domain.errors import TransientError
from domain.lifecycle import ReenrichRequest, reenrich_drifted, release_landed
from domain.models import EnrichedBatch, JobEnrichment, Posting, Section
from tests.conftest import NOW, posting
from tests.fakes import FakeCoordinator
from tests.unit.test_tasks import DownStore, installed
from worker import bootstrap
from worker.app import app

TARGET = "2099.1.0+target"  # the version the drift job re-enriches to; the worker still runs SPEC's
SCOPE = f"reenrich:{TARGET}"


@pytest.fixture
def svc(tiny_taxonomy, tiny_aliases) -> Iterator[bootstrap.Services]:
    with installed(tiny_taxonomy, tiny_aliases, coordinator=FakeCoordinator()) as services:
        yield services


def seed(svc: bootstrap.Services, n: int) -> list[Posting]:
    """n postings whose latest row is at an old version: drifted for TARGET."""
    ps = [posting(f"p{i}", f"Python and k8s {i}") for i in range(n)]
    old, sections = "2000.1.0+old", (Section("overview", 0, 4),)
    es = [JobEnrichment(p.posting_id, p.content_hash, old, {}, sections, (), NOW, 1.0) for p in ps]
    svc.store.write_batch(ps, es, [])
    return ps


def drift_run(svc: bootstrap.Services) -> int:
    from tasks.lifecycle import enqueue_reenrichment

    req = ReenrichRequest(current_version=TARGET, cap=100, batch_size=2, max_queue_depth=100)
    report = reenrich_drifted(req, svc.store, svc.coordinator, enqueue_reenrichment, "reenrich", 60)
    return report.enqueued


def drain(svc: bootstrap.Services) -> None:
    """Run every message sent and not run yet, as a worker would (payloads through JSON)."""
    dispatcher = svc.dispatcher
    done = getattr(dispatcher, "drained", 0)
    while done < len(dispatcher.sent):
        name, payload, q = dispatcher.sent[done]
        app.tasks[name](json.loads(json.dumps(payload)), **({"queue": q} if q else {}))
        done += 1
    dispatcher.drained = done  # type: ignore[attr-defined]


def marks(svc: bootstrap.Services) -> set[str]:
    return set(svc.coordinator.in_flight)  # type: ignore[attr-defined]


def test_a_posting_re_run_at_an_old_version_is_queued_again_by_the_next_run(svc) -> None:
    seed(svc, 5)
    assert drift_run(svc) == 5
    assert drift_run(svc) == 0  # still queued: passed over
    drain(svc)  # a worker that has not noticed the switch persists them at its own version
    assert svc.store.count_drifted(TARGET) == 5 and not marks(svc)
    assert drift_run(svc) == 5  # at once, not after ENRICH_REENRICH_IN_FLIGHT_TTL_S


def test_every_link_carries_the_mark_to_the_persist_link(svc) -> None:
    seed(svc, 2)
    drift_run(svc)
    drain(svc)
    sent = [(name, payload.get("in_flight_scope")) for name, payload, _ in svc.dispatcher.sent]
    assert sent == [
        ("enrich.classify_sections", SCOPE),
        ("enrich.extract_skills", SCOPE),
        ("enrich.persist_enrichments", SCOPE),
    ]


def test_a_batch_recorded_as_failed_releases_its_marks(svc) -> None:
    seed(svc, 4)
    drift_run(svc)
    assert len(marks(svc)) == 4
    svc.dispatcher.refuse = 10**6  # classify cannot hand on: the batch is recorded
    drain(svc)
    assert {r.stage for r in svc.store.rejection_rows.values()} == {"handoff"}
    assert not marks(svc)


def test_a_spooled_batch_releases_its_marks(svc) -> None:
    from tasks.enrich import persist_enrichments

    seed(svc, 1)
    drift_run(svc)
    svc.store = DownStore()  # the warehouse is down and the persist link is out of retries
    batch = svc.pipeline.enrich([posting("p0", "Python and k8s 0")])
    payload = EnrichedBatch(batch.postings, batch.sections, batch.section_version,
                            batch.enrichments, batch.failures, SCOPE).to_dict()  # fmt: skip
    persist_enrichments.push_request(retries=persist_enrichments.max_retries)
    try:
        out = persist_enrichments.run(json.loads(json.dumps(payload)))
    finally:
        persist_enrichments.pop_request()
    assert out["outcome"] == "failed:persist/retries_exhausted" and not marks(svc)


def test_a_batch_the_drift_job_did_not_send_leaves_marks_alone(svc) -> None:
    from tasks.enrich import enqueue_batch

    ps = seed(svc, 2)
    drift_run(svc)
    enqueue_batch(ps)  # the same postings from the bridge, e.g. a new text
    assert "in_flight_scope" not in svc.dispatcher.sent[-1][1]  # the payload as before
    svc.dispatcher.sent[:] = svc.dispatcher.sent[-1:]  # run only the bridge's batch
    drain(svc)
    assert marks(svc) == {f"{SCOPE}:p0", f"{SCOPE}:p1"}


class DownCoordinator(FakeCoordinator):
    def release_in_flight(self, scope, keys):  # type: ignore[no-untyped-def]
        raise TransientError("redis down")


def test_marks_that_cannot_be_released_do_not_fail_the_landing() -> None:
    batch = EnrichedBatch(postings=(posting("a", "x"),), in_flight_scope=SCOPE)
    assert release_landed(DownCoordinator(), batch) == 0  # they expire by their TTL
    coord = FakeCoordinator()
    coord.claim_in_flight(SCOPE, ["a", "b"], 60)
    assert release_landed(coord, batch) == 1 and set(coord.in_flight) == {f"{SCOPE}:b"}
    assert release_landed(coord, EnrichedBatch(postings=(posting("b", "x"),))) == 0
