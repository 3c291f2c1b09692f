"""Issue #24, bad input, on the shipped linker (fine-tuned vectors, hierarchy, group classifier,
learned decision; the other tests use a small one): empty, one-character, 300-character and
non-Latin mentions each get a defined link (a concept, a group or none) and never raise."""

from __future__ import annotations

import pytest

from domain.pipeline import Pipeline
from domain.skills.linking import VECTOR

BAD = ["", " ", "x", "é", "a" * 300, "lead " * 60, "软件开发", "разработка программного обеспечения",
       "تطوير البرمجيات", "ソフトウェア開発", "\u200b\u200b", "🚀", "C", "R"]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["SKILL", "KNOWLEDGE", None])
def test_the_shipped_linker_gives_bad_mentions_a_defined_link(
    real_pipeline: Pipeline, kind: str | None
) -> None:
    lk = real_pipeline.extractor.linker
    assert lk is not None and lk.hierarchy is not None and lk.decision is not None
    links = lk.link_many([(t, kind) for t in BAD], BAD)
    assert len(links) == len(BAD)
    for text, link in zip(BAD, links, strict=True):
        assert link.level in ("concept", "none") or link.level.startswith("group:"), text
        assert 0.0 <= link.score <= 1.0 and len(link.candidates) <= lk.params.k, text
        if len(text.strip()) < 2 or len(text) > 120:  # too short, or a sentence: no vector link
            assert link.method != VECTOR, text
