"""The concept linker's artifact: a model2vec static embedding model (config/models/concept_vectors),
distilled from MiniLM by scripts/build_concept_vectors.py. Loaded with `model2vec` (numpy +
tokenizers; no torch, no network); every taxonomy label is embedded once at load."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from domain.errors import ConfigError
from domain.skills.linking import (
    ConceptLinker,
    Encoder,
    LinkerParams,
    VectorIndex,
    label_rows,
    unit_rows,
)
from domain.skills.taxonomy import Alias, Taxonomy

REQUIRED = ("config.json", "model.safetensors", "tokenizer.json")


def load_encoder(path: Path) -> Encoder:
    """Fails, naming the file, when the artifact is missing or unreadable: never a silent
    fallback to no linking."""
    for name in REQUIRED:
        if not (path / name).is_file():
            raise ConfigError(
                f"concept linker artifact missing: {path / name} (make concept-vectors)"
            )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from model2vec import StaticModel

    try:
        model = StaticModel.from_pretrained(str(path))
        probe = model.encode(["python"], show_progress_bar=False, use_multiprocessing=False)
    except Exception as exc:
        raise ConfigError(
            f"concept linker artifact unreadable: {path} ({type(exc).__name__}: {exc})"
        ) from exc
    if probe.ndim != 2 or not np.isfinite(probe).all():
        raise ConfigError(f"concept linker artifact gives no usable vectors: {path}")

    def encode(texts: Sequence[str]) -> npt.NDArray[np.float32]:
        vectors = model.encode(list(texts), show_progress_bar=False, use_multiprocessing=False)
        return unit_rows(vectors)

    return encode


def build_linker(
    path: Path,
    taxonomy: Taxonomy,
    aliases: Sequence[Alias],
    skip: frozenset[str],
    params: LinkerParams,
) -> ConceptLinker:
    rows = label_rows(taxonomy)
    index = VectorIndex(load_encoder(path), [r[0] for r in rows], [r[1] for r in rows],
                        [r[2] for r in rows])  # fmt: skip
    return ConceptLinker(taxonomy, aliases, skip, index, params)
