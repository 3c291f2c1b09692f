"""Names with symbols (C#, CI/CD, A/B testing): the tokenizer taught them before any strategy
tokenizes (symbol_names), and a model span extended over the symbol modifier before it
(with_symbol_modifiers). Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.language import Language
from spacy.tokens import Doc

from domain.skills.ensemble_types import _DICTIONARY
from domain.skills.names import add_symbol_words, split_symbol_lists, symbol_words
from domain.skills.strategies import Candidate
from domain.skills.taxonomy import Alias, AmbiguityRules, Taxonomy

# A name with a symbol that qualifies the words after it (A/B testing, UI/UX design, R&D
# projects, TCP/IP networking): capitals or digits around "/" or "&", one token (symbol_names)
_MODIFIER = re.compile(r"^(?=.*[A-Z])[A-Za-z0-9]{1,6}(?:[/&][A-Za-z0-9]{1,6})+$")


def with_symbol_modifiers(doc: Doc, cands: list[Candidate]) -> list[Candidate]:
    """A span a model or a cue found that starts right after a symbol modifier (one space
    between, same line) no dictionary match names takes it in: the tagger tags "A/B testing"
    as "testing", which is not the skill. Returns the candidates, those extended replaced."""
    named = {i for c in cands if c.strategy in _DICTIONARY for i in range(c.start, c.end)}
    out = []
    for c in cands:
        k = c.start - 1
        if (
            c.strategy not in _DICTIONARY
            and c.strategy != "dropped"
            and k >= 0
            and k not in named
            and doc[k].whitespace_ == " "
            and _MODIFIER.match(doc[k].text)
        ):
            c = Candidate(k, c.end, c.strategy, None, c.kind, c.needs_context, c.detail)
        out.append(c)
    return out


def symbol_names(
    nlp: Language,
    taxonomy: Taxonomy,
    aliases: Sequence[Alias],
    ambiguity: AmbiguityRules,
    extra: Sequence[str] = (),
) -> int:
    """Teach `nlp`'s tokenizer the taxonomy's and aliases' names with symbols (C#, .NET,
    CI/CD, A/B, PL/SQL, Objective-C) before any strategy tokenizes its patterns; `extra`: names
    no concept holds (F#, TCP/IP: skill_aliases.yaml `symbol_names`). Returns how many special
    cases it added."""
    labels = [lab for skill in taxonomy for lab in (skill.name, *skill.aliases)]
    labels += [a.alias for a in (*aliases, *ambiguity.forms)]
    labels += list(extra)
    # spaCy's URL rule takes "Node.js/TypeScript" for one address; only a scheme or www. is one
    nlp.tokenizer.url_match = _URL.match  # type: ignore[union-attr]
    split_symbol_lists(nlp.tokenizer)
    return add_symbol_words(nlp.tokenizer, symbol_words(labels, nlp.tokenizer))


_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+", re.IGNORECASE)
