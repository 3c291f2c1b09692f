"""Taxonomy + alias phrase matching with spaCy's PhraseMatcher over a blank English tokenizer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, cast

import spacy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from domain.models import ExtractedSkill, Mention, Section
from domain.sections.header_rules import section_at
from domain.skills.taxonomy import Alias, AmbiguityRules, Taxonomy

TAXONOMY = "taxonomy"
ALIAS = "alias"
AMBIGUOUS = "ambiguous"  # an alias that needs a technical context, checked after matching
# When two strategies find the same span length, the curated alias wins.
_PRIORITY = {ALIAS: 0, AMBIGUOUS: 0, TAXONOMY: 1}
_TECHNICAL = frozenset({"technology/tool", "knowledge"})


class _Tokenizer(Protocol):
    def pipe(self, texts: Iterable[str], batch_size: int = ...) -> Iterator[Doc]: ...


@dataclass(frozen=True, slots=True)
class MatcherParams:
    confidence_taxonomy: float = 0.6
    confidence_alias: float = 0.8
    max_text_chars: int = 100_000

    def weight(self, strategy: str) -> float:
        return self.confidence_taxonomy if strategy == TAXONOMY else self.confidence_alias


@dataclass(frozen=True, slots=True)
class Extraction:
    skills: tuple[ExtractedSkill, ...]
    truncated: bool


def _usable(label: str) -> bool:
    # One-token stop words ("it", "more") and bare numbers are labels in ESCO/O*NET that would
    # fire on ordinary prose.
    return len(label) >= 2 and label not in STOP_WORDS and not label.replace(".", "").isdigit()


class TaxonomyPhraseMatcher:
    """Finds every taxonomy label and curated alias; keeps the longest non-overlapping spans."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        aliases: Sequence[Alias],
        params: MatcherParams | None = None,
        ambiguity: AmbiguityRules | None = None,
    ) -> None:
        self.params = params or MatcherParams()
        self.taxonomy = taxonomy
        self.ambiguity = ambiguity or AmbiguityRules()
        ambiguous_lower = self.ambiguity.lowered
        self.nlp = spacy.blank("en")
        self.tokenizer = cast(_Tokenizer, self.nlp.tokenizer)
        self._matchers: dict[str, PhraseMatcher] = {}
        labels: dict[str, set[str]] = defaultdict(set)
        for skill in taxonomy:
            for label in (skill.name.lower(), *skill.aliases):
                if _usable(label) and label not in ambiguous_lower:
                    labels[skill.skill_id].add(label)
        self._add(TAXONOMY, "LOWER", labels)
        lower: dict[str, set[str]] = defaultdict(set)
        cased: dict[str, set[str]] = defaultdict(set)
        for a in aliases:
            (cased if a.case_sensitive else lower)[a.skill_id].add(a.alias)
        self._add(ALIAS, "LOWER", lower)
        self._add(ALIAS + "_cased", "ORTH", cased)
        forms: dict[str, set[str]] = defaultdict(set)
        for a in self.ambiguity.forms:
            forms[a.skill_id].add(a.alias)
        self._add(AMBIGUOUS, "ORTH", forms)

    def _add(self, key: str, attr: str, labels: dict[str, set[str]]) -> None:
        matcher = PhraseMatcher(self.nlp.vocab, attr=attr)
        flat = [(sid, lab) for sid, labs in sorted(labels.items()) for lab in sorted(labs)]
        docs = self.tokenizer.pipe((lab for _, lab in flat), batch_size=2000)
        grouped: dict[str, list[Doc]] = defaultdict(list)
        for (sid, _), doc in zip(flat, docs, strict=True):
            grouped[sid].append(doc)
        for sid, pattern_docs in grouped.items():
            matcher.add(sid, pattern_docs)
        self._matchers[key] = matcher

    def extract_many(self, items: Sequence[tuple[str, tuple[Section, ...]]]) -> list[Extraction]:
        cap = self.params.max_text_chars
        texts = [text[:cap] for text, _ in items]
        docs = self.tokenizer.pipe(texts, batch_size=32)
        return [
            self._extract(doc, sections, truncated=len(text) > cap)
            for doc, (text, sections) in zip(docs, items, strict=True)
        ]

    def _extract(self, doc: Doc, sections: tuple[Section, ...], truncated: bool) -> Extraction:
        # (start_token, end_token) -> skill_id -> strategies
        found: dict[tuple[int, int], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        strings = self.nlp.vocab.strings
        for key, matcher in self._matchers.items():
            strategy = key.removesuffix("_cased")
            for match_id, start, end in matcher(doc):
                found[(start, end)][strings[match_id]].add(strategy)
        self._resolve_ambiguous(doc, found)

        def rank(span: tuple[int, int]) -> tuple[int, int, int]:
            best = min(_PRIORITY[s] for strategies in found[span].values() for s in strategies)
            return (-(span[1] - span[0]), best, span[0])

        taken = [False] * len(doc)
        by_skill: dict[str, list[tuple[Mention, set[str]]]] = defaultdict(list)
        for start, end in sorted(found, key=rank):
            if any(taken[start:end]):
                continue
            taken[start:end] = [True] * (end - start)
            span = doc[start:end]
            for sid, strategies in found[(start, end)].items():
                mention = Mention(
                    start=span.start_char,
                    end=span.end_char,
                    text=span.text,
                    section=section_at(sections, span.start_char),
                    strategy="+".join(sorted(strategies)),
                )
                by_skill[sid].append((mention, strategies))

        skills = []
        for sid, mentions in by_skill.items():
            used = sorted({s for _, ss in mentions for s in ss})
            miss = 1.0
            for s in used:
                miss *= 1.0 - self.params.weight(s)
            skill = self.taxonomy.get(sid)
            skills.append(
                ExtractedSkill(
                    skill_id=sid,
                    name=skill.name,
                    category=skill.category,
                    confidence=1.0 - miss,
                    source_strategies=tuple(used),
                    mentions=tuple(sorted((m for m, _ in mentions), key=lambda m: m.start)),
                )
            )
        skills.sort(key=lambda s: s.mentions[0].start)
        return Extraction(tuple(skills), truncated)

    def _resolve_ambiguous(
        self, doc: Doc, found: dict[tuple[int, int], dict[str, set[str]]]
    ) -> None:
        """Keep an ambiguous match only next to a cue word or another technical skill."""
        anchors = [
            span
            for span, by_skill in found.items()
            if any(
                AMBIGUOUS not in st and self.taxonomy.get(sid).category in _TECHNICAL
                for sid, st in by_skill.items()
            )
        ]
        w = self.ambiguity.window
        for span in [s for s, by in found.items() if any(AMBIGUOUS in st for st in by.values())]:
            lo, hi = max(span[0] - w, 0), min(span[1] + w, len(doc))
            cue = any(t.lower_ in self.ambiguity.cues for t in doc[lo:hi])
            near = any(a != span and a[0] < hi and lo < a[1] for a in anchors)
            if cue or near:
                continue
            by_skill = found[span]
            for sid in list(by_skill):
                by_skill[sid].discard(AMBIGUOUS)
                if not by_skill[sid]:
                    del by_skill[sid]
            if not by_skill:
                del found[span]
