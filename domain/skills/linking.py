"""Concept linking: name the ESCO / O*NET concept a mention expresses, or none.

Methods, tried in order; the first that finds a kind-consistent concept wins:
    exact       the mention is a concept's preferred or alternative label (case-insensitive)
    alias       the mention is a curated alias or link-only phrase (config/skill_aliases.yaml
                `aliases:` and `links:`)
    normalized  a short form of a product's preferred name: without its vendor ("Kafka" for
                Apache Kafka, "JIRA" for Atlassian JIRA) or its trailing acronym alone or
                spelled out ("DNS" / "domain name system" for Domain name system DNS); else
                equal after lower-casing, dropping stop words and punctuation, singular nouns,
                base verbs and word order ("developing web applications" = "develop web application")
    vector      nearest label in a vector index over every preferred + alternative label, if its
                cosine similarity reaches `threshold`
Kind-consistent: a SKILL mention links to a skill/competence concept, a KNOWLEDGE mention to
knowledge, a technology or a language. `link_score` is 1.0 for exact and alias, 0.95 for
normalized and the cosine for vector; an unlinked mention scores 0 with method "none".
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.errors import ConfigError
from domain.models import KIND_OF_CATEGORY
from domain.skills.taxonomy import Alias, Taxonomy, is_weak_label

EXACT, ALIAS_LINK, NORMALIZED, VECTOR, NONE = "exact", "alias", "normalized", "vector", "none"
NORMALIZED_SCORE = 0.95

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "by",
        "from",
        "as",
        "be",
        "is",
        "are",
        "using",
        "use",
        "e.g.",
        "eg",
        "etc",
        "your",
        "our",
        "their",
        "its",
        "this",
        "that",
        "these",
        "those",
        "such",
        "other",
        "various",
    ]
)
# Words job ads wrap around a skill that say nothing about which one: "excellent written
# communication skills" names the concept "communication". Dropped from mention text before
# every method (labels keep them: "language skills" stays a label).
FILLER = frozenset(
    [
        "skill",
        "skills",
        "ability",
        "abilities",
        "good",
        "strong",
        "excellent",
        "great",
        "proven",
        "solid",
        "demonstrated",
        "outstanding",
        "exceptional",
        "effective",
        "very",
        "highly",
        "basic",
        "advanced",
        "proficient",
        "proficiency",
        "familiarity",
        "understanding",
        "hands-on",
    ]
)


def strip_filler(text: str) -> str:
    words = text.split()
    kept = [w for w in words if w.lower().strip(",.;:()") not in FILLER]
    return " ".join(kept) if kept else text


_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#.]*[a-z0-9+#]|[a-z0-9]")


def _singular(w: str) -> str:
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _base(w: str) -> str:
    """Crude verb base: developing -> develop, managed -> manag(e) both sides alike."""
    for suffix in ("ing", "ed"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    return w.rstrip("e") if len(w) > 4 else w


def normalized_key(text: str) -> str:
    """Order-free key: lower-case words without stop words, singular, base form, sorted."""
    words = [_base(_singular(w)) for w in _TOKEN.findall(text.lower()) if w not in _STOP]
    return " ".join(sorted(set(words)))


Encoder = Callable[[Sequence[str]], npt.NDArray[np.float32]]


# Product names in the taxonomy that job ads write without the vendor
VENDORS = (
    "apache",
    "atlassian",
    "microsoft",
    "oracle",
    "amazon",
    "google",
    "ibm",
    "adobe",
    "jetbrains",
)
_ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9]*[A-Z0-9]$")


def short_forms(name: str) -> list[tuple[str, bool]]:
    """How job ads shorten a product's preferred name, as (form, case-sensitive): without a
    leading vendor word ("kafka"), and for a name ending in its acronym, the spelled-out words
    ("domain name system") and the acronym in its own case only ("DNS": "apps" is not the
    Automated Package Processing System APPS). An acronym counts when its letters appear in
    order in the words before it, starting with the first word's initial."""
    words = name.split()
    out = []
    if len(words) >= 2 and words[0].lower() in VENDORS:
        out.append((" ".join(words[1:]).lower(), False))
    if len(words) >= 3 and _ACRONYM.match(words[-1]) and sum(c.isupper() for c in words[-1]) >= 2:
        acro, long = words[-1].lower(), " ".join(words[:-1]).lower()
        rest = iter(long[1:])
        if acro[0] == long[0] and all(c in rest for c in acro[1:]):
            out += [(words[-1], True), (long, False)]
    return out


