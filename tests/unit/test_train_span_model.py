import json
from pathlib import Path

import spacy

from scripts.train_span_model import bio_spans, read_split, to_docbin


def test_bio_spans_handles_i_without_b_and_trailing_spans() -> None:
    assert bio_spans(["O", "B", "I", "O", "I", "I"], "K") == [(1, 3, "K"), (4, 6, "K")]


def test_overlapping_layers_keep_the_longer_span(tmp_path: Path) -> None:
    row = {
        "tokens": ["experience", "with", "Python", "and", "Docker"],
        "tags_skill": ["B", "I", "I", "O", "O"],
        "tags_knowledge": ["O", "O", "B", "O", "B"],
    }
    f = tmp_path / "s.json"
    f.write_text(json.dumps(row) + "\n")
    nlp = spacy.blank("en")
    (doc,) = to_docbin(read_split(f), nlp).get_docs(nlp.vocab)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("experience with Python", "SKILL"),
        ("Docker", "KNOWLEDGE"),
    ]
