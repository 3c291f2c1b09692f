"""The trained span-model artifact on disk: a spaCy pipeline directory plus the line gate.

    <dir>/            spaCy `nlp.to_disk` output (tok2vec + ner over SKILL/KNOWLEDGE)
    <dir>/gate.json   {"n_features", "intercept", "threshold", "target_recall", ...}
    <dir>/gate.npy    float32 coefficients of the gate (n_features,)

Written by scripts/train_span_model.py; fingerprinted as a whole directory by load_config.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import spacy
from spacy.language import Language

from domain.errors import ConfigError
from domain.skills.span_model import LineGate

GATE_META, GATE_COEF = "gate.json", "gate.npy"


def load_span_model(path: Path) -> Language:
    if not (path / "meta.json").is_file():
        raise ConfigError(f"span model not found at {path} (run `make train-span`)")
    return spacy.load(path)


def load_gate(path: Path) -> LineGate | None:
    meta_path = path / GATE_META
    if not meta_path.is_file():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    coef = np.load(path / GATE_COEF).astype(np.float32)
    if coef.shape != (int(meta["n_features"]),):
        raise ConfigError(f"{path / GATE_COEF}: shape {coef.shape} != n_features")
    return LineGate(coef, float(meta["intercept"]), float(meta["threshold"]), coef.shape[0])


def save_gate(path: Path, gate: LineGate, **info: object) -> None:
    np.save(path / GATE_COEF, gate.coef.astype(np.float32))
    meta = {
        "n_features": gate.n_features,
        "intercept": gate.intercept,
        "threshold": gate.threshold,
        **info,
    }
    (path / GATE_META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
