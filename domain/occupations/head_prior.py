"""Head-word priors (coder v6): which SOC major groups a title's head word names in O*NET.

Many posting titles fail on their head noun read under the wrong family ("Operations Specialist"
coded as a military occupation, "Inventory Accounting Manager" as a clerical supervisor). O*NET's
own titles say how a head word (the normalized title's last word) and its modifier + head
(last two words) spread over the 23 SOC major groups. `HeadWordPrior.log_prior` turns those
counts into a log prior over groups, added (times `weight`) to the group classifier's
log-probabilities of the group-first top-1 (fusion.py): the two-word key when O*NET has at least
`min_count` titles for it, else the head word's, else nothing (a uniform prior). Counts come from
the kept O*NET strings only (scripts/build_occupations.py). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


def head_keys(text: str) -> tuple[str, str]:
    """'senior data analyst' -> ('data analyst', 'analyst'); one word -> ('', word); '' -> ('', '')."""
    words = text.split()
    if not words:
        return "", ""
    return (" ".join(words[-2:]) if len(words) > 1 else ""), words[-1]


def head_counts(pairs: Iterable[tuple[str, str]], groups: Sequence[str]) -> dict[str, np.ndarray]:
    """(SOC code 'XX-XXXX...', normalized title) pairs -> {key: titles per group (len(groups),)}
    for both keys of each title (`head_keys`)."""
    index = {g: i for i, g in enumerate(groups)}
    out: dict[str, np.ndarray] = {}
    for code, text in pairs:
        for key in head_keys(text):
            if key:
                out.setdefault(key, np.zeros(len(groups), dtype=np.float32))[index[code[:2]]] += 1
    return out


@dataclass(frozen=True)
class HeadWordPrior:
    """counts: key -> titles per major group (groups in `fusion.major_groups` order); `weight`
    multiplies the log prior; `alpha` is the add-alpha smoothing per group."""

    counts: Mapping[str, np.ndarray]
    n_groups: int
    weight: float
    min_count: int = 5
    alpha: float = 0.5

    def log_prior(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), groups): weight x log P(group | key), 0 for a text without a known key."""
        out = np.zeros((len(texts), self.n_groups), dtype=np.float64)
        for i, t in enumerate(texts):
            for key in head_keys(t):
                c = self.counts.get(key) if key else None
                if c is not None and c.sum() >= self.min_count:
                    p = (c + self.alpha) / (c.sum() + self.alpha * self.n_groups)
                    out[i] = self.weight * np.log(p)
                    break
        return out
