"""The skill extractor: runs the configured strategies, merges their spans, scores confidence.

Merge: candidates are taken in boundary-priority order (the trained model first: it learned
SkillSpan's boundaries; then curated aliases, taxonomy labels, context patterns), longest first;
a candidate that overlaps an accepted span joins it instead of making a second mention. A merged
span keeps every strategy that found it (`source_strategies`) and the taxonomy link of the best
member; a span no taxonomy entry names stays unlinked, with an id derived from its text.

Confidence is a weighted noisy-OR over the strategies that agree, times the relevance of the
section the span sits in:
    confidence = (1 - prod(1 - weight[s] for s in strategies)) * section_relevance[section]
with the weights in config/model_versions.yaml (a section without a weight counts 1.0); spans
below `min_confidence` are not reported. Sections in `skip_sections` (by default company and
legal) are not read by the span models at all, and their spans are dropped.

With `combiner: learned` (the quality profile since 2026.11.9) a fitted logistic regression over
per-span features (domain/skills/combiner.py) replaces the weights: confidence = its probability
x section relevance, reported from its own threshold up; a named technology is reported anyway.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from domain.errors import ConfigError
from domain.models import KIND_OF_CATEGORY, ExtractedSkill, Mention, Section
from domain.sections.blocks import LABELS
from domain.sections.header_rules import OVERVIEW, section_at
from domain.skills.combiner import LearnedCombiner, Member, span_features
from domain.skills.edges import neighbour_runs
from domain.skills.field_lines import is_field_value
from domain.skills.linking import ALIAS_LINK, EXACT, NONE, ConceptLinker, Link
from domain.skills.names import (
    add_symbol_words,
    inside_symbol_name,
    split_symbol_lists,
    symbol_words,
)
from domain.skills.span_model import Skip
from domain.skills.strategies import (
    ALIAS,
    CONTEXT,
    SKILL,
    SPAN_MODEL,
    TAXONOMY,
    TRANSFORMER,
    WEAK,
    AliasStrategy,
    Candidate,
    Strategy,
    TaxonomyStrategy,
)
from domain.skills.taxonomy import Alias, AmbiguityRules, Taxonomy

_TECHNICAL = frozenset({"technology/tool", "knowledge"})
# Boundary priority in tiers; within a tier the longer span wins, then the earlier-listed strategy.
DEFAULT_PRIORITY: tuple[tuple[str, ...], ...] = (
    # a named technology's whole name (Ruby on Rails) is as good a boundary as the model's
    (TRANSFORMER, SPAN_MODEL, "named"),
    (ALIAS, TAXONOMY),
    (CONTEXT,),
)
# A named technology (an unambiguous tech/tool/language name a dictionary matched) stands on its
# own in these sections, and on a line that lists several of them, whatever the span models say.
NAMED = "named"
NAMING_SECTIONS = frozenset({"requirements", "responsibilities", "preferred"})
LIST_NAMES = 3  # names on one line that make it a list ("Python ● SQL ● Docker")
# What may stand between the names of a coordination ("Java/Python/Go", "Python, SQL and
# Docker", "AWS (EC2, S3)"), in English, French, German, Spanish and Dutch.
SEPARATORS = frozenset(
    {",", "/", "&", "+", "|", ";", "(", ")", "and", "or", "und", "oder", "et", "ou", "y", "o",
     "en", "of", "plus", "as", "well", "e.g.", "eg", "i.e.", "including", "like", "such", "etc",
     "-", "•", "●", "▪", "◦", "·", "*"}
)  # fmt: skip
_DICTIONARY = frozenset({TAXONOMY, ALIAS, NAMED})
NOISY_OR, LEARNED = "noisy_or", "learned"
COMBINERS = (NOISY_OR, LEARNED)
# Unlinked spans: the category their kind implies, so analytics can group them with linked ones.
CATEGORY_OF_KIND = {SKILL: "skill/competence", "KNOWLEDGE": "knowledge"}


@dataclass(frozen=True, slots=True)
class Extraction:
    skills: tuple[ExtractedSkill, ...]
    truncated: bool
    stats: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EnsembleParams:
    weights: Mapping[str, float] = field(
        default_factory=lambda: {TAXONOMY: 0.6, ALIAS: 0.8, CONTEXT: 0.3, SPAN_MODEL: 0.7}
    )
    min_confidence: float = 0.0
    priority: tuple[tuple[str, ...], ...] = DEFAULT_PRIORITY
    max_text_chars: int = 100_000
    section_relevance: Mapping[str, float] = field(default_factory=dict)
    skip_sections: frozenset[str] = frozenset()
    # noisy_or: the weights above; learned: the fitted LearnedCombiner (its own threshold)
    combiner: str = NOISY_OR
    # a named technology on a "<label>: <names>" line is reported wherever the line sits
    # (domain/skills/field_lines.py; quality profile from 2026.12.4)
    field_lines: bool = False

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> EnsembleParams:
        known = {"weights", "min_confidence", "priority", "max_text_chars", "section_relevance",
                 "skip_sections", "combiner", "field_lines"}  # fmt: skip
        if unknown := set(cfg) - known:
            raise ConfigError(f"skills_extractor params: unknown {sorted(unknown)}")
        weights = {str(k): float(v) for k, v in (cfg.get("weights") or {}).items()}
        if any(not 0.0 <= w <= 1.0 for w in weights.values()):
            raise ConfigError("skills_extractor weights must lie in [0, 1]")
        relevance = {str(k): float(v) for k, v in (cfg.get("section_relevance") or {}).items()}
        skip = frozenset(str(x) for x in cfg.get("skip_sections") or ())
        if bad := sorted((set(relevance) | skip) - set(LABELS)):
            raise ConfigError(f"skills_extractor: unknown section labels {bad}; use {LABELS}")
        if any(not 0.0 <= w <= 1.0 for w in relevance.values()):
            raise ConfigError("skills_extractor section_relevance must lie in [0, 1]")
        combiner = str(cfg.get("combiner", NOISY_OR))
        if combiner not in COMBINERS:
            raise ConfigError(f"skills_extractor combiner {combiner!r}: one of {COMBINERS}")
        base = cls()
        return cls(
            weights=weights or base.weights,
            min_confidence=float(cfg.get("min_confidence", base.min_confidence)),
            priority=tuple(tuple(tier) for tier in cfg.get("priority", base.priority)),
            max_text_chars=int(cfg.get("max_text_chars", base.max_text_chars)),
            section_relevance=relevance,
            skip_sections=skip,
            combiner=combiner,
            field_lines=bool(cfg.get("field_lines", base.field_lines)),
        )

    def relevance(self, section: str) -> float:
        """How much a span in this section counts: 0 in skipped sections, else its weight."""
        if section in self.skip_sections:
            return 0.0
        return self.section_relevance.get(section, 1.0)

    def confidence(self, strategies: set[str]) -> float:
        miss = 1.0
        for s in strategies:
            miss *= 1.0 - self.weights.get(s, 0.0)
        return 1.0 - miss


class BatchStrategy(Strategy, Protocol):
    def find_many(
        self, docs: Sequence[Doc], texts: Sequence[str], skip: Skip | None = None
    ) -> list[list[Candidate]]: ...


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def analysed_part(text: str, cap: int, back: int = 200) -> str:
    """The first `cap` characters of `text` that are analysed, cut at the last whitespace in the
    last `back` characters before the cap, so no word is cut in two ("SQL" read as "SQ"); the
    whole text when it is no longer than `cap`; a hard cut when that window holds no space."""
    if len(text) <= cap:
        return text
    for cut in range(cap, max(cap - back, 0), -1):  # text[cut] is the first character left out
        if text[cut].isspace():
            return text[:cut]
    return text[:cap]


@dataclass
class _Group:
    start: int
    end: int
    kind: str | None
    members: list[Candidate]
    section: str = OVERVIEW
    relevance: float = 1.0
    confidence: float = 0.0  # the combiner's, times relevance


@dataclass(frozen=True, slots=True)
class ScoredSpan:
    """One merged candidate span before the threshold (scripts/train_combiner.py): character
    offsets into the analysed text, the kind it would be reported as, its section relevance and
    the combiner's features."""

    start: int
    end: int
    kind: str
    relevance: float
    features: Mapping[str, float]


