"""The block classifier's artifact: weights.npz (non-zero columns only) + meta.json."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from domain.errors import ConfigError
from domain.sections.blocks import N_FEATURES, BlockModel

WEIGHTS = "weights.npz"
META = "meta.json"


def save_block_model(model: BlockModel, out: Path) -> None:
    """Byte-identical for the same model (numpy writes zip entries with a fixed date)."""
    out.mkdir(parents=True, exist_ok=True)
    cols = np.flatnonzero(np.any(model.coef != 0, axis=0)).astype(np.int32)
    np.savez_compressed(
        out / WEIGHTS,
        columns=cols,
        values=model.coef[:, cols],
        intercept=model.intercept,
        labels=np.array(model.labels),
    )
    meta = dict(model.meta, n_features=N_FEATURES, labels=list(model.labels))
    (out / META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def load_block_model(path: Path) -> BlockModel:
    """Fails with the file named when it is missing or damaged (never a silent fallback)."""
    weights, meta_file = path / WEIGHTS, path / META
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"section model {meta_file}: cannot read ({exc})") from exc
    try:
        with np.load(weights, allow_pickle=False) as z:
            cols, values = z["columns"], z["values"]
            intercept, labels = z["intercept"], tuple(str(x) for x in z["labels"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
        raise ConfigError(f"section model {weights}: cannot read ({exc})") from exc
    if meta.get("n_features") != N_FEATURES or values.shape != (len(labels), len(cols)):
        raise ConfigError(f"section model {weights}: shape does not match {meta_file}")
    if len(cols) and (cols.min() < 0 or cols.max() >= N_FEATURES):
        raise ConfigError(f"section model {weights}: column out of range")
    coef = np.zeros((len(labels), N_FEATURES), dtype=np.float32)
    coef[:, cols] = values
    return BlockModel(labels, coef, intercept.astype(np.float32), meta)
