"""Frozen entities that flow through the pipeline, with plain-dict codecs for task payloads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class Posting:
    posting_id: str
    text: str
    content_hash: str
    title: str | None = None
    company: str | None = None
    source: str = "unknown"
    posted_at: str | None = None  # ISO 8601, as received
    # declared by the sender (text/plain, text/html, text/markdown); None: detected from the text
    content_type: str | None = None
    # When the posting entered (the bridge's intake stamp: UTC ISO 8601 with microseconds,
    # strictly increasing within one bridge process). It orders contents of one posting_id:
    # the later-received content is the posting's state, whatever order they are enriched in.
    # None: not stamped (payloads and rows from before 2026-11-30; such rows count as oldest).
    received_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Posting:
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


@dataclass(frozen=True, slots=True)
class Section:
    """A run of the posting text, [start, end) in characters, under one header."""

    kind: str
    start: int
    end: int
    header: str | None = None

    def to_list(self) -> list[Any]:
        return [self.kind, self.start, self.end, self.header]

    @classmethod
    def from_list(cls, v: list[Any]) -> Section:
        return cls(kind=v[0], start=int(v[1]), end=int(v[2]), header=v[3])


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    text: str
    section: str
    strategy: str
    # years of experience the posting asks for this mention ("5+ years of Java": 5.0, None);
    # None when it says none (domain/text/experience.py)
    years_min: float | None = None
    years_max: float | None = None


# How skill categories map onto SkillSpan's two span types: KNOWLEDGE is a body of knowledge,
# tool or technology (noun phrases); SKILL an ability or competence (verb phrases).
KIND_OF_CATEGORY = {
    "knowledge": "KNOWLEDGE",
    "technology/tool": "KNOWLEDGE",
    "language": "KNOWLEDGE",
    "certification": "KNOWLEDGE",
    "skill/competence": "SKILL",
    "transversal": "SKILL",
}


@dataclass(frozen=True, slots=True)
class ConceptCandidate:
    """One ranked concept for a mention: its id, preferred name, score in [0, 1] (1.0 exact /
    alias, 0.95 normalized, else the reranked vector score) and how it was found (`source`:
    exact | alias | normalized | vector)."""

    skill_id: str
    label: str
    score: float
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"skill_id": self.skill_id, "name": self.label, "score": round(self.score, 4),
                "source": self.source}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ConceptCandidate:
        return cls(str(d["skill_id"]), str(d["name"]), float(d["score"]), str(d["source"]))


STORED_CANDIDATES = 5  # candidates a stored row keeps per skill (enrich extract shows them all)


@dataclass(frozen=True, slots=True)
class ExtractedSkill:
    skill_id: str
    name: str
    category: str
    confidence: float
    source_strategies: tuple[str, ...]
    mentions: tuple[Mention, ...]
    # How the concept was found (exact | alias | normalized | vector | none) and how sure the
    # linker is, in [0, 1]; None on rows written before concept linking existed.
    link_score: float | None = None
    link_method: str | None = None
    # The section of the mention that set the confidence and that section's relevance weight
    # (confidence already includes it); None on rows written before section weighting.
    section: str | None = None
    section_relevance: float | None = None
    # Concept normalization (2026.11.10+): the ranked concepts the linker considered, best
    # first; where the skill sits ("concept", "group:3".."group:1" = an ESCO skill group or
    # O*NET category when no concept reached the threshold, "none"); its nearest broader group
    # (for a concept too, so every linked skill rolls up). None / () on rows written before.
    candidates: tuple[ConceptCandidate, ...] = ()
    link_level: str | None = None
    group_id: str | None = None
    group_name: str | None = None

    @property
    def linked(self) -> bool:
        return not self.skill_id.startswith("span:")

    @property
    def sections(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.section for m in self.mentions))

    @property
    def kind(self) -> str:
        """SKILL or KNOWLEDGE, from the category."""
        return KIND_OF_CATEGORY.get(self.category, "KNOWLEDGE")

    def to_dict(self) -> dict[str, Any]:
        return {
            "skill_id": self.skill_id,
            "name": self.name,
            "category": self.category,
            "confidence": round(self.confidence, 4),
            "source_strategies": list(self.source_strategies),
            # by hand: dataclasses.asdict deep-copies field by field, and a batch holds ~1,000
            # mentions (it was a quarter of the persister's CPU)
            "mentions": [
                {
                    "start": m.start,
                    "end": m.end,
                    "text": m.text,
                    "section": m.section,
                    "strategy": m.strategy,
                    "years_min": m.years_min,  # None on rows written before, and when unasked
                    "years_max": m.years_max,
                }
                for m in self.mentions
            ],
            "link_score": None if self.link_score is None else round(self.link_score, 4),
            "link_method": self.link_method,
            "section": self.section,
            "section_relevance": self.section_relevance,
            "candidates": [c.to_dict() for c in self.candidates],
            "link_level": self.link_level,
            "group_id": self.group_id,
            "group_name": self.group_name,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ExtractedSkill:
        return cls(
            skill_id=d["skill_id"],
            name=d["name"],
            category=d["category"],
            confidence=float(d["confidence"]),
            source_strategies=tuple(d["source_strategies"]),
            mentions=tuple(Mention(**m) for m in d["mentions"]),
            link_score=None if d.get("link_score") is None else float(d["link_score"]),
            link_method=d.get("link_method"),
            section=d.get("section"),
            section_relevance=None
            if d.get("section_relevance") is None
            else float(d["section_relevance"]),
            candidates=tuple(ConceptCandidate.from_dict(c) for c in d.get("candidates") or ()),
            link_level=d.get("link_level"),
            group_id=d.get("group_id"),
            group_name=d.get("group_name"),
        )


@dataclass(frozen=True, slots=True)
class ComponentVersion:
    """One component that shapes output: its registered name, declared version and content fingerprint."""

    component: str  # role, e.g. "skills_extractor"
    name: str  # implementation, e.g. "skill_ensemble"
    version: str
    fingerprint: str

    @property
    def label(self) -> str:
        return f"{self.name}.v{self.version}@{self.fingerprint}"


@dataclass(frozen=True, slots=True)
class VersionManifest:
    """The active versions, as declared in model_versions.yaml and as actually found on disk."""

    declared: str
    fingerprint: str
    components: tuple[ComponentVersion, ...]

    @property
    def effective(self) -> str:
        # The fingerprint rides along so an edit without a version bump still changes the string.
        return f"{self.declared}+{self.fingerprint}"

    def component(self, role: str) -> ComponentVersion:
        for c in self.components:
            if c.component == role:
                return c
        raise KeyError(role)

    def labels(self) -> dict[str, str]:
        return {c.component: c.label for c in self.components}


@dataclass(frozen=True, slots=True)
class JobEnrichment:
    posting_id: str
    content_hash: str
    enrichment_version: str
    component_versions: dict[str, str]
    sections: tuple[Section, ...]
    skills: tuple[ExtractedSkill, ...]
    enriched_at: str  # ISO 8601 UTC
    processing_ms: float
    truncated: bool = False
    # ISO 639-1 code of the posting's language ("en", "de"), "mul" for a mixed-language posting,
    # "und" when undetermined; None on rows written before language detection
    language: str | None = None
    # Per-posting extractor statistics (candidates per strategy, alias resolution): shown by
    # `enrich extract` and summed in task logs; not persisted, not part of equality.
    stats: Mapping[str, Any] = field(default_factory=dict, compare=False)
    # Occupation coding (2026.11.8+): OccupationCode.to_dict() of the posting, None before it
    # or when no coder is configured (a plain dict keeps domain/models free of the coder).
    occupation: Mapping[str, Any] | None = None

    @property
    def row_id(self) -> str:
        return f"{self.posting_id}:{self.content_hash}:{self.enrichment_version}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "posting_id": self.posting_id,
            "content_hash": self.content_hash,
            "enrichment_version": self.enrichment_version,
            "component_versions": dict(self.component_versions),
            "sections": [s.to_list() for s in self.sections],
            "skills": [s.to_dict() for s in self.skills],
            "enriched_at": self.enriched_at,
            "processing_ms": round(self.processing_ms, 3),
            "truncated": self.truncated,
            "language": self.language,
            "occupation": None if self.occupation is None else dict(self.occupation),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> JobEnrichment:
        return cls(
            posting_id=d["posting_id"],
            content_hash=d["content_hash"],
            enrichment_version=d["enrichment_version"],
            component_versions=dict(d["component_versions"]),
            sections=tuple(Section.from_list(s) for s in d["sections"]),
            skills=tuple(ExtractedSkill.from_dict(s) for s in d["skills"]),
            enriched_at=d["enriched_at"],
            processing_ms=float(d["processing_ms"]),
            truncated=bool(d.get("truncated", False)),
            language=d.get("language"),
            occupation=d.get("occupation"),
        )


@dataclass(frozen=True, slots=True)
class Rejection:
    """A posting (or raw message) that did not become an enrichment, and why. Never holds posting text."""

    rejection_id: str
    stage: str  # validate | classify | extract | persist
    reason: str  # short machine-readable code, e.g. "missing_field"
    detail: str  # human-readable, bounded, no posting text
    source: str
    rejected_at: str
    posting_id: str | None = None
    content_hash: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Rejection:
        return cls(**d)


@dataclass(frozen=True, slots=True)
class EnrichedBatch:
    """What one chain link hands to the next: postings, their results so far, and failures."""

    postings: tuple[Posting, ...]
    sections: dict[str, tuple[Section, ...]] = field(default_factory=dict)
    section_version: str | None = None
    enrichments: tuple[JobEnrichment, ...] = ()
    failures: tuple[Rejection, ...] = ()
    # the drift job's in-flight mark on these postings, released where the batch lands
    in_flight_scope: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "postings": [p.to_dict() for p in self.postings],
            "sections": {k: [s.to_list() for s in v] for k, v in self.sections.items()},
            "section_version": self.section_version,
            "enrichments": [e.to_dict() for e in self.enrichments],
            "failures": [f.to_dict() for f in self.failures],
        }
        return d | ({"in_flight_scope": self.in_flight_scope} if self.in_flight_scope else {})

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EnrichedBatch:
        return cls(
            postings=tuple(Posting.from_dict(p) for p in d.get("postings", [])),
            sections={
                k: tuple(Section.from_list(s) for s in v) for k, v in d.get("sections", {}).items()
            },
            section_version=d.get("section_version"),
            enrichments=tuple(JobEnrichment.from_dict(e) for e in d.get("enrichments", [])),
            failures=tuple(Rejection.from_dict(f) for f in d.get("failures", [])),
            in_flight_scope=d.get("in_flight_scope"),
        )


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """Extraction quality of one enrichment version on one labeled dataset, at one time."""

    result_id: str
    dataset: str
    dataset_hash: str
    enrichment_version: str
    metrics: dict[str, Any]  # label|micro|macro -> strict|overlap -> precision/recall/f1/...
    n_docs: int
    evaluated_at: str
    regressed: bool = False
    regressions: tuple[str, ...] = ()
    compared_to: str | None = None  # result_id of the previous result on the same dataset

    def f1(self, label: str = "micro", mode: str = "overlap") -> float:
        return float(self.metrics.get(label, {}).get(mode, {}).get("f1", 0.0))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["regressions"] = list(self.regressions)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EvaluationResult:
        return cls(**{**d, "regressions": tuple(d.get("regressions", ()))})


CLUSTER_RUN_STATUSES = ("running", "completed", "failed", "skipped")


@dataclass(frozen=True, slots=True)
class ClusterRun:
    """One clustering run: which model assigned which enrichment version's postings, and how
    it ended. Only a completed run is ever active, and at most one run is active."""

    run_id: str
    cluster_version: str
    enrichment_version: str
    status: str  # one of CLUSTER_RUN_STATUSES
    started_at: str
    model_id: str | None = None
    is_active: bool = False
    finished_at: str | None = None
    n_postings: int = 0
    n_clusters: int = 0
    reason: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)  # stability + clusters (id/label/size)

    def ended(self, status: str, now: str, reason: str | None = None) -> ClusterRun:
        return replace(self, status=status, finished_at=now, reason=reason)
