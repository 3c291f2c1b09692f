"""The numpy MiniLM title embedder (used by bench/occupation_embeddings.py), on a tiny random BERT
written here: same file layout and weight names as all-MiniLM-L6-v2, 384 units, 12 heads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file
from tokenizers import Tokenizer
from tokenizers.models import WordPiece
from tokenizers.pre_tokenizers import Whitespace
from tokenizers.processors import TemplateProcessing

from adapters.artifacts.title_embedder import LAYERS, TitleEmbedder
from domain.errors import ConfigError

pytestmark = pytest.mark.unit
WORDS = ["registered", "nurse", "software", "engineer", "truck", "driver", "senior", "night"]


def tiny_model(path: Path) -> Path:
    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *WORDS])}
    tok = Tokenizer(WordPiece(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = Whitespace()
    tok.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tok.save(str(path / "tokenizer.json"))
    rng = np.random.default_rng(0)

    def r(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.05).astype(np.float32)

    w = {
        "embeddings.word_embeddings.weight": r(len(vocab), 384),
        "embeddings.position_embeddings.weight": r(512, 384),
        "embeddings.token_type_embeddings.weight": r(2, 384),
        "embeddings.LayerNorm.weight": np.ones(384, np.float32),
        "embeddings.LayerNorm.bias": np.zeros(384, np.float32),
    }
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        for name, (o, n) in {
            "attention.self.query": (384, 384),
            "attention.self.key": (384, 384),
            "attention.self.value": (384, 384),
            "attention.output.dense": (384, 384),
            "intermediate.dense": (1536, 384),
            "output.dense": (384, 1536),
        }.items():
            w[p + name + ".weight"], w[p + name + ".bias"] = r(o, n), r(o)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"], w[p + ln + ".bias"] = np.ones(384, np.float32), r(384)
    save_file(w, str(path / "model.safetensors"))
    return path


def test_title_vectors_are_unit_rows_one_per_title(tmp_path: Path) -> None:
    v = TitleEmbedder(tiny_model(tmp_path)).embed(["registered nurse", "truck driver", ""])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(v[0], v[1])


def test_a_titles_vector_does_not_depend_on_its_batch(tmp_path: Path) -> None:
    """Padding is masked: a short title batched with longer ones gets its vector alone."""
    e = TitleEmbedder(tiny_model(tmp_path))
    alone = e.embed(["nurse"])
    batched = e.embed(["senior software engineer night driver", "nurse", "truck driver"])
    assert np.allclose(alone[0], batched[1], atol=1e-5)


def test_missing_weights_fail_naming_the_file(tmp_path: Path) -> None:
    tiny_model(tmp_path)
    (tmp_path / "model.safetensors").unlink()
    with pytest.raises(ConfigError, match=r"model\.safetensors"):
        TitleEmbedder(tmp_path)
