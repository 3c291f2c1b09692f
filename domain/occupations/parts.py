"""The coder's fitted parts: the SOC title classifier, the title centroids and the ESCO label /
skill model, with the TF-IDF vectorizers they are built from. Pure: the arrays come from
adapters/artifacts/occupations.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from domain.occupations.code import Alternative as Alternative  # re-exported (v8 move)
from domain.occupations.code import OccupationCode as OccupationCode
from domain.occupations.crosswalk import SOC_MAJOR_TO_ISCO, SOC_MAJOR_TO_ISCO3
from domain.occupations.isco_groups import GroupMasks


def title_vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    """The SOC classifier's two feature spaces (word 1-2 grams, char_wb 2-5 grams), unfitted."""
    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
    return word, char


def esco_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)


def fitted(vec: TfidfVectorizer, vocab: Sequence[str], idf: np.ndarray) -> TfidfVectorizer:
    """A vectorizer as fitted, from its stored vocabulary (column order) and IDF weights."""
    vec.set_params(vocabulary={t: i for i, t in enumerate(vocab)})
    vec.idf_ = idf
    return vec


@dataclass(frozen=True)
class SocModel:
    """codes[i] 'XX-XXXX', titles[i], onet[i] 'XX-XXXX.YY'; coef (classes x features, CSR)."""

    codes: tuple[str, ...]
    titles: tuple[str, ...]
    onet: tuple[str, ...]
    word: TfidfVectorizer
    char: TfidfVectorizer
    coef: sp.csr_matrix
    intercept: np.ndarray
    temperature: float

    def features(self, texts: Sequence[str]) -> sp.csr_matrix:
        return sp.hstack([self.word.transform(texts), self.char.transform(texts)], format="csr")

    @cached_property
    def coef_t(self) -> sp.csr_matrix:
        """coef transposed, as CSR, once (converting it per call cost a fifth of a batch)."""
        return sp.csr_matrix(self.coef.T)

    def scores(self, texts: Sequence[str], x: sp.csr_matrix | None = None) -> np.ndarray:
        """Decision scores, (len(texts), classes); `x` their features when already computed."""
        x = self.features(texts) if x is None else x
        dense: np.ndarray = np.asarray((x @ self.coef_t).todense())
        return np.asarray(dense + self.intercept)

    def probabilities(self, texts: Sequence[str], x: sp.csr_matrix | None = None) -> np.ndarray:
        s = self.scores(texts, x) * self.temperature
        s -= s.max(axis=1, keepdims=True)
        e = np.exp(s)
        return np.asarray(e / e.sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class TitleCentroids:
    """Each SOC class's mean title vector (classes x dim, unit rows; zero for a class without
    titles) and the encoder that made them (texts -> (n, dim) unit rows). `weight` multiplies the
    cosine inside the exponent (chosen on dev titles: bench/occupation_embeddings.py)."""

    encode: Callable[[Sequence[str]], np.ndarray]
    centroids: np.ndarray
    weight: float

    def fuse(self, probabilities: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), classes) probabilities -> the same, renormalized after the fusion."""
        cos = np.asarray(self.encode(texts), dtype=np.float32) @ self.centroids.T
        z = np.log(np.maximum(probabilities, 1e-12)) + self.weight * cos
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class EscoModel:
    """ESCO occupations (uri, label, ISCO-08 unit group), their labels' vectors, and their skills."""

    uris: tuple[str, ...]
    labels: tuple[str, ...]
    isco: tuple[str, ...]
    label_text: tuple[str, ...]  # normalized labels, preferred and alternative
    label_occupation: np.ndarray  # label row -> occupation index
    label_vectors: sp.csr_matrix  # normalized rows
    vectorizer: TfidfVectorizer
    skill_index: Mapping[str, int]  # "esco:<uuid>" -> column of occupation_skills
    occupation_skills: sp.csr_matrix  # occupations x skills, IDF weight where related

    def similarities(self, texts: Sequence[str]) -> np.ndarray:
        """Cosine of every label to each text, (labels, len(texts)). One sparse x dense product
        for a batch: a sparse x sparse product per title cost ~12 ms, this ~1 ms a title."""
        q = self.vectorizer.transform(texts).T.toarray().astype(np.float32)
        return np.asarray(self.label_vectors @ q)

    @staticmethod
    def best(sims: np.ndarray, allowed: Sequence[np.ndarray | None] = ()) -> int:
        """The label with the highest `sims` among those of the first boolean mask in `allowed`
        under which any label shares an n-gram with the text, else among all labels."""
        for mask in allowed:
            if mask is None:
                continue
            inside = np.where(mask, sims, -1.0)
            if inside.max() > 0:
                return int(np.argmax(inside))
        return int(np.argmax(sims))

    def nearest(self, text: str, allowed: Sequence[np.ndarray | None] = ()) -> tuple[int, float]:
        """(occupation, cosine) of the label nearest to `text` (see `best`)."""
        sims = self.similarities([text])[:, 0]
        label = self.best(sims, allowed)
        return int(self.label_occupation[label]), float(sims[label])

    @cached_property
    def _isco_masks(self) -> dict[tuple[str, int], np.ndarray]:
        masks = {}
        for digits, table in ((2, SOC_MAJOR_TO_ISCO), (3, SOC_MAJOR_TO_ISCO3)):
            codes = np.array([self.isco[o][:digits] for o in self.label_occupation])
            masks.update({(k, digits): np.isin(codes, list(v)) for k, v in table.items()})
        return masks

    def in_isco(self, soc_major: str, digits: int = 2) -> np.ndarray | None:
        """Labels whose ISCO-08 sub-major group (2 digits; v8: minor group, 3) holds occupations
        of this SOC major group; None for a major outside the crosswalk."""
        return self._isco_masks.get((soc_major, digits))

    def in_isco_groups(self, groups: frozenset[str]) -> np.ndarray:
        """v9: the labels whose occupation's ISCO-08 unit group is, or lies in, one of `groups`
        (3 or 4 digits); cached per set (isco_groups.GroupMasks)."""
        return self._group_masks.mask(groups)

    @cached_property
    def _group_masks(self) -> GroupMasks:
        return GroupMasks(tuple(self.isco[o] for o in self.label_occupation))

    def from_skills(self, skill_ids: Sequence[str]) -> tuple[int, float, int]:
        """(occupation, share of the posting's skill weight it explains, skills known to ESCO)."""
        cols = sorted({self.skill_index[s] for s in skill_ids if s in self.skill_index})
        if not cols:
            return -1, 0.0, 0
        x = np.zeros(self.occupation_skills.shape[1], dtype=np.float32)
        x[cols] = 1.0
        overlap = self.occupation_skills @ x
        size = np.asarray(self.occupation_skills.getnnz(axis=1), dtype=np.float32)
        score = overlap / np.sqrt(np.maximum(size, 1.0))
        best = int(np.argmax(score))
        total = float(np.asarray(self.occupation_skills[:, cols].max(axis=0).todense()).sum())
        return best, float(overlap[best] / total) if total else 0.0, len(cols)
