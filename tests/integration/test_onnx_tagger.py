"""The shipped transformer span artifact, run as workers run it (onnxruntime + tokenizers, no torch)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.artifacts.config_files import build_pipeline, load_config
from adapters.artifacts.onnx_tagger import OnnxTagger
from adapters.artifacts.span_model import load_gate
from domain.errors import ConfigError
from domain.skills.transformer_spans import TransformerSpanStrategy

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "config" / "models" / "transformer_spans"
NLP = spacy.blank("en")


@pytest.fixture(scope="module")
def tagger() -> OnnxTagger:
    return OnnxTagger(ARTIFACT, threads=1)


def test_tags_equal_the_exported_models(tagger: OnnxTagger) -> None:
    """checks.json: tags computed at export time, one line at a time, with the HF tokenizer."""
    checks = json.loads((ARTIFACT / "checks.json").read_text(encoding="utf-8"))
    got = tagger.tag(checks["words"])
    assert got == checks["tags"]
    assert any(t != "O" for tags in got for t in tags)  # the checks do contain spans


def test_a_lines_tags_do_not_depend_on_the_other_lines(tagger: OnnxTagger) -> None:
    checks = json.loads((ARTIFACT / "checks.json").read_text(encoding="utf-8"))
    alone = [tagger.tag([w])[0] for w in checks["words"]]
    assert tagger.tag(checks["words"][::-1]) == alone[::-1]


def test_viterbi_decoding_is_valid_bio_and_keeps_argmax_where_argmax_is_valid(
    tagger: OnnxTagger,
) -> None:
    checks = json.loads((ARTIFACT / "checks.json").read_text(encoding="utf-8"))
    viterbi = OnnxTagger(ARTIFACT, decode="viterbi").tag(checks["words"])
    changed = 0
    for arg, vit in zip(checks["tags"], viterbi, strict=True):
        assert len(vit) == len(arg)
        assert _valid_bio(vit)
        if _valid_bio(arg):
            assert vit == arg
        else:
            changed += 1
    assert changed  # the checks hold lines whose argmax tags break BIO: those are re-decoded


def _valid_bio(tags: list[str]) -> bool:
    """Every I-X follows a B-X or an I-X."""
    return all(not t.startswith("I-") or p[2:] == t[2:] for p, t in zip(["O", *tags][: len(tags)], tags, strict=True))  # fmt: skip


def test_an_unknown_decoder_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="decode 'beam'"):
        OnnxTagger(ARTIFACT, decode="beam")


def test_a_line_longer_than_max_pieces_is_tagged_in_parts() -> None:
    words = (
        ["Experience", "with", "Python", ",", "SQL", "and", "Kubernetes", "is", "required", "."]
    ) * 40
    short = OnnxTagger(ARTIFACT, max_pieces=32)
    tags = short.tag([words])[0]
    assert len(tags) == len(words)
    # every part is tagged (none truncated away): each of the 40 "Python"s is found
    assert all(tags[i] != "O" for i, w in enumerate(words) if w == "Python")


def test_the_product_does_not_import_torch() -> None:
    OnnxTagger(ARTIFACT)
    assert "torch" not in sys.modules and "transformers" not in sys.modules


@pytest.mark.parametrize("name", ["model.onnx", "tokenizer.json", "labels.json"])
def test_a_missing_file_fails_at_load_with_its_path(tmp_path: Path, name: str) -> None:
    shutil.copytree(ARTIFACT, tmp_path / "m")
    (tmp_path / "m" / name).unlink()
    with pytest.raises(ConfigError, match=f"{tmp_path / 'm' / name}.*missing"):
        OnnxTagger(tmp_path / "m")


@pytest.mark.parametrize("name", ["model.onnx", "tokenizer.json"])
def test_a_corrupt_file_fails_when_the_pipeline_is_built(tmp_path: Path, name: str) -> None:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    target = tmp_path / "config" / "models" / "transformer_spans" / name
    target.write_bytes(target.read_bytes()[:1000])
    cfg = load_config(tmp_path)
    with pytest.raises(ConfigError, match="transformer_spans"):
        build_pipeline(cfg)


def test_labels_must_match_the_network(tmp_path: Path) -> None:
    shutil.copytree(ARTIFACT, tmp_path / "m")
    (tmp_path / "m" / "labels.json").write_text('["O", "B-SKILL"]')
    with pytest.raises(ConfigError, match="2 labels, model has 5"):
        OnnxTagger(tmp_path / "m")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Python",
                "SQL",
                "communication",
                "skills",
                "Ü",
                "中文",
                "😀",
                ",",
                "-",
                " ",
                "  ",
                "\n",
                "\n\n",
                "\t",
                "\u00a0",
                "\u2003",
                "team",
                "work",
            ]
        ),
        max_size=60,
    )
)
def test_spans_are_offsets_into_the_original_text(parts: list[str]) -> None:
    text = " ".join(parts)
    doc = NLP(text)
    strategy = TransformerSpanStrategy(_TAGGER, load_gate(ARTIFACT), lambda s: None)
    (cands,) = strategy.find_many([doc], [text])
    for c in cands:
        assert 0 <= c.start < c.end <= len(doc) and c.kind in {"SKILL", "KNOWLEDGE"}
        first, last = doc[c.start], doc[c.end - 1]
        assert not first.is_space and not last.is_space
        span_text = text[first.idx : last.idx + len(last)]
        assert span_text == doc[c.start : c.end].text
        assert "\n" not in span_text  # a span never crosses a line


_TAGGER = OnnxTagger(ARTIFACT) if ARTIFACT.is_dir() else None
