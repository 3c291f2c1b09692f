"""What the concept linker returns for a mention (Link) and is configured with (LinkerParams,
from config/model_versions.yaml's concept_linker params; ConfigError when malformed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.errors import ConfigError
from domain.models import ConceptCandidate
from domain.skills.groups import GroupParams
from domain.skills.taxonomy import SkillGroup

EXACT, ALIAS_LINK, NORMALIZED, VECTOR, NONE = "exact", "alias", "normalized", "vector", "none"
GROUP, CONCEPT_LEVEL = "group", "concept"


@dataclass(frozen=True, slots=True)
class Link:
    """The linker's decision for one mention: the concept (top-1) or none; its ranked
    candidates (best first, up to `LinkerParams.k`); and, when no concept reaches the threshold,
    the nearest broader group the candidates agree on."""

    skill_id: str | None
    score: float
    method: str
    candidates: tuple[ConceptCandidate, ...] = ()
    group: SkillGroup | None = None

    @property
    def level(self) -> str:
        """ "concept", "group:<n>" (ESCO level n, 3 the most specific) or "none"."""
        if self.skill_id is not None:
            return CONCEPT_LEVEL
        return f"group:{self.group.level}" if self.group is not None else NONE


@dataclass(frozen=True, slots=True)
class LinkerParams:
    threshold: float = 0.8  # reranked score a vector link must reach
    min_chars: int = 2
    max_chars: int = 120  # longer spans are sentences, not concept names: no vector link
    cache_size: int = 50_000
    k: int = 5  # candidates a mention carries
    pool: int = 10  # nearest concepts the reranker reads (vector search)
    # rerank score = (1 - context_weight) * cosine(mention, label)
    #              + context_weight * cosine(sentence, label) - extra_penalty * extra words
    # (share of the label's words the mention does not have: "sound development software" for
    # "software development"); chosen on the hand-linked dev gold (bench/concept_linking.py)
    context_weight: float = 0.0
    extra_penalty: float = 0.0
    # hierarchy fallback: with no concept at the threshold, the first `group_top` candidates
    # scoring >= group_min vote (score-weighted) for their groups, most specific level first;
    # a group with >= group_share of the vote is the mention's place. group_top 0: no fallback
    group_top: int = 0
    group_min: float = 0.5
    group_share: float = 0.5
    # the levels the vote tries, in order ("2,3,1": a level-2 group where the candidates agree
    # on one, else level 3, else 1)
    group_levels: str = "3,2,1"
    # (2026.11.15) domain/skills/groups.py: levels tried in this order with the share each
    # needs ("3:0.7,2:0.4,1:0.2"; "" = group_levels at group_share), and the weights of the
    # mention-to-group-name cosine, the mention's words and its sentence's words
    group_shares: str = ""
    group_label_weight: float = 0.0
    group_label_min: float = 0.5
    group_word_weight: float = 0.0
    group_context_words: float = 0.0
    # (2026.11.18) the weight of the group classifier's vote (domain/skills/group_classifier.py;
    # 0: not used, and its file is not needed)
    group_clf_weight: float = 0.0
    # (2026.11.18) no place when the classifier is this sure (level-1 share) of another level-1
    # group and gives the chosen one's < group_clf_floor (0: never; groups.py `_vetoed`)
    group_clf_sure: float = 0.0
    group_clf_floor: float = 0.05
    # (s24grp4, 0 in config: not shipped) a level-1 group's vote counts its children's as (1 - x) sum + x best child
    # (groups.py GroupParams.level1_path; 0: the plain sum, as before)
    group_level1_path: float = 0.0
    # (s24grp5, groups.py GroupParams.clf_prior / clf_level1 / level1_margin; 0: as before)
    group_clf_prior: float = 0.0
    group_clf_level1: float = 0.0
    group_level1_margin: float = 0.0
    # may a vector neighbour found by a weak one-word alternative label (`is_weak_label`:
    # "formulas" of *algorithms*) be the top-1? True as up to 2026.11.8; it stays a candidate
    weak_vector_links: bool = True
    # (2026.11.19) with a learned decision (domain/skills/decision.py) the top-1 is its most
    # probable naming candidate when the probability reaches this; `threshold` is then unused
    decision_threshold: float = 0.5
    # (s24cost4, 0 in config: off) the two-stage search (search.Projection): the labels' first
    # `search_dims` principal directions pick `search_pool` rows per query, exact cosines on
    # those choose; computed at index build from whatever vectors are loaded. Approximate
    search_dims: int = 0
    search_pool: int = 200

    @property
    def levels(self) -> tuple[int, ...]:
        try:
            return tuple(int(x) for x in self.group_levels.split(","))
        except ValueError:
            return ()

    @property
    def groups(self) -> GroupParams:
        shares = self.group_shares or ",".join(f"{lv}:{self.group_share}" for lv in self.levels)
        return GroupParams(self.group_top, self.group_min, shares, self.group_label_weight,
                           self.group_label_min, self.group_word_weight, self.group_context_words,
                           self.group_clf_weight, self.group_clf_sure, self.group_clf_floor,
                           self.group_level1_path, self.group_clf_prior, self.group_clf_level1,
                           self.group_level1_margin)  # fmt: skip

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> LinkerParams:
        known = set(cls.__dataclass_fields__)
        if unknown := set(cfg) - known:
            raise ConfigError(f"concept_linker params: unknown {sorted(unknown)}")
        p = cls(**{k: _typed(getattr(cls(), k), v) for k, v in cfg.items()})
        if not 0.0 < p.threshold <= 1.0:
            raise ConfigError("concept_linker threshold must lie in (0, 1]")
        if p.k < 1 or p.pool < p.k:
            raise ConfigError("concept_linker needs 1 <= k <= pool")
        if p.search_dims < 0 or (p.search_dims and p.search_pool <= 2 * p.pool):
            raise ConfigError("concept_linker needs search_dims >= 0, search_pool > 2 x pool")
        if not 0.0 <= p.context_weight < 1.0:
            raise ConfigError("concept_linker context_weight must lie in [0, 1)")
        if sorted(p.levels) != [1, 2, 3]:
            raise ConfigError("concept_linker group_levels must order 1, 2 and 3, e.g. '3,2,1'")
        _ = p.groups.order  # ConfigError when group_shares is malformed
        return p


def _typed(default: Any, value: Any) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"concept_linker params: {value!r} is not true/false")
        return value
    return type(default)(value)
