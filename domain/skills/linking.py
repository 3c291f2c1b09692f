"""Concept linking: name the ESCO / O*NET concept a mention expresses, or none.

Methods, tried in order; the first that finds a kind-consistent concept wins:
    exact       the mention is a concept's preferred or alternative label (case-insensitive)
    alias       the mention is a curated alias or link-only phrase (config/skill_aliases.yaml
                `aliases:` and `links:`)
    normalized  a short form of a product's preferred name: without its vendor ("Kafka" for
                Apache Kafka, "JIRA" for Atlassian JIRA) or its trailing acronym alone or
                spelled out ("DNS" / "domain name system" for Domain name system DNS); else
                equal after lower-casing, dropping stop words and punctuation, singular nouns,
                base verbs and word order ("developing web applications" = "develop web application")
    vector      nearest label in a vector index over every preferred + alternative label, if its
                cosine similarity reaches `threshold`
Kind-consistent: a SKILL mention links to a skill/competence concept, a KNOWLEDGE mention to
knowledge, a technology or a language. `link_score` is 1.0 for exact and alias, 0.95 for
normalized and the cosine for vector; an unlinked mention scores 0 with method "none".
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.errors import ConfigError
from domain.models import KIND_OF_CATEGORY, ConceptCandidate, ExtractedSkill
from domain.skills.decision import LearnedDecision, PairFacts
from domain.skills.group_classifier import GroupClassifier
from domain.skills.groups import GroupParams, GroupPlacer
from domain.skills.placements import PlacementCache
from domain.skills.search import (  # block_max, top_columns: moved there, importable here
    TOP_WIDTH,
    Projection,
    best_rows,
    block_max,  # noqa: F401
    top_columns,  # noqa: F401
)
from domain.skills.taxonomy import Alias, SkillGroup, SkillHierarchy, Taxonomy, is_weak_label

EXACT, ALIAS_LINK, NORMALIZED, VECTOR, NONE = "exact", "alias", "normalized", "vector", "none"
GROUP, CONCEPT_LEVEL = "group", "concept"
NORMALIZED_SCORE = 0.95

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "by",
        "from",
        "as",
        "be",
        "is",
        "are",
        "using",
        "use",
        "e.g.",
        "eg",
        "etc",
        "your",
        "our",
        "their",
        "its",
        "this",
        "that",
        "these",
        "those",
        "such",
        "other",
        "various",
    ]
)
# Words job ads wrap around a skill that say nothing about which one: "excellent written
# communication skills" names the concept "communication". Dropped from mention text before
# every method (labels keep them: "language skills" stays a label).
FILLER = frozenset(
    [
        "skill",
        "skills",
        "ability",
        "abilities",
        "good",
        "strong",
        "excellent",
        "great",
        "proven",
        "solid",
        "demonstrated",
        "outstanding",
        "exceptional",
        "effective",
        "very",
        "highly",
        "basic",
        "advanced",
        "proficient",
        "proficiency",
        "familiarity",
        "understanding",
        "hands-on",
    ]
)


def strip_filler(text: str) -> str:
    words = text.split()
    kept = [w for w in words if w.lower().strip(",.;:()") not in FILLER]
    return " ".join(kept) if kept else text


_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#.]*[a-z0-9+#]|[a-z0-9]")


def _singular(w: str) -> str:
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _base(w: str) -> str:
    """Crude verb base: developing -> develop, managed -> manag(e) both sides alike."""
    for suffix in ("ing", "ed"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    return w.rstrip("e") if len(w) > 4 else w


def normalized_key(text: str) -> str:
    """Order-free key: lower-case words without stop words, singular, base form, sorted."""
    words = [_base(_singular(w)) for w in _TOKEN.findall(text.lower()) if w not in _STOP]
    return " ".join(sorted(set(words)))


Encoder = Callable[[Sequence[str]], npt.NDArray[np.float32]]


# Product names in the taxonomy that job ads write without the vendor
VENDORS = (
    "apache",
    "atlassian",
    "microsoft",
    "oracle",
    "amazon",
    "google",
    "ibm",
    "adobe",
    "jetbrains",
)
_ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9]*[A-Z0-9]$")


def short_forms(name: str) -> list[tuple[str, bool]]:
    """How job ads shorten a product's preferred name, as (form, case-sensitive): without a
    leading vendor word ("kafka"), and for a name ending in its acronym, the spelled-out words
    ("domain name system") and the acronym in its own case only ("DNS": "apps" is not the
    Automated Package Processing System APPS). An acronym counts when its letters appear in
    order in the words before it, starting with the first word's initial."""
    words = name.split()
    out = []
    if len(words) >= 2 and words[0].lower() in VENDORS:
        out.append((" ".join(words[1:]).lower(), False))
    if len(words) >= 3 and _ACRONYM.match(words[-1]) and sum(c.isupper() for c in words[-1]) >= 2:
        acro, long = words[-1].lower(), " ".join(words[:-1]).lower()
        rest = iter(long[1:])
        if acro[0] == long[0] and all(c in rest for c in acro[1:]):
            out += [(words[-1], True), (long, False)]
    # the vendor with the acronym: "Amazon EC2" for Amazon Elastic Compute Cloud EC2, "Amazon
    # S3" for Amazon Simple Storage Service S3
    if len(words) >= 4 and words[0].lower() in VENDORS and _ACRONYM.match(words[-1]):
        out.append((f"{words[0]} {words[-1]}".lower(), False))
    # a language named without "programming language", in its own case only: "Rust" for
    # Rust programming language ("rust" is corrosion)
    if len(words) >= 3 and " ".join(words[-2:]).lower() == "programming language":
        out.append((" ".join(words[:-2]), True))
    return out


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


