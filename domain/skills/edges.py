"""A skill span never starts or ends with a conjunction or a list mark ("Spark and" -> "Spark").

The span models sometimes take the word that joins two names into one of them: the tagger reads
"Apache Spark and Airflow" as "Apache" + "Spark and". The words that join names are those the
coordination split already knows (ensemble SEPARATORS) for English, French, German, Spanish and
Dutch: and / or / & / as well as / und / oder / et / ou / y / o / en, and the marks , / ; | +.
Trimming works on token ranges of the posting's Doc, so a trimmed span's offsets stay the Doc's
own and `text[start:end]` is still the mention's text.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc

# words and marks that join the names of a list, never a skill's first or last word
EDGE_WORDS = frozenset(
    {"and", "or", "&", "and/or", "und", "oder", "et", "ou", "y", "o", "en",
     ",", "/", ";", "|", "+"}
)  # fmt: skip
# several-word joiners, as lower-case tokens
EDGE_PHRASES: tuple[tuple[str, ...], ...] = (("as", "well", "as"),)


def _phrase_at(doc: Doc, i: int, end: int) -> int:
    """Length in tokens of an EDGE_PHRASES phrase starting at token i before `end`, else 0."""
    for p in EDGE_PHRASES:
        if i + len(p) <= end and all(doc[i + k].lower_ == w for k, w in enumerate(p)):
            return len(p)
    return 0


def _phrase_before(doc: Doc, start: int, j: int) -> int:
    """Length in tokens of an EDGE_PHRASES phrase ending at token j - 1 after `start`, else 0."""
    for p in EDGE_PHRASES:
        if j - len(p) >= start and all(doc[j - len(p) + k].lower_ == w for k, w in enumerate(p)):
            return len(p)
    return 0


def _joiner(doc: Doc, i: int) -> bool:
    return doc[i].is_space or doc[i].lower_ in EDGE_WORDS


def trim_joiners(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """The token range [start, end) of `doc` without the joiners (EDGE_WORDS, EDGE_PHRASES) and
    whitespace at either edge; (k, k) when nothing else is left. Inner joiners stay ("research
    and development", "Research & Development")."""
    while start < end:
        n = _phrase_at(doc, start, end) or int(_joiner(doc, start))
        if not n:
            break
        start += n
    while end > start:
        n = _phrase_before(doc, start, end) or int(_joiner(doc, end - 1))
        if not n:
            break
        end -= n
    return start, end


def neighbour_runs(
    doc: Doc, spans: list[tuple[int, int]], names: Callable[[int, int], bool]
) -> list[list[int]]:
    """Indices of `spans` (token ranges of `doc` with one skill, sorted by start, not
    overlapping) in runs of neighbours that are one name: a span joins the run before it when
    only spaces, or nothing, stand between them on the same line and `names(start, end)` says
    the joined token range names the skill ("Apache" + "Spark" -> "Apache Spark"). Two names
    linked to one broader concept ("Azure Data Lake" + "Azure Cosmos DB") stay apart."""
    runs: list[list[int]] = []
    for k, (start, end) in enumerate(spans):
        if runs:
            first, prev_end = spans[runs[-1][0]][0], spans[runs[-1][-1]][1]
            gap = doc[prev_end:start]
            if (
                prev_end <= start
                and all(t.is_space and "\n" not in t.text for t in gap)
                and names(first, end)
            ):
                runs[-1].append(k)
                continue
        runs.append([k])
    return runs
