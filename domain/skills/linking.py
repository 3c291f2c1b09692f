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

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.models import KIND_OF_CATEGORY, ConceptCandidate, ExtractedSkill
from domain.skills.decision import LearnedDecision, PairFacts
from domain.skills.group_classifier import GroupClassifier
from domain.skills.groups import GroupPlacer
from domain.skills.label_words import FILLER as FILLER  # re-exported (split12 move)
from domain.skills.label_words import GENERIC as GENERIC
from domain.skills.label_words import VENDORS as VENDORS
from domain.skills.label_words import _content_keys as _content_keys
from domain.skills.label_words import _label_keys as _label_keys
from domain.skills.label_words import extra_words as extra_words
from domain.skills.label_words import is_narrower as is_narrower
from domain.skills.label_words import normalized_key as normalized_key
from domain.skills.label_words import short_forms as short_forms
from domain.skills.label_words import strip_filler as strip_filler
from domain.skills.link_types import ALIAS_LINK as ALIAS_LINK  # re-exported (split12 move)
from domain.skills.link_types import CONCEPT_LEVEL as CONCEPT_LEVEL
from domain.skills.link_types import EXACT as EXACT
from domain.skills.link_types import GROUP as GROUP
from domain.skills.link_types import NONE as NONE
from domain.skills.link_types import NORMALIZED as NORMALIZED
from domain.skills.link_types import VECTOR as VECTOR
from domain.skills.link_types import Link as Link
from domain.skills.link_types import LinkerParams as LinkerParams
from domain.skills.placements import PlacementCache
from domain.skills.search import (  # block_max, top_columns, TOP_WIDTH: moved there, importable here
    TOP_WIDTH,  # noqa: F401
    block_max,  # noqa: F401
    top_columns,  # noqa: F401
)
from domain.skills.taxonomy import Alias, SkillGroup, SkillHierarchy, Taxonomy, is_weak_label
from domain.skills.vector_index import Encoder as Encoder  # re-exported (split12 move)
from domain.skills.vector_index import VectorIndex as VectorIndex
from domain.skills.vector_index import label_rows as label_rows
from domain.skills.vector_index import unit_rows as unit_rows

NORMALIZED_SCORE = 0.95


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