class VectorIndex:
    """Every label as a unit vector, one matrix per kind; nearest neighbour by one matrix product
    per block of queries (domain/skills/search.py). The encoder returns unit rows (dense arrays,
    or scipy sparse)."""

    def __init__(
        self,
        encoder: Encoder,
        labels: Sequence[str],
        skill_ids: Sequence[str],
        kinds: Sequence[str],
        block: int = 64,
    ) -> None:
        self.encoder = encoder
        self.block = block
        # the two-stage search (search.Projection, approximate): none in the product; set by
        # bench/linker_replay.py --setting to measure it (docs/concept-linking.md, s24cost)
        self.projections: dict[str, Projection] = {}
        self.pool = 0
        self._recent: dict[str, Any] = {}  # the last top() call's query vectors, by text
        matrix = encoder(labels)
        # one matrix per kind; a query of unknown kind searches both (no third, full copy)
        self.parts: dict[str, tuple[Any, list[str]]] = {}
        self.labels: dict[str, list[str]] = {}
        for kind in ("SKILL", "KNOWLEDGE"):
            rows = [i for i, k in enumerate(kinds) if k == kind]
            part = matrix[rows]
            if isinstance(part, np.ndarray) and len(rows) % TOP_WIDTH:
                # zero rows up to a multiple of TOP_WIDTH, so top() reads the scores as blocks
                # without a copy; a zero row scores 0 and is never a neighbour (score > 0 only)
                pad = np.zeros((TOP_WIDTH - len(rows) % TOP_WIDTH, part.shape[1]), part.dtype)
                part = np.vstack([part, pad])
            self.parts[kind] = (part, [skill_ids[i] for i in rows])
            self.labels[kind] = [labels[i] for i in rows]

    def two_stage(self, dims: int, pool: int) -> None:
        """Search in two stages from now on (`search.best_rows` with a `Projection` of each
        dense kind matrix to `dims` dimensions, `pool` rows re-scored exactly); dims 0: exact
        again. Raises ValueError when dims is not below the vectors' dimension."""
        self.pool = pool if dims else 0
        self.projections = {
            kind: Projection(matrix, dims)
            for kind, (matrix, sids) in self.parts.items()
            if dims and sids and isinstance(matrix, np.ndarray)
        }

    def nearest(
        self, texts: Sequence[str], kinds: Sequence[str | None]
    ) -> list[tuple[str | None, float]]:
        out: list[tuple[str | None, float]] = [(None, 0.0)] * len(texts)
        for part, (matrix, sids) in self.parts.items():
            idx = [i for i, k in enumerate(kinds) if k in (part, None)]
            if not sids or not idx:
                continue
            for b in range(0, len(idx), self.block):
                chunk = idx[b : b + self.block]
                sims = self.encoder([texts[i] for i in chunk]) @ matrix.T
                sims = np.asarray(sims.toarray() if hasattr(sims, "toarray") else sims)
                best = np.argmax(sims, axis=1)
                for i, j, score in zip(chunk, best, sims[np.arange(len(chunk)), best], strict=True):
                    if score > 0 and score > out[i][1]:
                        out[i] = (sids[int(j)], float(score))
        return out

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """The encoder's unit rows for `texts`: the last `top` call's vectors where it read the
        same text (no second encoding), the others encoded now."""
        recent = self._recent
        missing = [t for t in dict.fromkeys(texts) if t not in recent]
        if missing:
            got = self.encoder(missing)
            if not isinstance(got, np.ndarray):  # a sparse encoder (bench): no reuse
                return np.asarray(self.encoder(list(texts)))
            recent = {**recent, **dict(zip(missing, got, strict=True))}
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([recent[t] for t in texts]).astype(np.float32, copy=False)

    def top(
        self,
        texts: Sequence[str],
        kinds: Sequence[str | None],
        n: int,
        contexts: Sequence[str] | None = None,
    ) -> list[list[tuple[str, float, str, float]]]:
        """Up to `n` concepts per text, kind-consistent, by their best label's cosine, best
        first: (skill_id, cosine, that label, cosine of the label with the text's context;
        0.0 without contexts). Ties break by label order (deterministic)."""
        out: list[list[tuple[str, float, str, float]]] = [[] for _ in texts]
        ctx = self.encoder(list(contexts)) if contexts is not None else None
        # every text encoded once (a text of unknown kind searches both parts), and kept for
        # `encode` until the next call: the group step reads the same vectors
        queries = self.encoder(list(texts)) if texts else None
        if isinstance(queries, np.ndarray):
            self._recent = {t: queries[i] for i, t in enumerate(texts)}
        for part, (matrix, sids) in self.parts.items():
            idx = [i for i, k in enumerate(kinds) if k in (part, None)]
            if not sids or not idx:
                continue
            labels = self.labels[part]
            m = min(2 * n, len(sids))
            real = len(sids)
            assert queries is not None
            near, vals = best_rows(
                queries[idx], matrix, m, self.block, self.projections.get(part), self.pool
            )  # best first, ties: lower column first
            for r, i in enumerate(idx):
                seen: set[str] = set()
                for j, v in zip(near[r], vals[r], strict=True):
                    if j >= real or v <= 0:  # a padding row, or no likeness
                        continue
                    sid = sids[j]
                    if sid in seen:
                        continue
                    seen.add(sid)
                    cx = float(matrix[j] @ ctx[i]) if ctx is not None else 0.0
                    out[i].append((sid, float(v), labels[j], cx))
                    if len(seen) >= n:
                        break
        for i, k in enumerate(kinds):
            if k is None and out[i]:  # both parts searched: one ranking
                out[i] = sorted(out[i], key=lambda c: -c[1])[:n]
        return out


