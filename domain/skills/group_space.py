"""The group placer's space and word statistics: groups as vector positions with their
ancestors (GroupSpace), how the taxonomy's labels use each word (WordGroups), a mention's
content words, and which mentions may be placed at all (placeable). Pure."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from domain.models import KIND_OF_CATEGORY
from domain.skills.group_paths import Level1Paths
from domain.skills.nonskills import non_skill
from domain.skills.taxonomy import SkillGroup, SkillHierarchy, Taxonomy

# Where a mention of each kind may be placed, by the start of the group's code
KIND_PREFIXES: dict[str, tuple[str, ...]] = {
    "SKILL": ("S", "T"),
    "KNOWLEDGE": ("isced-f/", "onet-category:", "L"),
}


_WORD = re.compile(r"[a-z][a-z0-9+#]+")
_STOP = frozenset(
    ["and", "the", "for", "with", "from", "into", "other", "others", "use", "using", "your",
     "our", "their", "this", "that", "are", "can", "will", "you", "who", "all", "able", "well",
     "new"]
)  # fmt: skip


# A mention that ends in one of these is a cut-off fragment ("Develop and", "PhD degree in");
# one naming a degree is a qualification, not a skill (the concept gold's guideline: none).
# Neither has a right group: they get none.
_DANGLING = frozenset(["and", "or", "in", "at", "of", "to", "for", "with", "on", "by", "from",
                       "as", "the", "a", "an", "is", "are", "&"])  # fmt: skip
_DEGREE = frozenset(["degree", "degrees", "phd", "ph.d", "master", "masters", "bachelor",
                     "bachelors", "msc", "bsc", "mba", "cand.oecon", "diploma"])  # fmt: skip


def placeable(text: str) -> bool:
    """False for a cut-off fragment, a degree, or (2026.11.18) a mention that names no skill
    (nonskills.py: a lone function word or generic verb, an organization): no group is right
    for those."""
    low = text.lower().replace("'s", "").split()
    return (
        bool(low)
        and low[-1] not in _DANGLING
        and not _DEGREE.intersection(low)
        and non_skill(text) is None
    )


def words(text: str) -> list[str]:
    """Lower-case content words with a crude stem (plural s, -ing, -ed), in order."""
    out = []
    for w in _WORD.findall(text.lower()):
        if w in _STOP or len(w) < 3:
            continue
        for suffix in ("ing", "ed", "s"):
            if len(w) > len(suffix) + 3 and w.endswith(suffix) and not w.endswith("ss"):
                w = w[: -len(suffix)]
                break
        out.append(w)
    return out


class GroupSpace:
    """The groups as vector positions (sorted by code, so the first of equal maxima is the
    smallest code), each group's ancestors, and per kind the positions a mention may land on."""

    def __init__(self, hierarchy: SkillHierarchy) -> None:
        self.codes = sorted(hierarchy.groups)
        self.pos = {c: i for i, c in enumerate(self.codes)}
        self.levels = np.array([hierarchy.groups[c].level for c in self.codes])
        up: dict[str, str] = {}
        for sid in hierarchy.skill_ids():
            for child, parent in itertools.pairwise(hierarchy.of(sid)):
                up.setdefault(child.code, parent.code)
        self.above: dict[str, npt.NDArray[np.intp]] = {}
        for code in self.codes:
            path, c = [code], code
            while (c := up.get(c, "")) and c not in path:
                path.append(c)
            self.above[code] = np.array([self.pos[x] for x in path], dtype=np.intp)
        # (kind, level) -> the positions a mention of that kind may land on at that level
        self.at: dict[tuple[str | None, int], npt.NDArray[np.intp]] = {}
        for level in (1, 2, 3):
            here = self.levels == level
            self.at[(None, level)] = np.flatnonzero(here)
            for kind, prefixes in KIND_PREFIXES.items():
                ok = np.array([c.startswith(prefixes) for c in self.codes], dtype=bool)
                self.at[(kind, level)] = np.flatnonzero(here & ok)
        self.paths = Level1Paths(self.codes, self.above, self.at, (None, *KIND_PREFIXES))
        self._closure: dict[str, npt.NDArray[np.intp]] = {}

    def closure(self, groups: Sequence[SkillGroup]) -> npt.NDArray[np.intp]:
        """Positions of the groups and all their ancestors (each once)."""
        if not groups:
            return np.zeros(0, dtype=np.intp)
        return np.unique(np.concatenate([self.above[g.code] for g in groups]))

    def of_skill(self, hierarchy: SkillHierarchy, skill_id: str) -> npt.NDArray[np.intp]:
        """`closure` of a concept's groups, remembered per concept."""
        got = self._closure.get(skill_id)
        if got is None:
            got = self._closure[skill_id] = self.closure(hierarchy.of(skill_id))
        return got


class WordGroups:
    """How the taxonomy's labels use a word: for (kind, word), the share of the concepts whose
    labels hold it that sit under each group (any level), weighted by the word's idf over the
    concepts of that kind. Built from ESCO / O*NET labels and the hierarchy alone."""

    def __init__(self, taxonomy: Taxonomy, hierarchy: SkillHierarchy, space: GroupSpace) -> None:
        counts: dict[tuple[str, str], dict[int, int]] = {}
        df: dict[tuple[str, str], int] = {}
        n: dict[str, int] = {}
        for s in sorted(taxonomy, key=lambda s: s.skill_id):
            chain = hierarchy.of(s.skill_id)
            if not chain:
                continue
            kind = KIND_OF_CATEGORY.get(s.category, "KNOWLEDGE")
            n[kind] = n.get(kind, 0) + 1
            where = space.closure(chain).tolist()
            for w in {w for label in (s.name, *s.aliases) for w in words(label)}:
                df[(kind, w)] = df.get((kind, w), 0) + 1
                row = counts.setdefault((kind, w), {})
                for i in where:
                    row[i] = row.get(i, 0) + 1
        self.size = len(space.codes)
        self.table: dict[
            tuple[str, str], tuple[float, npt.NDArray[np.intp], npt.NDArray[np.float32]]
        ] = {}
        for key, row in counts.items():
            if df[key] < 2:  # one concept's word: its own vector vote says more
                continue
            idx = np.array(sorted(row), dtype=np.intp)
            val = np.array([row[i] / df[key] for i in idx.tolist()], dtype=np.float32)
            self.table[key] = (math.log(n[key[0]] / df[key]), idx, val)

    def votes(self, text: str, kind: str | None) -> npt.NDArray[np.float32] | None:
        """Per group, the idf-weighted mean share of the text's known words; None without any."""
        out = np.zeros(self.size, dtype=np.float32)
        total = 0.0
        for w in dict.fromkeys(words(text)):
            hit = self.table.get((kind or "", w))
            if hit is None:
                continue
            weight, idx, val = hit
            out[idx] += weight * val
            total += weight
        return out / total if total > 0 else None
