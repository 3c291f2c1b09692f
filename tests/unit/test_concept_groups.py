"""Group-level placement (issue #24, domain/skills/groups.py): the level follows the confidence,
the mention's words and sentence vote, kinds stay apart; and the linker's speed-ups give the
same answers as the plain definitions they replace."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from domain.errors import ConfigError
from domain.models import ConceptCandidate
from domain.skills.groups import GroupParams, GroupPlacer, words
from domain.skills.linking import (
    GROUP,
    TOP_WIDTH,
    ConceptLinker,
    LinkerParams,
    VectorIndex,
    block_max,
    extra_words,
    label_rows,
    unit_rows,
)
from domain.skills.taxonomy import Skill, SkillGroup, SkillHierarchy, Taxonomy

TAX = Taxonomy(
    [
        Skill("esco:java", "Java (computer programming)", "knowledge", ("java",)),
        Skill("esco:code", "write computer code", "skill/competence", ("code software",)),
        Skill("esco:debug", "debug software code", "skill/competence"),
        Skill("esco:lead", "lead a team", "skill/competence", ("lead people",)),
        Skill("esco:teams", "work in teams", "transversal", ("team player", "teamwork")),
        Skill("esco:init", "show initiative", "transversal", ("motivated",)),
        Skill("esco:coop", "cooperate in a team", "transversal"),
        Skill("onet:kafka", "Apache Kafka", "technology/tool"),
    ]
)
GROUPS = [
    SkillGroup("S5", "working with computers", 1),
    SkillGroup("S5.1", "programming computer systems", 2),
    SkillGroup("S5.1.1", "writing code", 3),
    SkillGroup("S5.1.2", "debugging code", 3),
    SkillGroup("S4", "management skills", 1),
    SkillGroup("S4.8", "leading and motivating", 2),
    SkillGroup("T4", "social and communication skills", 1),
    SkillGroup("T4.3", "collaborating in teams and networks", 2),
    SkillGroup("T3", "self-management skills", 1),
    SkillGroup("T3.2", "taking a proactive approach", 2),
    SkillGroup("isced-f/06", "information and communication technologies", 1),
    SkillGroup("isced-f/061", "information and communication technologies (icts)", 2),
    SkillGroup("isced-f/0613", "software and applications development and analysis", 3),
    SkillGroup("onet-category:Streaming software", "Streaming software", 3),
]
HIERARCHY = SkillHierarchy(
    GROUPS,
    {
        "esco:java": ["isced-f/0613", "isced-f/061", "isced-f/06"],
        "esco:code": ["S5.1.1", "S5.1", "S5"],
        "esco:debug": ["S5.1.2", "S5.1", "S5"],
        "esco:lead": ["S4.8", "S4"],
        "esco:teams": ["T4.3", "T4"],
        "esco:init": ["T3.2", "T3"],
        "esco:coop": ["T4.3", "T4"],
        "onet:kafka": ["onet-category:Streaming software", "isced-f/061", "isced-f/06"],
    },
)


def cand(sid: str, score: float) -> ConceptCandidate:
    return ConceptCandidate(sid, TAX.get(sid).name, score, "vector")


def placer(**kw) -> GroupPlacer:
    return GroupPlacer(HIERARCHY, GroupParams(**{"shares": "3:0.7,2:0.5,1:0.2", **kw}),
                       taxonomy=TAX)  # fmt: skip


def test_level_3_when_the_candidates_agree_else_the_shared_parent() -> None:
    p = placer()
    sure = p.place("SKILL", [cand("esco:code", 0.8), cand("esco:code", 0.7)])
    assert sure is not None and sure[0].code == "S5.1.1" and sure[1] == 1.0
    split = p.place("SKILL", [cand("esco:code", 0.8), cand("esco:debug", 0.8)])
    assert split is not None and split[0].code == "S5.1"  # unsure at 3: its level-2 parent
    assert split[1] == 1.0


def test_a_level_1_group_when_nothing_narrower_is_sure() -> None:
    p = placer(top=3, shares="3:0.7,2:0.7,1:0.2")
    got = p.place(
        "SKILL", [cand("esco:code", 0.6), cand("esco:lead", 0.55), cand("esco:debug", 0.5)]
    )
    assert got is not None and got[0].code == "S5" and got[0].level == 1
    assert (
        placer(shares="3:0.7,2:0.7,1:0.9").place(
            "SKILL", [cand("esco:code", 0.6), cand("esco:lead", 0.55)]
        )
        is None
    )  # no level reaches its share: no place


def test_the_sentence_words_move_an_unsure_vote() -> None:
    p = placer(context_words=2.0)
    ranked = [cand("esco:lead", 0.6), cand("esco:teams", 0.6)]
    alone = p.place("SKILL", ranked)
    with_team = p.place("SKILL", ranked, context="a team player who can work in teams")
    assert alone is not None and with_team is not None
    assert with_team[0].code.startswith("T4") and with_team[0] != alone[0]


def test_the_mention_words_place_a_trait_without_candidates() -> None:
    p = placer(word_weight=1.0)
    # "team" is in the labels of lead a team (S4.8) and work in teams (T4.3)
    got = p.place("SKILL", [], text="teamwork and team spirit")
    assert got is not None and got[0].code in ("T4.3", "T4", "S4.8", "S4")
    assert p.place("SKILL", [], text="zzz qqq") is None  # unknown words: no place


def test_kinds_stay_apart() -> None:
    p = placer()
    ranked = [cand("esco:java", 0.9), cand("esco:code", 0.9)]
    knowledge = p.place("KNOWLEDGE", ranked)
    skill = p.place("SKILL", ranked)
    assert knowledge is not None and knowledge[0].code.startswith("isced-f/")
    assert skill is not None and skill[0].code.startswith("S5")


def test_onet_candidates_and_esco_knowledge_meet_under_isced_061() -> None:
    got = placer().place("KNOWLEDGE", [cand("onet:kafka", 0.8), cand("esco:java", 0.8)])
    assert got is not None and got[0].code == "isced-f/061"


@pytest.mark.parametrize("text", ["Develop and", "PhD degree in", "master s degree in", "Work on"])
def test_fragments_and_degrees_get_no_group(text: str) -> None:
    p = placer(word_weight=1.0)
    assert p.place("SKILL", [cand("esco:code", 0.9)], text=text) is None
    assert p.place("SKILL", [cand("esco:code", 0.9)], text="write code") is not None


def test_words_stem_and_drop_stop_words() -> None:
    assert words("Working with the Teams, developing") == ["work", "team", "develop"]


@pytest.mark.parametrize(
    "bad", ["3:0.7,2:0.5", "3:x,2:0.5,1:0.2", "3:0.7,2:0.5,1:1.5", "1:0.2,1:0.3,2:0.1"]
)
def test_malformed_shares_are_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigError):
        LinkerParams.from_config({"group_shares": bad})


def _toy_linker(**params) -> ConceptLinker:
    vocab = ["java", "code", "debug", "lead", "team", "initiative", "kafka", "software"]

    def enc(texts):
        out = np.zeros((len(texts), len(vocab)), dtype=np.float32)
        for i, t in enumerate(texts):
            for j, w in enumerate(vocab):
                out[i, j] = t.lower().count(w)
        return unit_rows(out)

    rows = label_rows(TAX)
    index = VectorIndex(enc, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    base = {"threshold": 0.99, "k": 3, "pool": 5, "group_top": 3, "group_min": 0.3,
            "group_shares": "3:0.7,2:0.5,1:0.2", "group_context_words": 1.0}  # fmt: skip
    return ConceptLinker(TAX, (), frozenset(), index, LinkerParams(**{**base, **params}),
                         hierarchy=HIERARCHY)  # fmt: skip


def test_the_linker_places_per_sentence_but_caches_the_search_once() -> None:
    lk = _toy_linker(group_context_words=3.0)
    a, b = lk.link_many(
        [("code debug", "SKILL"), ("code debug", "SKILL")],
        ["you code in java software", "lead the team, lead a team"],
    )
    assert a.method == GROUP and b.method == GROUP and a.candidates == b.candidates
    assert a.group is not None and a.group.code == "S5.1"  # the candidates' shared parent
    assert b.group is not None and b.group.code.startswith("T4")  # the sentence is about teams
    assert len(lk._cache) == 1  # one search; the group step reads each sentence


# --- speed-ups: the same answers as the plain definitions ---------------------------------


def _plain_extra_words(mention: str, label: str) -> float:
    from domain.skills.linking import _content_keys, _label_keys

    want, have = _label_keys(label), _content_keys(mention)
    if not want:
        return 0.0
    missing = sum(
        1
        for w in want
        if w not in have
        and not any(min(len(w), len(h)) >= 4 and (w.startswith(h) or h.startswith(w)) for h in have)
    )
    return missing / len(want)


WORDS = ["develop", "development", "software", "sound", "data", "database", "base", "dev",
         "program", "programming", "manage", "management", "team", "teams", "scal", "scala"]  # fmt: skip


def test_extra_words_equals_its_plain_definition() -> None:
    for a, b in itertools.product(
        itertools.combinations(WORDS, 2), itertools.combinations(WORDS, 2)
    ):
        mention, label = " ".join(a), " ".join(b)
        assert extra_words(mention, label) == _plain_extra_words(mention, label), (mention, label)


def test_block_max_equals_a_plain_max() -> None:
    rng = np.random.default_rng(1)
    blocks = rng.standard_normal((5, 40, TOP_WIDTH)).astype(np.float32)
    assert (block_max(blocks) == blocks.max(axis=2)).all()


def test_index_encode_reuses_the_last_search_and_matches_the_encoder() -> None:
    calls: list[int] = []

    def enc(texts):
        calls.append(len(texts))
        rng = np.random.default_rng(abs(hash(tuple(texts))) % 2**32)
        return unit_rows(rng.standard_normal((len(texts), 8)).astype(np.float32))

    rows = label_rows(TAX)
    index = VectorIndex(enc, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    index.top(["java code", "lead"], ["KNOWLEDGE", "SKILL"], 3)
    searched = len(calls)
    again = index.encode(["lead", "java code"])
    assert len(calls) == searched  # no second encoding
    assert again.shape == (2, 8) and np.allclose(np.linalg.norm(again, axis=1), 1.0)
    index.encode(["lead", "something new"])
    assert calls[-1] == 1  # only the text the search did not read


SINK = SkillHierarchy(
    [SkillGroup("S1", "communication, collaboration and creativity", 1),
     SkillGroup("S1.1", "liaising and networking", 2), SkillGroup("S1.2", "presenting", 2),
     SkillGroup("S5", "working with computers", 1),
     SkillGroup("S5.1", "programming computer systems", 2)],
    {"esco:a": ["S1.1", "S1"], "esco:b": ["S1.2", "S1"], "esco:c": ["S5.1", "S5"]},
)  # fmt: skip
SINK_TAX = Taxonomy(
    [Skill(s, s, "skill/competence") for s in ("esco:a", "esco:b", "esco:c")]
)  # fmt: skip


@pytest.mark.parametrize(("path", "want"), [(0.0, "S1"), (0.5, "S1"), (1.0, "S5")])
def test_level1_path_stops_a_group_of_many_weak_children_winning(path: float, want: str) -> None:
    # S1's two children 0.55 each: their sum (1.1) beats S5's one child (0.7); their best
    # one (0.55) does not; 0.5 counts 0.5 x 1.1 + 0.5 x 0.55 = 0.825 > 0.7
    p = GroupPlacer(SINK, GroupParams(shares="3:0.9,2:0.9,1:0.1", level1_path=path),
                    taxonomy=SINK_TAX)  # fmt: skip
    ranked = [ConceptCandidate("esco:c", "c", 0.7, "vector"),
              ConceptCandidate("esco:a", "a", 0.55, "vector"),
              ConceptCandidate("esco:b", "b", 0.55, "vector")]  # fmt: skip
    got = p.place("SKILL", ranked)
    assert got is not None and got[0].code == want and got[0].level == 1
    share = {"S1": 1.1 - path * 0.55, "S5": 0.7}[want] / 1.8
    assert got[1] == pytest.approx(round(share, 4))


def test_level1_path_is_wired_from_the_linker_params() -> None:
    assert LinkerParams(group_level1_path=1.0).groups.level1_path == 1.0
    assert LinkerParams().groups.level1_path == 0.0  # off by default: outputs as before
