"""Concept linking: methods in order, kind consistency, thresholds, caching, bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from domain.errors import ConfigError
from domain.skills.linking import (
    ALIAS_LINK,
    EXACT,
    NONE,
    NORMALIZED,
    VECTOR,
    ConceptLinker,
    LinkerParams,
    VectorIndex,
    label_rows,
    normalized_key,
    short_forms,
    strip_filler,
    unit_rows,
)
from domain.skills.taxonomy import Alias, Skill, Taxonomy

TAX = Taxonomy(
    [
        Skill("esco:teams", "work in teams", "transversal", ("teamwork", "working in teams")),
        Skill("esco:comm", "use communication techniques", "skill/competence"),
        Skill("esco:commk", "communication", "knowledge"),
        Skill("esco:webapp", "develop web applications", "skill/competence"),
        Skill("onet:py", "Python", "technology/tool", ("python",)),
        Skill("onet:k8s", "Kubernetes", "technology/tool"),
        Skill("esco:commission", "project commissioning", "knowledge", ("project management",)),
        Skill("esco:pm", "project management", "knowledge"),
        Skill("onet:kafka", "Apache Kafka", "technology/tool"),
        Skill("onet:dns", "Domain name system DNS", "technology/tool"),
        Skill("onet:apps", "Automated Package Processing System APPS", "technology/tool"),
        Skill("onet:go", "Go", "technology/tool"),
    ]
)
VOCAB = ["team", "work", "communic", "python", "kubernetes", "web", "applic", "develop"]


def toy_encoder(texts):
    """Bag of word stems: deterministic, no artifact needed."""
    out = np.zeros((len(texts), len(VOCAB)), dtype=np.float32)
    for i, t in enumerate(texts):
        for j, stem in enumerate(VOCAB):
            out[i, j] = t.lower().count(stem)
    return unit_rows(out)


def linker(threshold: float = 0.7, exclude: frozenset[str] = frozenset()) -> ConceptLinker:
    rows = label_rows(TAX, exclude)
    index = VectorIndex(
        toy_encoder, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    )
    return ConceptLinker(TAX, [Alias("k8s", "onet:k8s")], frozenset({"go"}), index,
                         LinkerParams(threshold=threshold), exclude)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "kind", "sid", "method"),
    [
        ("Work in Teams", "SKILL", "esco:teams", EXACT),
        ("k8s", "KNOWLEDGE", "onet:k8s", ALIAS_LINK),
        ("developing web application", "SKILL", "esco:webapp", NORMALIZED),  # plural, -ing
        ("web applications developed", "SKILL", "esco:webapp", NORMALIZED),  # word order
        ("excellent working in teams skills", "SKILL", "esco:teams", EXACT),  # filler dropped
        ("teamwork", "SKILL", "esco:teams", VECTOR),  # a weak one-word alt label never links alone
        ("team working", "SKILL", "esco:teams", NORMALIZED),
        ("communication", "SKILL", "esco:comm", VECTOR),  # kind-consistent: not the knowledge one
        ("communication", "KNOWLEDGE", "esco:commk", EXACT),
        ("communication", None, "esco:commk", EXACT),
        # a preferred name before another concept's alternative label, exact and normalized
        ("project management", "KNOWLEDGE", "esco:pm", EXACT),
        ("project managements", "KNOWLEDGE", "esco:pm", NORMALIZED),
        ("project commissioning", "KNOWLEDGE", "esco:commission", EXACT),
        # short forms of product names
        ("Kafka", "KNOWLEDGE", "onet:kafka", NORMALIZED),
        ("DNS", "KNOWLEDGE", "onet:dns", NORMALIZED),
        ("domain name system", "KNOWLEDGE", "onet:dns", NORMALIZED),
        ("APPS", "KNOWLEDGE", "onet:apps", NORMALIZED),
    ],
)
def test_methods_in_order_and_kind_consistent(text, kind, sid, method) -> None:
    (link,) = linker().link_many([(text, kind)])
    assert (link.skill_id, link.method) == (sid, method)
    assert 0.0 < link.score <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "x",
        "go",
        "a" * 300,
        "gestion de projet agile en équipe",
        "数据分析与机器学习",
        "zzzz qqqq",
    ],
)
def test_bad_or_foreign_input_stays_unlinked_without_error(text: str) -> None:
    (link,) = linker().link_many([(text, "SKILL")])
    assert (link.skill_id, link.score, link.method) == (None, 0.0, NONE)


def test_threshold_and_cache() -> None:
    strict = linker(threshold=1.0)
    assert strict.link_many([("teamwork spirit", "SKILL")])[0].method == NONE
    loose = linker(threshold=0.5)
    calls = []
    assert loose.index is not None
    encode = loose.index.encoder
    loose.index.encoder = lambda t: calls.append(list(t)) or encode(t)  # type: ignore[method-assign]
    out = loose.link_many([("teamwork", "SKILL"), ("Teamwork ", "SKILL")] * 3)
    assert len({o.skill_id for o in out}) == 1 and len(calls) == 1  # one search for all six
    loose.link_many([("teamwork", "SKILL")])
    assert len(calls) == 1  # cached


def test_short_forms_of_product_names() -> None:
    assert short_forms("Apache Kafka") == [("kafka", False)]
    assert short_forms("Domain name system DNS") == [("DNS", True), ("domain name system", False)]
    assert short_forms("Hypertext markup language HTML")[0] == ("HTML", True)
    assert short_forms("Project.net") == [] and short_forms("work in teams") == []
    assert short_forms("Graphical user interface GUI design software") == []  # acronym not last
    assert short_forms("Linear Algebra LAPACK") == []  # P is not in "linear algebra"


def test_an_acronym_links_in_its_own_case_only() -> None:
    lk = linker(threshold=0.99)
    upper, lower = lk.link_many([("APPS", "KNOWLEDGE"), ("apps", "KNOWLEDGE")])
    assert upper.skill_id == "onet:apps" and lower.skill_id != "onet:apps"
    # the cache keeps the case apart too
    assert lk.link_many([("apps", "KNOWLEDGE")])[0].skill_id != "onet:apps"


def test_an_ambiguous_word_links_only_in_its_case_sensitive_form() -> None:
    go = Alias("Go", "onet:go", True)
    lk = ConceptLinker(TAX, [go], frozenset({"go"}), None, LinkerParams())
    got = lk.link_many([("Go", "KNOWLEDGE"), ("go", "KNOWLEDGE"), ("Go", "SKILL")])
    assert [(x.skill_id, x.method) for x in got] == [
        ("onet:go", ALIAS_LINK),
        (None, NONE),
        (None, NONE),  # kind-consistent: a SKILL "Go" is not the language
    ]


def test_link_only_aliases_come_from_their_own_list() -> None:
    from domain.skills.taxonomy import aliases_from_config

    cfg = {
        "aliases": [{"alias": "k8s", "skill": "Kubernetes"}],
        "links": [{"alias": "team player", "skill": "work in teams"}],
    }
    assert [a.alias for a in aliases_from_config(cfg, TAX)] == ["k8s"]
    assert [(a.alias, a.skill_id) for a in aliases_from_config(cfg, TAX, "links")] == [
        ("team player", "esco:teams")
    ]
    assert aliases_from_config({"aliases": []}, TAX, "links") == ()  # optional
    with pytest.raises(ConfigError, match="links entry 0"):
        aliases_from_config({"links": [{"alias": "x"}]}, TAX, "links")
    with pytest.raises(ConfigError, match="neither a skill id nor a skill name"):
        aliases_from_config({"links": [{"alias": "x", "skill": "no such"}]}, TAX, "links")


def test_excluded_labels_are_not_found_symbolically() -> None:
    held = linker(threshold=0.99, exclude=frozenset({"teamwork"}))
    assert held.link_many([("teamwork", "SKILL")])[0].method in (VECTOR, NONE)
    assert held.link_many([("teamwork", "SKILL")])[0].method != EXACT


def test_normalized_key_and_filler() -> None:
    assert normalized_key("Developing Web Applications") == normalized_key(
        "web application develop"
    )
    assert strip_filler("strong communication skills") == "communication"
    assert strip_filler("skills") == "skills"  # never empties a mention


def test_params_from_config_validate() -> None:
    assert LinkerParams.from_config({"threshold": 0.85}).threshold == 0.85
    with pytest.raises(ConfigError):
        LinkerParams.from_config({"threshold": 1.5})
    with pytest.raises(ConfigError):
        LinkerParams.from_config({"treshold": 0.8})


def test_missing_or_corrupt_artifact_fails_naming_the_file(tmp_path: Path) -> None:
    from adapters.artifacts.concept_linker import load_encoder

    with pytest.raises(ConfigError, match=r"config\.json"):
        load_encoder(tmp_path)
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (tmp_path / name).write_text("not a model")
    with pytest.raises(ConfigError, match=str(tmp_path)):
        load_encoder(tmp_path)


@pytest.mark.parametrize("name", ["config.json", "model.safetensors", "tokenizer.json"])
def test_a_corrupt_encoder_file_is_named_not_only_its_directory(tmp_path: Path, name: str) -> None:
    from adapters.artifacts.concept_linker import load_encoder

    shipped = Path(__file__).resolve().parents[2] / "config" / "models" / "concept_vectors_tuned"
    shutil.copytree(shipped, tmp_path / "v")
    data = (tmp_path / "v" / name).read_bytes()
    (tmp_path / "v" / name).write_bytes(data[: len(data) // 2])  # truncated (ops9: named the dir)
    with pytest.raises(ConfigError, match=f"unreadable: {tmp_path / 'v' / name} "):
        load_encoder(tmp_path / "v")


def test_shipped_artifact_embeds_similar_phrases_close() -> None:
    from adapters.artifacts.concept_linker import load_encoder

    enc = load_encoder(
        Path(__file__).resolve().parents[2] / "config" / "models" / "concept_vectors"
    )
    v = enc(["teamwork", "work in teams", "welding"])
    assert v.shape[0] == 3 and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-3)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2])
