from dataclasses import replace

import pytest

from domain.models import EnrichedBatch, Section
from domain.pipeline import Pipeline
from domain.skills.ensemble import dictionary_extractor
from domain.versions import build_manifest
from tests.conftest import NOW, ROOT, posting
from tests.unit.test_versions import FILES, SPEC


class OneSection:
    def classify(self, text: str) -> tuple[Section, ...]:
        if "EXPLODE" in text:
            raise ValueError(f"cannot parse {text}")
        return (Section("overview", 0, len(text)),)


@pytest.fixture
def pipeline(tiny_taxonomy, tiny_aliases) -> Pipeline:
    return Pipeline(
        manifest=build_manifest(SPEC, b"spec", FILES),
        classifier=OneSection(),
        extractor=dictionary_extractor(tiny_taxonomy, tiny_aliases),
        clock=lambda: NOW,
    )


def test_enrich_versions_every_row(pipeline: Pipeline) -> None:
    out = pipeline.enrich([posting("a", "Python"), posting("b", "k8s and ML")])
    assert [e.posting_id for e in out.enrichments] == ["a", "b"]
    for e in out.enrichments:
        assert e.enrichment_version == pipeline.manifest.effective
        assert e.component_versions == pipeline.manifest.labels()
        assert e.row_id == f"{e.posting_id}:{e.content_hash}:{e.enrichment_version}"
    assert [s.skill_id for s in out.enrichments[1].skills] == ["onet:k8s", "esco:ml"]


def test_a_failing_posting_is_recorded_not_dropped(pipeline: Pipeline) -> None:
    out = pipeline.enrich([posting("ok", "Python"), posting("bad", "EXPLODE secret text")])
    assert [e.posting_id for e in out.enrichments] == ["ok"]
    (f,) = out.failures
    assert (f.posting_id, f.stage, f.reason) == ("bad", "classify", "component_error")
    assert "secret" not in f.detail
    assert len(out.postings) == 2  # the raw posting is kept for a later re-run


def test_extract_reclassifies_when_section_version_differs(pipeline: Pipeline) -> None:
    classified = pipeline.classify(EnrichedBatch(postings=(posting("a", "Python"),)))
    stale = replace(classified, section_version="header_rules.v0@old", sections={})
    out = pipeline.extract(stale)
    assert [e.posting_id for e in out.enrichments] == ["a"]


def test_batch_round_trips_through_json_payload(pipeline: Pipeline) -> None:
    out = pipeline.enrich([posting("a", "Python and k8s"), posting("b", "EXPLODE")])
    payload = out.to_dict()
    assert EnrichedBatch.from_dict(payload).to_dict() == payload
    assert len(payload["enrichments"]) == 1 and len(payload["failures"]) == 1


def test_real_pipeline_on_samples_keeps_offsets(real_pipeline, samples) -> None:
    out = real_pipeline.enrich(samples[:20])
    assert len(out.enrichments) == 20 and not out.failures
    assert sum(len(e.skills) for e in out.enrichments) > 100
    by_id = {p.posting_id: p for p in samples}
    for e in out.enrichments:
        text = by_id[e.posting_id].text
        assert e.sections[0].start == 0 and e.sections[-1].end == len(text)
        for s in e.skills:
            assert all(text[m.start : m.end] == m.text for m in s.mentions)


def test_shipped_linker_names_concepts_by_link_only_phrases_and_product_short_forms(
    real_pipeline: Pipeline,
) -> None:
    """config/skill_aliases.yaml `links:` and product short forms, through the shipped linker;
    the link-only phrases are not finders (the alias strategy does not know them)."""
    from adapters.artifacts.config_files import _yaml, load_config
    from domain.skills.taxonomy import aliases_from_config

    ex = real_pipeline.extractor
    assert ex.linker is not None
    got = ex.linker.link_many(
        [
            ("team player", "SKILL"),
            ("Kafka", "KNOWLEDGE"),
            ("EIGRP", "KNOWLEDGE"),
            ("project management", "KNOWLEDGE"),
            ("communication skills", "SKILL"),
        ]
    )
    names = [(ex.taxonomy.get(lk.skill_id).name if lk.skill_id else None, lk.method) for lk in got]
    assert names == [
        ("work in teams", "alias"),
        ("Apache Kafka", "normalized"),
        ("Enhanced Interior Gateway Routing Protocol EIGRP", "normalized"),
        ("project management", "exact"),
        ("use communication techniques", "alias"),
    ]
    cfg = load_config(ROOT)
    aliases = _yaml(cfg.path("aliases"))
    finders = {a.alias.lower() for a in aliases_from_config(aliases, ex.taxonomy)}
    links = {a.alias.lower() for a in aliases_from_config(aliases, ex.taxonomy, "links")}
    assert links and not finders & links
