"""Extraction strategies: each finds candidate spans in a tokenized posting and names itself.

A strategy never decides the final answer. It reports `Candidate`s (token spans, optionally linked
to a taxonomy skill, optionally typed SKILL/KNOWLEDGE); the ensemble merges them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from domain.errors import ConfigError
from domain.models import Section
from domain.skills.taxonomy import Alias, AmbiguityRules, Taxonomy, is_weak_label

TAXONOMY = "taxonomy"
ALIAS = "alias"
CONTEXT = "context"
SPAN_MODEL = "span_model"
TRANSFORMER = "transformer"
SKILL, KNOWLEDGE = "SKILL", "KNOWLEDGE"
WEAK = "weak"  # Candidate.detail of a match on a weak one-word label: counts, never links


@dataclass(frozen=True, slots=True)
class Candidate:
    start: int  # token offsets into the posting's Doc, end exclusive
    end: int
    strategy: str
    skill_id: str | None = None  # linked taxonomy skill, when the strategy knows it
    kind: str | None = None  # SKILL / KNOWLEDGE, when the strategy knows it
    needs_context: bool = False  # an ambiguous form (Go, R, Access): kept only in context
    detail: str = ""  # e.g. the alias form; for statistics, never logged with text


class Strategy(Protocol):
    name: str

    def find(self, doc: Doc, sections: tuple[Section, ...]) -> list[Candidate]: ...


def usable_label(label: str) -> bool:
    # One-token stop words ("it", "more") and bare numbers are labels in ESCO/O*NET that would
    # fire on ordinary prose.
    return len(label) >= 2 and label not in STOP_WORDS and not label.replace(".", "").isdigit()


def _phrase_matcher(
    vocab: Vocab, attr: str, labels: Mapping[str, Iterable[str]], tokenizer: Any
) -> PhraseMatcher:
    matcher = PhraseMatcher(vocab, attr=attr)
    flat = [(sid, lab) for sid, labs in sorted(labels.items()) for lab in sorted(set(labs))]
    grouped: dict[str, list[Doc]] = defaultdict(list)
    docs = tokenizer.pipe((lab for _, lab in flat), batch_size=2000)
    for (sid, _), doc in zip(flat, docs, strict=True):
        grouped[sid].append(doc)
    for sid, pattern_docs in grouped.items():
        matcher.add(sid, pattern_docs)
    return matcher


class TaxonomyStrategy:
    """Every preferred and alternative label of the compiled taxonomy, case-insensitive."""

    name = TAXONOMY

    def __init__(self, vocab: Vocab, tokenizer: Any, taxonomy: Taxonomy, skip: frozenset[str]):
        strong: dict[str, set[str]] = defaultdict(set)
        weak: dict[str, set[str]] = defaultdict(set)
        for skill in taxonomy:
            for label in (skill.name.lower(), *skill.aliases):
                if usable_label(label) and label not in skip:
                    (weak if is_weak_label(skill, label) else strong)[skill.skill_id].add(label)
        self._matchers = (
            ("", _phrase_matcher(vocab, "LOWER", strong, tokenizer)),
            (WEAK, _phrase_matcher(vocab, "LOWER", weak, tokenizer)),
        )
        self._strings = vocab.strings

    def find(self, doc: Doc, sections: tuple[Section, ...]) -> list[Candidate]:
        return [
            Candidate(s, e, TAXONOMY, self._strings[mid], detail=detail)
            for detail, matcher in self._matchers
            for mid, s, e in matcher(doc)
        ]


class AliasStrategy:
    """Curated aliases (k8s, JS, Postgres, ...) and ambiguous forms (Go, R, Access, ...).

    Ambiguous forms match their exact case only and come back with `needs_context`: the ensemble
    keeps them next to a cue word or another technical skill, never on a bare match.
    """

    name = ALIAS

    def __init__(
        self, vocab: Vocab, tokenizer: Any, aliases: Sequence[Alias], ambiguity: AmbiguityRules
    ):
        lower: dict[str, set[str]] = defaultdict(set)
        cased: dict[str, set[str]] = defaultdict(set)
        for a in aliases:
            (cased if a.case_sensitive else lower)[a.skill_id].add(a.alias)
        forms: dict[str, set[str]] = defaultdict(set)
        for a in ambiguity.forms:
            forms[a.skill_id].add(a.alias)
        self._matchers = (
            (False, _phrase_matcher(vocab, "LOWER", lower, tokenizer)),
            (False, _phrase_matcher(vocab, "ORTH", cased, tokenizer)),
            (True, _phrase_matcher(vocab, "ORTH", forms, tokenizer)),
        )
        self._strings = vocab.strings

    def find(self, doc: Doc, sections: tuple[Section, ...]) -> list[Candidate]:
        out = []
        for ambiguous, matcher in self._matchers:
            for mid, s, e in matcher(doc):
                form = doc[s:e].text if ambiguous else doc[s:e].text.lower()
                out.append(Candidate(s, e, ALIAS, self._strings[mid], None, ambiguous, form))
        return out


# "experience with X", "knowledge of X", "ability to X": the trigger is not part of the span.
_DEFAULT_TRIGGERS: dict[str, list[str]] = {
    KNOWLEDGE: [
        "experience with", "experience in", "knowledge of", "proficient in", "proficient with",
        "proficiency in", "familiarity with", "familiar with", "expertise in", "skilled in",
        "understanding of", "background in", "fluent in", "hands-on experience with",
    ],
    SKILL: ["ability to", "able to", "you will", "responsible for", "capable of"],
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ContextParams:
    max_tokens: int = 6  # longest span taken after a trigger
    triggers: Mapping[str, Sequence[str]] | None = None

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> ContextParams:
        triggers = cfg.get("triggers")
        if triggers is not None and not (
            isinstance(triggers, Mapping) and set(triggers) <= {SKILL, KNOWLEDGE}
        ):
            raise ConfigError("context triggers must map SKILL/KNOWLEDGE to phrase lists")
        return cls(int(cfg.get("max_tokens", 6)), triggers)


_STOP_AT = frozenset({",", ".", ";", ":", "(", ")", "!", "?", "/", "•", "and", "or", "as", "etc"})


class ContextPatternStrategy:
    """A phrase right after a cue ("experience with", "ability to"), typed by the cue.

    The span runs from the token after the trigger up to the first clause boundary (punctuation,
    a coordinating word, a line break) or `max_tokens`, and never ends on a stop word.
    """

    name = CONTEXT

    def __init__(self, vocab: Vocab, tokenizer: Any, params: ContextParams | None = None) -> None:
        self.params = params or ContextParams()
        triggers = self.params.triggers or _DEFAULT_TRIGGERS
        # A PhraseMatcher over LOWER: a token-pattern Matcher costs 5x more on long postings.
        self._matcher = _phrase_matcher(vocab, "LOWER", triggers, tokenizer)
        self._strings = vocab.strings

    def find(self, doc: Doc, sections: tuple[Section, ...]) -> list[Candidate]:
        out = []
        for mid, _, trigger_end in self._matcher(doc):
            start = trigger_end
            end = start
            while end < len(doc) and end - start < self.params.max_tokens:
                t = doc[end]
                if t.is_space or "\n" in t.text or t.lower_ in _STOP_AT or t.is_punct:
                    break
                end += 1
            while end > start and (doc[end - 1].is_stop or doc[end - 1].is_punct):
                end -= 1
            while start < end and doc[start].is_stop:
                start += 1
            if end > start:
                out.append(Candidate(start, end, CONTEXT, None, self._strings[mid]))
        return out
