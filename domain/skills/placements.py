"""Remembered group placements (issue #24 cost): a mention placed once in a sentence is not
placed again while it stays in the cache.

The placement (domain/skills/groups.py) is a function of the mention's text, kind, sentence and
candidates, so those four are the key; a worker's warm link cache used to skip the search but
still re-run the placer's four votes for every occurrence. Pure; bounded (oldest dropped first).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from domain.models import ConceptCandidate
from domain.skills.taxonomy import SkillGroup

Key = tuple[str, str | None, str, tuple[ConceptCandidate, ...]]
Placed = tuple[SkillGroup, float] | None


class PlacementCache:
    """(text, kind, sentence, candidates) -> the placer's answer: (group, score) or None."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._got: OrderedDict[Key, Placed] = OrderedDict()

    def key(
        self, text: str, kind: str | None, context: str, candidates: Sequence[ConceptCandidate]
    ) -> Key:
        return (text, kind, context, tuple(candidates))

    def get(self, key: Key) -> tuple[bool, Placed]:
        """(found, answer): found False when the key was never placed or has been dropped."""
        if key not in self._got:
            return False, None
        self._got.move_to_end(key)
        return True, self._got[key]

    def put(self, key: Key, placed: Placed) -> None:
        self._got[key] = placed
        if len(self._got) > self.size:
            self._got.popitem(last=False)

    def clear(self) -> None:
        self._got.clear()

    def __len__(self) -> int:
        return len(self._got)
