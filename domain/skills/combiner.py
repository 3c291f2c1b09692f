"""The learned combiner: is a merged candidate span a skill mention? A logistic regression over
the span's features, in place of the fixed noisy-OR strategy weights.

Features of one merged span (`span_features`, every value a float, absent = 0):
- which strategies found it: `model` (the span model of the profile: transformer or spaCy),
  `context`, `alias`, `taxonomy`, `taxonomy_weak` (a one-word alternative label only),
  `named` (the named-technology rule fired), their count `n_strategies`, and the pairs
  `model_and_dictionary`, `model_and_context`, `dictionary_only`; whether the model's span and a
  dictionary match have the group's exact boundaries (`model_exact`, `dictionary_exact`);
- the label's ambiguity: `log_concepts` (log(1 + distinct concepts the dictionary members name),
  `several_kinds` (they name both a skill and a knowledge/technology concept),
  `ambiguous_form` (an ambiguous alias such as Go or R kept by its context), `lowercase`
  (written all in lower case: a common word more often than a name);
- its kind: `kind_skill` (SKILL rather than KNOWLEDGE) and the linked concept's category
  (`cat_technology`, `cat_knowledge`, `cat_skill`, `cat_language`, `cat_none`);
- the section it sits in: `section_<label>` for each section label;
- the line's shape: `line_bullet` (starts with a bullet or a number), `line_list` (two or more
  commas, slashes or bullets between short items), `line_sentence` (ends with . ! or ? and has
  8+ words), `line_header` (ends with a colon), `log_line_words`, `line_start` (the span opens
  the line, after its bullet);
- the span: `n_tokens_1`, `n_tokens_2`, `n_tokens_3`, `n_tokens_4plus`, `proper` (a capital or
  digit after its first character, or a symbol: "PostgreSQL", "C#", "AWS").

`LearnedCombiner.probability` standardizes them with the fitted mean and scale and returns the
logistic of the linear score, in [0, 1]. Fitted by scripts/train_combiner.py on SkillSpan train
(threshold and C chosen on dev); the artifact is config/models/skill_combiner/combiner.json.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.errors import ConfigError
from domain.sections.blocks import LABELS

MODEL_STRATEGIES = frozenset({"transformer", "span_model"})
DICTIONARY_STRATEGIES = frozenset({"taxonomy", "alias", "named"})
_CATEGORY_FEATURE = {
    "technology/tool": "cat_technology",
    "knowledge": "cat_knowledge",
    "skill/competence": "cat_skill",
    "transversal": "cat_skill",
    "language": "cat_language",
}
_BULLET = re.compile(r"^\s*(?:[-*•●▪◦·–+>]|\d{1,2}[.)]|[a-z][.)])\s")
_LIST_SEP = re.compile(r",|/|•|●|▪|·|\|| - ")
_SENTENCE_END = re.compile(r"[.!?]\s*$")

FEATURES: tuple[str, ...] = (
    "model", "context", "alias", "taxonomy", "taxonomy_weak", "named", "n_strategies",
    "model_and_dictionary", "model_and_context", "dictionary_only", "model_exact",
    "dictionary_exact", "log_concepts", "several_kinds", "ambiguous_form", "lowercase",
    "kind_skill", "cat_technology", "cat_knowledge", "cat_skill", "cat_language", "cat_none",
    *(f"section_{label}" for label in LABELS),
    "line_bullet", "line_list", "line_sentence", "line_header", "log_line_words", "line_start",
    "n_tokens_1", "n_tokens_2", "n_tokens_3", "n_tokens_4plus", "proper",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Member:
    """What the features need of one strategy's candidate inside a merged span."""

    strategy: str
    exact: bool  # same token boundaries as the merged span
    skill_id: str | None
    category: str | None  # the linked concept's category
    weak: bool
    ambiguous: bool  # an ambiguous alias form kept by its context


