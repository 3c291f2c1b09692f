"""Job clustering: a posting's skill concepts + title words -> TF-IDF -> SVD -> k-means.

k-means is scikit-learn's KMeans (Lloyd), not MiniBatchKMeans: warm-started from the previous
clusters it stays put where the data did not change (refit ARI on 10k resampled real postings
+ 10% new: 0.94 vs 0.82 with MiniBatchKMeans, same time).

Pure: features in, a `ClusterModel` out, assignments from it. The model is plain numpy arrays
(vocabulary, idf, SVD components, centroids), so a worker assigns postings without scikit-learn
objects, and its `model_id` is a fingerprint of exactly those arrays.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from domain.errors import ConfigError

# Postings without a single feature (no skills, no usable title word) are not clustered: they
# get this cluster id, so every current posting has exactly one assignment per run.
NO_FEATURES = -1

_WORD = re.compile(r"[a-z][a-z+#.]*[a-z+#]|[a-z]")
_TITLE_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "for",
        "from",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "new",
        "job",
        "jobs",
        "role",
        "position",
        "m",
        "f",
        "d",
        "w",
        "x",
        "i",
        "ii",
        "iii",
        "iv",
        "sr",
        "jr",
    ]
)


@dataclass(frozen=True, slots=True)
class PostingFeatures:
    """What clustering sees of a posting: its current skills (concept id, name, confidence)."""

    posting_id: str
    title: str | None
    skills: tuple[tuple[str, str, float], ...] = ()

    def terms(self) -> dict[str, float]:
        """Feature -> weight: each skill's concept id weighted by confidence, title words 1.0."""
        out: dict[str, float] = {}
        for sid, _, conf in self.skills:
            out[sid] = max(out.get(sid, 0.0), float(conf))
        for w in _WORD.findall((self.title or "").lower()):
            if w not in _TITLE_STOP:
                out["title:" + w] = 1.0
        return out


@dataclass(frozen=True)
class ClusterParams:
    cluster_version: str
    k: int | None  # None: choose on a sample by silhouette ("auto" in config)
    k_candidates: tuple[int, ...] = (8, 12, 16, 24, 32)
    svd_components: int = 64
    min_df: int = 2
    max_features: int = 20000
    seed: int = 0
    fit_sample: int = 50000  # postings the model is fitted on at most (assignment covers all)
    min_match_jaccard: float = 0.2  # a new cluster inherits an old id only above this overlap
    chunk_size: int = 5000  # postings per assignment task
    refit_after_runs: int = 7  # runs on one model before a scheduled refit

    @classmethod
    def from_config(cls, raw: Mapping[str, Any] | None) -> ClusterParams:
        if not isinstance(raw, Mapping):
            raise ConfigError("model_versions.yaml: 'clustering' must be a mapping")
        version = raw.get("cluster_version")
        if not isinstance(version, str) or not version:
            raise ConfigError("clustering.cluster_version must be a non-empty string")
        k_raw = raw.get("k", "auto")
        k = None if k_raw == "auto" else k_raw
        if k is not None and (not isinstance(k, int) or isinstance(k, bool) or k < 2):
            raise ConfigError(f"clustering.k must be an integer >= 2 or 'auto', not {k_raw!r}")
        cands = tuple(int(c) for c in raw.get("k_candidates", cls.k_candidates))
        if any(c < 2 for c in cands) or not cands:
            raise ConfigError("clustering.k_candidates must be integers >= 2")
        p = cls(
            cluster_version=version,
            k=k,
            k_candidates=cands,
            **{
                name: type(getattr(cls, name))(raw[name])
                for name in (
                    "svd_components", "min_df", "max_features", "seed", "fit_sample",
                    "min_match_jaccard", "chunk_size", "refit_after_runs",
                )
                if name in raw
            },
        )  # fmt: skip
        if p.svd_components < 2 or p.chunk_size < 1 or p.fit_sample < 2 or p.min_df < 1:
            raise ConfigError("clustering: svd_components >= 2, chunk_size >= 1, min_df >= 1")
        return p

    @property
    def min_postings(self) -> int:
        return self.k if self.k is not None else min(self.k_candidates)


