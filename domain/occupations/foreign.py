"""v8: a title most of whose words no O*NET title uses ("Krankenpfleger", "Ingénieur logiciel").

The SOC classifier reads character n-grams too, so such a title used to get a confident code
from letter pieces ("Krankenpfleger (m/w/d)" -> 51-9199 Production Workers at 0.81). The coder
leaves it to the posting's skills instead (at lower confidence, reason `title_words_unknown`),
or gives no code when too few skills are known. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Container

# The SOC word vectorizer's own token pattern (scikit-learn's default), on lower-cased text.
_WORD = re.compile(r"(?u)\b\w\w+\b")
# Words shorter than this are not counted ("de", "la", "y", "et": function words of any language).
MIN_LETTERS = 3
# A title is unknown when fewer than this share of its counted words are in the vocabulary.
MIN_KNOWN_SHARE = 0.5


def unknown_words(text: str, vocabulary: Container[str]) -> bool:
    """True when `text` (a normalized title) has counted words (>= 3 letters, no digit) and
    fewer than half of them are words of `vocabulary` (the O*NET titles' word vocabulary);
    False for a title without counted words (it is coded, or left, as before)."""
    words = [
        w
        for w in _WORD.findall(text.lower())
        if len(w) >= MIN_LETTERS and not any(c.isdigit() for c in w)
    ]
    if not words:
        return False
    known = sum(w in vocabulary for w in words)
    return known < MIN_KNOWN_SHARE * len(words)