NO_LINK = Link(None, 0.0, NONE)


class SkillExtractor:
    """Tokenizes once, runs dictionary strategies per posting and batch strategies per batch."""

    def __init__(
        self,
        nlp: Language,
        taxonomy: Taxonomy,
        strategies: Sequence[Strategy],
        ambiguity: AmbiguityRules | None = None,
        params: EnsembleParams | None = None,
        linker: ConceptLinker | None = None,
        combiner: LearnedCombiner | None = None,
    ) -> None:
        self.nlp = nlp
        self.taxonomy = taxonomy
        self.linker = linker
        self.strategies = tuple(strategies)
        self.ambiguity = ambiguity or AmbiguityRules()
        self.params = params or EnsembleParams()
        if self.params.combiner == LEARNED and combiner is None:
            raise ConfigError("skills_extractor combiner 'learned' needs the fitted combiner")
        # None: the weights' noisy-OR decides; else this combiner scores every merged span
        self.combiner = combiner if self.params.combiner == LEARNED else None
        self.fitted_combiner = combiner  # kept for with_params even when the weights decide
        self._rank = {
            s: (tier, j)
            for tier, names in enumerate(self.params.priority)
            for j, s in enumerate(names)
        }

    def with_params(self, params: EnsembleParams) -> SkillExtractor:
        """The same strategies and linker (nothing reloaded) under other ensemble params."""
        return SkillExtractor(
            self.nlp, self.taxonomy, self.strategies, self.ambiguity, params, self.linker,
            self.fitted_combiner,
        )  # fmt: skip

    @property
    def strategy_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.strategies)

    def tokenize(self, texts: Sequence[str]) -> list[Doc]:
        return list(self.nlp.tokenizer.pipe(texts, batch_size=32))  # type: ignore[union-attr]

    def extract_many(self, items: Sequence[tuple[str, tuple[Section, ...]]]) -> list[Extraction]:
        cap = self.params.max_text_chars
        texts = [analysed_part(text, cap) for text, _ in items]
        docs = self.tokenize(texts)
        found = self.candidates(docs, texts, [sections for _, sections in items])
        groups = [
            self.kept_groups(doc, cands, sections, text)
            for doc, cands, (_, sections), text in zip(docs, found, items, texts, strict=True)
        ]
        links = self.link_groups(docs, groups)
        return [
            self.assemble(doc, sections, cands, gs, ls, truncated=len(text) > cap)
            for doc, (text, sections), cands, gs, ls in zip(
                docs, items, found, groups, links, strict=True
            )
        ]

    def kept_groups(
        self,
        doc: Doc,
        cands: Sequence[Candidate],
        sections: tuple[Section, ...],
        text: str | None = None,
    ) -> list[_Group]:
        """Merged spans whose confidence, weighted by their section's relevance, reaches
        min_confidence, or the learned combiner's threshold (a span in a skipped section never
        does). `text`: the doc's text (Doc.text rebuilds it)."""
        kept = []
        groups = self.all_groups(doc, cands, sections)
        if self.combiner is None:
            for g in groups:
                g.confidence = self.params.confidence({m.strategy for m in g.members}) * g.relevance
                if g.relevance > 0 and g.confidence >= self.params.min_confidence:
                    kept.append(g)
            return kept
        text = doc.text if text is None else text
        line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        for g in groups:
            if g.relevance <= 0:
                continue
            p = self.combiner.probability(self.features(doc, g, text, line_starts))
            g.confidence = p * g.relevance
            # a named technology in a naming section or a list line is reported whatever the
            # combiner says: SkillSpan, which it learned, leaves most bare tool names unmarked
            if g.confidence >= self.combiner.threshold or any(
                m.strategy == NAMED for m in g.members
            ):
                kept.append(g)
        return kept

    def all_groups(
        self, doc: Doc, cands: Sequence[Candidate], sections: tuple[Section, ...]
    ) -> list[_Group]:
        """Every merged (and split) span with its section and that section's relevance."""
        groups = [part for whole in self.merge(cands) for part in self.split(doc, whole)]
        for g in groups:
            g.section = section_at(sections, doc[g.start].idx) if len(doc) else OVERVIEW
            g.relevance = self.params.relevance(g.section)
        return groups

    def features(
        self, doc: Doc, g: _Group, text: str, line_starts: Sequence[int]
    ) -> dict[str, float]:
        """The learned combiner's features of a merged span (domain/skills/combiner.py)."""
        members = [
            Member(
                m.strategy,
                (m.start, m.end) == (g.start, g.end),
                m.skill_id,
                self.category(m.skill_id) if m.skill_id else None,
                m.detail == WEAK,
                m.needs_context,
            )
            for m in g.members
        ]
        best = self._link(g, doc)
        category = self.category(best.skill_id) if best and best.skill_id else None
        kind = g.kind or KIND_OF_CATEGORY.get(category or "", "KNOWLEDGE")
        a = doc[g.start].idx
        i = bisect_right(line_starts, a) - 1
        lo = line_starts[i]
        hi = line_starts[i + 1] - 1 if i + 1 < len(line_starts) else len(text)
        line = text[lo:hi]
        return span_features(
            members,
            kind,
            category,
            g.section,
            doc[g.start : g.end].text,
            g.end - g.start,
            line,
            line_start=not _BULLET_PREFIX.sub("", text[lo:a]).strip(),
        )

    def span_table(
        self, items: Sequence[tuple[str, tuple[Section, ...]]]
    ) -> list[list[ScoredSpan]]:
        """Every merged span of each (analysed text, sections) outside skipped sections, with
        the kind it would be reported as and its features, before any threshold: what the
        learned combiner is trained and its threshold chosen on."""
        texts = [analysed_part(text, self.params.max_text_chars) for text, _ in items]
        docs = self.tokenize(texts)
        found = self.candidates(docs, texts, [sections for _, sections in items])
        out: list[list[ScoredSpan]] = []
        for doc, cands, (_, sections), text in zip(docs, found, items, texts, strict=True):
            groups = [g for g in self.all_groups(doc, cands, sections) if g.relevance > 0]
            (links,) = self.link_groups([doc], [groups])
            line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
            row = []
            for g, link in zip(groups, links, strict=True):
                kind = (
                    KIND_OF_CATEGORY.get(self.category(link.skill_id), "KNOWLEDGE")
                    if link.skill_id and not link.skill_id.startswith("span:")
                    else g.kind or "KNOWLEDGE"
                )
                span = doc[g.start : g.end]
                feats = self.features(doc, g, text, line_starts)
                row.append(ScoredSpan(span.start_char, span.end_char, kind, g.relevance, feats))
            out.append(row)
        return out

    def link_groups(self, docs: Sequence[Doc], groups: Sequence[list[_Group]]) -> list[list[Link]]:
        """The concept of every kept span: a member's own taxonomy link (exact label or curated
        alias) first, its candidates that concept alone; else the concept linker, once for the
        whole batch, with each span's sentence (its line)."""
        out: list[list[Link]] = []
        todo: list[tuple[int, int, str, str | None, str]] = []
        for i, (doc, gs) in enumerate(zip(docs, groups, strict=True)):
            row: list[Link] = []
            text = doc.text
            for j, g in enumerate(gs):
                member = self._link(g, doc)
                if member is not None and member.skill_id is not None:
                    method = ALIAS_LINK if member.strategy == ALIAS else EXACT
                    own = Link(member.skill_id, 1.0, method)
                    # its candidates: that concept alone (no search)
                    row.append(self.linker.keep_top1(own, NO_LINK) if self.linker else own)
                    continue
                row.append(Link(None, 0.0, NONE))
                if self.linker is not None:
                    a, b = doc[g.start].idx, doc[g.end - 1].idx + len(doc[g.end - 1])
                    line = text[
                        text.rfind("\n", 0, a) + 1 : (text.find("\n", b) + 1 or len(text) + 1) - 1
                    ]
                    todo.append((i, j, doc[g.start : g.end].text, g.kind, line))
            out.append(row)
        if todo and self.linker is not None:
            linked = self.linker.link_many(
                [(text, kind) for _, _, text, kind, _ in todo], [t[4] for t in todo]
            )
            for (i, j, _, _, _), link in zip(todo, linked, strict=True):
                out[i][j] = link
        return out

    def candidates(
        self, docs: Sequence[Doc], texts: Sequence[str], sections: Sequence[tuple[Section, ...]]
    ) -> list[list[Candidate]]:
        """Every strategy's spans: per-posting strategies, then batch strategies (the model)."""
        per_doc: list[list[Candidate]] = [[] for _ in docs]
        batch: list[BatchStrategy] = []
        for strategy in self.strategies:
            if hasattr(strategy, "find_many"):
                batch.append(strategy)  # type: ignore[arg-type]
                continue
            for i, (doc, secs) in enumerate(zip(docs, sections, strict=True)):
                per_doc[i].extend(strategy.find(doc, secs))
        for i, (doc, secs) in enumerate(zip(docs, sections, strict=True)):
            cands = self.resolve_ambiguous(doc, per_doc[i])
            if self.params.weights.get(NAMED, 0.0) > 0 or self.combiner is not None:
                cands.extend(self.named(doc, cands, secs, texts[i]))
            per_doc[i] = cands
        skipped = self.params.skip_sections
        skip = [[(s.start, s.end) for s in secs if s.kind in skipped] for secs in sections]
        for strategy in batch:
            for i, cands in enumerate(strategy.find_many(docs, texts, skip)):
                per_doc[i].extend(cands)
        # "C" of "C#" (a name the tokenizer was not taught) is never a mention of its own
        return [
            with_symbol_modifiers(
                doc, [c for c in cands if not inside_symbol_name(doc, c.start, c.end)]
            )
            for doc, cands in zip(docs, per_doc, strict=True)
        ]

    def names_span(self, doc: Doc, skill_id: str, start: int, end: int) -> bool:
        """Whether the tokens [start, end) of `doc` are the name or an alias of the taxonomy
        concept `skill_id` (case and whitespace aside); never for a `span:` id."""
        if skill_id.startswith("span:"):
            return False
        skill = self.taxonomy.get(skill_id)
        text = normalized(doc[start:end].text)
        return text in {normalized(n) for n in (skill.name, *skill.aliases)}

    def category(self, skill_id: str) -> str:
        return self.taxonomy.get(skill_id).category

    def resolve_ambiguous(self, doc: Doc, cands: list[Candidate]) -> list[Candidate]:
        """Keep an ambiguous form only next to a cue word or another technical skill."""
        anchors = [
            c
            for c in cands
            if not c.needs_context and c.skill_id and self.category(c.skill_id) in _TECHNICAL
        ]
        w = self.ambiguity.window
        kept = []
        for c in cands:
            if c.needs_context:
                lo, hi = max(c.start - w, 0), min(c.end + w, len(doc))
                cue = any(t.lower_ in self.ambiguity.cues for t in doc[lo:hi])
                near = any(
                    (a.start, a.end) != (c.start, c.end) and a.start < hi and lo < a.end
                    for a in anchors
                )
                if not (cue or near):
                    kept.append(Candidate(c.start, c.end, "dropped", c.skill_id, detail=c.detail))
                    continue
            kept.append(c)
        return kept

    def is_named(self, doc: Doc, c: Candidate) -> bool:
        """A dictionary match that names a technology, tool or programming language: a curated
        alias, a technology/tool concept, or a knowledge concept named by a proper name
        ("Python" of Python (computer programming), "PostgreSQL", "SQL"), not a common word."""
        if not c.skill_id or c.detail == WEAK or c.strategy not in (TAXONOMY, ALIAS):
            return False
        if c.end - c.start > 3:
            return False
        surface = doc[c.start : c.end].text
        if c.strategy == ALIAS:
            return surface.lower() != surface or not surface.isalpha()
        skill = self.taxonomy.get(c.skill_id)
        if skill.category == "technology/tool":
            return surface.lower() != surface
        if skill.category != "knowledge":
            return False
        proper = (
            any(ch.isupper() or ch.isdigit() for ch in surface[1:])
            or not surface.replace(" ", "").isalnum()
        )
        return proper or "(computer programming)" in skill.name

    def named(
        self,
        doc: Doc,
        cands: Sequence[Candidate],
        sections: tuple[Section, ...],
        text: str | None = None,
    ) -> list[Candidate]:
        """A `named` candidate for every named technology in a requirements, responsibilities
        or preferred section, or on a line that lists LIST_NAMES or more of them."""
        found = [c for c in cands if self.is_named(doc, c)]
        if not found:
            return []
        text = doc.text if text is None else text  # Doc.text rebuilds the string: costly
        line_starts = [0, *(m.end() for m in re.finditer("\n", text))]

        def line(c: Candidate) -> int:
            return bisect_right(line_starts, doc[c.start].idx)

        per_line = Counter(line(c) for c in {(c.start, c.end): c for c in found}.values())
        keep = [
            section_at(sections, doc[c.start].idx) in NAMING_SECTIONS
            or per_line[line(c)] >= LIST_NAMES
            for c in found
        ]
        rest = {line(c): c.start for c, k in zip(found, keep, strict=True) if not k}
        if rest and self.params.field_lines:  # only lines no other rule keeps are read as fields
            fields = self.field_lines(doc, found, rest, line_starts)
            keep = [k or line(c) in fields for c, k in zip(found, keep, strict=True)]
        return [
            Candidate(c.start, c.end, NAMED, c.skill_id, "KNOWLEDGE", detail=c.detail)
            for c, k in zip(found, keep, strict=True)
            if k
        ]

    @staticmethod
    def field_lines(
        doc: Doc,
        found: Sequence[Candidate],
        lines: Mapping[int, int],
        line_starts: Sequence[int],
    ) -> set[int]:
        """Which of `lines` (line number, 1-based as bisect_right counts it -> a token on it) read
        "<label>: <names>" where every name is one of `found` (domain/skills/field_lines.py)."""
        inside = {i for c in found for i in range(c.start, c.end)}
        out = set()
        for n, token in lines.items():
            lo = line_starts[n - 1]
            hi = line_starts[n] if n < len(line_starts) else doc[-1].idx + len(doc[-1].text) + 1
            i = j = token
            while i > 0 and doc[i - 1].idx >= lo:
                i -= 1
            while j < len(doc) and doc[j].idx < hi:
                j += 1
            toks = [t for t in doc[i:j] if not t.is_space]
            if is_field_value([t.text for t in toks], [t.i in inside for t in toks], SEPARATORS):
                out.add(n)
        return out

    def split(self, doc: Doc, g: _Group) -> list[_Group]:
        """One group per named skill in a span that covers several. A coordination of names
        ("Java/Python/Go", "Python, SQL and Docker") becomes one group per name; a longer span
        around a named technology ("Build CI/CD pipelines", "Python-based services") keeps its
        group and the name gets its own. A name the taxonomy holds whole (CI/CD, SQL Server,
        Ruby on Rails) is one name: the longest match wins."""
        names = sorted(
            (m for m in g.members if m.strategy in _DICTIONARY and m.skill_id and m.detail != WEAK),
            key=lambda m: (-(m.end - m.start), m.start),
        )
        chosen: list[Candidate] = []
        for m in names:
            if not any(m.start < c.end and c.start < m.end for c in chosen):
                chosen.append(m)
        if not chosen or any((c.start, c.end) == (g.start, g.end) for c in chosen):
            return [g]
        covered = {i for c in chosen for i in range(c.start, c.end)}
        rest = [doc[i] for i in range(g.start, g.end) if i not in covered]
        coordination = len(chosen) >= 2 and all(
            t.lower_ in SEPARATORS or t.is_punct or t.is_space for t in rest
        )
        others = [m for m in g.members if m.strategy not in _DICTIONARY]

        def own(c: Candidate, extra: list[Candidate]) -> _Group:
            same = [m for m in g.members if (m.start, m.end) == (c.start, c.end)]
            kind = KIND_OF_CATEGORY.get(self.category(str(c.skill_id)), "KNOWLEDGE")
            return _Group(c.start, c.end, kind, same + extra)

        chosen.sort(key=lambda c: c.start)
        if coordination:
            return [own(c, others) for c in chosen]
        named = [c for c in chosen if any(
            m.strategy == NAMED and (m.start, m.end) == (c.start, c.end) for m in g.members
        )]  # fmt: skip
        if len(chosen) == 1 and g.kind in (None, own(chosen[0], []).kind):
            return [g]  # the span links to its one name itself ("SQL Server administration")
        return [g, *(own(c, []) for c in named)]

    def merge(self, cands: Sequence[Candidate]) -> list[_Group]:
        live = [c for c in cands if c.strategy != "dropped"]

        def rank(c: Candidate) -> tuple[int, int, int, int]:
            tier, j = self._rank.get(c.strategy, (99, 0))
            return (tier, -(c.end - c.start), j, c.start)

        order = sorted(live, key=rank)
        groups: list[_Group] = []
        owner: dict[int, int] = {}
        for c in order:
            hit = next((owner[i] for i in range(c.start, c.end) if i in owner), None)
            if hit is not None:
                groups[hit].members.append(c)
                continue
            for i in range(c.start, c.end):
                owner[i] = len(groups)
            groups.append(_Group(c.start, c.end, c.kind, [c]))
        return groups

    def _link(self, group: _Group, doc: Doc) -> Candidate | None:
        """The member whose taxonomy skill names a merged span: same boundaries first, then a
        concept whose preferred name the member's span is (not one listing it as an alternative
        label), then any member; never one whose kind contradicts the kind a typed strategy
        (model, context) gave it."""
        linked = [
            m
            for m in group.members
            if m.skill_id
            and m.detail != WEAK
            and (
                group.kind is None or KIND_OF_CATEGORY.get(self.category(m.skill_id)) == group.kind
            )
        ]

        def alternative(m: Candidate) -> bool:
            own = " ".join(doc[m.start : m.end].text.lower().split())
            return self.taxonomy.get(str(m.skill_id)).name.lower() != own

        linked.sort(key=lambda m: ((m.start, m.end) != (group.start, group.end), alternative(m), m.start))  # fmt: skip
        return linked[0] if linked else None

    def assemble(
        self,
        doc: Doc,
        sections: tuple[Section, ...],
        cands: Sequence[Candidate],
        groups: Sequence[_Group],
        links: Sequence[Link],
        truncated: bool,
    ) -> Extraction:
        by_skill: dict[str, list[tuple[Mention, set[str], Link, float]]] = defaultdict(list)
        names: dict[str, tuple[str, str]] = {}
        same: dict[str, list[tuple[_Group, Link]]] = defaultdict(list)
        for g, link in zip(groups, links, strict=True):
            sid = link.skill_id
            if sid is None:
                kind = g.kind or "KNOWLEDGE"
                text = normalized(doc[g.start : g.end].text)
                sid = f"span:{kind.lower()}:{text[:80]}"
                names[sid] = (text, CATEGORY_OF_KIND.get(kind, "knowledge"))
            same[sid].append((g, link))
        for sid, found in same.items():
            found.sort(key=lambda gl: gl[0].start)
            # neighbours with one skill ("Apache" + "Spark") are one mention (domain/skills/edges.py)
            spans = [(g.start, g.end) for g, _ in found]
            for run in neighbour_runs(doc, spans, partial(self.names_span, doc, sid)):
                parts = [found[k] for k in run]
                strategies = {m.strategy for g, _ in parts for m in g.members}
                span = doc[parts[0][0].start : parts[-1][0].end]
                mention = Mention(
                    start=span.start_char,
                    end=span.end_char,
                    text=span.text,
                    section=parts[0][0].section,
                    strategy="+".join(sorted(strategies)),
                )
                link = max((lk for _, lk in parts), key=lambda lk: lk.score)
                confidence = max(g.confidence for g, _ in parts)
                by_skill[sid].append((mention, strategies, link, confidence))
        skills = []
        for sid, mentions in by_skill.items():
            used = {s for _, ss, _, _ in mentions for s in ss}
            best = max((lk for _, _, lk, _ in mentions), key=lambda lk: lk.score)
            group = best.group
            if group is None and best.skill_id and self.linker and self.linker.hierarchy:
                group = self.linker.hierarchy.nearest(best.skill_id)
            top = max(mentions, key=lambda m: m[3])
            name, category = names.get(sid) or (
                self.taxonomy.get(sid).name,
                self.category(sid),
            )
            skills.append(
                ExtractedSkill(
                    skill_id=sid,
                    name=name,
                    category=category,
                    confidence=round(top[3], 4),
                    source_strategies=tuple(sorted(used)),
                    mentions=tuple(sorted((m for m, _, _, _ in mentions), key=lambda m: m.start)),
                    link_score=best.score,
                    link_method=best.method,
                    section=top[0].section,
                    section_relevance=self.params.relevance(top[0].section),
                    candidates=best.candidates,
                    link_level=best.level,
                    group_id=None if group is None else group.code,
                    group_name=None if group is None else group.name,
                )
            )
        skills.sort(key=lambda s: s.mentions[0].start)
        return Extraction(tuple(skills), truncated, self.statistics(cands))

    @staticmethod
    def statistics(cands: Sequence[Candidate]) -> dict[str, Any]:
        """Per-posting counts: candidates per strategy and how aliases were resolved."""
        per_strategy = Counter(c.strategy for c in cands if c.strategy != "dropped")
        ambiguous = [c for c in cands if c.needs_context or c.strategy == "dropped"]
        return {
            "candidates": dict(sorted(per_strategy.items())),
            "alias_resolution": {
                "alias_matches": sum(1 for c in cands if c.strategy == ALIAS),
                "ambiguous_kept": sum(1 for c in ambiguous if c.strategy == ALIAS),
                "ambiguous_dropped": sum(1 for c in ambiguous if c.strategy == "dropped"),
                "forms": dict(
                    sorted(
                        Counter(
                            f"{c.detail}:{'kept' if c.strategy == ALIAS else 'dropped'}"
                            for c in ambiguous
                        ).items()
                    )
                ),
            },
        }


