"""Hard negatives of the static-vector fine-tuning (issue #24, s24neg,
scripts/finetune_concept_vectors.py --hard-negatives): an anchor's hard negatives are near
concepts that are neither its own concept nor one under the same preferred label."""

from __future__ import annotations

import random

from scripts.finetune_concept_vectors import pick_hard

NAMES = ["work in teams", "plan teamwork", "Work in teams", "lead a team", "manage staff",
         "work in textile manufacturing teams", "cooperate with colleagues"]  # fmt: skip
LOWER = [n.lower() for n in NAMES]


def test_hard_negatives_are_never_the_anchors_concept_nor_one_sharing_its_label() -> None:
    ranked = [0, 2, 1, 5, 3, 4, 6]  # nearest first: the gold, its namesake, then the others
    for seed in range(20):
        got = pick_hard(ranked, 0, LOWER, 3, 10, random.Random(seed))
        assert len(got) == 3
        assert 0 not in got and 2 not in got


def test_hard_negatives_come_from_the_nearest_pool_of_wrong_concepts() -> None:
    ranked = [5, 0, 1, 2, 3, 4, 6]
    drawn = {
        c for seed in range(50) for c in pick_hard(ranked, 0, LOWER, 1, 2, random.Random(seed))
    }
    assert drawn == {5, 1}  # the two nearest wrong ones; 2 shares the gold's label


def test_hard_negatives_are_fewer_when_fewer_wrong_concepts_qualify() -> None:
    assert pick_hard([0, 2, 1], 0, LOWER, 4, 10, random.Random(0)) == [1]


def test_hard_negatives_are_seeded() -> None:
    ranked = list(range(1, 7))
    a = [pick_hard(ranked, 0, LOWER, 2, 5, random.Random(3)) for _ in range(3)]
    assert a[0] == a[1] == a[2]