def span_features(
    members: Sequence[Member],
    kind: str,
    category: str | None,
    section: str,
    surface: str,
    n_tokens: int,
    line: str,
    line_start: bool,
) -> dict[str, float]:
    """The features of one merged span (names in FEATURES; see the module docstring).

    `kind`: SKILL or KNOWLEDGE as it would be reported; `category`: the concept it links to
    (None when unlinked); `surface`: the span's text; `line`: the whole line it sits on;
    `line_start`: nothing but a bullet or spaces before it on the line."""
    strategies = {m.strategy for m in members}
    model = bool(strategies & MODEL_STRATEGIES)
    dictionary = bool(strategies & DICTIONARY_STRATEGIES)
    strong_tax = any(m.strategy == "taxonomy" and not m.weak for m in members)
    weak_tax = any(m.strategy == "taxonomy" and m.weak for m in members)
    exact_named = [m for m in members if m.exact and m.skill_id and not m.weak]
    concepts = {m.skill_id for m in exact_named if m.strategy in ("taxonomy", "alias")}
    kinds = {"SKILL" if m.category in ("skill/competence", "transversal") else "K"
             for m in exact_named}  # fmt: skip
    words = len(line.split())
    seps = len(_LIST_SEP.findall(line))
    out = {
        "model": float(model),
        "context": float("context" in strategies),
        "alias": float("alias" in strategies),
        "taxonomy": float(strong_tax),
        "taxonomy_weak": float(weak_tax and not strong_tax),
        "named": float("named" in strategies),
        "n_strategies": float(len(strategies)),
        "model_and_dictionary": float(model and dictionary),
        "model_and_context": float(model and "context" in strategies),
        "dictionary_only": float(dictionary and not model and "context" not in strategies),
        "model_exact": float(any(m.exact and m.strategy in MODEL_STRATEGIES for m in members)),
        "dictionary_exact": float(bool(exact_named)),
        "log_concepts": math.log1p(len(concepts)),
        "several_kinds": float(len(kinds) > 1),
        "ambiguous_form": float(any(m.ambiguous for m in members)),
        "lowercase": float(surface == surface.lower()),
        "kind_skill": float(kind == "SKILL"),
        _CATEGORY_FEATURE.get(category or "", "cat_none"): 1.0,
        f"section_{section}": 1.0,
        "line_bullet": float(bool(_BULLET.match(line))),
        "line_list": float(seps >= 2 and words <= 4 * (seps + 1)),
        "line_sentence": float(bool(_SENTENCE_END.search(line)) and words >= 8),
        "line_header": float(line.rstrip().endswith(":")),
        "log_line_words": math.log1p(words),
        "line_start": float(line_start),
        "n_tokens_1": float(n_tokens == 1),
        "n_tokens_2": float(n_tokens == 2),
        "n_tokens_3": float(n_tokens == 3),
        "n_tokens_4plus": float(n_tokens >= 4),
        "proper": float(
            any(c.isupper() or c.isdigit() for c in surface[1:])
            or any(not (c.isalnum() or c.isspace() or c in "-'") for c in surface)
        ),
    }
    return out


@dataclass(frozen=True, slots=True)
class LearnedCombiner:
    """P(span is a skill mention of its kind) = logistic(intercept + sum coef * (x - mean) / scale).

    `threshold`: a span is reported when probability x section relevance reaches it."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    intercept: float
    threshold: float

    def __post_init__(self) -> None:
        n = len(self.features)
        if not n or any(len(v) != n for v in (self.coef, self.mean, self.scale)):
            raise ConfigError("combiner: features, coef, mean and scale must have one length")
        if unknown := sorted(set(self.features) - set(FEATURES)):
            raise ConfigError(f"combiner: unknown features {unknown}")
        if any(s <= 0 or not math.isfinite(s) for s in self.scale):
            raise ConfigError("combiner: every scale must be a positive number")
        if not 0.0 <= self.threshold <= 1.0:
            raise ConfigError("combiner: threshold must lie in [0, 1]")

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> LearnedCombiner:
        """From the artifact's JSON object; ConfigError when a field is missing or malformed."""
        try:
            return cls(
                features=tuple(str(f) for f in _seq(raw["features"])),
                coef=tuple(float(v) for v in _seq(raw["coef"])),
                mean=tuple(float(v) for v in _seq(raw["mean"])),
                scale=tuple(float(v) for v in _seq(raw["scale"])),
                intercept=float(raw["intercept"]),
                threshold=float(raw["threshold"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"combiner: malformed parameters: {exc!r}") from exc

    def probability(self, x: Mapping[str, float]) -> float:
        z = self.intercept
        for name, c, m, s in zip(self.features, self.coef, self.mean, self.scale, strict=True):
            z += c * (x.get(name, 0.0) - m) / s
        return 1.0 / (1.0 + math.exp(-z)) if z > -50 else 0.0


def _seq(value: Any) -> Iterable[Any]:
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value
