"""A supervised group classifier (issue #24, 2026.11.18): which level-2 skill group / ISCED-F
field a phrase belongs to, learned from the taxonomy itself (every ESCO / O*NET concept's
preferred and alternative labels -> the level-2 group above it; scripts/build_group_classifier.py;
since 2026.11.29 also 550 hand-labelled SkillSpan train spans,
config/eval/skillspan_train_groups.jsonl, whose classes may be level-1 groups: "T3", "S5").
Pure: TF-IDF over word 1-2-grams and char 3-5-grams (fixed vocabularies), a linear model per
mention kind, a softmax over its scores. The placer (groups.py) uses it as one more vote.

Arrays per kind (`GroupModel`), all loaded by adapters/artifacts/group_classifier.py:
    words / chars  the vocabularies (feature i = position in words, then len(words) + j)
    idf            float32 (len(words) + len(chars),)
    coef           float32 (classes, features); intercept float32 (classes,)
    classes        the group codes, one per row of coef
    temperature    softmax(scores / temperature)
    coef1 / intercept1 / classes1  (s24grp5, optional) a level-1 head over the same features:
                   classes1 are level-1 groups (S1..S8, T1..T6, ...); `probs_pair` gives both
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import CountVectorizer

from domain.errors import ConfigError

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (3, 5)
ROW_CACHE = 20_000  # texts whose probability rows a GroupModel remembers (s24cost4)


def word_counter(vocabulary: Sequence[str] | None = None, min_df: int = 1) -> CountVectorizer:
    """The word 1-2-gram counter (lower-case, tokens of 1+ word characters or + / #)."""
    return CountVectorizer(
        analyzer="word",
        ngram_range=WORD_NGRAMS,
        token_pattern=r"(?u)[\w+#]+",
        lowercase=True,
        vocabulary=list(vocabulary) if vocabulary is not None else None,
        min_df=min_df,
        dtype=np.float32,
    )


def char_counter(vocabulary: Sequence[str] | None = None, min_df: int = 1) -> CountVectorizer:
    """The char 3-5-gram counter within word boundaries (lower-case)."""
    return CountVectorizer(
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
        lowercase=True,
        vocabulary=list(vocabulary) if vocabulary is not None else None,
        min_df=min_df,
        dtype=np.float32,
    )


def tfidf(counts: object, idf: npt.NDArray[np.float32]) -> object:
    """Sublinear tf x idf, each row scaled to unit length (a scipy CSR matrix in and out)."""
    x = counts.tocsr().astype(np.float32)  # type: ignore[attr-defined]
    x.data = 1.0 + np.log(x.data)
    x = x.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return x.multiply((1.0 / norms)[:, None]).tocsr()


class RowCache:
    """Probability rows by text, the least recently used forgotten past `size` texts (0: none
    kept). Rows live in preallocated float32 arrays (one per head) with a slot per text, so the
    cache holds a string and an int per text, not an array object each: few objects for the
    garbage collector to walk, and at most size x classes x 4 bytes per head."""

    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        self._slot: OrderedDict[str, int] = OrderedDict()
        self.two: npt.NDArray[np.float32] | None = None
        self.one: npt.NDArray[np.float32] | None = None

    def __contains__(self, text: object) -> bool:
        return text in self._slot

    def __len__(self) -> int:
        return len(self._slot)

    def slots(self, texts: Sequence[str]) -> npt.NDArray[np.intp]:
        """The slots of remembered `texts` (KeyError for one not remembered), in order;
        marks them recently used."""
        out = []
        for t in texts:
            self._slot.move_to_end(t)
            out.append(self._slot[t])
        return np.asarray(out, dtype=np.intp)

    def put(
        self,
        texts: Sequence[str],
        two: npt.NDArray[np.float32],
        one: npt.NDArray[np.float32] | None,
    ) -> None:
        """Remember row r of `two` (and of `one`) for texts[r] (distinct, not remembered);
        the least recently used texts give up their slots past `size`; of more than `size`
        new texts, the last `size` are kept."""
        if self.size == 0 or not texts:
            return
        if self.two is None:
            self.two = np.empty((self.size, two.shape[1]), dtype=np.float32)
            self.one = None if one is None else np.empty((self.size, one.shape[1]), np.float32)
        start = max(0, len(texts) - self.size)
        for r in range(start, len(texts)):
            if len(self._slot) < self.size:
                slot = len(self._slot)
            else:
                _, slot = self._slot.popitem(last=False)
            self._slot[texts[r]] = slot
            self.two[slot] = two[r]
            if self.one is not None and one is not None:
                self.one[slot] = one[r]


@dataclass
class GroupModel:
    """One kind's classifier. `probs` gives (texts, classes) probabilities (rows sum to 1)."""

    words: list[str]
    chars: list[str]
    idf: npt.NDArray[np.float32]
    coef: npt.NDArray[np.float32]
    intercept: npt.NDArray[np.float32]
    classes: list[str]
    temperature: float
    coef1: npt.NDArray[np.float32] | None = None
    intercept1: npt.NDArray[np.float32] | None = None
    classes1: list[str] = field(default_factory=list)
    cache_size: int = ROW_CACHE
    _w: CountVectorizer = field(init=False, repr=False)
    _c: CountVectorizer = field(init=False, repr=False)
    _rows: RowCache = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.words) + len(self.chars)
        if (
            self.idf.shape != (n,)
            or self.coef.shape != (len(self.classes), n)
            or self.intercept.shape != (len(self.classes),)
            or not self.classes
            or not self.temperature > 0
            or not np.isfinite(self.coef).all()
        ):
            raise ConfigError(
                f"group classifier: shapes disagree (features {n}, idf {self.idf.shape}, "
                f"coef {self.coef.shape}, classes {len(self.classes)})"
            )
        if self.coef1 is not None and (
            self.coef1.shape != (len(self.classes1), n)
            or self.intercept1 is None
            or self.intercept1.shape != (len(self.classes1),)
            or not self.classes1
            or not np.isfinite(self.coef1).all()
        ):
            raise ConfigError(
                f"group classifier: level-1 head shapes disagree (features {n}, coef1 "
                f"{self.coef1.shape}, classes1 {len(self.classes1)})"
            )
        self._w = word_counter(self.words)
        self._c = char_counter(self.chars)
        self._rows = RowCache(self.cache_size)

    def features(self, texts: Sequence[str]) -> object:
        """The (texts, features) TF-IDF rows (scipy CSR)."""
        from scipy.sparse import hstack

        counts = hstack([self._w.transform(texts), self._c.transform(texts)])
        return tfidf(counts, self.idf)

    def scores(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """(texts, classes) linear scores."""
        x = self.features(texts)
        out = np.asarray(x @ self.coef.T, dtype=np.float32)  # type: ignore[operator]
        return out + self.intercept[None, :]

    def probs(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """(texts, classes) softmax(scores / temperature); an empty list gives (0, classes)."""
        if not texts:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        return self._softmax(self.scores(texts))

    def probs_pair(
        self, texts: Sequence[str]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32] | None]:
        """(`probs`, the level-1 head's (texts, classes1) probabilities or None without a
        head), the TF-IDF features computed once. Rows are remembered per text (the last
        `ROW_CACHE` texts, `RowCache`): every step is row-independent (counts, TF-IDF, a CSR x
        dense product, a per-row softmax), so a remembered row is the row a new batch would give,
        bit for bit."""
        if not texts:
            return self._probs_pair(texts)
        cache = self._rows
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        old = [i for i, t in enumerate(texts) if t in cache]
        new = [i for i, t in enumerate(texts) if t not in cache]
        two_new, one_new = self._probs_pair(missing) if missing else (None, None)
        width = len(self.classes)
        two = np.empty((len(texts), width), dtype=np.float32)
        one = None if self.coef1 is None else np.empty((len(texts), len(self.classes1)), np.float32)
        if old:  # read before put: a new text may take an old one's slot
            slots = cache.slots([texts[i] for i in old])
            assert cache.two is not None
            two[old] = cache.two[slots]
            if one is not None and cache.one is not None:
                one[old] = cache.one[slots]
        if new and two_new is not None:
            at = {t: r for r, t in enumerate(missing)}
            src = np.asarray([at[texts[i]] for i in new], dtype=np.intp)
            two[new] = two_new[src]
            if one is not None and one_new is not None:
                one[new] = one_new[src]
            cache.put(missing, two_new, one_new)
        return two, one

    def clear(self) -> None:
        """Forget the remembered rows (a cold start, for benchmarks)."""
        self._rows = RowCache(self._rows.size)

    def _probs_pair(
        self, texts: Sequence[str]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32] | None]:
        if self.coef1 is None or self.intercept1 is None or not texts:
            return self.probs(texts), None
        x = self.features(texts)
        two = np.asarray(x @ self.coef.T, dtype=np.float32) + self.intercept[None, :]  # type: ignore[operator]
        one = np.asarray(x @ self.coef1.T, dtype=np.float32) + self.intercept1[None, :]  # type: ignore[operator]
        return self._softmax(two), self._softmax(one)

    def _softmax(self, scores: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        s = scores / self.temperature
        s -= s.max(axis=1, keepdims=True)
        e = np.exp(s)
        return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float32)


@dataclass
class GroupClassifier:
    """Per mention kind ("SKILL", "KNOWLEDGE") its `GroupModel`; a kind without one: None."""

    models: dict[str, GroupModel]

    def probs(self, texts: Sequence[str], kind: str | None) -> npt.NDArray[np.float32] | None:
        """(texts, classes of that kind) probabilities, or None for a kind with no model."""
        model = self.models.get(kind or "")
        return None if model is None else model.probs(texts)

    def probs_pair(
        self, texts: Sequence[str], kind: str | None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32] | None] | None:
        """`GroupModel.probs_pair` of that kind's model, or None for a kind with no model."""
        model = self.models.get(kind or "")
        return None if model is None else model.probs_pair(texts)

    def clear(self) -> None:
        """Forget every model's remembered rows (a cold start, for benchmarks)."""
        for model in self.models.values():
            model.clear()
