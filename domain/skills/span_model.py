"""The trained span strategy: a spaCy NER (SKILL/KNOWLEDGE) run only on lines that may hold skills.

Two thirds of the lines of a posting (addresses, benefits, boilerplate) hold no skill at all. A
linear gate over hashed word n-grams scores each line, and the network runs only on the lines
above the gate's threshold, batched with `Language.pipe`. Both are trained on SkillSpan train by
scripts/train_span_model.py; the threshold is chosen there for a target span recall.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import HashingVectorizer
from spacy.language import Language
from spacy.tokens import Doc

from domain.models import Section
from domain.skills.edges import trim_joiners
from domain.skills.strategies import SPAN_MODEL, Candidate


@dataclass(frozen=True)
class LineGate:
    """Logistic regression over hashed lower-case word 1-2 grams of one line."""

    coef: NDArray[np.float32]  # (n_features,)
    intercept: float
    threshold: float  # probability above which a line goes to the network
    n_features: int = 2**18

    def __post_init__(self) -> None:
        object.__setattr__(self, "_vec", self.vectorizer(self.n_features))

    @staticmethod
    def vectorizer(n_features: int) -> HashingVectorizer:
        return HashingVectorizer(
            n_features=n_features, ngram_range=(1, 2), alternate_sign=False, norm="l2"
        )

    def scores(self, lines: Sequence[str]) -> NDArray[np.float64]:
        if not lines:
            return np.zeros(0)
        x = self._vec.transform(lines)  # type: ignore[attr-defined]
        z = x @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def keep(self, lines: Sequence[str]) -> list[bool]:
        return [bool(s >= self.threshold) for s in self.scores(lines)]


def lines_of(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges of the non-blank lines of a posting (spaCy keeps newlines as space tokens)."""
    space = doc.to_array("IS_SPACE").astype(bool)
    breaks = [int(i) for i in np.flatnonzero(space) if "\n" in doc[int(i)].text]
    out, start = [], 0
    for b in [*breaks, len(doc)]:
        if b > start and not space[start:b].all():
            out.append((start, b))
        start = b + 1
    return out


class SpanModelStrategy:
    """Runs the trained network on gated lines; links a span to the taxonomy by its exact name."""

    name = SPAN_MODEL

    def __init__(
        self,
        nlp: Language,
        gate: LineGate | None,
        link: Callable[[str], str | None],
        batch_size: int = 64,
    ) -> None:
        self.nlp = nlp
        self.gate = gate
        self.link = link
        self.batch_size = batch_size

    def find(self, doc: Doc, sections: tuple[Section, ...]) -> list[Candidate]:
        return self.find_many([doc], [doc.text])[0]

    def find_many(
        self, docs: Sequence[Doc], texts: Sequence[str], skip: Skip | None = None
    ) -> list[list[Candidate]]:
        """One `pipe` over a batch: per posting, one Doc made of its kept lines only.

        `texts` are the docs' texts (`doc.text` rebuilds the string token by token: slow)."""
        pieces: list[Doc] = []
        index: list[NDArray[np.int64]] = []  # piece token -> posting token
        strings = self.nlp.vocab.strings
        for doc, ranges in zip(docs, kept_lines(docs, texts, self.gate, skip), strict=True):
            # each kept line with the newline after it, so lines stay apart in the piece
            kept = [np.arange(a, min(b + 1, len(doc))) for a, b in ranges]
            idx = np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64)
            arr = doc.to_array(["ORTH", "SPACY"])[idx] if len(idx) else np.zeros((0, 2), np.uint64)
            words = [strings[int(o)] for o in arr[:, 0]]
            pieces.append(Doc(self.nlp.vocab, words=words, spaces=[bool(x) for x in arr[:, 1]]))
            index.append(idx)
        out: list[list[Candidate]] = [[] for _ in docs]
        for i, piece in enumerate(self.nlp.pipe(pieces, batch_size=self.batch_size)):
            idx = index[i]
            for ent in piece.ents:
                start, end = trim_joiners(docs[i], int(idx[ent.start]), int(idx[ent.end - 1]) + 1)
                if start == end:
                    continue
                text = docs[i][start:end].text
                out[i].append(Candidate(start, end, SPAN_MODEL, self.link(text), ent.label_))
        return out

    def kept_fraction(self, docs: Sequence[Doc]) -> float:
        """Share of non-blank lines the gate sends to the network."""
        if self.gate is None:
            return 1.0
        flags = [k for d in docs for k in self.gate.keep(_line_texts(d.text, d, lines_of(d)))]
        return sum(flags) / len(flags) if flags else 1.0


Skip = Sequence[Sequence[tuple[int, int]]]  # per posting, character ranges no model reads


def kept_lines(
    docs: Sequence[Doc], texts: Sequence[str], gate: LineGate | None, skip: Skip | None = None
) -> list[list[tuple[int, int]]]:
    """Per posting, the token ranges of its non-blank lines the gate keeps (all without a gate),
    leaving out lines that start inside a `skip` range (excluded sections).

    One vectorizer call for the whole batch."""
    ranges_of = [lines_of(doc) for doc in docs]
    if skip is not None:
        ranges_of = [
            [(a, b) for a, b in ranges if not _inside(doc[a].idx, sk)] if sk else ranges
            for doc, ranges, sk in zip(docs, ranges_of, skip, strict=True)
        ]
    if gate is None:
        return ranges_of
    lines = [x for d, t, r in zip(docs, texts, ranges_of, strict=True) for x in _line_texts(t, d, r)]  # fmt: skip
    flags, at, out = gate.keep(lines), 0, []
    for ranges in ranges_of:
        keep = flags[at : at + len(ranges)]
        at += len(ranges)
        out.append([r for r, k in zip(ranges, keep, strict=True) if k])
    return out


def _inside(pos: int, ranges: Sequence[tuple[int, int]]) -> bool:
    """Whether `pos` lies in one of the sorted, disjoint [start, end) ranges."""
    i = bisect_right(ranges, (pos, float("inf"))) - 1
    return i >= 0 and ranges[i][0] <= pos < ranges[i][1]


def _line_texts(text: str, doc: Doc, ranges: Sequence[tuple[int, int]]) -> list[str]:
    return [text[doc[a].idx : doc[b - 1].idx + len(doc[b - 1])] for a, b in ranges]
