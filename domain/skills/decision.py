"""The concept linker's learned top-1 decision (2026.11.19): a logistic regression over features
of (mention, candidate) instead of one threshold on the reranked cosine.

For each of a mention's first `top` vector candidates the model gives the probability that the
candidate is the concept the mention names; the top-1 is the candidate that may name (not found
by a weak label) with the highest probability, if it reaches `LinkerParams.decision_threshold`.
Trained by scripts/build_concept_decision.py on ESCO / O*NET alternative labels held out of the
index (pseudo-mentions) and 240 SkillSpan TRAIN spans linked by hand, never on the dev gold it
is scored on; the threshold is chosen on half A of the dev gold (bench/concept_linking.py
--halves). Pure: numpy only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.errors import ConfigError

_WORD = re.compile(r"[a-z0-9][a-z0-9+#.]*[a-z0-9+#]|[a-z0-9]")
_STOP = frozenset(
    ["a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "for", "with", "by", "from",
     "as", "using", "use", "your", "our"]
)  # fmt: skip


def word_key(w: str) -> str:
    """A crude lemma both sides share: plural and -ing / -ed / -e endings off
    ("developing", "develops", "developed", "develop" -> "develop"; "analyses" -> "analys")."""
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    return w.rstrip("e") if len(w) > 4 else w


def content_keys(text: str) -> list[str]:
    """The text's words without stop words, as `word_key`s, in order."""
    return list(_keys(text))


@lru_cache(maxsize=50_000)
def _keys(text: str) -> tuple[str, ...]:
    """`content_keys` as a tuple, remembered: a worker reads the same labels again and again
    (~6 texts, ~20 word_key calls per searched mention before s24cost3)."""
    return tuple(word_key(w) for w in _WORD.findall(text.lower()) if w not in _STOP)


@dataclass(frozen=True, slots=True)
class PairFacts:
    """What the decision reads of one vector candidate of a mention: `cosine` the static cosine
    of its best label, `score` the reranked score, `extra` the share of the label's content
    words the mention lacks and `lacks` the share of the mention's the label lacks (both
    [0, 1]), `label` that label, `preferred` whether it is the concept's preferred name,
    `onet` an O*NET concept, `naming` may be the top-1 (not found by a weak label)."""

    cosine: float
    score: float
    extra: float
    lacks: float
    label: str
    preferred: bool
    onet: bool
    naming: bool


FEATURES = (
    "cosine", "score", "rank0", "rank", "gap_next", "gap_best", "extra", "lacks", "head",
    "first", "same_keys", "preferred", "label_words", "mention_words", "skill", "onet",
    "naming", "short",
)  # fmt: skip


def pair_features(text: str, skill: bool, facts: Sequence[PairFacts]) -> npt.NDArray[np.float64]:
    """One row per candidate (in the reranked order given), columns FEATURES: scores, rank,
    gaps to the next and to the best other candidate, word overlap both ways, head (last) and
    first content word equal after `word_key`, equal word-key sets, label shape, kind, source."""
    mine = _keys(text)
    rows = []
    scores = [f.score for f in facts]
    for i, f in enumerate(facts):
        theirs = _keys(f.label)
        others = scores[:i] + scores[i + 1 :]
        nxt = scores[i + 1] if i + 1 < len(scores) else 0.0
        rows.append([
            f.cosine, f.score, float(i == 0), min(i, 5) / 5.0, f.score - nxt,
            f.score - (max(others) if others else 0.0), f.extra, f.lacks,
            float(bool(mine) and bool(theirs) and mine[-1] == theirs[-1]),
            float(bool(mine) and bool(theirs) and mine[0] == theirs[0]),
            float(bool(mine) and set(mine) == set(theirs)), float(f.preferred),
            math.log1p(len(theirs)), math.log1p(len(mine)), float(skill), float(f.onet),
            float(f.naming), float(len(text) <= 4),
        ])  # fmt: skip
    return np.asarray(rows, dtype=np.float64).reshape(len(facts), len(FEATURES))


@dataclass(frozen=True)
class LearnedDecision:
    """A standardized logistic regression over FEATURES: p = sigmoid(((x - mean) / scale) . coef
    + intercept). `top`: how many candidates it reads (the reranked first ones)."""

    mean: npt.NDArray[np.float64]
    scale: npt.NDArray[np.float64]
    coef: npt.NDArray[np.float64]
    intercept: float
    top: int = 5

    def probabilities(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """(n, len(FEATURES)) -> (n,) probabilities in [0, 1]."""
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -50, 50))))

    def choose(self, text: str, skill: bool, facts: Sequence[PairFacts]) -> tuple[int, float]:
        """(index into `facts`, its probability) of the naming candidate among the first `top`
        with the highest probability; (-1, 0.0) when none may name. The caller links it when
        the probability reaches its threshold (`LinkerParams.decision_threshold`)."""
        head = list(facts[: self.top])
        if not head:
            return -1, 0.0
        p = self.probabilities(pair_features(text, skill, head))
        best = max((i for i, f in enumerate(head) if f.naming), key=lambda i: p[i], default=-1)
        return (best, float(p[best])) if best >= 0 else (-1, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "mean": [round(float(v), 8) for v in self.mean],
                "scale": [round(float(v), 8) for v in self.scale],
                "coef": [round(float(v), 8) for v in self.coef],
                "intercept": round(float(self.intercept), 8), "top": self.top}  # fmt: skip

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LearnedDecision:
        """Raises ConfigError when the features differ from FEATURES or a vector is malformed."""
        if not isinstance(d, Mapping) or tuple(d.get("features", ())) != FEATURES:
            raise ConfigError("concept decision: features differ from this code's FEATURES")
        try:
            vecs = [np.asarray(d[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
            intercept, top = float(d["intercept"]), int(d["top"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"concept decision: {type(exc).__name__}: {exc}") from exc
        if any(v.shape != (len(FEATURES),) or not np.isfinite(v).all() for v in vecs):
            raise ConfigError(f"concept decision: mean/scale/coef need {len(FEATURES)} numbers")
        if (vecs[1] <= 0).any() or top < 1 or not math.isfinite(intercept):
            raise ConfigError("concept decision: scale must be > 0, top >= 1")
        return cls(vecs[0], vecs[1], vecs[2], intercept, top)
