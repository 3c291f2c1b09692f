"""Group-level placement (issue #24): the broader place in the taxonomy (an ESCO skill group, an
ISCED-F field of knowledge, an O*NET technology category) for a mention no concept names. Pure.

Votes for a group, all kind-consistent (SKILL: S / T groups; KNOWLEDGE: ISCED-F fields, O*NET
categories, languages), each source normalized to its weight:
    candidates  the first `top` naming candidates scoring >= `min_score`, each voting its score
                for its nearest group and every ancestor of it
    label       the mention's cosine with each group's own name (the linker's encoder): the best
                one, at >= `label_min`, votes `label_weight` x cosine for it and its ancestors
    words       how ESCO / O*NET labels use the mention's words (`WordGroups`): `word_weight`
    sentence    the same statistics over the mention's sentence: `context_words`
    classifier  (2026.11.18) a classifier trained on the taxonomy's labels (group_classifier.py):
                its probability of each level-2 group, voted for it and its ancestors,
                `clf_weight`
The level follows the confidence: levels are tried in `shares` order ("3:0.7,2:0.4,1:0.2": the
best level-3 group when it holds 0.7 of the vote, else the best level-2 group at 0.4, else
level 1 at 0.2: "S1 communication, collaboration and creativity" when nothing narrower is
sure); the first that passes is the place, with its share as the score; else no place.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from domain.errors import ConfigError
from domain.models import ConceptCandidate
from domain.skills.group_classifier import GroupClassifier
from domain.skills.group_level1 import Level1Votes, flat_level1
from domain.skills.group_space import KIND_PREFIXES as KIND_PREFIXES  # re-exported (split12 move)
from domain.skills.group_space import GroupSpace as GroupSpace
from domain.skills.group_space import WordGroups as WordGroups
from domain.skills.group_space import placeable as placeable
from domain.skills.group_space import words as words
from domain.skills.taxonomy import SkillGroup, SkillHierarchy, Taxonomy

Encoder = Callable[[Sequence[str]], npt.NDArray[np.float32]]


@dataclass(frozen=True, slots=True)
class GroupParams:
    """How a mention without a concept is placed. `top` 0: never placed."""

    top: int = 3
    min_score: float = 0.5
    shares: str = "3:0.5,2:0.5,1:0.5"  # levels in the order tried, each with the share it needs
    label_weight: float = 0.0
    label_min: float = 0.5
    word_weight: float = 0.0
    context_words: float = 0.0
    clf_weight: float = 0.0
    # say nothing rather than something wrong: no place when the classifier holds >= clf_sure
    # of its vote on one level-1 group and < clf_floor on the chosen group's (0: never)
    clf_sure: float = 0.0
    clf_floor: float = 0.05
    # (s24grp4, off: not shipped) a level-1 group's vote: its own votes plus its children's, the children's
    # counted as (1 - level1_path) x their sum + level1_path x their best one (0: the plain
    # sum, so a group of many weak children wins; 1: the best-supported path alone)
    level1_path: float = 0.0
    # (s24grp5, off: group_level1.py) the classifier's level-1 vote divided by its base rate **
    # clf_prior, mixed with its level-1 head (clf_level1); no level-1 place when the best leads
    # the second by < level1_margin of the vote
    clf_prior: float = 0.0
    clf_level1: float = 0.0
    level1_margin: float = 0.0

    @property
    def order(self) -> tuple[tuple[int, float], ...]:
        """((level, share needed), ...) in the order tried. ConfigError when malformed."""
        try:
            out = tuple(
                (int(a), float(b)) for a, b in (x.split(":") for x in self.shares.split(","))
            )
        except ValueError:
            raise ConfigError(
                f"group shares {self.shares!r}: want e.g. '3:0.7,2:0.4,1:0.2'"
            ) from None
        levels = [lv for lv, _ in out]
        if sorted(levels) != [1, 2, 3] or not all(0.0 < v <= 1.0 for _, v in out):
            raise ConfigError(
                f"group shares {self.shares!r}: levels 1, 2, 3 once, shares in (0, 1]"
            )
        return out


class GroupPlacer:
    """Places mentions in groups. `place_many` takes what the linker knows of each mention."""

    def __init__(
        self,
        hierarchy: SkillHierarchy,
        params: GroupParams,
        encoder: Encoder | None = None,
        taxonomy: Taxonomy | None = None,
        classifier: GroupClassifier | None = None,
    ) -> None:
        self.hierarchy = hierarchy
        self.params = params
        self.order = params.order
        self.space = GroupSpace(hierarchy)
        self.words = (
            WordGroups(taxonomy, hierarchy, self.space)
            if taxonomy is not None and (params.word_weight > 0 or params.context_words > 0)
            else None
        )
        self.encoder = encoder if params.label_weight > 0 else None
        self._labels: dict[str, tuple[npt.NDArray[np.float32], list[str]]] = {}
        if self.encoder is not None:
            for kind, prefixes in KIND_PREFIXES.items():
                codes = [c for c in self.space.codes if c.startswith(prefixes)]
                names = [hierarchy.groups[c].name for c in codes]
                if codes:
                    self._labels[kind] = (np.asarray(self.encoder(names), dtype=np.float32), codes)
        self.classifier = classifier if params.clf_weight > 0 else None
        # per kind: (classes, groups) 0/1, a class row marks its group and every ancestor
        self._spread: dict[str, npt.NDArray[np.float32]] = {}
        if self.classifier is not None:
            for kind, model in self.classifier.models.items():
                m = np.zeros((len(model.classes), len(self.space.codes)), dtype=np.float32)
                for r, code in enumerate(model.classes):
                    if code not in self.space.above:
                        raise ConfigError(f"group classifier names unknown group {code!r}")
                    m[r, self.space.above[code]] = 1.0
                self._spread[kind] = m
            self.level1 = Level1Votes(
                self.space.above,
                {k: self.space.at[(k, 1)] for k in self._spread},
                self._spread,
                {k: m.classes1 for k, m in self.classifier.models.items()},
            )
        # word votes of recent texts (mentions and sentences repeat across postings)
        self._texts: OrderedDict[tuple[str, str | None], npt.NDArray[np.float32] | None] = (
            OrderedDict()
        )

    def label_votes(
        self, texts: Sequence[str], kinds: Sequence[str | None]
    ) -> list[tuple[str, float] | None]:
        """Per text, the kind-consistent group whose name is nearest (code, cosine), or None
        below `label_min` or without an encoder. One encoder call, one product per kind."""
        if self.encoder is None or not texts:
            return [None] * len(texts)
        keys = list(dict.fromkeys(zip(texts, kinds, strict=True)))  # each distinct text once
        found: dict[tuple[str, str | None], tuple[str, float]] = {}
        vecs = np.asarray(self.encoder([t for t, _ in keys]), dtype=np.float32)
        for kind, (matrix, codes) in self._labels.items():
            rows = [i for i, (_, k) in enumerate(keys) if k == kind]
            if not rows:
                continue
            sims = vecs[rows] @ matrix.T
            best = np.argmax(sims, axis=1)
            for r, i in enumerate(rows):
                cos = float(sims[r, best[r]])
                if cos >= self.params.label_min:
                    found[keys[i]] = (codes[int(best[r])], cos)
        return [found.get(k) for k in zip(texts, kinds, strict=True)]

    def classifier_votes(
        self, texts: Sequence[str], kinds: Sequence[str | None]
    ) -> list[npt.NDArray[np.float32] | None]:
        """Per text, the classifier's probabilities spread over the group positions (a group's
        vote = the sum over the level-2 classes under it); None without a classifier or for a
        kind it has no model for. One product per kind and batch."""
        out: list[npt.NDArray[np.float32] | None] = [None] * len(texts)
        if self.classifier is None or not texts:
            return out
        for kind, spread in self._spread.items():
            rows = [i for i, k in enumerate(kinds) if k == kind]
            if not rows:
                continue
            p = self.params
            got = self.classifier.probs_pair([texts[i] for i in rows], kind)
            if got is None:
                continue
            votes = self.level1.adjust(kind, got[0] @ spread, got[1], p.clf_prior, p.clf_level1)
            for r, i in enumerate(rows):
                out[i] = votes[r]
        return out

    def _vetoed(self, kind: str | None, code: str, clf: npt.NDArray[np.float32]) -> bool:
        """The classifier is sure of another level-1 group (`clf_sure`) and gives the chosen
        group's level-1 ancestor less than `clf_floor`."""
        p = self.params
        if p.clf_sure <= 0:
            return False
        top = self.space.at[(kind, 1)]
        if not len(top) or float(clf[top].max()) < p.clf_sure:
            return False
        return float(clf[self.space.above[code][-1]]) < p.clf_floor

    def _words(self, text: str, kind: str | None) -> npt.NDArray[np.float32] | None:
        key = (text, kind)
        if key in self._texts:
            self._texts.move_to_end(key)
            return self._texts[key]
        assert self.words is not None
        got = self.words.votes(text, kind)
        self._texts[key] = got
        if len(self._texts) > 20_000:
            self._texts.popitem(last=False)
        return got

    def place(
        self,
        kind: str | None,
        ranked: Sequence[ConceptCandidate],
        label: tuple[str, float] | None = None,
        text: str = "",
        context: str = "",
        clf: npt.NDArray[np.float32] | None = None,
    ) -> tuple[SkillGroup, float] | None:
        """(group, its share of the vote in (0, 1]) or None: the naming candidates (best
        first), the label vote, the text's and the sentence's words, the classifier's votes
        (`classifier_votes`)."""
        p = self.params
        if p.top <= 0 or (text and not placeable(text)):
            return None
        votes = np.zeros(len(self.space.codes), dtype=np.float64)
        total = 0.0
        for c in ranked[: p.top]:
            if c.score >= p.min_score:
                votes[self.space.of_skill(self.hierarchy, c.skill_id)] += c.score
                total += c.score
        if label is not None and p.label_weight > 0:
            votes[self.space.above[label[0]]] += p.label_weight * label[1]
            total += p.label_weight * label[1]
        if self.words is not None:
            for weight, got in (
                (p.word_weight, self._words(text, kind) if text and p.word_weight else None),
                (
                    p.context_words,
                    self._words(context, kind) if context and p.context_words else None,
                ),
            ):
                if got is not None:
                    votes += weight * got
                    total += weight
        if clf is not None and p.clf_weight > 0:
            votes += p.clf_weight * clf
            total += p.clf_weight
        if total <= 0:
            return None
        kind_ = kind if kind in KIND_PREFIXES else None
        for level, need in self.order:
            idx = self.space.at[(kind_, level)]
            if not len(idx):
                continue
            here = votes[idx] if level != 1 else self.space.paths.votes(votes, kind_, p.level1_path)
            j = int(np.argmax(here))  # the first of equal maxima: the smallest code
            if here[j] > 0 and here[j] / total >= need - 1e-9:
                if level == 1 and flat_level1(here, total, p.level1_margin):
                    return None
                code = self.space.codes[int(idx[j])]
                if clf is not None and self._vetoed(kind_, code, clf):
                    return None
                return self.hierarchy.groups[code], round(min(float(here[j]) / total, 1.0), 4)
        return None