# Head words a label adds without narrowing what the mention means: "automation" is
# *automation technology*, "project management" *perform project management*, "Waterfall"
# *Waterfall development*. Not penalized as extra words.
GENERIC = frozenset(
    [
        "technology",
        "technologies",
        "development",
        "software",
        "system",
        "systems",
        "methodology",
        "methodologies",
        "principles",
        "techniques",
        "tools",
        "tool",
        "perform",
        "apply",
        "use",
        "work",
        "programming",
        "language",
        "languages",
        "practices",
        "methods",
        "processes",
        "concepts",
    ]
)


_GENERIC_KEYS = frozenset(_base(_singular(w)) for w in GENERIC)


@lru_cache(maxsize=200_000)
def _content_keys(text: str) -> tuple[str, ...]:
    """A text's words as extra_words compares them: lower-case, no stop words, singular, base."""
    return tuple(_base(_singular(w)) for w in _TOKEN.findall(text.lower()) if w not in _STOP)


@lru_cache(maxsize=200_000)
def _label_keys(label: str) -> tuple[str, ...]:
    return tuple(w for w in _content_keys(label) if w not in _GENERIC_KEYS)


def extra_words(mention: str, label: str) -> float:
    """Share of the label's content words the mention does not have, in [0, 1]. A word is had
    when a mention word equals it up to plural / verb ending or one starts the other (>= 4
    letters: "develop" in "development"); GENERIC head words are neither counted nor extra
    ("sound development software" for "software development": "sound" of "sound", 1.0;
    "algorithms" for "formulas": 1.0; "automation technology" for "automation": 0.0)."""
    want = _label_keys(label)
    if not want:
        return 0.0
    have, starts, long = _had(mention)
    missing = 0
    for w in want:
        # had: equal, a mention word of >= 4 letters starts it, or it (>= 4) starts one; the
        # last as "w begins with a mention word of >= 4 letters" (one that long and not equal
        # to w is shorter than w): no slices of w to build
        if not (w in have or w in starts or w.startswith(long)):
            missing += 1
    return missing / len(want)


