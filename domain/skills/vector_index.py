"""The concept linker's vector index: every taxonomy label as a unit vector, nearest labels by
matrix product (domain/skills/search.py). Pure: the encoder is passed in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.models import KIND_OF_CATEGORY
from domain.skills.search import TOP_WIDTH, Projection, best_rows
from domain.skills.taxonomy import Taxonomy

Encoder = Callable[[Sequence[str]], npt.NDArray[np.float32]]


class VectorIndex:
    """Every label as a unit vector, one matrix per kind; nearest neighbour by one matrix product
    per block of queries (domain/skills/search.py). The encoder returns unit rows (dense arrays,
    or scipy sparse)."""

    def __init__(
        self,
        encoder: Encoder,
        labels: Sequence[str],
        skill_ids: Sequence[str],
        kinds: Sequence[str],
        block: int = 64,
    ) -> None:
        self.encoder = encoder
        self.block = block
        # the two-stage search (search.Projection, approximate): none in the product; set by
        # bench/linker_replay.py --setting to measure it (docs/concept-linking.md, s24cost)
        self.projections: dict[str, Projection] = {}
        self.pool = 0
        self._recent: dict[str, Any] = {}  # the last top() call's query vectors, by text
        matrix = encoder(labels)
        # one matrix per kind; a query of unknown kind searches both (no third, full copy)
        self.parts: dict[str, tuple[Any, list[str]]] = {}
        self.labels: dict[str, list[str]] = {}
        for kind in ("SKILL", "KNOWLEDGE"):
            rows = [i for i, k in enumerate(kinds) if k == kind]
            part = matrix[rows]
            if isinstance(part, np.ndarray) and len(rows) % TOP_WIDTH:
                # zero rows up to a multiple of TOP_WIDTH, so top() reads the scores as blocks
                # without a copy; a zero row scores 0 and is never a neighbour (score > 0 only)
                pad = np.zeros((TOP_WIDTH - len(rows) % TOP_WIDTH, part.shape[1]), part.dtype)
                part = np.vstack([part, pad])
            self.parts[kind] = (part, [skill_ids[i] for i in rows])
            self.labels[kind] = [labels[i] for i in rows]

    def two_stage(self, dims: int, pool: int) -> None:
        """Search in two stages from now on (`search.best_rows` with a `Projection` of each
        dense kind matrix to `dims` dimensions, `pool` rows re-scored exactly); dims 0: exact
        again. Raises ValueError when dims is not below the vectors' dimension."""
        self.pool = pool if dims else 0
        self.projections = {
            kind: Projection(matrix, dims)
            for kind, (matrix, sids) in self.parts.items()
            if dims and sids and isinstance(matrix, np.ndarray)
        }

    def nearest(
        self, texts: Sequence[str], kinds: Sequence[str | None]
    ) -> list[tuple[str | None, float]]:
        out: list[tuple[str | None, float]] = [(None, 0.0)] * len(texts)
        for part, (matrix, sids) in self.parts.items():
            idx = [i for i, k in enumerate(kinds) if k in (part, None)]
            if not sids or not idx:
                continue
            for b in range(0, len(idx), self.block):
                chunk = idx[b : b + self.block]
                sims = self.encoder([texts[i] for i in chunk]) @ matrix.T
                sims = np.asarray(sims.toarray() if hasattr(sims, "toarray") else sims)
                best = np.argmax(sims, axis=1)
                for i, j, score in zip(chunk, best, sims[np.arange(len(chunk)), best], strict=True):
                    if score > 0 and score > out[i][1]:
                        out[i] = (sids[int(j)], float(score))
        return out

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """The encoder's unit rows for `texts`: the last `top` call's vectors where it read the
        same text (no second encoding), the others encoded now."""
        recent = self._recent
        missing = [t for t in dict.fromkeys(texts) if t not in recent]
        if missing:
            got = self.encoder(missing)
            if not isinstance(got, np.ndarray):  # a sparse encoder (bench): no reuse
                return np.asarray(self.encoder(list(texts)))
            recent = {**recent, **dict(zip(missing, got, strict=True))}
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([recent[t] for t in texts]).astype(np.float32, copy=False)

    def top(
        self,
        texts: Sequence[str],
        kinds: Sequence[str | None],
        n: int,
        contexts: Sequence[str] | None = None,
    ) -> list[list[tuple[str, float, str, float]]]:
        """Up to `n` concepts per text, kind-consistent, by their best label's cosine, best
        first: (skill_id, cosine, that label, cosine of the label with the text's context;
        0.0 without contexts). Ties break by label order (deterministic)."""
        out: list[list[tuple[str, float, str, float]]] = [[] for _ in texts]
        ctx = self.encoder(list(contexts)) if contexts is not None else None
        # every text encoded once (a text of unknown kind searches both parts), and kept for
        # `encode` until the next call: the group step reads the same vectors
        queries = self.encoder(list(texts)) if texts else None
        if isinstance(queries, np.ndarray):
            self._recent = {t: queries[i] for i, t in enumerate(texts)}
        for part, (matrix, sids) in self.parts.items():
            idx = [i for i, k in enumerate(kinds) if k in (part, None)]
            if not sids or not idx:
                continue
            labels = self.labels[part]
            m = min(2 * n, len(sids))
            real = len(sids)
            assert queries is not None
            near, vals = best_rows(
                queries[idx], matrix, m, self.block, self.projections.get(part), self.pool
            )  # best first, ties: lower column first
            for r, i in enumerate(idx):
                seen: set[str] = set()
                for j, v in zip(near[r], vals[r], strict=True):
                    if j >= real or v <= 0:  # a padding row, or no likeness
                        continue
                    sid = sids[j]
                    if sid in seen:
                        continue
                    seen.add(sid)
                    cx = float(matrix[j] @ ctx[i]) if ctx is not None else 0.0
                    out[i].append((sid, float(v), labels[j], cx))
                    if len(seen) >= n:
                        break
        for i, k in enumerate(kinds):
            if k is None and out[i]:  # both parts searched: one ranking
                out[i] = sorted(out[i], key=lambda c: -c[1])[:n]
        return out


def unit_rows(m: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    m = np.asarray(m, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def label_rows(
    taxonomy: Taxonomy, exclude: frozenset[str] = frozenset()
) -> list[tuple[str, str, str]]:
    """(label, skill_id, kind) for every preferred and alternative label not in `exclude`."""
    rows = []
    for s in sorted(taxonomy, key=lambda s: s.skill_id):
        kind = KIND_OF_CATEGORY.get(s.category, "KNOWLEDGE")
        for label in dict.fromkeys((s.name, *s.aliases)):
            if label.lower() not in exclude:
                rows.append((label, s.skill_id, kind))
    return rows
