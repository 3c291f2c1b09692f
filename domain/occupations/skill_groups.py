"""The posting's skills as evidence for the SOC major group (coder v7, s27title3).

Titles alone confuse major groups where the words are shared ("Account Manager" is a marketing,
sales or customer-service manager; "Solutions Engineer" an engineer or a sales engineer), and the
posting's skills say which. Nothing labelled on postings is used: each SOC major group gets a
profile, the TF-IDF of the names of the skills ESCO v1.1.1 relates to the ESCO occupations the
coder's own learned crosswalk (`OccupationCoder.esco_soc`, the SOC classifier's answer for the
occupation's preferred label) puts in that group. A posting's skills are read as text: a linked
skill by its taxonomy name, an unlinked span by its own words (`span:<category>:<words>` ids). The
group log-probability the coder decides on (`fusion.MajorGroupPrior.rank`) gains

    weight x log softmax(temperature x cosine(posting's skill text, group profile))

when the skill text has at least `min_terms` known words; otherwise nothing (titles without
skills, O*NET strings, the bench's "title only" rows are coded as before). The same way, each SOC
class that some ESCO occupation maps to has a profile, and the class probabilities are multiplied
by exp(class_sharpness x cosine) before the decision (renormalized): the skills choose among the
codes of a group too. Weight 2.0, temperature 100 and class sharpness 40 were chosen on the Google
dev titles and the 150 sample lines (docs/occupations.md "Coder v7"). Pure: the arrays come from
adapters/artifacts/occupations.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from domain.occupations.fusion import log_softmax

WEIGHT = 2.0
TEMPERATURE = 100.0
CLASS_SHARPNESS = 40.0
MIN_TERMS = 3
_SPAN = "span:"


def skill_text(skill_ids: Sequence[str], names: Mapping[str, str]) -> str:
    """The words of a posting's skills: a known id's name, a `span:<category>:<words>` id's
    words; other ids (unknown to the taxonomy) add nothing."""
    out = []
    for s in skill_ids:
        if s.startswith(_SPAN):
            out.append(s.split(":", 2)[-1])
        elif s in names:
            out.append(names[s])
    return " ".join(out)


@dataclass(frozen=True)
class SkillGroupModel:
    """vectorizer (fitted on the group profiles), profiles (groups x vocabulary, unit rows, CSR,
    rows in the order of `fusion.major_groups`), class_idf_ratio (vocabulary,: the IDF over
    classes / the IDF over groups, same vocabulary), class_profiles (classes x vocabulary, TF-IDF
    with the IDF over classes, a zero row for a class no ESCO occupation maps to), names (skill id -> name), and the weight, temperature,
    class sharpness and minimum number of known words of the skills' terms."""

    vectorizer: TfidfVectorizer
    profiles: sp.csr_matrix
    class_idf_ratio: np.ndarray
    class_profiles: sp.csr_matrix
    names: Mapping[str, str]
    weight: float = WEIGHT
    temperature: float = TEMPERATURE
    class_sharpness: float = CLASS_SHARPNESS
    min_terms: int = MIN_TERMS

    def _queries(self, skills: Sequence[Sequence[str]]) -> tuple[np.ndarray, sp.csr_matrix]:
        """(rows with at least `min_terms` known words, their TF-IDF rows, IDF over groups)."""
        texts = [skill_text(s, self.names) for s in skills]
        rows = [i for i, t in enumerate(texts) if t]
        if not rows or self.weight == 0:
            return np.zeros(0, dtype=np.int64), sp.csr_matrix((0, self.profiles.shape[1]))
        q = self.vectorizer.transform([texts[i] for i in rows]).tocsr()
        keep = np.flatnonzero(q.getnnz(axis=1) >= self.min_terms)
        return np.asarray(rows, dtype=np.int64)[keep], q[keep]

    def terms(self, skills: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """((n, groups) term added to the group log-probabilities, (n, classes) term added to the
        class log-probabilities), one row per posting's skill ids; zero rows when the skills have
        fewer than `min_terms` known words or the weight is 0."""
        groups = np.zeros((len(skills), self.profiles.shape[0]), dtype=np.float64)
        classes = np.zeros((len(skills), self.class_profiles.shape[0]), dtype=np.float64)
        rows, q = self._queries(skills)
        if not len(rows):
            return groups, classes
        cos = np.asarray((q @ self.profiles.T).todense(), dtype=np.float64)
        groups[rows] = self.weight * log_softmax(cos * self.temperature)
        # the same words weighted by the IDF over classes: one tokenization for both
        qc = sp.csr_matrix(q.multiply(self.class_idf_ratio[None, :]))
        norm = np.sqrt(np.asarray(qc.multiply(qc).sum(axis=1)))
        qc = sp.csr_matrix(qc.multiply(1.0 / np.maximum(norm, 1e-30)))
        cls = np.asarray((qc @ self.class_profiles.T).todense(), dtype=np.float64)
        classes[rows] = self.class_sharpness * cls
        return groups, classes

    def group_terms(self, skills: Sequence[Sequence[str]]) -> np.ndarray:
        """The (n, groups) part of `terms`."""
        return self.terms(skills)[0]


def occupation_classes(
    label_occupation: np.ndarray, label_class: np.ndarray, n_occupations: int
) -> list[int]:
    """Each ESCO occupation's SOC class: the class the coder gives its first label (the preferred
    one, as the build writes them; `label_class`, one per label), or -1 without a label."""
    out = [-1] * n_occupations
    for row in range(len(label_occupation) - 1, -1, -1):  # the first label of each wins
        out[int(label_occupation[row])] = int(label_class[row])
    return out


def build_skill_groups(
    occupation_skills: sp.csr_matrix,
    skill_ids: Sequence[str],
    occupation_class: Sequence[int],
    codes: Sequence[str],
    names: Mapping[str, str],
    weight: float = WEIGHT,
    temperature: float = TEMPERATURE,
    class_sharpness: float = CLASS_SHARPNESS,
) -> SkillGroupModel:
    """The model from ESCO's (occupations x skills) relation matrix (any non-zero is a relation),
    its columns' skill ids, each occupation's SOC class index into `codes` (-1: left out) and the
    taxonomy's names. Raises ValueError when the lengths disagree."""
    if len(occupation_class) != occupation_skills.shape[0]:
        raise ValueError("one SOC class per ESCO occupation is needed")
    if len(skill_ids) != occupation_skills.shape[1]:
        raise ValueError("one skill id per column of the occupation-skill matrix is needed")
    groups = sorted({c[:2] for c in codes})
    group_of = {g: i for i, g in enumerate(groups)}
    m = occupation_skills.tocsr()
    by_class: list[list[str]] = [[] for _ in codes]
    for o, c in enumerate(occupation_class):
        if c < 0:
            continue
        for col in m.indices[m.indptr[o] : m.indptr[o + 1]]:
            if (name := names.get(skill_ids[col])) is not None:
                by_class[c].append(name)
    by_group: list[list[str]] = [[] for _ in groups]
    for c, words in enumerate(by_class):
        by_group[group_of[codes[c][:2]]].extend(words)
    vec = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32)
    profiles = vec.fit_transform([" ".join(d) for d in by_group]).tocsr()
    # IDF over classes; a class no ESCO occupation maps to has an empty document: a zero row
    cvec = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32)
    class_profiles = cvec.fit_transform([" ".join(d) for d in by_class]).tocsr()
    if cvec.vocabulary_ != vec.vocabulary_:  # group documents are the classes' words together
        raise ValueError("class and group profiles do not share their vocabulary")
    ratio = (cvec.idf_ / vec.idf_).astype(np.float64)
    return SkillGroupModel(
        vec, profiles, ratio, class_profiles, dict(names), weight, temperature, class_sharpness
    )
