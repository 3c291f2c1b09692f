"""The transformer span strategy's own logic: BIO decoding, gated lines, offsets into the posting.

The network itself is tested against the shipped artifact in tests/integration/test_onnx_tagger.py;
here a rule tagger stands in for it so that expected spans are known exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
import spacy
from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.skills.span_model import LineGate
from domain.skills.transformer_spans import TransformerSpanStrategy, bio_spans, bio_viterbi

NLP = spacy.blank("en")


class RuleTagger:
    """B-KNOWLEDGE on 'Python'/'SQL' (punctuation attached or not); 'communication skills' as
    one SKILL span; records what it was given."""

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def tag(self, lines: Sequence[Sequence[str]]) -> list[list[str]]:
        out = []
        for words in lines:
            self.seen.append(list(words))
            bare = [w.strip(",.!:") for w in words]
            tags = ["B-KNOWLEDGE" if w in {"Python", "SQL"} else "O" for w in bare]
            for k in range(len(words) - 1):
                if (bare[k], bare[k + 1]) == ("communication", "skills"):
                    tags[k], tags[k + 1] = "B-SKILL", "I-SKILL"
            out.append(tags)
        return out


def spans_of(text: str, tagger: RuleTagger, gate: LineGate | None = None) -> list[tuple[str, str]]:
    doc = NLP(text)
    strategy = TransformerSpanStrategy(tagger, gate, lambda s: "esco:py" if s == "Python" else None)
    (cands,) = strategy.find_many([doc], [text])
    return [(doc[c.start : c.end].text, str(c.kind)) for c in cands]


def test_bio_decoding_closes_spans_at_o_b_and_label_changes() -> None:
    tags = ["B-SKILL", "I-SKILL", "O", "I-KNOWLEDGE", "I-KNOWLEDGE", "B-KNOWLEDGE", "I-SKILL"]
    assert bio_spans(tags) == [(0, 2, "SKILL"), (3, 5, "KNOWLEDGE"), (5, 6, "KNOWLEDGE"), (6, 7, "SKILL")]  # fmt: skip
    assert bio_spans(["O", "O"]) == []
    assert bio_spans(["B-SKILL"]) == [(0, 1, "SKILL")]


LABELS = ("O", "B-SKILL", "I-SKILL", "B-KNOWLEDGE", "I-KNOWLEDGE")


def _valid(path: Sequence[int]) -> bool:
    prev = "O"
    for k in path:
        tag = LABELS[k]
        if tag.startswith("I-") and prev[2:] != tag[2:]:
            return False
        prev = tag
    return True


def test_viterbi_keeps_a_span_whole_where_argmax_cuts_it() -> None:
    # "design scalable APIs": the middle word leans to O by a little, the others are clearly SKILL
    logits = np.log(
        np.array(
            [
                [0.05, 0.90, 0.02, 0.02, 0.01],
                [0.50, 0.02, 0.45, 0.02, 0.01],
                [0.10, 0.05, 0.80, 0.03, 0.02],
            ]
        )
    )
    assert [LABELS[k] for k in logits.argmax(-1)] == ["B-SKILL", "O", "I-SKILL"]
    assert bio_spans([LABELS[k] for k in logits.argmax(-1)]) == [(0, 1, "SKILL"), (2, 3, "SKILL")]
    path = [LABELS[k] for k in bio_viterbi(logits, LABELS)]
    assert path == ["B-SKILL", "I-SKILL", "I-SKILL"]
    assert bio_spans(path) == [(0, 3, "SKILL")]


def test_viterbi_never_starts_a_line_or_follows_o_with_an_inside_tag() -> None:
    logits = np.log(np.array([[0.3, 0.1, 0.4, 0.1, 0.1], [0.6, 0.05, 0.05, 0.05, 0.25]]))
    assert _valid(bio_viterbi(logits, LABELS))
    assert bio_viterbi(np.zeros((0, 5), dtype=np.float32), LABELS) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.floats(-6, 6), min_size=5, max_size=5), min_size=1, max_size=5))
def test_viterbi_is_the_best_valid_path(rows: list[list[float]]) -> None:
    """Brute force over every tag sequence: the decoded path is valid BIO, scores as high as
    any valid path, and equals argmax whenever argmax is itself valid."""
    import itertools

    logits = np.array(rows, dtype=np.float32)
    z = logits.astype(np.float64)
    z = z - z.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))

    def total(path: Sequence[int]) -> float:
        return float(sum(logp[t, k] for t, k in enumerate(path)))

    got = bio_viterbi(logits, LABELS)
    assert _valid(got)
    best = max(total(p) for p in itertools.product(range(5), repeat=len(rows)) if _valid(p))
    assert total(got) >= best - 1e-9
    arg = [int(k) for k in logits.argmax(-1)]
    if _valid(arg):
        assert total(got) == pytest.approx(total(arg))


def test_spans_are_token_ranges_of_the_posting_across_lines_and_punctuation() -> None:
    text = "About us\n\n  Strong communication skills, Python and SQL.\nBenefits: (Python)!"
    tagger = RuleTagger()
    assert spans_of(text, tagger) == [
        ("communication skills", "SKILL"),  # the comma of "skills," is trimmed off
        ("Python", "KNOWLEDGE"),
        ("SQL", "KNOWLEDGE"),
    ]
    # one word list per non-blank line, split on whitespace only (SkillSpan's tokenization)
    assert tagger.seen == [
        ["About", "us"],
        ["Strong", "communication", "skills,", "Python", "and", "SQL."],
        ["Benefits:", "(Python)!"],
    ]


def test_brackets_that_belong_to_the_span_stay() -> None:
    class Whole:
        def tag(self, lines: Sequence[Sequence[str]]) -> list[list[str]]:
            return [["B-KNOWLEDGE"] + ["I-KNOWLEDGE"] * (len(w) - 1) for w in lines]

    doc = NLP("Python (3.x),")
    (c,) = TransformerSpanStrategy(Whole(), None, lambda s: None).find(doc, ())
    assert doc[c.start : c.end].text == "Python (3.x)"


def test_links_each_span_by_its_text() -> None:
    doc = NLP("Python and SQL")
    strategy = TransformerSpanStrategy(RuleTagger(), None, lambda s: "esco:py" if s == "Python" else None)  # fmt: skip
    assert [(c.skill_id, c.strategy) for c in strategy.find(doc, ())] == [("esco:py", "transformer"), (None, "transformer")]  # fmt: skip


def test_the_gate_keeps_lines_from_the_tagger() -> None:
    n = 2**10
    coef = np.zeros(n, dtype=np.float32)
    vec = LineGate.vectorizer(n)
    coef[vec.transform(["python"]).indices] = 50.0  # only lines with "python" pass
    gate = LineGate(coef, -5.0, 0.5, n)
    tagger = RuleTagger()
    assert spans_of("SQL here\nPython there\nSQL again", tagger, gate) == [("Python", "KNOWLEDGE")]
    assert tagger.seen == [["Python", "there"]]


def test_a_batch_without_kept_lines_calls_nothing() -> None:
    tagger = RuleTagger()
    strategy = TransformerSpanStrategy(tagger, None, lambda s: None)
    assert strategy.find_many([NLP(""), NLP(" \n\n ")], ["", " \n\n "]) == [[], []]
    assert tagger.seen == []


class EveryWord:
    def tag(self, lines: Sequence[Sequence[str]]) -> list[list[str]]:
        return [["B-SKILL"] * len(words) for words in lines]


def test_a_span_never_starts_or_ends_on_whitespace_or_a_dash() -> None:
    class TwoWords:
        def tag(self, lines: Sequence[Sequence[str]]) -> list[list[str]]:
            return [["O", "B-SKILL", "I-SKILL"] for _ in lines]

    text = "communication -   communication"
    doc = NLP(text)
    (c,) = TransformerSpanStrategy(TwoWords(), None, lambda s: None).find(doc, ())
    assert doc[c.start : c.end].text == "communication"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab Ü\n\t\u00a0\u2003,.()😀中-")), max_size=80))
@example("communication -   communication")  # a space token inside a span of two words
def test_every_word_maps_back_to_its_own_characters(text: str) -> None:
    doc = NLP(text)
    (cands,) = TransformerSpanStrategy(EveryWord(), None, lambda s: None).find_many([doc], [text])
    words = text.split()
    # one span per whitespace word that holds more than punctuation, in order
    assert len(cands) == sum(1 for w in words if any(not t.is_punct for t in NLP(w)))
    for c in cands:
        first, last = doc[c.start], doc[c.end - 1]
        span_text = text[first.idx : last.idx + len(last)]
        assert span_text == doc[c.start : c.end].text and span_text.strip() == span_text
        assert not span_text.isspace() and len(span_text.split()) == 1
