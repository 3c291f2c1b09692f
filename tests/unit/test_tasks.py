import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from domain.models import EnrichedBatch, Section
from domain.pipeline import Pipeline
from domain.skills.ensemble import dictionary_extractor
from domain.versions import build_manifest
from tests.conftest import NOW, posting
from tests.fakes import InMemoryStore, MemorySpool, RecordingDispatcher
from tests.unit.test_versions import FILES, SPEC
from worker import bootstrap
from worker.app import app
from worker.settings import Settings


class Whole:
    def classify(self, text: str) -> tuple[Section, ...]:
        return (Section("overview", 0, len(text)),)


@contextmanager
def installed(tiny_taxonomy, tiny_aliases, **extra: Any) -> Iterator[bootstrap.Services]:  # type: ignore[no-untyped-def]
    """Services for the tasks for the block: an in-memory store, the dictionary extractor at
    SPEC's version, a recording dispatcher and a memory spool; `extra` (e.g. coordinator=) is
    passed to bootstrap.Services."""
    pipeline = Pipeline(
        build_manifest(SPEC, b"s", FILES),
        Whole(),
        dictionary_extractor(tiny_taxonomy, tiny_aliases),
        clock=lambda: NOW,
    )
    services = bootstrap.Services(
        Settings(handoff_window_s=0.01),
        InMemoryStore(),
        pipeline,
        dispatcher=RecordingDispatcher(),
        spool=MemorySpool(),
        **extra,
    )
    bootstrap.override(services)
    try:
        yield services
    finally:
        bootstrap.override(None)


@pytest.fixture
def svc(tiny_taxonomy, tiny_aliases) -> Iterator[bootstrap.Services]:
    with installed(tiny_taxonomy, tiny_aliases) as services:
        yield services


@pytest.fixture
def store(svc: bootstrap.Services) -> InMemoryStore:
    return svc.store  # type: ignore[return-value]


def wire(payload):
    """What the JSON serializer does to a payload between two chain links."""
    return json.loads(json.dumps(payload))


def run_chain(postings, queue=None) -> list[tuple[str, str | None]]:
    """Enqueue a batch, then run every link it hands on (as a worker would), in order.
    Returns (task, queue) of every message sent."""
    from tasks.enrich import enqueue_batch

    dispatcher = bootstrap.services().dispatcher
    start = len(dispatcher.sent)
    enqueue_batch(postings, queue)
    i = start
    while i < len(dispatcher.sent):
        name, payload, q = dispatcher.sent[i]
        app.tasks[name](wire(payload), **({"queue": q} if q else {}))
        i += 1
    return [(n, q) for n, _, q in dispatcher.sent[start:]]


def test_chain_persists_every_posting_once(store: InMemoryStore) -> None:
    ps = [posting(f"p{i}", "Python and k8s") for i in range(5)]
    run_chain(ps)
    assert len(store.enrichments) == 5
    run_chain(ps)
    assert len(store.enrichments) == 5 and not store.rejection_rows
    (count,) = store.counts_by_version()
    assert count.rows == 5 and count.enrichment_version.startswith("1.0+")


def test_record_rejections_is_idempotent(store: InMemoryStore) -> None:
    from domain.models import Rejection
    from tasks.enrich import record_rejections

    r = Rejection("r1", "validate", "invalid_json", "line 1: bad", "t", NOW)
    assert record_rejections([r.to_dict()]) == 1
    assert record_rejections([r.to_dict()]) == 0
    assert store.rejection_counts() == {("validate", "invalid_json"): 1}


def test_each_link_hands_on_to_the_next_on_its_queue(store: InMemoryStore) -> None:
    sent = run_chain([posting("a", "Python")], queue="reenrich")
    assert sent == [
        ("enrich.classify_sections", "reenrich"),
        ("enrich.extract_skills", "reenrich"),
        ("enrich.persist_enrichments", None),
    ]
    assert app.amqp.router.route({}, "enrich.persist_enrichments")["queue"].name == "persist"
    assert len(store.enrichments) == 1


def test_unpublishable_next_link_records_the_batch_as_failed(svc, store: InMemoryStore) -> None:
    from tasks.enrich import classify_sections

    svc.__dict__["dispatcher"] = RecordingDispatcher(refuse=10**6)
    ps = [posting(f"p{i}", "Python") for i in range(3)]
    out = classify_sections(wire(EnrichedBatch(postings=tuple(ps)).to_dict()))
    assert out["outcome"] == "failed:handoff/broker_unavailable"
    assert {(r.stage, r.reason, r.posting_id) for r in store.rejection_rows.values()} == {
        ("handoff", "broker_unavailable", p.posting_id) for p in ps
    }
    assert set(store.postings) == {(p.posting_id, p.content_hash) for p in ps}  # raw text kept


def test_extract_that_cannot_hand_on_writes_its_enrichments_itself(svc, store) -> None:
    from tasks.enrich import extract_skills

    svc.__dict__["dispatcher"] = RecordingDispatcher(refuse=10**6)
    batch = svc.pipeline.classify(EnrichedBatch(postings=(posting("a", "Python"),)))
    extract_skills(wire(batch.to_dict()))
    assert len(store.enrichments) == 1 and not store.rejection_rows  # done, not failed


def test_a_broker_blip_shorter_than_the_window_is_waited_out(svc, store) -> None:
    from tasks.enrich import classify_sections

    svc.__dict__["dispatcher"] = RecordingDispatcher(refuse=1)
    svc.settings.__dict__["handoff_window_s"] = 5.0
    out = classify_sections(wire(EnrichedBatch(postings=(posting("a", "Python"),)).to_dict()))
    assert out["outcome"] == "handed_on" and not store.rejection_rows


class DownStore(InMemoryStore):
    def write_batch(self, *a):  # type: ignore[no-untyped-def]
        from domain.errors import TransientError

        raise TransientError("warehouse down")


def test_persist_out_of_retries_with_the_warehouse_down_goes_to_the_spool(svc) -> None:
    from tasks.enrich import persist_enrichments

    svc.store = DownStore()
    batch = svc.pipeline.enrich([posting("a", "Python")])
    persist_enrichments.push_request(retries=persist_enrichments.max_retries)
    try:
        out = persist_enrichments.run(wire(batch.to_dict()))
    finally:
        persist_enrichments.pop_request()
    assert out["outcome"] == "failed:persist/retries_exhausted"
    (item,) = svc.spool.items()
    assert (item.kind, item.stage, item.reason) == ("batch", "persist", "retries_exhausted")
    assert EnrichedBatch.from_dict(item.payload).postings[0].posting_id == "a"


def test_batch_statistics_sum_counts_without_text(real_pipeline) -> None:
    from tasks.enrich import batch_statistics
    from tests.conftest import load_samples

    out = real_pipeline.enrich(load_samples(8))
    totals = batch_statistics(out)
    assert totals["skills"] == sum(len(e.skills) for e in out.enrichments) > 0
    assert totals["candidates"]["transformer"] > 0 and totals["candidates"]["taxonomy"] > 0
    assert all(isinstance(v, int) for v in totals["candidates"].values())
