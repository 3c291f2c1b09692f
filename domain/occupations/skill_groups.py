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
skills, O*NET strings, the bench's "title only" rows are coded as before). Weight 2.0 and
temperature 100 were chosen on the Google dev titles and the 150 sample lines
(docs/occupations.md "Coder v7"). Pure: the arrays come from adapters/artifacts/occupations.py.
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
    rows in the order of `fusion.major_groups`), names (skill id -> name), and the weight,
    temperature and minimum number of known words of the group term."""

    vectorizer: TfidfVectorizer
    profiles: sp.csr_matrix
    names: Mapping[str, str]
    weight: float = WEIGHT
    temperature: float = TEMPERATURE
    min_terms: int = MIN_TERMS

    def group_terms(self, skills: Sequence[Sequence[str]]) -> np.ndarray:
        """(n, groups) term added to the group log-probabilities, one row per posting's skill
        ids; a zero row when the skills have fewer than `min_terms` known words."""
        out = np.zeros((len(skills), self.profiles.shape[0]), dtype=np.float64)
        texts = [skill_text(s, self.names) for s in skills]
        rows = [i for i, t in enumerate(texts) if t]
        if not rows or self.weight == 0:
            return out
        q = self.vectorizer.transform([texts[i] for i in rows]).tocsr()
        keep = np.flatnonzero(q.getnnz(axis=1) >= self.min_terms)
        if not len(keep):
            return out
        cos = np.asarray((q[keep] @ self.profiles.T).todense(), dtype=np.float64)
        out[np.asarray(rows)[keep]] = self.weight * log_softmax(cos * self.temperature)
        return out


def occupation_groups(
    label_occupation: np.ndarray, label_class: np.ndarray, codes: Sequence[str], n_occupations: int
) -> list[int]:
    """Each ESCO occupation's SOC major-group row (in `fusion.major_groups` order): the group of
    the class the coder gives its first label (the preferred one, as the build writes them), or
    -1 for an occupation without a label. label_occupation / label_class: one entry per label."""
    groups = sorted({c[:2] for c in codes})
    index = {g: i for i, g in enumerate(groups)}
    out = [-1] * n_occupations
    for row in range(len(label_occupation) - 1, -1, -1):  # the first label of each wins
        out[int(label_occupation[row])] = index[codes[int(label_class[row])][:2]]
    return out


def build_skill_groups(
    occupation_skills: sp.csr_matrix,
    skill_ids: Sequence[str],
    occupation_group: Sequence[int],
    n_groups: int,
    names: Mapping[str, str],
    weight: float = WEIGHT,
    temperature: float = TEMPERATURE,
) -> SkillGroupModel:
    """The model from ESCO's (occupations x skills) relation matrix (any non-zero is a relation),
    its columns' skill ids, each occupation's major-group row (0 <= g < n_groups; -1: left out)
    and the taxonomy's names. Raises ValueError when the lengths disagree."""
    if len(occupation_group) != occupation_skills.shape[0]:
        raise ValueError("one major group per ESCO occupation is needed")
    if len(skill_ids) != occupation_skills.shape[1]:
        raise ValueError("one skill id per column of the occupation-skill matrix is needed")
    m = occupation_skills.tocsr()
    docs: list[list[str]] = [[] for _ in range(n_groups)]
    for o, g in enumerate(occupation_group):
        if g < 0:
            continue
        for c in m.indices[m.indptr[o] : m.indptr[o + 1]]:
            if (name := names.get(skill_ids[c])) is not None:
                docs[g].append(name)
    vec = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32)
    profiles = vec.fit_transform([" ".join(d) for d in docs]).tocsr()
    return SkillGroupModel(vec, profiles, dict(names), weight, temperature)