@dataclass(frozen=True, slots=True)
class Link:
    skill_id: str | None
    score: float
    method: str


@dataclass(frozen=True, slots=True)
class LinkerParams:
    threshold: float = 0.8  # cosine a vector link must reach
    min_chars: int = 2
    max_chars: int = 120  # longer spans are sentences, not concept names: no vector link
    cache_size: int = 50_000

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> LinkerParams:
        known = {"threshold", "min_chars", "max_chars", "cache_size"}
        if unknown := set(cfg) - known:
            raise ConfigError(f"concept_linker params: unknown {sorted(unknown)}")
        p = cls(**{k: type(getattr(cls(), k))(v) for k, v in cfg.items()})
        if not 0.0 < p.threshold <= 1.0:
            raise ConfigError("concept_linker threshold must lie in (0, 1]")
        return p


class VectorIndex:
    """Every label as a unit vector, one matrix per kind; nearest neighbour by one matrix product
    per block of queries. The encoder returns unit rows (dense arrays, or scipy sparse)."""

    def __init__(
        self,
        encoder: Encoder,
        labels: Sequence[str],
        skill_ids: Sequence[str],
        kinds: Sequence[str],
        block: int = 256,
    ) -> None:
        self.encoder = encoder
        self.block = block
        matrix = encoder(labels)
        # one matrix per kind; a query of unknown kind searches both (no third, full copy)
        self.parts: dict[str, tuple[Any, list[str]]] = {}
        for kind in ("SKILL", "KNOWLEDGE"):
            rows = [i for i, k in enumerate(kinds) if k == kind]
            self.parts[kind] = (matrix[rows], [skill_ids[i] for i in rows])

    def nearest(
        self, texts: Sequence[str], kinds: Sequence[str | None]
    ) -> list[tuple[str | None, float]]:
        out: list[tuple[str | None, float]] = [(None, 0.0)] * len(texts)
        for part, (matrix, sids) in self.parts.items():
            idx = [i for i, k in enumerate(kinds) if k in (part, None)]
            if not sids or not idx:
                continue
            for b in range(0, len(idx), self.block):
                chunk = idx[b : b + self.block]
                sims = self.encoder([texts[i] for i in chunk]) @ matrix.T
                sims = np.asarray(sims.toarray() if hasattr(sims, "toarray") else sims)
                best = np.argmax(sims, axis=1)
                for i, j, score in zip(chunk, best, sims[np.arange(len(chunk)), best], strict=True):
                    if score > 0 and score > out[i][1]:
                        out[i] = (sids[int(j)], float(score))
        return out


