"""Remembered group placements (domain/skills/placements.py): a warm linker gives the same
links without placing a mention again in a sentence it was placed in."""

from __future__ import annotations

from domain.models import ConceptCandidate
from domain.skills.linking import GROUP
from domain.skills.placements import PlacementCache
from domain.skills.taxonomy import SkillGroup
from tests.unit.test_concept_groups import _toy_linker

ITEMS = [("code debug", "SKILL"), ("code debug", "SKILL"), ("lead people now", "SKILL")]
SENTENCES = ["you code in java software", "lead the team, lead a team", "lead people now"]


def test_a_warm_linker_links_as_a_cold_one_without_placing_again() -> None:
    lk = _toy_linker(group_context_words=3.0)
    cold = lk.link_many(ITEMS, SENTENCES)
    assert [x.method for x in cold[:2]] == [GROUP, GROUP]
    assert cold[0].group != cold[1].group  # placed per sentence, not per text
    placer = lk.placer()
    assert placer is not None
    placed = len(lk._placed)
    # a placer that cannot place: any mention placed again would lose its group
    placer.params = placer.params.__class__(top=0)
    assert lk.link_many(ITEMS, SENTENCES) == cold
    assert len(lk._placed) == placed
    # a new sentence is placed anew (and, with this placer, gets no group)
    new = lk.link_many([ITEMS[0]], ["java code"])
    assert new[0].group is None


def test_clear_caches_forgets_links_and_placements() -> None:
    lk = _toy_linker(group_context_words=3.0)
    lk.link_many(ITEMS, SENTENCES)
    assert len(lk._cache) and len(lk._placed)
    lk.clear_caches()
    assert not len(lk._cache) and not len(lk._placed)


def test_the_cache_keys_on_candidates_and_drops_the_oldest() -> None:
    cache = PlacementCache(2)
    a = cache.key("x", "SKILL", "s", [ConceptCandidate("esco:a", "a", 0.5, "vector")])
    b = cache.key("x", "SKILL", "s", [ConceptCandidate("esco:b", "b", 0.5, "vector")])
    group = SkillGroup("S5", "working with computers", 1)
    cache.put(a, (group, 0.9))
    assert cache.get(b) == (False, None)  # other candidates: not the same placement
    cache.put(b, None)
    assert cache.get(b) == (True, None)  # placed, no group: remembered as such
    cache.get(a)  # a is now the most recent
    cache.put(cache.key("y", None, "", []), None)
    assert cache.get(a) == (True, (group, 0.9)) and cache.get(b) == (False, None)
