"""The concept linker's learned top-1 decision (2026.11.19, domain/skills/decision.py): features,
the choice among candidates, its wiring into ConceptLinker, and the artifact's load errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from adapters.artifacts.concept_linker import build_linker, load_decision
from domain.errors import ConfigError
from domain.skills.decision import (
    FEATURES,
    LearnedDecision,
    PairFacts,
    content_keys,
    pair_features,
    word_key,
)
from domain.skills.linking import (
    VECTOR,
    ConceptLinker,
    LinkerParams,
    VectorIndex,
    is_narrower,
    label_rows,
    unit_rows,
)
from domain.skills.taxonomy import Skill, Taxonomy
from tests.unit.test_concept_normalization import TAX, linker

ROOT = Path(__file__).resolve().parents[2]
N = len(FEATURES)


def decision(intercept: float = 0.0, **coef: float) -> LearnedDecision:
    c = np.zeros(N)
    for name, v in coef.items():
        c[FEATURES.index(name)] = v
    return LearnedDecision(np.zeros(N), np.ones(N), c, intercept, 5)


def facts(label: str, score: float, naming: bool = True) -> PairFacts:
    return PairFacts(score, score, 0.0, 0.0, label, True, False, naming)


@pytest.mark.parametrize("form", ["developing", "develops", "developed", "develop"])
def test_word_key_shares_verb_and_plural_forms(form: str) -> None:
    assert word_key(form) == word_key("develop")
    assert content_keys("Analyses of the data") == [word_key("analyses"), "data"]


def test_pair_features_read_rank_gaps_and_words() -> None:
    x = pair_features("managing projects", True, [facts("manage project", 0.8),
                                                   facts("projects managed", 0.7)])  # fmt: skip
    assert x.shape == (2, N)
    col = {n: x[:, i].tolist() for i, n in enumerate(FEATURES)}
    assert col["rank0"] == [1.0, 0.0] and col["skill"] == [1.0, 1.0]
    assert col["gap_next"] == pytest.approx([0.1, 0.7])
    assert col["gap_best"] == pytest.approx([0.1, -0.1])
    # same words both times; the head (last) word equal only in the first
    assert col["same_keys"] == [1.0, 1.0] and col["head"] == [1.0, 0.0]
    assert pair_features("x", False, []).shape == (0, N)


def test_choose_takes_the_most_probable_naming_candidate() -> None:
    cands = [facts("a", 0.9), facts("b", 0.8, naming=False), facts("c", 0.7)]
    # prefers later ranks: "b" would win but may not name, so "c"
    i, p = decision(rank=10.0).choose("x", False, cands)
    assert i == 2 and 0.5 < p <= 1.0
    i, _ = decision(rank=-10.0).choose("x", False, cands)
    assert i == 0
    assert decision().choose("x", False, [facts("b", 0.8, naming=False)]) == (-1, 0.0)
    assert decision().choose("x", False, []) == (-1, 0.0)


def test_the_linker_links_what_the_decision_says_not_the_threshold() -> None:
    """With threshold 0.99 nothing reaches the old rule; the decision decides instead."""
    plain = linker(threshold=0.99).link_many([("mathematics", "KNOWLEDGE")])
    assert plain[0].skill_id == "esco:maths"  # exact label: never the decision's business
    lk = linker(threshold=0.99, decision_threshold=0.5)
    (before,) = lk.link_many([("formula calculations maths", "KNOWLEDGE")])
    assert before.skill_id is None and before.candidates
    lk.decision = decision(intercept=10.0)  # sure of the best candidate
    lk._cache.clear()
    (sure,) = lk.link_many([("formula calculations maths", "KNOWLEDGE")])
    assert sure.method == VECTOR and sure.skill_id == before.candidates[0].skill_id
    assert sure.candidates == before.candidates  # the ranking itself does not move
    lk.decision = decision(intercept=-10.0)  # sure of none
    lk._cache.clear()
    (none,) = lk.link_many([("formula calculations maths", "KNOWLEDGE")])
    assert none.skill_id is None
    # a decision for the second candidate picks it though it scores lower
    lk.decision = decision(intercept=2.0, rank=20.0)
    lk._cache.clear()
    (second,) = lk.link_many([("formula calculations maths", "KNOWLEDGE")])
    assert second.skill_id == before.candidates[1].skill_id


def test_the_decision_threshold_is_a_param() -> None:
    assert LinkerParams.from_config({"decision_threshold": 0.4}).decision_threshold == 0.4


def test_round_trip_and_the_committed_artifact() -> None:
    d = decision(intercept=0.25, cosine=1.5)
    again = LearnedDecision.from_dict(json.loads(json.dumps(d.to_dict())))
    assert np.allclose(again.coef, d.coef) and again.top == 5
    committed = load_decision(ROOT / "config" / "models" / "concept_decision.json")
    assert committed.coef.shape == (N,)
    assert 0.0 <= float(committed.probabilities(np.zeros((1, N)))[0]) <= 1.0


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "missing"),
        (b"{not json", "unreadable"),
        (b"\xff\xfe", "unreadable"),
        (json.dumps({"features": ["cosine"], "mean": [0]}).encode(), "unreadable"),
        (json.dumps({**decision().to_dict(), "coef": [0.0] * (N - 1)}).encode(), "unreadable"),
        (json.dumps({**decision().to_dict(), "scale": [0.0] * N}).encode(), "unreadable"),
        (json.dumps({**decision().to_dict(), "intercept": "x"}).encode(), "unreadable"),
    ],
)
def test_a_missing_or_corrupt_decision_names_the_file(
    tmp_path: Path, content: bytes | None, why: str
) -> None:
    path = tmp_path / "concept_decision.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=rf"concept decision {why}: .*concept_decision\.json"):
        load_decision(path)


def test_worker_start_fails_naming_a_missing_decision_before_loading_vectors(
    tmp_path: Path,
) -> None:
    from adapters.artifacts.config_files import linker_decision_path, load_config

    assert linker_decision_path(load_config(ROOT)) == ROOT / "config/models/concept_decision.json"
    missing = tmp_path / "concept_decision.json"
    with pytest.raises(ConfigError, match=r"concept decision missing: .*concept_decision\.json"):
        build_linker(
            tmp_path / "no-vectors", TAX, (), frozenset(), LinkerParams(), decision_path=missing
        )


@pytest.mark.parametrize(
    ("mention", "label", "narrower"),
    [
        ("biochemistry", "clinical biochemistry", True),
        ("engineering", "packaging engineering", True),
        ("automation", "automation technology", False),  # a generic head word narrows nothing
        ("biochemistry", "biochemistry", False),
        ("biochemistry", "chemistry", False),
        ("development", "web development", False),  # the mention has no non-generic word
    ],
)
def test_is_narrower(mention: str, label: str, narrower: bool) -> None:
    assert is_narrower(mention, label) is narrower


def test_a_one_word_mention_never_names_a_narrower_knowledge_concept() -> None:
    """'biochemistry' is not *clinical biochemistry* (a judged-wrong sample link) however sure
    the decision is; a technology named by its first word is ('Hibernate': *Hibernate ORM*)."""
    tax = Taxonomy([Skill("esco:cb", "clinical biochemistry", "knowledge"),
                    Skill("onet:hib", "Hibernate ORM", "technology/tool"),
                    Skill("esco:think", "think proactively", "skill/competence")])  # fmt: skip
    vocab = ["biochem", "clinic", "hibernate", "orm", "proactive", "think"]

    def enc(texts):
        out = np.zeros((len(texts), len(vocab)), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = [t.lower().count(s) for s in vocab]
        return unit_rows(out)

    rows = label_rows(tax)
    index = VectorIndex(enc, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    lk = ConceptLinker(tax, (), frozenset(), index, LinkerParams(threshold=0.99, k=3, pool=3),
                       decision=decision(intercept=10.0))  # fmt: skip
    bio, hib, pro = lk.link_many([("biochemistry", "KNOWLEDGE"), ("Hibernate", "KNOWLEDGE"),
                                  ("proactive", "SKILL")])  # fmt: skip
    assert bio.skill_id is None and "esco:cb" in {c.skill_id for c in bio.candidates}
    assert hib.skill_id == "onet:hib"
    assert pro.skill_id == "esco:think"  # a skill's verb is no narrowing


@pytest.mark.parametrize(
    "text",
    ["", " ", "x", "a" * 300, "lead " * 60, "软件开发", "разработка программного обеспечения",
     "تطوير البرمجيات", "\u200b\u200b", "🚀", "maths formula"],
)  # fmt: skip
@pytest.mark.parametrize("kind", ["SKILL", "KNOWLEDGE", None])
def test_bad_mentions_through_the_learned_decision_get_a_defined_link(
    text: str, kind: str | None
) -> None:
    lk = linker(group_top=3, group_min=0.3, group_share=0.3, decision_threshold=0.0)
    lk.decision = load_decision(ROOT / "config" / "models" / "concept_decision.json")
    (link,) = lk.link_many([(text, kind)], [text])
    assert link.level in ("concept", "none") or link.level.startswith("group:")
    assert len(link.candidates) <= 3 and 0.0 <= link.score <= 1.0
    if len(text.strip()) < 2 or len(text) > 120:  # too short, or a sentence: never a vector link
        assert link.method != VECTOR
    if text == "maths formula" and kind != "SKILL":  # threshold 0: the decision always links
        assert link.method == VECTOR and link.skill_id is not None


@pytest.mark.parametrize(
    "name", ["skillspan_train_concepts.jsonl", "skillspan_train_concepts_more.jsonl"]
)
def test_the_hand_linked_train_spans_are_train_spans_with_real_shown_concepts(name: str) -> None:
    """Training data of the decision: SkillSpan TRAIN only (never the dev gold it is scored on),
    each link one of the candidates shown, of a concept the taxonomy holds, of the span's kind."""
    from adapters.artifacts.config_files import load_config, load_taxonomy
    from domain.models import KIND_OF_CATEGORY

    tax = load_taxonomy(load_config(ROOT).path("taxonomy"))
    lines = (ROOT / "config" / "eval" / name).read_text(encoding="utf-8").splitlines()
    assert "guideline" in json.loads(lines[0])
    rows = [json.loads(x) for x in lines[1:]]
    assert len(rows) >= 239 and len({(r["text"].lower(), r["kind"]) for r in rows}) == len(rows)
    for r in rows:
        assert r["doc_id"].startswith("skillspan-train-") and r["kind"] in ("SKILL", "KNOWLEDGE")
        if r["skill_id"] is not None:
            assert r["skill_id"] in r["shown"]
            assert KIND_OF_CATEGORY.get(tax.get(r["skill_id"]).category, "KNOWLEDGE") == r["kind"]
