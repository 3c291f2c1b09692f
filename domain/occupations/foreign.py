"""v8: a title in another language ("Krankenpfleger (m/w/d)", "Ingénieur logiciel (H/F)").

The SOC classifier reads character n-grams too, so such a title used to get a confident code
from letter pieces ("Krankenpfleger (m/w/d)" -> 51-9199 Production Workers at 0.81). The coder
leaves it to the posting's skills instead (at lower confidence, reason `title_words_unknown`),
or gives no code when too few skills are known. A title is read as being in another language
when most of its words are unknown to the English words the coder knows (O*NET title words,
ESCO occupation labels, skill names) AND either the posting's detected language is not English
or the title carries a gender marker of another language ("(m/w/d)", "(H/F)"): English postings
and O*NET's own rare titles ("Anglesmith") are coded from the title as before. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable

# The SOC word vectorizer's own token pattern (scikit-learn's default), on lower-cased text.
_WORD = re.compile(r"(?u)\b\w\w+\b")
# Words shorter than this are not counted ("de", "la", "y", "et": function words of any language).
MIN_LETTERS = 3
# The shortest English head a compound may end in ("manager", "engineer", "designer").
MIN_HEAD = 6
# A title is unknown when fewer than this share of its counted words are known English words.
MIN_KNOWN_SHARE = 0.5
# Languages read as English (domain/pipeline.py's ENGLISH: "mul" / "und" are no evidence).
ENGLISH = frozenset({"en", "mul", "und"})
# A gender marker written in German, French or Spanish: (m/w/d), (w/m/x), (H/F), (h/m), (F/H).
_OTHER_MARKER = re.compile(
    r"[\(\[]\s*(?:[mwfdhx]\s*[/|,-]\s*)*(?:w|h)(?:\s*[/|,-]\s*[mwfdhx])+\s*[\)\]]"
    r"|[\(\[]\s*[mf]\s*[/|,-]\s*(?:w|h)\b",
    re.IGNORECASE,
)


def english_words(*vocabularies: Iterable[str]) -> frozenset[str]:
    """The lower-cased words (scikit-learn's token pattern) of every string given."""
    return frozenset(w for vocab in vocabularies for t in vocab for w in _WORD.findall(t.lower()))


def unknown_words(text: str, vocabulary: Container[str]) -> bool:
    """True when `text` (a normalized title) has counted words (>= 3 letters, no digit) and
    fewer than half of them are words of `vocabulary` or compounds ending in one; False for a title without counted words
    (it is coded, or left, as before)."""
    words = [
        w
        for w in _WORD.findall(text.lower())
        if len(w) >= MIN_LETTERS and not any(c.isdigit() for c in w)
    ]
    if not words:
        return False
    known = sum(_known(w, vocabulary) for w in words)
    return known < MIN_KNOWN_SHARE * len(words)


def _known(word: str, vocabulary: Container[str]) -> bool:
    """A word of `vocabulary`, or a compound ending in one of >= 6 letters, the way German
    writes English heads ("Marketingmanager", "Systemadministrator")."""
    if word in vocabulary:
        return True
    return any(word[k:] in vocabulary for k in range(2, len(word) - MIN_HEAD + 1))


def other_language(
    text: str, raw: str | None, language: str | None, vocabulary: Container[str]
) -> bool:
    """True when the title (`text` normalized, `raw` as sent) reads as another language: mostly
    unknown words, and the posting's `language` (ISO 639-1, None when not detected) is not
    English or `raw` carries another language's gender marker."""
    if not unknown_words(text, vocabulary):
        return False
    if language is not None and language not in ENGLISH:
        return True
    return bool(raw and _OTHER_MARKER.search(raw[:300]))
