"""The transformer span strategy: a fine-tuned MiniLM BIO tagger run on the lines that may hold skills.

Each line the gate keeps goes to the tagger as its whitespace-separated words, and the tagger
gives one BIO tag per word. Spans are read back as token ranges of the posting's spaCy Doc, so
every strategy's offsets are the Doc's own. How the tags are computed (ONNX runtime, tokenizer,
batching) is the `Tagger`'s business (adapters/artifacts/onnx_tagger.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from spacy.tokens import Doc, Token

from domain.models import Section
from domain.skills.edges import trim_joiners
from domain.skills.span_model import LineGate, Skip, kept_lines
from domain.skills.strategies import TRANSFORMER, Candidate


class Tagger(Protocol):
    def tag(self, lines: Sequence[Sequence[str]]) -> list[list[str]]:
        """One BIO tag ("O", "B-SKILL", "I-KNOWLEDGE", ...) per word of every line."""
        ...


def bio_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end exclusive, label) of each entity; a stray I- starts one, as a tagger means it."""
    out: list[tuple[int, int, str]] = []
    start: int | None = None
    label = ""
    for k, tag in enumerate([*tags, "O"]):
        inside = tag.startswith("I-") and tag[2:] == label
        if start is not None and not inside:
            out.append((start, k, label))
            start = None
        if start is None and (tag.startswith("B-") or tag.startswith("I-")):
            start, label = k, tag[2:]
    return out


DECODERS = ("argmax", "viterbi")


def bio_viterbi(scores: NDArray[np.float32], labels: Sequence[str]) -> list[int]:
    """The best tag sequence (label indices) in which every I-X follows a B-X or I-X.

    `scores` are a line's logits, one row per word. Argmax picks each word's tag alone, so a
    span's inside can outvote its start ("O I-SKILL I-SKILL"), or a span change kind midway;
    here the tags of a line are chosen together, by summed log-probability."""
    n = len(labels)
    if len(scores) == 0:
        return []
    z = scores.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    inside = [lab[2:] if lab.startswith("I-") else None for lab in labels]
    allowed = np.zeros((n, n), dtype=np.float64)  # allowed[prev, cur]: 0 or -inf
    for cur, kind in enumerate(inside):
        if kind is not None:
            for prev, lab in enumerate(labels):
                if lab[2:] != kind or lab == "O":
                    allowed[prev, cur] = -np.inf
    start = np.array([-np.inf if k is not None else 0.0 for k in inside])
    best = start + logp[0]
    back = np.zeros((len(logp), n), dtype=np.int64)
    for t in range(1, len(logp)):
        cand = best[:, None] + allowed
        back[t] = cand.argmax(axis=0)
        best = cand.max(axis=0) + logp[t]
    path = [int(best.argmax())]
    for t in range(len(logp) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


class TransformerSpanStrategy:
    """Tags gated lines with the transformer; links a span to the taxonomy by its exact name."""

    name = TRANSFORMER

    def __init__(
        self, tagger: Tagger, gate: LineGate | None, link: Callable[[str], str | None]
    ) -> None:
        self.tagger = tagger
        self.gate = gate
        self.link = link

    def find(self, doc: Doc, sections: tuple[Section, ...]) -> list[Candidate]:
        return self.find_many([doc], [doc.text])[0]

    def find_many(
        self, docs: Sequence[Doc], texts: Sequence[str], skip: Skip | None = None
    ) -> list[list[Candidate]]:
        """One tagger call for the kept lines of the whole batch.

        The tagger sees a line as its whitespace-separated words — SkillSpan's tokenization,
        which the model was trained on ("cross-functional" and "CI/CD" stay one word). A span
        of words is mapped back to the Doc's tokens by characters, and punctuation at its ends
        ("Python," -> "Python") and a joiner ("Spark and" -> "Spark": domain/skills/edges.py)
        are trimmed off."""
        words: list[list[str]] = []
        where: list[tuple[int, list[tuple[int, int]]]] = []  # per line: posting, word char ranges
        for i, (doc, text, ranges) in enumerate(zip(docs, texts, kept_lines(docs, texts, self.gate, skip), strict=True)):  # fmt: skip
            for a, b in ranges:
                lo, hi = doc[a].idx, doc[b - 1].idx + len(doc[b - 1])
                found = [(m.start(), m.end()) for m in _WORD.finditer(text, lo, hi)]
                if found:
                    words.append([text[s:e] for s, e in found])
                    where.append((i, found))
        out: list[list[Candidate]] = [[] for _ in docs]
        for (i, chars), tags in zip(where, self.tagger.tag(words) if words else [], strict=True):
            doc = docs[i]
            for s, e, label in bio_spans(tags):
                span = doc.char_span(chars[s][0], chars[e - 1][1], alignment_mode="expand")
                if span is None:
                    continue
                start, end = span.start, span.end
                while True:  # punctuation and joiners ("Spark and,") until neither is left
                    before = (start, end)
                    while start < end and _trim(doc[start], doc[start].is_left_punct):
                        start += 1
                    while end > start and _trim(doc[end - 1], doc[end - 1].is_right_punct):
                        end -= 1
                    start, end = trim_joiners(doc, start, end)
                    if (start, end) == before:
                        break
                if any(not t.is_punct for t in doc[start:end]):
                    text = doc[start:end].text
                    out[i].append(Candidate(start, end, TRANSFORMER, self.link(text), label))
        return out


_WORD = re.compile(r"\S+")


def _trim(token: Token, bracket: bool) -> bool:
    """Whitespace, or punctuation that is not an opening (at the start) / closing (at the end)
    bracket or quote, does not belong at the edge of a span."""
    return token.is_space or (token.is_punct and not bracket)
