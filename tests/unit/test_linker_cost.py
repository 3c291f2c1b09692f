"""The linker's speed-ups of s24cost3 give the answers of the plain code: the decision reads the
extra-word shares the reranker computed instead of computing them again, and remembered word
keys are handed out as fresh lists (docs/concept-linking.md "Linker cost (s24cost3)")."""

from __future__ import annotations

import pytest

from domain.skills.decision import content_keys, word_key
from domain.skills.linking import extra_words
from tests.unit.test_concept_normalization import linker

MENTIONS = ["software development", "formulas", "algorithm", "video", "maths", "rust"]


@pytest.mark.parametrize("kind", ["KNOWLEDGE", None])
def test_pair_facts_with_the_rerankers_extras_equal_pair_facts_computed_afresh(
    kind: str | None,
) -> None:
    lk = linker(extra_penalty=0.1, group_top=3, group_min=0.0)
    read = 0
    for text in MENTIONS:
        (near,) = lk.index.top([text], [kind], 6)  # type: ignore[union-attr]
        extras: dict[str, float] = {}
        scored = lk.rerank(text, near, extras)
        assert scored == lk.rerank(text, near)
        assert extras == {lb: extra_words(text, lb) for _, _, lb, _ in near if lb in extras}
        read += len(extras)
        assert lk.pair_facts(text, near, scored, extras) == lk.pair_facts(text, near, scored)
    assert read  # the extras were filled, so the comparison above read them


def test_pair_facts_read_the_extras_they_are_given() -> None:
    lk = linker(extra_penalty=0.1, group_top=3, group_min=0.0)
    (near,) = lk.index.top(["software development"], ["KNOWLEDGE"], 6)  # type: ignore[union-attr]
    scored = lk.rerank("software development", near)
    wrong = {lb: 0.5 for _, _, lb, _ in near}
    facts = lk.pair_facts("software development", near, scored, wrong)
    assert facts and all(f.extra == 0.5 for f in facts)


def test_content_keys_hands_out_a_fresh_list_each_call() -> None:
    first = content_keys("Analyses of the data")
    first.append("poison")
    assert content_keys("Analyses of the data") == [word_key("analyses"), "data"]


@pytest.mark.parametrize(
    ("text", "naming"),
    [("software", True), ("biochemistry", False), ("design", True)],
)
def test_a_one_word_mentions_narrower_check_in_pair_facts_is_is_narrower(
    text: str, naming: bool
) -> None:
    """pair_facts decides `is_narrower` from the two shares it reads anyway: "software" has no
    content word of its own (a GENERIC head word), so *software design* is not narrower."""
    import numpy as np

    from domain.skills.linking import (
        ConceptLinker,
        LinkerParams,
        VectorIndex,
        is_narrower,
        label_rows,
        unit_rows,
    )
    from domain.skills.taxonomy import Skill, Taxonomy

    tax = Taxonomy([Skill("esco:sd", "software design", "knowledge"),
                    Skill("esco:cb", "clinical biochemistry", "knowledge")])  # fmt: skip
    vocab = ["software", "design", "biochem", "clinic"]

    def enc(texts):
        out = np.zeros((len(texts), len(vocab)), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = [t.lower().count(s) + 0.1 for s in vocab]
        return unit_rows(out)

    rows = label_rows(tax)
    index = VectorIndex(enc, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    lk = ConceptLinker(tax, (), frozenset(), index, LinkerParams(threshold=0.99, k=2, pool=2))
    (near,) = index.top([text], ["KNOWLEDGE"], 2)
    scored = lk.rerank(text, near)
    facts = {f.label: f.naming for f in lk.pair_facts(text, near, scored)}
    want = {lb: not is_narrower(text, lb) for _, _, lb, _ in near}
    assert facts == want
    assert facts[{"software": "software design", "biochemistry": "clinical biochemistry",
                  "design": "software design"}[text]] is naming  # fmt: skip