# A name with a symbol that qualifies the words after it (A/B testing, UI/UX design, R&D
# projects, TCP/IP networking): capitals or digits around "/" or "&", one token (symbol_names)
_MODIFIER = re.compile(r"^(?=.*[A-Z])[A-Za-z0-9]{1,6}(?:[/&][A-Za-z0-9]{1,6})+$")


def with_symbol_modifiers(doc: Doc, cands: list[Candidate]) -> list[Candidate]:
    """A span a model or a cue found that starts right after a symbol modifier (one space
    between, same line) no dictionary match names takes it in: the tagger tags "A/B testing"
    as "testing", which is not the skill. Returns the candidates, those extended replaced."""
    named = {i for c in cands if c.strategy in _DICTIONARY for i in range(c.start, c.end)}
    out = []
    for c in cands:
        k = c.start - 1
        if (
            c.strategy not in _DICTIONARY
            and c.strategy != "dropped"
            and k >= 0
            and k not in named
            and doc[k].whitespace_ == " "
            and _MODIFIER.match(doc[k].text)
        ):
            c = Candidate(k, c.end, c.strategy, None, c.kind, c.needs_context, c.detail)
        out.append(c)
    return out


def symbol_names(
    nlp: Language,
    taxonomy: Taxonomy,
    aliases: Sequence[Alias],
    ambiguity: AmbiguityRules,
    extra: Sequence[str] = (),
) -> int:
    """Teach `nlp`'s tokenizer the taxonomy's and aliases' names with symbols (C#, .NET,
    CI/CD, A/B, PL/SQL, Objective-C) before any strategy tokenizes its patterns; `extra`: names
    no concept holds (F#, TCP/IP: skill_aliases.yaml `symbol_names`). Returns how many special
    cases it added."""
    labels = [lab for skill in taxonomy for lab in (skill.name, *skill.aliases)]
    labels += [a.alias for a in (*aliases, *ambiguity.forms)]
    labels += list(extra)
    # spaCy's URL rule takes "Node.js/TypeScript" for one address; only a scheme or www. is one
    nlp.tokenizer.url_match = _URL.match  # type: ignore[union-attr]
    split_symbol_lists(nlp.tokenizer)
    return add_symbol_words(nlp.tokenizer, symbol_words(labels, nlp.tokenizer))


_BULLET_PREFIX = re.compile(r"^\s*(?:[-*•●▪◦·–+>]|\d{1,2}[.)])\s*")
_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+", re.IGNORECASE)


def dictionary_extractor(
    taxonomy: Taxonomy,
    aliases: Sequence[Alias],
    ambiguity: AmbiguityRules | None = None,
    params: EnsembleParams | None = None,
) -> SkillExtractor:
    """Taxonomy + alias strategies only, on a blank English tokenizer (no trained model)."""
    nlp = spacy.blank("en")
    ambiguity = ambiguity or AmbiguityRules()
    symbol_names(nlp, taxonomy, aliases, ambiguity)
    strategies: list[Strategy] = [
        TaxonomyStrategy(nlp.vocab, nlp.tokenizer, taxonomy, ambiguity.lowered),
        AliasStrategy(nlp.vocab, nlp.tokenizer, aliases, ambiguity),
    ]
    return SkillExtractor(nlp, taxonomy, strategies, ambiguity, params)
