"""Train the block classifier (multinomial logistic regression over hashed block features)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from domain.errors import ConfigError
from domain.sections.blocks import LABELS, N_FEATURES, BlockModel, hashed


def train_block_model(
    examples: Sequence[tuple[list[str], str]], c: float = 4.0, meta: dict[str, Any] | None = None
) -> BlockModel:
    """Fit on (features, label) pairs. Deterministic: lbfgs from zeros, rows in input order."""
    unknown = sorted({label for _, label in examples} - set(LABELS))
    if unknown:
        raise ConfigError(f"unknown section labels {unknown}; expected {LABELS}")
    if not examples:
        raise ConfigError("no labelled blocks to train on")
    rows, cols = [], []
    for i, (feats, _) in enumerate(examples):
        idx = hashed(feats)
        rows.append(np.full(len(idx), i, dtype=np.int64))
        cols.append(idx)
    r, k = np.concatenate(rows), np.concatenate(cols)
    x = sparse.csr_matrix((np.ones(len(r)), (r, k)), shape=(len(examples), N_FEATURES))
    y = np.array([label for _, label in examples])
    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    clf.fit(x, y)
    present = [str(c) for c in clf.classes_]
    coef = np.zeros((len(present), N_FEATURES), dtype=np.float32)
    coef[:, :] = clf.coef_.astype(np.float32)
    return BlockModel(
        labels=tuple(present),
        coef=coef,
        intercept=clf.intercept_.astype(np.float32),
        meta=dict(meta or {}, C=c, blocks=len(examples), labels=present),
    )