@lru_cache(maxsize=50_000)
def _had(mention: str) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """A mention's content words, every prefix of >= 4 letters of them, and those of >= 4
    letters (for extra_words)."""
    have = _content_keys(mention)
    long = tuple(h for h in dict.fromkeys(have) if len(h) >= 4)
    return frozenset(have), frozenset(h[:i] for h in have for i in range(4, len(h) + 1)), long


def is_narrower(mention: str, label: str) -> bool:
    """The label names a narrower thing than the mention: it has every non-generic content word
    of the mention and one more ("clinical biochemistry" for "biochemistry", "packaging
    engineering" for "engineering"; not "automation technology" for "automation")."""
    return (
        bool(_label_keys(mention))
        and extra_words(mention, label) > 0
        and (extra_words(label, mention) == 0)
    )


def concept_fields(skill: ExtractedSkill) -> dict[str, Any]:
    """What `enrich extract` prints per mention about the skill's concept beyond link_score /
    link_method: {"link_level": "concept" | "group:<n>" | "none" | None (older rows),
    "group_id", "group_name" (its nearest ESCO skill group / O*NET category, or None),
    "candidates": [{"skill_id", "name", "score", "source"}, ...] best first}."""
    return {
        "link_level": skill.link_level,
        "group_id": skill.group_id,
        "group_name": skill.group_name,
        "candidates": [c.to_dict() for c in skill.candidates],
    }


