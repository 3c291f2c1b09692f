"""The alternative labels the concept linker's learned decision trains on as pseudo-mentions
(scripts/build_concept_decision.py), and that the static vectors' fine-tuning therefore leaves
out (scripts/finetune_concept_vectors.py): one draw, so the two can never disagree."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable

from domain.models import KIND_OF_CATEGORY
from domain.skills.taxonomy import Skill, is_weak_label


def pseudo_mentions(taxonomy: Iterable[Skill], n: int) -> list[tuple[str, str, str]]:
    """Up to `n` (alternative label, skill_id, kind) triples, one per drawn concept (seed 0).

    A label qualifies when it is 3-60 characters, is the label of no other concept (compared
    lower-cased), differs from the concept's name and is not a weak label of it
    (`is_weak_label`). kind is the concept's (`KIND_OF_CATEGORY`, KNOWLEDGE by default). The
    order is a seeded shuffle, so the same taxonomy gives the same list."""
    skills = list(taxonomy)
    count: Counter[str] = Counter()
    for s in skills:
        for lb in {x.lower() for x in (s.name, *s.aliases)}:
            count[lb] += 1
    rng = random.Random(0)
    out = []
    for s in sorted(skills, key=lambda s: s.skill_id):
        alts = [a for a in dict.fromkeys(s.aliases)
                if 3 <= len(a) <= 60 and count[a.lower()] == 1 and a.lower() != s.name.lower()
                and not is_weak_label(s, a.lower())]  # fmt: skip
        if alts:
            kind = KIND_OF_CATEGORY.get(s.category, "KNOWLEDGE")
            out.append((rng.choice(alts), s.skill_id, kind))
    rng.shuffle(out)
    return out[:n]
