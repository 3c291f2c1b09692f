"""Posting language with lingua (lingua-language-detector: offline, models inside the wheel).

The `language_detector` component of config/model_versions.yaml (params: `LanguageParams`).
Low-accuracy mode (trigram models only) over a fixed set of languages: the five the extractor
has headers and experience phrases for (en fr de es nl) and the ones job boards send most
besides, so an unsupported language is detected as itself, not forced into a supported one.
Each posting is judged on its first `max_chars` characters of analysed text (markup gone).

v1 (rule "lingua", enrichment up to 2026.12.6): lingua's top language at >= min_confidence;
`mul` when a second language holds `mixed_share` of the lines lingua reads alone. v2 (rule
"function_words", 2026.12.7): function words per language decide, lingua breaks ties
(domain/text/function_words.py), and `mul` needs `mixed_min_lines` lines of a second language.
Measured on the 198 samples: ~1.5 ms per posting, +~31 MiB RSS (v1, bench in the report of #23);
v1 / v2 on config/eval/language_postings.jsonl: bench/language.py, docs/pipeline.md.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from lingua import ConfidenceValue, Language, LanguageDetector, LanguageDetectorBuilder

from domain.errors import ConfigError
from domain.text.function_words import (
    FUNCTION_WORDS,
    Choice,
    choose_language,
    function_word_counts,
)

LANGUAGES = (
    Language.ENGLISH, Language.FRENCH, Language.GERMAN, Language.SPANISH, Language.DUTCH,
    Language.ITALIAN, Language.PORTUGUESE, Language.POLISH, Language.SWEDISH, Language.DANISH,
    Language.BOKMAL, Language.CZECH, Language.RUSSIAN, Language.TURKISH, Language.CHINESE,
    Language.JAPANESE, Language.ARABIC,
)  # fmt: skip
MIXED, UNDETERMINED = "mul", "und"
RULES = ("lingua", "function_words")
_LETTERS = re.compile(r"[^\W\d_]{2,}")
_WORDS = re.compile(r"[^\W\d_]+")  # v2 function words: "a", "e", "y", "à" count
_ALL_FUNCTION_WORDS = frozenset().union(*FUNCTION_WORDS.values())


def telling_words(words: list[str], function_words: bool = False) -> int:
    """Words of 3 letters or more written in lower case, or in a script without case (Arabic,
    CJK): what tells a language ("years", "and", "und", "avec", "опыт"). A line of names
    ("Java/Python/Go, AWS/GCP/Azure", "React, TypeScript, Node.js") has at most one, and lingua
    read such lines as fr / nl. `function_words` (v2): a lower-case function word of 2 letters
    counts too ("en", "de", "of": "Grado en Ingeniería Informática o similar.")."""
    return sum(
        (len(w) >= 3 or (function_words and w in _ALL_FUNCTION_WORDS))
        and (w.islower() or w.lower() == w.upper())
        for w in words
    )


@dataclass(frozen=True)
class LanguageParams:
    """`components.language_detector.params` of model_versions.yaml; the defaults are v1's.

    max_chars: characters of the analysed text judged; min_words / min_telling_words: fewer
    words of 2+ letters / telling words give "und"; min_confidence: lingua's confidence (0..1)
    a language needs (v2: one without a function-word list); mixed_share: share of the judged
    lines a second language needs for "mul"; accuracy: "low" (trigrams, ~31 MiB) or "high"
    (1- to 5-grams, ~+430 MiB per process); rule: "lingua" (v1) or "function_words" (v2);
    strong_confidence (v2): lingua's confidence that outvotes English in a text with no function
    word; mixed_min_lines (v2): lines a second language needs for "mul"; line_words: words of
    2+ letters a line needs to be judged for "mul"; weak_words (v2): a Latin-script text with no
    function word and fewer telling words is English (domain.text.function_words)."""

    max_chars: int = 600
    min_words: int = 4
    min_confidence: float = 0.6
    mixed_share: float = 0.25
    min_telling_words: int = 2
    accuracy: str = "low"
    rule: str = "lingua"
    strong_confidence: float = 0.9
    mixed_min_lines: int = 1
    line_words: int = 5
    weak_words: int = 0

    @classmethod
    def from_config(cls, params: Mapping[str, Any]) -> LanguageParams:
        """Params as model_versions.yaml writes them; ConfigError on an unknown key or value."""
        known = {f.name: f for f in fields(cls)}
        if unknown := sorted(set(params) - set(known)):
            raise ConfigError(f"language_detector: unknown params {unknown}")
        try:
            out = cls(
                **{k: type(cls.__dataclass_fields__[k].default)(v) for k, v in params.items()}
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"language_detector: bad params {dict(params)}: {exc}") from exc
        if out.accuracy not in ("low", "high") or out.rule not in RULES:
            raise ConfigError(f"language_detector: accuracy low|high, rule {'|'.join(RULES)}")
        return out


_DETECTORS: dict[str, LanguageDetector] = {}
_BUILT_IN_PID = [0]  # the process that built _DETECTORS (a forked child inherits both)


def _shared_detector(accuracy: str = "low") -> LanguageDetector:
    """lingua's detector of an accuracy mode, built once per process and shared by every
    LinguaDetector.

    Building one loads the language models on a rayon thread pool. A Celery pool child is forked
    from a worker parent that built it already (models are loaded before the fork), and a fork
    keeps the pool's state but not its threads: a second build in the child waits forever (a
    config reload hung both children until their hard time limit). The detector holds no
    config, so one per mode and process is all the product needs. A mode not built before the
    fork (a config push that switches `accuracy`) is a ConfigError, not a hang: the worker keeps
    its last good release and says why; a restart builds the new mode.
    """
    if accuracy not in _DETECTORS and _DETECTORS and _BUILT_IN_PID[0] != os.getpid():
        raise ConfigError(
            f"language_detector: accuracy {accuracy!r} cannot be built in a forked worker process "
            "(lingua's models load on a thread pool a fork does not keep): restart the worker"
        )
    if accuracy not in _DETECTORS:
        _BUILT_IN_PID[0] = os.getpid()
        builder = LanguageDetectorBuilder.from_languages(*LANGUAGES)
        if accuracy == "low":
            builder = builder.with_low_accuracy_mode()
        _DETECTORS[accuracy] = builder.with_preloaded_language_models().build()
    return _DETECTORS[accuracy]


def _code(language: Language) -> str:
    return str(language.iso_code_639_1.name).lower()


class LinguaDetector:
    """`detect(text)` -> ISO 639-1 code, "mul" or "und" (see domain.ports.LanguageDetector)."""

    def __init__(self, params: LanguageParams | None = None) -> None:
        self.params = params or LanguageParams()
        self._detector = _shared_detector(self.params.accuracy)

    def detect(self, text: str) -> str:
        p = self.params
        head = text[: p.max_chars]
        words = _LETTERS.findall(head)
        v2 = p.rule == "function_words"
        if len(words) < p.min_words or telling_words(words, v2) < p.min_telling_words:
            return UNDETERMINED  # too short, or names only: nothing to tell a language by
        try:
            values = self._detector.compute_language_confidence_values(head)
            if v2:
                lang = self._judge(head, values)
                if lang is None:
                    return UNDETERMINED
                return MIXED if self._mixed_v2(head) else lang
            if not values or values[0].value < p.min_confidence:
                return UNDETERMINED
            if self._mixed(head):
                return MIXED
        except Exception:  # a vendor error must not sink a posting: it says "cannot tell"
            return UNDETERMINED
        return _code(values[0].language)

    def _judge(self, text: str, values: list[ConfidenceValue]) -> str | None:
        """v2: the language of one text (whole head or one line) by its function words, lingua
        breaking ties (domain.text.function_words.choose_language)."""
        confidences = [(_code(v.language), v.value) for v in values]
        telling = telling_words(_LETTERS.findall(text), True)
        choice = Choice(function_word_counts(_WORDS.findall(text)), confidences, telling)
        p = self.params
        return choose_language(choice, p.min_confidence, p.strong_confidence, p.weak_words)

    def _lines(self, head: str) -> list[str]:
        lines = re.split(r"[\n.!?]", head)
        return [ln for ln in lines if len(_LETTERS.findall(ln)) >= self.params.line_words][:8]

    def _mixed(self, head: str) -> bool:
        """v1: two languages each hold `mixed_share` of the lines long enough to judge."""
        lines = [ln for ln in re.split(r"[\n.!?]", head) if len(_LETTERS.findall(ln)) >= 5]
        if len(lines) < 2:
            return False
        found = [self._detector.detect_language_of(ln) for ln in lines[:8]]
        counts = sorted(
            (found.count(lang) for lang in set(found) if lang is not None), reverse=True
        )
        return len(counts) > 1 and counts[1] / len(found) >= self.params.mixed_share

    def _mixed_v2(self, head: str) -> bool:
        """v2: a second language holds `mixed_min_lines` lines and `mixed_share` of the lines
        judged, each line judged like a whole text (function words, lingua breaking ties)."""
        lines = self._lines(head)
        if len(lines) < 2 * self.params.mixed_min_lines:
            return False
        found = [
            self._judge(ln, self._detector.compute_language_confidence_values(ln)) for ln in lines
        ]
        counts = sorted((found.count(x) for x in set(found) if x is not None), reverse=True)
        second = counts[1] if len(counts) > 1 else 0
        return (
            second >= self.params.mixed_min_lines and second / len(found) >= self.params.mixed_share
        )
