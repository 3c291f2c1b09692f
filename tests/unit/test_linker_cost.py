"""The linker's speed-ups (s24cost2) answer exactly as the plain code they replace."""

from __future__ import annotations

import itertools

import pytest

from domain.skills.decision import _STOP, _WORD, content_keys, word_key
from domain.skills.linking import _content_keys, _had, _label_keys, extra_words

TEXTS = ["software development", "sound development software", "formulas", "algorithms",
         "automation", "automation technology", "developing web applications",
         "develop web application", "biochemistry", "clinical biochemistry", "Python",
         "data analysis", "analyses of data", "team", "teamwork", "a", "", "C#", ".NET",
         "communicate with stakeholders", "deliver presentations", "presentation software",
         "machine learning", "learn machine", "project management", "manage projects"]  # fmt: skip


def plain_extra_words(mention: str, label: str) -> float:
    """extra_words as written before the prefix tuples and the memo."""
    want = _label_keys(label)
    if not want:
        return 0.0
    have, starts = _had(mention)
    missing = 0
    for w in want:
        if w in have or w in starts or any(w[:i] in have for i in range(4, len(w))):
            continue
        missing += 1
    return missing / len(want)


@pytest.mark.parametrize("mention,label", list(itertools.product(TEXTS, TEXTS)))
def test_extra_words_answers_as_the_plain_loop(mention: str, label: str) -> None:
    assert extra_words(mention, label) == plain_extra_words(mention, label)
    assert extra_words(mention, label) == plain_extra_words(mention, label)  # from the memo


@pytest.mark.parametrize("text", TEXTS)
def test_content_keys_answers_as_the_plain_list(text: str) -> None:
    plain = [word_key(w) for w in _WORD.findall(text.lower()) if w not in _STOP]
    assert content_keys(text) == plain
    assert content_keys(text) == plain  # remembered, and still a fresh list
    content_keys(text).append("x")
    assert content_keys(text) == plain
    assert _content_keys(text.lower()) is not None
