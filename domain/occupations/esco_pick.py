"""v8: how near each ESCO label is to a posting title, by characters and by meaning. Pure.

v3-v7 compared a title with the ESCO labels by char_wb 2-4 n-gram TF-IDF cosine only, and
took the nearest label among those whose occupation the learned crosswalk codes as the same SOC
class, else among the ISCO groups of the SOC major (coder.py, crosswalk.py). v8 adds
`weight` x the cosine of the title's sentence vector (the model2vec encoder the SOC side
already uses for its title centroids) to each label's vector: "Program Manager" is near
"programme manager" by meaning as well as by letters. Weight chosen on the dev set's ISCO
labels (docs/occupations.md, "Coder v8").
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


def with_meaning(
    sims: np.ndarray,
    vectors: np.ndarray,
    encode: Callable[[Sequence[str]], np.ndarray],
    texts: Sequence[str],
    weight: float = VECTOR_WEIGHT,
) -> np.ndarray:
    """`sims` (labels, len(texts)) + `weight` x the cosine of each text's vector to each label's
    `vectors` row; `sims` unchanged when weight is 0 or there are no texts."""
    if weight <= 0 or not len(texts):
        return sims
    q = np.asarray(encode(list(texts)), dtype=np.float32)
    return np.asarray(sims + weight * (vectors @ q.T))


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
