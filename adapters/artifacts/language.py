"""Posting language with lingua (lingua-language-detector: offline, models inside the wheel).

Low-accuracy mode (trigram models only) over a fixed set of languages: the five the extractor
has headers and experience phrases for (en fr de es nl) and the ones job boards send most
besides, so an unsupported language is detected as itself, not forced into a supported one.
Each posting is judged on its first `max_chars` characters of analysed text (markup gone).
Measured on the 198 samples: ~1.5 ms per posting, +~31 MiB RSS (bench in the report of #23).
"""

from __future__ import annotations

import re

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

LANGUAGES = (
    Language.ENGLISH, Language.FRENCH, Language.GERMAN, Language.SPANISH, Language.DUTCH,
    Language.ITALIAN, Language.PORTUGUESE, Language.POLISH, Language.SWEDISH, Language.DANISH,
    Language.BOKMAL, Language.CZECH, Language.RUSSIAN, Language.TURKISH, Language.CHINESE,
    Language.JAPANESE, Language.ARABIC,
)  # fmt: skip
MIXED, UNDETERMINED = "mul", "und"
_LETTERS = re.compile(r"[^\W\d_]{2,}")


def telling_words(words: list[str]) -> int:
    """Words of 3 letters or more written in lower case, or in a script without case (Arabic,
    CJK): what tells a language ("years", "and", "und", "avec", "опыт"). A line of names
    ("Java/Python/Go, AWS/GCP/Azure", "React, TypeScript, Node.js") has at most one, and lingua
    read such lines as fr / nl."""
    return sum(len(w) >= 3 and (w.islower() or w.lower() == w.upper()) for w in words)


_DETECTOR: LanguageDetector | None = None


def _shared_detector() -> LanguageDetector:
    """lingua's detector, built once per process and shared by every LinguaDetector.

    Building one loads the language models on a rayon thread pool. A Celery pool child is forked
    from a worker parent that built it already (models are loaded before the fork), and a fork
    keeps the pool's state but not its threads: a second build in the child waits forever (a
    config reload hung both children until their hard time limit). The detector holds no
    config, so one per process is all the product needs.
    """
    global _DETECTOR
    if _DETECTOR is None:
        _DETECTOR = (
            LanguageDetectorBuilder.from_languages(*LANGUAGES)
            .with_low_accuracy_mode()
            .with_preloaded_language_models()
            .build()
        )
    return _DETECTOR


class LinguaDetector:
    """`detect(text)` -> ISO 639-1 code, "mul" or "und" (see domain.ports.LanguageDetector)."""

    def __init__(
        self,
        max_chars: int = 600,
        min_words: int = 4,
        min_confidence: float = 0.6,
        mixed_share: float = 0.25,
        min_telling_words: int = 2,
    ) -> None:
        self.max_chars = max_chars
        self.min_words = min_words
        self.min_telling_words = min_telling_words
        self.min_confidence = min_confidence
        self.mixed_share = mixed_share
        self._detector = _shared_detector()

    def detect(self, text: str) -> str:
        head = text[: self.max_chars]
        words = _LETTERS.findall(head)
        if len(words) < self.min_words or telling_words(words) < self.min_telling_words:
            return UNDETERMINED  # too short, or names only: nothing to tell a language by
        try:
            values = self._detector.compute_language_confidence_values(head)
            if not values or values[0].value < self.min_confidence:
                return UNDETERMINED
            if self._mixed(head):
                return MIXED
        except Exception:  # a vendor error must not sink a posting: it says "cannot tell"
            return UNDETERMINED
        return str(values[0].language.iso_code_639_1.name).lower()

    def _mixed(self, head: str) -> bool:
        """Two languages each hold `mixed_share` of the lines long enough to judge."""
        lines = [ln for ln in re.split(r"[\n.!?]", head) if len(_LETTERS.findall(ln)) >= 5]
        if len(lines) < 2:
            return False
        found = [self._detector.detect_language_of(ln) for ln in lines[:8]]
        counts = sorted(
            (found.count(lang) for lang in set(found) if lang is not None), reverse=True
        )
        return len(counts) > 1 and counts[1] / len(found) >= self.mixed_share