def unit_rows(m: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    m = np.asarray(m, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def label_rows(
    taxonomy: Taxonomy, exclude: frozenset[str] = frozenset()
) -> list[tuple[str, str, str]]:
    """(label, skill_id, kind) for every preferred and alternative label not in `exclude`."""
    rows = []
    for s in sorted(taxonomy, key=lambda s: s.skill_id):
        kind = KIND_OF_CATEGORY.get(s.category, "KNOWLEDGE")
        for label in dict.fromkeys((s.name, *s.aliases)):
            if label.lower() not in exclude:
                rows.append((label, s.skill_id, kind))
    return rows


@dataclass
class ConceptLinker:
    taxonomy: Taxonomy
    aliases: Iterable[Alias] = ()
    # ambiguous words (go, r, access): never linked alone, unless a case-sensitive alias names
    # that exact spelling ("Go" as a KNOWLEDGE span the model found: the Go language)
    skip: frozenset[str] = frozenset()
    index: VectorIndex | None = None
    params: LinkerParams = field(default_factory=LinkerParams)
    exclude: frozenset[str] = frozenset()  # labels left out (held-out evaluation)
    hierarchy: SkillHierarchy | None = None  # broader groups, for the fallback
    groups: GroupPlacer | None = None  # built from hierarchy + params when None (groups.py)
    group_classifier: GroupClassifier | None = None  # the placer's fifth vote (2026.11.18)
    decision: LearnedDecision | None = None  # the learned top-1 decision; None: the threshold

    def __post_init__(self) -> None:
        # label -> [(skill_id, kind)], ESCO before O*NET on shared labels (ids sort that way)
        self._exact: dict[str, list[tuple[str, str]]] = {}
        self._norm: dict[str, list[tuple[str, str]]] = {}
        for label, sid, kind in label_rows(self.taxonomy, self.exclude):
            low = " ".join(label.lower().split())
            if low in self.skip or is_weak_label(self.taxonomy.get(sid), low):
                continue
            self._exact.setdefault(low, []).append((sid, kind))
            if key := normalized_key(low):
                self._norm.setdefault(key, []).append((sid, kind))

        # short forms of product names, where no concept already has that label
        self._short: dict[str, list[tuple[str, str]]] = {}
        for s in sorted(self.taxonomy, key=lambda s: s.skill_id):
            for form, cased in short_forms(s.name):
                low = form.lower()
                if low not in self._exact and low not in self.skip and low not in self.exclude:
                    key = form if cased else low
                    self._short.setdefault(key, []).append((s.skill_id, self.kind_of(s.skill_id)))

        # a concept whose preferred name it is comes before concepts listing it as an
        # alternative label ("project management": project management, not project commissioning)
        def name(sid: str) -> str:
            return " ".join(self.taxonomy.get(sid).name.lower().split())

        for low, cands in self._exact.items():
            if len(cands) > 1:
                cands.sort(key=lambda c: name(c[0]) != low)
        for key, cands in self._norm.items():
            if len(cands) > 1:
                cands.sort(key=lambda c: normalized_key(name(c[0])) != key)
        self._alias: dict[str, str] = {}
        self._cased: dict[str, str] = {}
        for a in self.aliases:
            if a.case_sensitive:
                self._cased[a.alias] = a.skill_id
            else:
                self._alias[a.alias.lower()] = a.skill_id
        self._cache: OrderedDict[tuple[str, str | None, str], Link] = OrderedDict()
        self._placed = PlacementCache(self.params.cache_size)  # group placements (placements.py)

    def kind_of(self, skill_id: str) -> str:
        return KIND_OF_CATEGORY.get(self.taxonomy.get(skill_id).category, "KNOWLEDGE")

    @staticmethod
    def _pick(cands: list[tuple[str, str]], kind: str | None) -> str | None:
        for sid, k in cands:
            if kind is None or k == kind:
                return sid
        return None

    def _symbolic(self, text: str, kind: str | None) -> Link | None:
        low = text.lower()
        if (sid := self._pick(self._exact.get(low, []), kind)) is not None:
            return Link(sid, 1.0, EXACT)
        sid = self._cased.get(text) or self._alias.get(low)
        if sid is not None and (kind is None or self.kind_of(sid) == kind):
            return Link(sid, 1.0, ALIAS_LINK)
        short = self._short.get(text) or self._short.get(low, [])
        if (sid := self._pick(short, kind)) is not None:
            return Link(sid, NORMALIZED_SCORE, NORMALIZED)
        key = normalized_key(low)
        if key and (sid := self._pick(self._norm.get(key, []), kind)) is not None:
            return Link(sid, NORMALIZED_SCORE, NORMALIZED)
        return None

    def link_many(
        self, items: Sequence[tuple[str, str | None]], contexts: Sequence[str] | None = None
    ) -> list[Link]:
        """Link (mention text, kind) pairs, each with its sentence in `contexts` when given
        (same order). One vector search for the whole batch. Cached by (text, kind[, sentence])."""
        p = self.params
        use_ctx = contexts is not None and p.context_weight > 0
        out: list[Link | None] = [None] * len(items)
        todo: dict[tuple[str, str | None, str], list[int]] = {}
        symbolic: dict[tuple[str, str | None, str], Link | None] = {}
        for i, (raw, kind) in enumerate(items):
            text = strip_filler(" ".join(raw.split()))
            # case matters: "APPS", "Go" link, "apps", "go" do not
            key = (text, kind, " ".join(contexts[i].split()) if use_ctx and contexts else "")
            if (hit := self._cache.get(key)) is not None:
                self._cache.move_to_end(key)
                out[i] = hit
            elif not p.min_chars <= len(text) <= 300 or (
                text.lower() in self.skip and text not in self._cased
            ):
                out[i] = Link(None, 0.0, NONE)
            elif (sym := self._symbolic(text, kind)) is not None:
                # a label, alias or short form names it: no vector search (the cost of a
                # worker's linking is the search), the candidates are that concept alone
                out[i] = self._remember(key, self._with_candidates(sym, []))
            elif self.index is None or len(text) > p.max_chars:
                out[i] = self._remember(key, Link(None, 0.0, NONE))
            else:
                symbolic[key] = None
                todo.setdefault(key, []).append(i)
        if todo and self.index is not None:
            keys = list(todo)
            found = self.index.top(
                [k[0] for k in keys], [k[1] for k in keys], p.pool,
                [k[2] for k in keys] if use_ctx else None,
            )  # fmt: skip
            for key, near in zip(keys, found, strict=True):
                link = self._decide(key[0], symbolic[key], near)
                self._remember(key, link)
                for i in todo[key]:
                    out[i] = link
        return self._place_groups(
            items, contexts, [o if o is not None else Link(None, 0.0, NONE) for o in out]
        )

    def rerank(
        self,
        text: str,
        near: Sequence[tuple[str, float, str, float]],
        extras: dict[str, float] | None = None,
    ) -> list[tuple[ConceptCandidate, bool]]:
        """The vector neighbours re-scored with the sentence and the label's extra words, best
        first (one per concept), each with whether it may be the top-1 (not found by a weak
        label, unless `weak_vector_links`). `extras`, when given, receives each
        extra_words(text, label) computed here, by label (pair_facts reads them again)."""
        p = self.params
        scored = []
        # below this a neighbour decides nothing (neither the top-1 nor a group vote), so its
        # extra words are not worth reading: it keeps its plain score
        floor = min(p.threshold, p.group_min if p.group_top else 1.0)
        for sid, cos, label, ctx in near:
            score = (1 - p.context_weight) * cos + p.context_weight * ctx
            if p.extra_penalty and score >= floor:
                extra = extra_words(text, label)
                if extras is not None:
                    extras[label] = extra
                score -= p.extra_penalty * extra
            low = " ".join(label.lower().split())
            naming = p.weak_vector_links or not is_weak_label(self.taxonomy.get(sid), low)
            scored.append((min(max(score, 0.0), 1.0), sid, naming))
        scored.sort(key=lambda c: (-c[0], c[1]))
        return [
            (ConceptCandidate(sid, self.taxonomy.get(sid).name, sc, VECTOR), naming)
            for sc, sid, naming in scored
        ]

    def keep_top1(self, own: Link, found: Link) -> Link:
        """A link found elsewhere (a strategy's own exact / alias match) as the top-1, with the
        linker's candidates after it."""
        return self._with_candidates(own, found.candidates)

    def _with_candidates(self, top1: Link, ranked: Sequence[ConceptCandidate]) -> Link:
        assert top1.skill_id is not None
        first = ConceptCandidate(
            top1.skill_id, self.taxonomy.get(top1.skill_id).name, top1.score, top1.method
        )
        rest = [c for c in ranked if c.skill_id != top1.skill_id]
        return Link(top1.skill_id, top1.score, top1.method, (first, *rest)[: self.params.k])

    def _decide(
        self, text: str, sym: Link | None, near: Sequence[tuple[str, float, str, float]]
    ) -> Link:
        """Exact / alias / normalized first; else the best reranked neighbour at the threshold;
        else the nearest broader group the candidates agree on; else none."""
        extras: dict[str, float] = {}
        scored = self.rerank(text, near, extras)
        ranked = [c for c, _ in scored]
        if sym is not None:
            return self._with_candidates(sym, ranked)
        cands = tuple(ranked[: self.params.k])
        best = next((c for c, naming in scored if naming), None)
        if self.decision is not None:
            best = self._learned(text, near, scored, extras)
        elif best is not None and best.score < self.params.threshold:
            best = None
        if best is not None:
            return Link(best.skill_id, round(best.score, 4), VECTOR, cands)
        group = self._group([c for c, naming in scored if naming])
        if group is not None:
            return Link(None, group[1], GROUP, cands, group[0])
        return Link(None, 0.0, NONE, cands)

    def _learned(
        self,
        text: str,
        near: Sequence[tuple[str, float, str, float]],
        scored: Sequence[tuple[ConceptCandidate, bool]],
        extras: Mapping[str, float] | None = None,
    ) -> ConceptCandidate | None:
        """The learned decision's top-1 among the reranked candidates, or None."""
        assert self.decision is not None
        facts = self.pair_facts(text, near, scored[: self.decision.top], extras)
        skill = bool(scored) and self.kind_of(scored[0][0].skill_id) == "SKILL"
        i, prob = self.decision.choose(text, skill, facts)
        return scored[i][0] if i >= 0 and prob >= self.params.decision_threshold else None

    def pair_facts(
        self,
        text: str,
        near: Sequence[tuple[str, float, str, float]],
        scored: Sequence[tuple[ConceptCandidate, bool]],
        extras: Mapping[str, float] | None = None,
    ) -> list[PairFacts]:
        """What the learned decision reads of each reranked candidate (same order). A one-word
        mention's knowledge candidate with a narrower label (`is_narrower`) may not name unless it
        is a technology ("biochemistry" is not *clinical biochemistry*; "Hibernate" is *Hibernate
        ORM*). `extras`: extra_words(text, label) by label where `rerank` already computed it."""
        label = {sid: (cos, lb) for sid, cos, lb, _ in near}
        one_word = len(text.split()) == 1
        extras = extras or {}
        facts = []
        for c, naming in scored:
            cos, lb = label[c.skill_id]
            extra = extras[lb] if lb in extras else extra_words(text, lb)
            lacks = extra_words(lb, text)
            if naming and one_word and self.kind_of(c.skill_id) == "KNOWLEDGE":
                # a skill's verb is no narrowing ("proactive": *think proactively*); narrower:
                # is_narrower(text, lb) from the two shares already read
                tech = self.taxonomy.get(c.skill_id).category.startswith("technology")
                naming = tech or not (bool(_label_keys(text)) and extra > 0 and lacks == 0)
            facts.append(PairFacts(cos, c.score, extra, lacks, lb,
                                   " ".join(lb.lower().split()) == c.label.lower(),
                                   c.skill_id.startswith("onet:"), naming))  # fmt: skip
        return facts

    def _group(self, ranked: Sequence[ConceptCandidate]) -> tuple[SkillGroup, float] | None:
        """None: a mention without a concept is placed after the decision, with its text and
        sentence, by `_place_groups` (domain/skills/groups.py)."""
        return None

    def placer(self) -> GroupPlacer | None:
        """The group placer (built once from the hierarchy and params); None: no fallback."""
        if self.groups is None and self.hierarchy is not None and self.params.group_top > 0:
            encoder = self.index.encode if self.index is not None else None
            self.groups = GroupPlacer(self.hierarchy, self.params.groups, encoder, self.taxonomy,
                                      self.group_classifier)  # fmt: skip
        return self.groups

    def _place_groups(
        self,
        items: Sequence[tuple[str, str | None]],
        contexts: Sequence[str] | None,
        links: list[Link],
    ) -> list[Link]:
        """Each mention left without a concept but with candidates gets its group, if any."""
        placer = self.placer()
        todo = [i for i, lk in enumerate(links) if lk.method == NONE and lk.candidates]
        if placer is None or not todo:
            return links
        texts = [strip_filler(" ".join(items[i][0].split())) for i in todo]
        kinds = [items[i][1] for i in todo]
        ctxs = [" ".join(contexts[i].split()) if contexts is not None else "" for i in todo]
        keys = [
            self._placed.key(texts[j], kinds[j], ctxs[j], links[i].candidates)
            for j, i in enumerate(todo)
        ]
        # placed before in the same sentence with the same candidates: the same answer
        hits = [self._placed.get(k) for k in keys]
        need = [j for j, (found, _) in enumerate(hits) if not found]
        need_texts, need_kinds = [texts[j] for j in need], [kinds[j] for j in need]
        votes = placer.label_votes(need_texts, need_kinds)
        clf_votes = placer.classifier_votes(need_texts, need_kinds)
        labels = dict(zip(need, votes, strict=True))
        clfs = dict(zip(need, clf_votes, strict=True))
        for j, i in enumerate(todo):
            if j in labels:
                got = placer.place(
                    kinds[j], links[i].candidates, labels[j], texts[j], ctxs[j], clfs[j]
                )
                self._placed.put(keys[j], got)
            else:
                got = hits[j][1]
            if got is not None:
                links[i] = Link(None, got[1], GROUP, links[i].candidates, got[0])
        return links

    def clear_caches(self) -> None:
        """Forget every remembered link and placement (a cold start, for benchmarks)."""
        self._cache.clear()
        self._placed.clear()
        if self.groups is not None:
            self.groups._texts.clear()
        if self.group_classifier is not None:
            self.group_classifier.clear()

    def _remember(self, key: tuple[str, str | None, str], link: Link) -> Link:
        self._cache[key] = link
        if len(self._cache) > self.params.cache_size:
            self._cache.popitem(last=False)
        return link