def unit_rows(m: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    m = np.asarray(m, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def label_rows(
    taxonomy: Taxonomy, exclude: frozenset[str] = frozenset()
) -> list[tuple[str, str, str]]:
    """(label, skill_id, kind) for every preferred and alternative label not in `exclude`."""
    rows = []
    for s in sorted(taxonomy, key=lambda s: s.skill_id):
        kind = KIND_OF_CATEGORY.get(s.category, "KNOWLEDGE")
        for label in dict.fromkeys((s.name, *s.aliases)):
            if label.lower() not in exclude:
                rows.append((label, s.skill_id, kind))
    return rows


@dataclass
class ConceptLinker:
    taxonomy: Taxonomy
    aliases: Iterable[Alias] = ()
    # ambiguous words (go, r, access): never linked alone, unless a case-sensitive alias names
    # that exact spelling ("Go" as a KNOWLEDGE span the model found: the Go language)
    skip: frozenset[str] = frozenset()
    index: VectorIndex | None = None
    params: LinkerParams = field(default_factory=LinkerParams)
    exclude: frozenset[str] = frozenset()  # labels left out (held-out evaluation)

    def __post_init__(self) -> None:
        # label -> [(skill_id, kind)], ESCO before O*NET on shared labels (ids sort that way)
        self._exact: dict[str, list[tuple[str, str]]] = {}
        self._norm: dict[str, list[tuple[str, str]]] = {}
        for label, sid, kind in label_rows(self.taxonomy, self.exclude):
            low = " ".join(label.lower().split())
            if low in self.skip or is_weak_label(self.taxonomy.get(sid), low):
                continue
            self._exact.setdefault(low, []).append((sid, kind))
            if key := normalized_key(low):
                self._norm.setdefault(key, []).append((sid, kind))

        # short forms of product names, where no concept already has that label
        self._short: dict[str, list[tuple[str, str]]] = {}
        for s in sorted(self.taxonomy, key=lambda s: s.skill_id):
            for form, cased in short_forms(s.name):
                low = form.lower()
                if low not in self._exact and low not in self.skip and low not in self.exclude:
                    key = form if cased else low
                    self._short.setdefault(key, []).append((s.skill_id, self.kind_of(s.skill_id)))

        # a concept whose preferred name it is comes before concepts listing it as an
        # alternative label ("project management": project management, not project commissioning)
        def name(sid: str) -> str:
            return " ".join(self.taxonomy.get(sid).name.lower().split())

        for low, cands in self._exact.items():
            if len(cands) > 1:
                cands.sort(key=lambda c: name(c[0]) != low)
        for key, cands in self._norm.items():
            if len(cands) > 1:
                cands.sort(key=lambda c: normalized_key(name(c[0])) != key)
        self._alias: dict[str, str] = {}
        self._cased: dict[str, str] = {}
        for a in self.aliases:
            if a.case_sensitive:
                self._cased[a.alias] = a.skill_id
            else:
                self._alias[a.alias.lower()] = a.skill_id
        self._cache: OrderedDict[tuple[str, str | None], Link] = OrderedDict()

    def kind_of(self, skill_id: str) -> str:
        return KIND_OF_CATEGORY.get(self.taxonomy.get(skill_id).category, "KNOWLEDGE")

    @staticmethod
    def _pick(cands: list[tuple[str, str]], kind: str | None) -> str | None:
        for sid, k in cands:
            if kind is None or k == kind:
                return sid
        return None

    def _symbolic(self, text: str, kind: str | None) -> Link | None:
        low = text.lower()
        if (sid := self._pick(self._exact.get(low, []), kind)) is not None:
            return Link(sid, 1.0, EXACT)
        sid = self._cased.get(text) or self._alias.get(low)
        if sid is not None and (kind is None or self.kind_of(sid) == kind):
            return Link(sid, 1.0, ALIAS_LINK)
        short = self._short.get(text) or self._short.get(low, [])
        if (sid := self._pick(short, kind)) is not None:
            return Link(sid, NORMALIZED_SCORE, NORMALIZED)
        key = normalized_key(low)
        if key and (sid := self._pick(self._norm.get(key, []), kind)) is not None:
            return Link(sid, NORMALIZED_SCORE, NORMALIZED)
        return None

    def link_many(self, items: Sequence[tuple[str, str | None]]) -> list[Link]:
        """Link (mention text, kind) pairs; one vector search for all that need it. Cached."""
        out: list[Link | None] = [None] * len(items)
        todo: dict[tuple[str, str | None], list[int]] = {}
        for i, (raw, kind) in enumerate(items):
            text = strip_filler(" ".join(raw.split()))
            key = (text, kind)  # case matters: "APPS", "Go" link, "apps", "go" do not
            if (hit := self._cache.get(key)) is not None:
                self._cache.move_to_end(key)
                out[i] = hit
            elif not self.params.min_chars <= len(text) <= 300 or (
                text.lower() in self.skip and text not in self._cased
            ):
                out[i] = Link(None, 0.0, NONE)
            elif (sym := self._symbolic(text, kind)) is not None:
                out[i] = self._remember(key, sym)
            elif self.index is None or len(text) > self.params.max_chars:
                out[i] = self._remember(key, Link(None, 0.0, NONE))
            else:
                todo.setdefault(key, []).append(i)
        if todo and self.index is not None:
            keys = list(todo)
            found = self.index.nearest([k[0] for k in keys], [k[1] for k in keys])
            for key, (sid, score) in zip(keys, found, strict=True):
                ok = sid is not None and score >= self.params.threshold
                link = Link(sid, round(min(score, 1.0), 4), VECTOR) if ok else Link(None, 0.0, NONE)
                self._remember(key, link)
                for i in todo[key]:
                    out[i] = link
        return [o if o is not None else Link(None, 0.0, NONE) for o in out]

    def _remember(self, key: tuple[str, str | None], link: Link) -> Link:
        self._cache[key] = link
        if len(self._cache) > self.params.cache_size:
            self._cache.popitem(last=False)
        return link
