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
from collections import defaultdict
from collections.abc import Sequence
from functools import partial

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from domain.errors import ConfigError
from domain.models import KIND_OF_CATEGORY, ExtractedSkill, Mention, Section
from domain.sections.header_rules import OVERVIEW, section_at
from domain.skills.combiner import LearnedCombiner, Member, span_features
from domain.skills.edges import neighbour_runs

# moved to ensemble_types / span_rules / symbol_spans (split12), re-exported by their `as`
from domain.skills.ensemble_types import CATEGORY_OF_KIND as CATEGORY_OF_KIND
from domain.skills.ensemble_types import COMBINERS as COMBINERS
from domain.skills.ensemble_types import DEFAULT_PRIORITY as DEFAULT_PRIORITY
from domain.skills.ensemble_types import LEARNED as LEARNED
from domain.skills.ensemble_types import LIST_NAMES as LIST_NAMES
from domain.skills.ensemble_types import NAMED as NAMED
from domain.skills.ensemble_types import NAMING_SECTIONS as NAMING_SECTIONS
from domain.skills.ensemble_types import NOISY_OR as NOISY_OR
from domain.skills.ensemble_types import SEPARATORS as SEPARATORS
from domain.skills.ensemble_types import BatchStrategy as BatchStrategy
from domain.skills.ensemble_types import EnsembleParams as EnsembleParams
from domain.skills.ensemble_types import Extraction as Extraction
from domain.skills.ensemble_types import ScoredSpan as ScoredSpan
from domain.skills.ensemble_types import _Group as _Group
from domain.skills.ensemble_types import analysed_part as analysed_part
from domain.skills.ensemble_types import normalized as normalized
from domain.skills.linking import ALIAS_LINK, EXACT, NONE, ConceptLinker, Link
from domain.skills.names import inside_symbol_name
from domain.skills.span_rules import SpanRules as SpanRules
from domain.skills.strategies import (
    ALIAS,
    WEAK,
    AliasStrategy,
    Candidate,
    Strategy,
    TaxonomyStrategy,
)
from domain.skills.symbol_spans import symbol_names as symbol_names
from domain.skills.symbol_spans import with_symbol_modifiers as with_symbol_modifiers
from domain.skills.taxonomy import Alias, AmbiguityRules, Taxonomy

NO_LINK = Link(None, 0.0, NONE)


class SkillExtractor(SpanRules):
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


_BULLET_PREFIX = re.compile(r"^\s*(?:[-*•●▪◦·–+>]|\d{1,2}[.)])\s*")


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