@dataclass(frozen=True)
class ClusterModel:
    cluster_version: str
    vocabulary: tuple[str, ...]
    idf: np.ndarray  # (n_features,)
    components: np.ndarray  # (n_dims, n_features): SVD basis
    centroids: np.ndarray  # (k, n_dims), unit rows
    cluster_ids: tuple[int, ...]  # stable ids, carried over from the previous model by matching
    labels: tuple[str, ...]
    sizes: tuple[int, ...]  # members in the fit sample
    n_fit: int
    parent_model_id: str | None = None
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({t: i for i, t in enumerate(self.vocabulary)})

    @property
    def k(self) -> int:
        return len(self.cluster_ids)

    @property
    def model_id(self) -> str:
        h = hashlib.sha256()
        h.update(json.dumps([self.cluster_version, self.vocabulary, self.cluster_ids]).encode())
        for a in (self.idf, self.components, self.centroids):
            h.update(np.ascontiguousarray(a, dtype=np.float32).tobytes())
        return "cm-" + h.hexdigest()[:12]

    def embed(self, features: Sequence[PostingFeatures]) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors in SVD space, and a mask of postings that had any known feature."""
        x = _tfidf(features, self._index, self.idf)
        has = np.asarray(x.getnnz(axis=1) > 0)
        z = np.asarray(x @ self.components.T, dtype=np.float64)
        return _unit(z), has

    def assign(self, features: Sequence[PostingFeatures]) -> list[tuple[str, int, float]]:
        """(posting_id, cluster_id, cosine distance to the centroid) per posting, input order."""
        if not features:
            return []
        z, has = self.embed(features)
        sims = z @ self.centroids.T
        best = sims.argmax(axis=1)
        ids = np.asarray(self.cluster_ids)[best]
        dist = 1.0 - sims[np.arange(len(features)), best]
        return [
            (f.posting_id, int(c), round(float(d), 6)) if ok else (f.posting_id, NO_FEATURES, 1.0)
            for f, c, d, ok in zip(features, ids, dist, has, strict=True)
        ]

    def to_arrays(self) -> dict[str, np.ndarray]:
        meta = {
            "cluster_version": self.cluster_version,
            "vocabulary": list(self.vocabulary),
            "cluster_ids": list(self.cluster_ids),
            "labels": list(self.labels),
            "sizes": list(self.sizes),
            "n_fit": self.n_fit,
            "parent_model_id": self.parent_model_id,
        }
        return {
            "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            "idf": self.idf.astype(np.float32),
            "components": self.components.astype(np.float32),
            "centroids": self.centroids.astype(np.float32),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> ClusterModel:
        meta = json.loads(bytes(arrays["meta"]).decode())
        return cls(
            cluster_version=meta["cluster_version"],
            vocabulary=tuple(meta["vocabulary"]),
            idf=np.asarray(arrays["idf"], dtype=np.float32),
            components=np.asarray(arrays["components"], dtype=np.float32),
            centroids=np.asarray(arrays["centroids"], dtype=np.float32),
            cluster_ids=tuple(int(c) for c in meta["cluster_ids"]),
            labels=tuple(meta["labels"]),
            sizes=tuple(int(s) for s in meta["sizes"]),
            n_fit=int(meta["n_fit"]),
            parent_model_id=meta.get("parent_model_id"),
        )


def _unit(z: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    return z / np.where(norms > 0, norms, 1.0)


def _tfidf(
    features: Sequence[PostingFeatures], index: Mapping[str, int], idf: np.ndarray
) -> sparse.csr_matrix:
    rows, cols, vals = [], [], []
    for i, f in enumerate(features):
        for term, w in f.terms().items():
            j = index.get(term)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(w * float(idf[j]))
    x = sparse.csr_matrix(
        (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(len(features), len(index))
    )
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    return sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)).astype(np.float32) @ x


def fit_model(
    features: Sequence[PostingFeatures],
    params: ClusterParams,
    previous: ClusterModel | None = None,
    previous_assignments: Mapping[str, int] | None = None,
) -> ClusterModel:
    """Fit a model on these postings (any order: they are sorted by id first).

    With a previous model and its assignments, k-means starts from the previous clusters'
    centres (as seen in the new space) and new clusters are matched to old ones by member overlap
    (Hungarian), so ids and labels carry over where a cluster persists.
    """
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.metrics import silhouette_score

    feats = sorted(features, key=lambda f: f.posting_id)
    if len(feats) > params.fit_sample:  # a deterministic sample: every n-th id
        step = len(feats) / params.fit_sample
        feats = [feats[int(i * step)] for i in range(params.fit_sample)]
    terms = [f.terms() for f in feats]
    df = Counter(t for ts in terms for t in ts)
    kept = sorted((t for t, n in df.items() if n >= params.min_df), key=lambda t: (-df[t], t))[
        : params.max_features
    ]
    vocab = tuple(sorted(kept))
    index = {t: i for i, t in enumerate(vocab)}
    n = len(feats)
    idf = np.asarray([np.log((1 + n) / (1 + df[t])) + 1.0 for t in vocab], dtype=np.float32)
    x = _tfidf(feats, index, idf)
    has = np.asarray(x.getnnz(axis=1) > 0)
    fit_feats = [f for f, ok in zip(feats, has, strict=True) if ok]
    x = x[has]
    k_min = params.min_postings
    if x.shape[0] < k_min or len(vocab) < 2:
        raise ValueError(f"{x.shape[0]} postings with features, {len(vocab)} terms: too few to fit")
    dims = max(1, min(params.svd_components, len(vocab) - 1, x.shape[0] - 1))
    svd = TruncatedSVD(n_components=dims, algorithm="randomized", random_state=params.seed)
    svd.fit(x)
    components = svd.components_.astype(np.float32)
    z = _unit(np.asarray(x @ components.T, dtype=np.float64))  # exactly what embed() computes

    k = params.k or _choose_k(z, params, silhouette_score, KMeans)
    k = min(k, x.shape[0])
    init: Any = "k-means++"
    prev_groups: dict[int, list[int]] = {}
    if previous is not None and previous_assignments:
        for i, f in enumerate(fit_feats):
            c = previous_assignments.get(f.posting_id)
            if c is not None and c != NO_FEATURES:
                prev_groups.setdefault(c, []).append(i)
        seeds = [z[m].mean(axis=0) for _, m in sorted(prev_groups.items()) if m]
        if len(seeds) >= k:  # the k largest previous clusters seed this fit
            order = sorted(prev_groups, key=lambda c: (-len(prev_groups[c]), c))[:k]
            init = _unit(np.stack([z[prev_groups[c]].mean(axis=0) for c in sorted(order)]))
    km = KMeans(
        n_clusters=k,
        init=init,
        n_init=1 if not isinstance(init, str) else 3,
        random_state=params.seed,
        max_iter=300,
    )
    km.fit(z)
    centroids = _unit(km.cluster_centers_.astype(np.float64))
    members = (z @ centroids.T).argmax(axis=1)
    ids = _match_ids(members, fit_feats, k, prev_groups, params.min_match_jaccard)
    labels, sizes = _labels(members, fit_feats, k)
    order = [int(i) for i in np.argsort(ids, kind="stable")]
    return ClusterModel(
        cluster_version=params.cluster_version,
        vocabulary=vocab,
        idf=idf,
        components=components,
        centroids=centroids[order].astype(np.float32),
        cluster_ids=tuple(int(ids[i]) for i in order),
        labels=tuple(labels[i] for i in order),
        sizes=tuple(sizes[i] for i in order),
        n_fit=len(fit_feats),
        parent_model_id=previous.model_id if previous is not None else None,
    )


def _choose_k(z: np.ndarray, params: ClusterParams, silhouette: Any, kmeans: Any) -> int:
    """The candidate k with the best silhouette on a fixed sample of at most 5,000 postings."""
    rng = np.random.default_rng(params.seed)
    sample = z if len(z) <= 5000 else z[rng.choice(len(z), 5000, replace=False)]
    best, best_score = params.k_candidates[0], -2.0
    for k in params.k_candidates:
        if k >= len(sample):
            break
        lab = kmeans(n_clusters=k, random_state=params.seed, n_init=3).fit_predict(sample)
        if len(set(lab)) < 2:
            continue
        score = float(silhouette(sample, lab, metric="cosine", random_state=params.seed))
        if score > best_score:
            best, best_score = k, score
    return best


def _match_ids(
    members: np.ndarray,
    feats: Sequence[PostingFeatures],
    k: int,
    prev_groups: Mapping[int, Sequence[int]],
    min_jaccard: float,
) -> list[int]:
    """Stable cluster ids: Hungarian matching of new clusters to previous ones on member Jaccard;
    unmatched clusters get fresh ids. Without a previous model: 0..k-1, largest cluster first."""
    new_sets = [set(np.flatnonzero(members == c).tolist()) for c in range(k)]
    if not prev_groups:
        order = sorted(range(k), key=lambda c: (-len(new_sets[c]), c))
        rank = {c: i for i, c in enumerate(order)}
        return [rank[c] for c in range(k)]
    old_ids = sorted(prev_groups)
    old_sets = [set(prev_groups[o]) for o in old_ids]
    jac = np.zeros((k, len(old_ids)))
    for i, a in enumerate(new_sets):
        for j, b in enumerate(old_sets):
            union = len(a | b)
            jac[i, j] = len(a & b) / union if union else 0.0
    rows, cols = linear_sum_assignment(-jac)
    ids: list[int | None] = [None] * k
    for r, c in zip(rows, cols, strict=True):
        if jac[r, c] >= min_jaccard:
            ids[r] = old_ids[c]
    fresh = max([*old_ids, -1]) + 1
    for c in sorted(range(k), key=lambda c: (-len(new_sets[c]), c)):
        if ids[c] is None:
            ids[c] = fresh
            fresh += 1
    return [int(i) for i in ids if i is not None]


def _labels(
    members: np.ndarray, feats: Sequence[PostingFeatures], k: int
) -> tuple[list[str], list[int]]:
    """Per cluster: its three most shared skill names and two most common title words."""
    skills: dict[int, Counter[str]] = defaultdict(Counter)
    words: dict[int, Counter[str]] = defaultdict(Counter)
    for c, f in zip(members.tolist(), feats, strict=True):
        skills[c].update({name for _, name, _ in f.skills})
        words[c].update({t[6:] for t in f.terms() if t.startswith("title:")})
    sizes = np.bincount(members, minlength=k).tolist()
    labels = []
    for c in range(k):
        top_s = [s for s, _ in sorted(skills[c].items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
        top_w = [w for w, _ in sorted(words[c].items(), key=lambda kv: (-kv[1], kv[0]))[:2]]
        labels.append(" / ".join(top_s) + (f" · {' '.join(top_w)}" if top_w else ""))
    return labels, [int(s) for s in sizes]
