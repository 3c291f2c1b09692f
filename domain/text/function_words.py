"""Function words per language, and the language choice of detector v2 (pure, no I/O).

A short posting says little to a character n-gram model: "We need Python and SQL. Kubernetes
is a plus." holds 4 English words between names and lingua's low-accuracy mode reads it as
German (0.997). Function words (articles, conjunctions, prepositions, pronouns, auxiliaries)
tell a language in few words and are never technology names, so the v2 detector counts them per
language and lets lingua only break ties between the languages that hold the most of them.

The lists cover the seven languages the set config/eval/language_postings.jsonl labels (en de fr
es nl it pt). They were written by this project from grammar, not learned from that set, and
hold only words that are not English words too unless they are English's own ("in" is in en,
de, nl and it: each counts it). A language without a list (pl, ru, ja, ...) is taken from
lingua alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


FUNCTION_WORDS: Mapping[str, frozenset[str]] = {
    "en": _words(
        "the a an and or of to in on at for with from by as is are was be been will would can "
        "could should must we you our your they their this that these those it its have has "
        "having do does not no but if who which what when while about into than then there "
        "plus also all any some more most very our us i am"
    ),
    "de": _words(
        "der die das den dem des ein eine einen einem einer eines und oder mit für von zu zum "
        "zur im in auf aus bei nach über unter ist sind wird werden hat haben sein wir sie du "
        "ihr ihre ihren dein deine deinen unser unsere unseren uns dich dir sich nicht auch als "
        "wie sehr oder bis vom am ab"
    ),
    "fr": _words(
        "le la les un une des du de au aux et ou avec pour par sur dans en est sont être "
        "sera nous vous votre vos notre nos leur leurs il elle ils qui que ce cette ces son sa "
        "ses à pas plus tu ton ta tes"
    ),
    "es": _words(
        "el la los las un una unos unas y o a con para por de del al en es son ser será estar "
        "nuestro nuestra nuestros nuestras tu tus su sus que se como más te lo le les muy "
        "también"
    ),
    "nl": _words(
        "de het een en of met voor van in op aan bij naar uit is zijn wordt worden heeft hebben "
        "wij we je jij jouw u uw onze ons hun die dat dit deze er ook als niet om te tot"
    ),
    "it": _words(
        "il lo la i gli le un uno una e o ed con per di del della dei delle degli da dal dalla "
        "in nel nella nei su sul sulla è sono essere sarà noi voi tu ti ci si che come più non "
        "anche nostro nostra nostri vostro tuo tua al alla"
    ),
    "pt": _words(
        "o a os as um uma uns umas e ou com para por de do da dos das no na nos nas em é são "
        "ser será nosso nossa nossos nossas você vocês seu sua seus suas que se como mais não "
        "também ao aos à pelo pela vai"
    ),
}


def function_word_counts(words: Iterable[str]) -> dict[str, int]:
    """How many of `words` (as written; compared in lower case) are function words of each
    listed language, e.g. ["We", "need", "Python", "and"] -> {"en": 2}. Languages with no such
    word are absent."""
    counts: dict[str, int] = {}
    for word in words:
        w = word.lower()
        for lang, listed in FUNCTION_WORDS.items():
            if w in listed:
                counts[lang] = counts.get(lang, 0) + 1
    return counts


# lingua's languages written in the Latin script: where English is the default of a short text
LATIN_SCRIPT = _words("en fr de es nl it pt pl sv da nb cs tr")


@dataclass(frozen=True)
class Choice:
    """The v2 decision's inputs for one text: function-word counts per listed language, lingua's
    confidence per language (ISO 639-1 code -> 0..1, highest first) and the text's telling words
    (lower-case words of 3+ letters, adapters.artifacts.language.telling_words)."""

    counts: Mapping[str, int]
    confidences: Sequence[tuple[str, float]]
    telling: int = 0


def choose_language(
    choice: Choice,
    min_confidence: float,
    strong_confidence: float,
    weak_words: int = 0,
    default: str = "en",
) -> str | None:
    """The language of one text, or None when it cannot tell.

    - no function word at all, lingua's top language written in the Latin script and fewer than
      `weak_words` telling words ("Senior Go engineer, Kubernetes operators, gRPC." read as
      Polish at 0.96): too little to tell another language by, `default`;
    - lingua's top language has no function-word list (pl, ru, ja, ...): it, when its confidence
      is >= `min_confidence`, else None;
    - some listed language holds function words: of those holding the most, the one lingua
      ranks highest (its "and", "a", "is" make "We need Python and SQL. Kubernetes is a plus."
      English; "Ervaring met Azure of Google Cloud is een pré." is Dutch, not German);
    - no function word at all (a line of nouns: "Patient care, medication administration, BLS
      certification."): lingua's top when it is >= `strong_confidence`, else `default`.
    """
    if not choice.confidences:
        return None
    top, conf = choice.confidences[0]
    most = max(choice.counts.values(), default=0)
    if most == 0 and top in LATIN_SCRIPT and choice.telling < weak_words:
        return default
    if top not in FUNCTION_WORDS:
        return top if conf >= min_confidence else None
    if most > 0:
        rank = {lang: i for i, (lang, _) in enumerate(choice.confidences)}
        tied = [lang for lang, n in choice.counts.items() if n == most]
        return min(tied, key=lambda lang: rank.get(lang, len(rank)))
    return top if conf >= strong_confidence else default
