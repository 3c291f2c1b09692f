"""The skill extractor's vocabulary: strategy tiers and constants, its params (EnsembleParams,
from config/model_versions.yaml; ConfigError when malformed), what it returns (Extraction)
and the merged-span types it works with. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from spacy.tokens import Doc

from domain.errors import ConfigError
from domain.models import ExtractedSkill
from domain.sections.blocks import LABELS
from domain.sections.header_rules import OVERVIEW
from domain.skills.span_model import Skip
from domain.skills.strategies import (
    ALIAS,
    CONTEXT,
    SKILL,
    SPAN_MODEL,
    TAXONOMY,
    TRANSFORMER,
    Candidate,
    Strategy,
)

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
