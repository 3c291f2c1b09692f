"""v8: a title in another language ("Krankenpfleger (m/w/d)", "Ingénieur logiciel (H/F)").

The SOC classifier reads character n-grams too, so such a title used to get a confident code
from letter pieces ("Krankenpfleger (m/w/d)" -> 51-9199 Production Workers at 0.81). The coder
leaves it to the posting's skills instead (at lower confidence, reason `title_words_unknown`),
or gives no code when too few skills are known. A title is read as being in another language
when most of its words are unknown to the English words the coder knows (O*NET title words,
ESCO occupation labels, skill names) AND either the posting's detected language is not English
or the title carries a gender marker of another language ("(m/w/d)", "(H/F)"): English postings
and O*NET's own rare titles ("Anglesmith") are coded from the title as before.

v9: a title of one word and no detected language ("Vendedor", "Krankenschwester" alone) has no
marker and no language to go by, and a word unknown to the coder is as often a rare English
title (O*NET's "Anglesmith", "Baggageman": 226 of the 9,258 held-out O*NET strings are one
unknown word). Such a word is read as another language only when it shows it: a letter outside
ASCII ("Verkäufer", "Infirmière") or an agent-noun ending that German, Spanish, Portuguese,
French or Italian job titles use and English ones do not (`FOREIGN_ENDINGS`: -ador / -edor,
-ero / -era, -eiro, -schwester, -pfleger, -kraft, -arbeiter, -leiter, -entwickler, -lehrer,
-techniker, -euse, -ière, -tore, ...). Of the held-out O*NET strings it takes 2 (Zanjero,
Restauranteur; the coder missed both before). Pure.
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


# v9: agent-noun endings of German, Spanish / Portuguese, French and Italian job titles that
# English titles do not end in (a word that is only the ending counts too: "Lehrer").
FOREIGN_ENDINGS = (
    "ador", "adora", "edor", "edora", "idor", "idora", "ero", "era", "eiro", "eira",
    "schwester", "pfleger", "pflegerin", "kraft", "arbeiter", "leiter", "entwickler", "meister",
    "helfer", "berater", "erzieher", "lehrer", "techniker", "mechaniker", "elektriker", "erin",
    "eur", "euse", "ière", "iere", "tore", "trice", "ista", "ario", "aria",
)  # fmt: skip


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


def lone_foreign_word(text: str, vocabulary: Container[str]) -> bool:
    """v9: True when `text` (a normalized title) is one counted word, unknown to `vocabulary`
    (see `unknown_words`), with a letter outside ASCII or one of `FOREIGN_ENDINGS` (a short
    ending, of 4 letters or fewer, after at least 2 more letters)."""
    words = [
        w
        for w in _WORD.findall(text.lower())
        if len(w) >= MIN_LETTERS and not any(c.isdigit() for c in w)
    ]
    if len(words) != 1 or not unknown_words(text, vocabulary):
        return False
    word = words[0]
    if any(ord(c) > 127 for c in word):
        return True
    return any(
        word.endswith(e) and len(word) >= len(e) + (2 if len(e) <= 4 else 0)
        for e in FOREIGN_ENDINGS
    )


def other_language(
    text: str,
    raw: str | None,
    language: str | None,
    vocabulary: Container[str],
    lone_words: bool = True,
) -> bool:
    """True when the title (`text` normalized, `raw` as sent) reads as another language: mostly
    unknown words, and the posting's `language` (ISO 639-1, None when not detected) is not
    English or `raw` carries another language's gender marker; v9 (`lone_words`): or, with no
    language detected as English, a lone word that shows another language (`lone_foreign_word`)."""
    if not unknown_words(text, vocabulary):
        return False
    if lone_words and language != "en" and lone_foreign_word(text, vocabulary):
        return True
    if language is not None and language not in ENGLISH:
        return True
    return bool(raw and _OTHER_MARKER.search(raw[:300]))
