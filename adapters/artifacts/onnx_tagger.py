"""The transformer span artifact on disk, run with onnxruntime + tokenizers (no torch).

    <dir>/model.onnx      token-classification network (inputs input_ids, attention_mask,
                          token_type_ids; output logits), int8 weights
    <dir>/tokenizer.json  the matching fast tokenizer
    <dir>/labels.json     the BIO tag of each logit
    <dir>/gate.json, gate.npy   the line gate (adapters/artifacts/span_model.py format)
    <dir>/meta.json       how it was made (source model, data, seed, quantization, scores)

Written by scripts/export_transformer_spans.py (`make transformer-spans`); fingerprinted as a
whole directory by load_config. A missing or unreadable file fails at load with its path named.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from domain.errors import ConfigError
from domain.skills.transformer_spans import DECODERS, bio_viterbi

FILES = ("model.onnx", "tokenizer.json", "labels.json")


class OnnxTagger:
    """BIO tags per word: lines encoded as pre-split words, sorted by length, run in batches.

    A line longer than `max_pieces` word pieces is split at word boundaries and tagged in
    parts, so no word is ever truncated away. The first word piece of a word carries its tag;
    a word with no word piece (e.g. only characters the tokenizer drops) is "O".

    `batch_size` 1 by default: an int8 model quantizes its activations with one scale per call,
    so in a batch a line's tags depend on its neighbours (and their padding); alone they are a
    function of the line. Larger batches are for fp32 models.

    `decode`: "argmax" reads each word's best tag alone; "viterbi" (what the product runs) picks
    the line's best tag sequence in which every I-X follows a B-X or I-X."""

    def __init__(
        self,
        path: Path,
        threads: int = 1,
        batch_size: int = 1,
        max_pieces: int = 256,
        decode: str = "argmax",
    ) -> None:
        if decode not in DECODERS:
            raise ConfigError(f"transformer span model: decode {decode!r} is not one of {DECODERS}")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        for name in FILES:
            if not (path / name).is_file():
                raise ConfigError(
                    f"transformer span model: {path / name} is missing (run `make transformer-spans`)"
                )
        try:
            self.labels: tuple[str, ...] = tuple(
                json.loads((path / "labels.json").read_text(encoding="utf-8"))
            )
            self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        except Exception as exc:  # json, OSError, and tokenizers' plain Exception
            raise ConfigError(f"transformer span model: cannot read {path}: {exc}") from exc
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(
                str(path / "model.onnx"), opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
            raise ConfigError(
                f"transformer span model: cannot load {path / 'model.onnx'}: {exc}"
            ) from exc
        self.inputs = {i.name for i in self.session.get_inputs()}
        n_out = self.session.get_outputs()[0].shape[-1]
        if isinstance(n_out, int) and n_out != len(self.labels):
            raise ConfigError(
                f"{path / 'labels.json'}: {len(self.labels)} labels, model has {n_out}"
            )
        self.batch_size = batch_size
        self.decode = decode
        self.max_pieces = max_pieces
        self.pad_id = self.tokenizer.token_to_id("[PAD]") or 0

    def _encode(self, lines: Sequence[Sequence[str]]) -> list[tuple[int, int, object]]:
        """(line index, first word of the part, encoding) for every part of every line."""
        parts: list[tuple[int, int, object]] = []
        todo = [(i, 0, list(words)) for i, words in enumerate(lines)]
        while todo:
            encs = self.tokenizer.encode_batch([w for _, _, w in todo], is_pretokenized=True)
            again = []
            for (i, first, words), enc in zip(todo, encs, strict=True):
                if len(enc.ids) <= self.max_pieces or len(words) == 1:
                    parts.append((i, first, enc))
                else:
                    half = len(words) // 2
                    again += [(i, first, words[:half]), (i, first + half, words[half:])]
            todo = again
        return parts

    def tag(self, lines: Sequence[Sequence[str]]) -> list[list[str]]:
        tags = [["O"] * len(words) for words in lines]
        parts = self._encode(lines)
        parts.sort(key=lambda p: len(p[2].ids))  # type: ignore[attr-defined]
        for b in range(0, len(parts), self.batch_size):
            batch = parts[b : b + self.batch_size]
            encs = [p[2] for p in batch]
            width = min(max(len(e.ids) for e in encs), self.max_pieces)  # type: ignore[attr-defined]
            ids = np.full((len(encs), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(encs), width), dtype=np.int64)
            for j, e in enumerate(encs):
                n = min(len(e.ids), width)  # type: ignore[attr-defined]
                ids[j, :n] = e.ids[:n]  # type: ignore[attr-defined]
                mask[j, :n] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            logits: NDArray[np.float32] = self.session.run(
                None, {k: v for k, v in feed.items() if k in self.inputs}
            )[0]
            for j, (i, first, enc) in enumerate(batch):
                rows = _first_pieces(enc.word_ids[:width])  # type: ignore[attr-defined]
                words = [w for w, _ in rows]
                scores = logits[j, [k for _, k in rows]]
                if self.decode == "viterbi":
                    best = bio_viterbi(scores, self.labels)
                else:
                    best = [int(x) for x in scores.argmax(-1)]
                for w, b in zip(words, best, strict=True):
                    tags[i][first + w] = self.labels[b]
        return tags


def _first_pieces(word_ids: Sequence[int | None]) -> list[tuple[int, int]]:
    """(word, position of its first word piece) for each word in the encoding."""
    out: list[tuple[int, int]] = []
    prev = None
    for k, w in enumerate(word_ids):
        if w is not None and w != prev:
            out.append((w, k))
        prev = w
    return out
