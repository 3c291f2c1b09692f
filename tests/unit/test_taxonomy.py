"""The compiled taxonomy (scripts/build_runtime_data.py): coverage, categories, ids, aliases."""

from __future__ import annotations

import gzip
import json

import pytest
import yaml

from adapters.artifacts.config_files import load_taxonomy
from domain.skills.taxonomy import ExactLinker, Taxonomy, aliases_from_config, ambiguity_from_config
from tests.conftest import ROOT

TAXONOMY_FILE = ROOT / "config" / "taxonomy" / "skills.jsonl.gz"


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(TAXONOMY_FILE)


@pytest.fixture(scope="module")
def linker(taxonomy: Taxonomy) -> ExactLinker:
    cfg = yaml.safe_load((ROOT / "config" / "skill_aliases.yaml").read_text())
    skip = ambiguity_from_config(cfg, taxonomy).lowered
    return ExactLinker(taxonomy, aliases_from_config(cfg, taxonomy), skip)


@pytest.mark.parametrize(
    ("text", "categories"),
    [
        ("Kubernetes", {"technology/tool", "knowledge"}),
        ("Docker", {"technology/tool", "knowledge"}),
        ("AWS", {"technology/tool", "knowledge"}),
        ("Amazon Web Services", {"technology/tool", "knowledge"}),
        ("React", {"technology/tool", "knowledge"}),
        ("Git", {"technology/tool", "knowledge"}),
        ("Python", {"technology/tool", "knowledge"}),
        ("SQL", {"technology/tool", "knowledge"}),
        ("project management", {"knowledge", "skill/competence"}),
        ("teamwork", {"transversal", "knowledge", "skill/competence"}),
        ("English", {"language"}),
        # curated aliases
        ("k8s", {"technology/tool", "knowledge"}),
        ("JS", {"technology/tool", "knowledge"}),
        ("TS", {"technology/tool", "knowledge"}),
        ("GCP", {"technology/tool", "knowledge"}),
        ("ML", {"knowledge", "skill/competence", "technology/tool"}),
        ("NLP", {"knowledge", "skill/competence", "technology/tool"}),
        ("CI/CD", {"knowledge", "skill/competence", "technology/tool"}),
        ("Postgres", {"technology/tool", "knowledge"}),
        ("golang", {"technology/tool", "knowledge"}),
    ],
)
def test_everyday_skills_resolve_to_one_canonical_skill(
    taxonomy: Taxonomy, linker: ExactLinker, text: str, categories: set[str]
) -> None:
    sid = linker(text)
    assert sid is not None, text
    assert taxonomy.get(sid).category in categories


def test_a_preferred_name_links_to_its_own_concept(taxonomy: Taxonomy, linker: ExactLinker) -> None:
    """136 ESCO preferred names are also an alternative label of another concept ("project
    management" of project commissioning); the name's own concept wins (ESCO before O*NET)."""
    wrong = []
    for skill in taxonomy:
        sid = linker(skill.name)
        if sid is not None and taxonomy.get(sid).name.lower() != skill.name.lower():
            wrong.append((skill.name, taxonomy.get(sid).name))
    assert wrong == []
    assert taxonomy.get(str(linker("project management"))).name == "project management"


def test_ambiguous_words_never_link_bare(linker: ExactLinker) -> None:
    for word in ("go", "access", "word", "spark", "swift"):
        assert linker(word) is None, word


def test_ids_are_stable_unique_and_sources_deduplicated() -> None:
    with gzip.open(TAXONOMY_FILE, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    ids = [r["skill_id"] for r in rows]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    assert all(i.startswith(("esco:", "onet:")) for i in ids)
    names = {}
    for r in rows:  # an O*NET example already named by ESCO is not a second skill
        key = r["name"].lower()
        assert not (r["source"] == "onet" and names.get(key) == "esco"), r["name"]
        names.setdefault(key, r["source"])
    esco = [r for r in rows if r["source"] == "esco"]
    assert all("skill_type" in r and "reuse_level" in r for r in esco)
    assert sum(1 for r in esco if r["skill_type"]) / len(esco) > 0.99
    assert sum(1 for r in esco if r["top_group"]) / len(esco) > 0.99
    onet = [r for r in rows if r["source"] == "onet"]
    assert all(r["subcategory"] for r in onet) and any(r["hot"] for r in onet)
