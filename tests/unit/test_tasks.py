import json
from collections.abc import Iterator

import pytest

from domain.models import EnrichedBatch, Section
from domain.pipeline import Pipeline
from domain.skills.ensemble import dictionary_extractor
from domain.versions import build_manifest
from tests.conftest import NOW, posting
from tests.fakes import InMemoryStore
from tests.unit.test_versions import FILES, SPEC
from worker import bootstrap
from worker.app import app
from worker.settings import Settings


class Whole:
    def classify(self, text: str) -> tuple[Section, ...]:
        return (Section("overview", 0, len(text)),)


@pytest.fixture
def store(tiny_taxonomy, tiny_aliases) -> Iterator[InMemoryStore]:
    store = InMemoryStore()
    pipeline = Pipeline(
        build_manifest(SPEC, b"s", FILES),
        Whole(),
        dictionary_extractor(tiny_taxonomy, tiny_aliases),
        clock=lambda: NOW,
    )
    bootstrap.override(bootstrap.Services(Settings(), store, pipeline))
    yield store
    bootstrap.override(None)


def wire(payload):
    """What the JSON serializer does to a payload between two chain links."""
    return json.loads(json.dumps(payload))


def run_chain(postings) -> dict[str, int]:
    from tasks.enrich import classify_sections, extract_skills, persist_enrichments

    batch = wire(EnrichedBatch(postings=tuple(postings)).to_dict())
    return persist_enrichments(wire(extract_skills(wire(classify_sections(batch)))))


def test_chain_persists_every_posting_once(store: InMemoryStore) -> None:
    ps = [posting(f"p{i}", "Python and k8s") for i in range(5)]
    assert run_chain(ps) == {"postings": 5, "enrichments": 5, "failures": 0, "isolated": 0}
    assert run_chain(ps) == {"postings": 0, "enrichments": 0, "failures": 0, "isolated": 0}
    assert len(store.enrichments) == 5
    (count,) = store.counts_by_version()
    assert count.rows == 5 and count.enrichment_version.startswith("1.0+")


def test_record_rejections_is_idempotent(store: InMemoryStore) -> None:
    from domain.models import Rejection
    from tasks.enrich import record_rejections

    r = Rejection("r1", "validate", "invalid_json", "line 1: bad", "t", NOW)
    assert record_rejections([r.to_dict()]) == 1
    assert record_rejections([r.to_dict()]) == 0
    assert store.rejection_counts() == {("validate", "invalid_json"): 1}


def test_enrichment_chain_signature_routes_each_link(store: InMemoryStore) -> None:
    from tasks.enrich import enrichment_chain

    sig = enrichment_chain([posting("a", "Python")], queue="reenrich")
    names = [t.task for t in sig.tasks]
    assert names == [
        "enrich.classify_sections",
        "enrich.extract_skills",
        "enrich.persist_enrichments",
    ]
    assert [t.options.get("queue") for t in sig.tasks] == ["reenrich", "reenrich", None]
    assert app.amqp.router.route({}, "enrich.persist_enrichments")["queue"].name == "persist"
    json.dumps(sig.tasks[0].args)  # the payload is plain JSON


def test_batch_statistics_sum_counts_without_text(real_pipeline) -> None:
    from tasks.enrich import batch_statistics
    from tests.conftest import load_samples

    out = real_pipeline.enrich(load_samples(8))
    totals = batch_statistics(out)
    assert totals["skills"] == sum(len(e.skills) for e in out.enrichments) > 0
    assert totals["candidates"]["span_model"] > 0 and totals["candidates"]["taxonomy"] > 0
    assert all(isinstance(v, int) for v in totals["candidates"].values())
