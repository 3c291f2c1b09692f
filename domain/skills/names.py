"""Names with symbols (C#, .NET, CI/CD, A/B testing) stay one token; one mention per named skill.

Tokenizer special cases are derived from the taxonomy's labels and the curated aliases: every
word of a label that holds a symbol (`# + . / &`, or a hyphen next to one letter: Objective-C)
and that spaCy's English rules would cut becomes one token, in its own, lower and upper case.
A span model then cannot cut it, and a one-letter form (C, F, R) is never found inside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from spacy.tokens import Doc, Token

_SYMBOL = re.compile(r"[#+./&]|(?<![A-Za-z])[A-Za-z]-|-[A-Za-z](?![A-Za-z])")
# symbols glued to a one-letter token that make it part of a longer name ("C" in "C#", "J++")
_GLUE = frozenset("#+")


def symbol_words(labels: Iterable[str], tokenizer: Any) -> list[str]:
    """Every word of `labels` with a symbol inside that the tokenizer would split (its own,
    lower and upper case forms), sorted. Words ending in `.`, `/`, `-` and bare symbols are not
    names ("etc.", "R." ends a sentence)."""
    out: set[str] = set()
    for label in labels:
        for word in label.split():
            if not 2 <= len(word) <= 24 or word[-1] in "./-" or word[0] in "/-&":
                continue
            if not _SYMBOL.search(word) or not any(c.isalpha() for c in word):
                continue
            for form in {word, word.lower(), word.upper()}:
                if len(tokenizer(form)) > 1:
                    out.add(form)
    return sorted(out)


def add_symbol_words(tokenizer: Any, words: Iterable[str]) -> int:
    """Make each word one token; returns how many special cases were added."""
    n = 0
    for w in words:
        tokenizer.add_special_case(w, [{"ORTH": w}])
        n += 1
    return n


# "/" between two names where spaCy's English infix rule (a letter on each side) does not cut:
# after a symbol ("C#/.NET", "C++/Java") or before one ("Python/.NET", "Java/C#")
_LIST_SLASH = r"(?<=[#+A-Za-z0-9])/(?=[.#A-Za-z])"


def split_symbol_lists(tokenizer: Any) -> None:
    """Teach `tokenizer` to cut "/" between names with symbols, as it already cuts
    "Java/Python": "C#/.NET" is then C# / .NET (each its own special case, so each its own
    name), not one token no concept holds. Names that hold the slash (TCP/IP, CI/CD, PL/SQL)
    are special cases and stay whole. Extends the tokenizer's own infix pattern in place."""
    old = getattr(tokenizer.infix_finditer, "__self__", None)
    pattern = f"{old.pattern}|{_LIST_SLASH}" if isinstance(old, re.Pattern) else _LIST_SLASH
    if old is None or _LIST_SLASH not in old.pattern:
        tokenizer.infix_finditer = re.compile(pattern).finditer


def inside_symbol_name(doc: Doc, start: int, end: int) -> bool:
    """A one-letter span glued to `#`/`+` ("C" of "C #" split by a tokenizer that did not know
    the name): part of a longer name, never a name itself."""
    if end - start != 1 or len(doc[start].text) != 1:
        return False
    tok: Token = doc[start]
    after = end < len(doc) and not tok.whitespace_ and doc[end].text[:1] in _GLUE
    before = start > 0 and not doc[start - 1].whitespace_ and doc[start - 1].text[-1:] in _GLUE
    return after or before
