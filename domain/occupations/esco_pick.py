"""v8: how near each ESCO label is to a posting title, by characters and by meaning. Pure.

v3-v7 compared a title with the ESCO labels by char_wb 2-4 n-gram TF-IDF cosine only, and
took the nearest label among those whose occupation the learned crosswalk codes as the same SOC
class, else among the ISCO groups of the SOC major (coder.py, crosswalk.py). v8 adds
`weight` x the cosine of the title's sentence vector (the model2vec encoder the SOC side
already uses for its title centroids) to each label's vector, within the same masks (v8: ISCO
minor groups, crosswalk.SOC_MAJOR_TO_ISCO3). Weight chosen on the dev set's ISCO labels
(docs/occupations.md, "Coder v8"). Also: a skills-coded posting's SOC code that agrees with
its ESCO occupation (`agreeing_top`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from domain.occupations.crosswalk import SOC_MAJOR_TO_ISCO3

# v8: the weight of the sentence-vector cosine next to the char n-gram cosine (0: v7's reading).
VECTOR_WEIGHT = 1.0


def label_vectors(
    encode: Callable[[Sequence[str]], np.ndarray], labels: Sequence[str]
) -> np.ndarray:
    """The labels' unit sentence vectors, (len(labels), dim) float32."""
    return np.asarray(encode(list(labels)), dtype=np.float32)


def best_by_meaning(
    sims: np.ndarray,
    allowed: Sequence[np.ndarray | None],
    vectors: np.ndarray,
    query: np.ndarray,
    weight: float = VECTOR_WEIGHT,
) -> int:
    """EscoModel.best over `sims` + `weight` x (`vectors` @ `query`): the label with the highest
    total among those of the first mask in `allowed` where some total is > 0, else among all.
    `sims` (labels,) char n-gram cosines, `vectors` (labels, dim), `query` (dim,) the title's
    unit vector. Only a mask's labels are multiplied (a batch-wide labels x titles product cost
    ~0.4 ms a posting, 13% of the coder)."""
    for mask in allowed:
        if mask is None:
            continue
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        total = sims[idx] + weight * (vectors[idx] @ query)
        if total.max() > 0:
            return int(idx[int(np.argmax(total))])
    return int(np.argmax(sims + weight * (vectors @ query)))


def agreeing_top(p: np.ndarray, top: np.ndarray, codes: Sequence[str], isco: str) -> np.ndarray:
    """A skills-coded posting's SOC top 3 (class indices) given its ESCO occupation's ISCO-08
    group `isco`: `top` when its first class's SOC major admits that ISCO minor group
    (SOC_MAJOR_TO_ISCO3), else the 3 most probable (`p`) classes of the majors that admit it
    (`top` when none does)."""
    majors = {m for m, groups in SOC_MAJOR_TO_ISCO3.items() if isco[:3] in groups}
    if codes[int(top[0])][:2] in majors or not majors:
        return top
    ok = np.array([c[:2] in majors for c in codes])
    return np.argsort(-np.where(ok, p, -1.0), kind="stable")[:3]
