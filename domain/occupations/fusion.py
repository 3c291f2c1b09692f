"""The occupation coder's group-first decision (coder v3): the SOC major group, then the code.

`MajorGroupPrior` is a second linear classifier over the SOC classifier's title features, fitted
on the 23 SOC major groups. The top-1 code is chosen group first: the major group with the highest
log(sum of its classes' probabilities) + weight * log p(group | title), then that group's most
probable class; the other two alternatives follow by probability. Adding the group term to every
class instead (a prior) raised 2-digit top-1 as much but lowered 2-digit top-3, since it packs
the top 3 into one group (bench/occupation_v3_choices.py, dev strings). Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from domain.occupations.head_prior import HeadWordPrior


def major_groups(codes: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """The SOC major groups ('XX') of 6-digit `codes`, sorted, and the (groups, classes) 0/1
    float32 matrix saying which group each class belongs to."""
    groups = tuple(sorted({c[:2] for c in codes}))
    index = {g: i for i, g in enumerate(groups)}
    member = np.zeros((len(groups), len(codes)), dtype=np.float32)
    member[[index[c[:2]] for c in codes], np.arange(len(codes))] = 1.0
    return groups, member


def log_softmax(s: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax of a (n, classes) score array."""
    z = s - s.max(axis=1, keepdims=True)
    return np.asarray(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))


@dataclass(frozen=True)
class MajorGroupPrior:
    """coef (groups x title features, CSR), intercept (groups,), the softmax temperature, the
    (groups, classes) membership matrix of `major_groups`, and the weight of the log-prior."""

    coef: sp.csr_matrix
    intercept: np.ndarray
    temperature: float
    member: np.ndarray
    weight: float
    heads: HeadWordPrior | None = None  # v6: O*NET's head-word prior (head_prior.py)

    @cached_property
    def coef_t(self) -> sp.csr_matrix:
        """coef transposed, as CSR, once (not converted on every batch)."""
        return sp.csr_matrix(self.coef.T)

    def log_probabilities(self, features: sp.csr_matrix, texts: Sequence[str] = ()) -> np.ndarray:
        """(n, groups) log p(group | title) from the SOC classifier's feature rows; with `heads`
        and the n normalized `texts`, plus the head-word log prior."""
        s = np.asarray((features @ self.coef_t).todense()) + self.intercept
        out = log_softmax(s * self.temperature)
        if self.heads is not None and len(texts):
            out = out + self.heads.log_prior(texts)
        return out

    def rank(
        self, p: np.ndarray, group_log_p: np.ndarray, k: int = 3, extra: np.ndarray | None = None
    ) -> np.ndarray:
        """(n, classes) class probabilities and (n, groups) log p(group) -> (n, k) class indices:
        the first chosen group first, the others by p (stable order on ties). `extra`: an (n,
        groups) term added to the group scores (v7: the skills, skill_groups.py)."""
        order = np.argsort(-p, axis=1, kind="stable")
        mass = np.log(np.maximum(p @ self.member.T, 1e-30))
        score = mass + self.weight * group_log_p
        group = np.argmax(score if extra is None else score + extra, axis=1)
        first = np.argmax(np.where(self.member[group] > 0, p, -1.0), axis=1)
        out = np.empty((len(p), min(k, p.shape[1])), dtype=np.int64)
        for i in range(len(p)):
            rest = order[i][order[i] != first[i]]
            out[i] = np.r_[first[i], rest[: out.shape[1] - 1]]
        return out
