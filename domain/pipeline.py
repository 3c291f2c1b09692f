"""The enrichment steps (classify sections, extract skills) over batches, versioned per row."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from domain.models import (
    EnrichedBatch,
    JobEnrichment,
    Posting,
    Rejection,
    Section,
    VersionManifest,
)
from domain.occupations.coder import OccupationCode
from domain.occupations.titles import posting_title
from domain.ports import LanguageDetector
from domain.sections.header_rules import OVERVIEW
from domain.skills.ensemble import Extraction
from domain.text.experience import attach
from domain.text.normalize import Normalized, normalize


class SectionClassifier(Protocol):
    def classify(self, text: str) -> tuple[Section, ...]: ...


class OccupationCoding(Protocol):
    def code_many(
        self,
        items: Sequence[tuple[str | None, Sequence[str]]],
        languages: Sequence[str | None] = (),
    ) -> Sequence[OccupationCode]: ...


class SkillExtractor(Protocol):
    def extract_many(
        self, items: Sequence[tuple[str, tuple[Section, ...]]]
    ) -> list[Extraction]: ...


def analysed(posting: Posting) -> Normalized:
    """The text the models read and its offset map back to `posting.text` (as received)."""
    return normalize(posting.text, posting.content_type)


def with_years(extraction: Extraction, text: str) -> Extraction:
    """Mentions carry the years of experience `text` (analysed) asks for them, if any."""
    spans = [(m.start, m.end) for s in extraction.skills for m in s.mentions]
    years = attach(text, spans)
    if not years:
        return extraction
    k = 0
    skills = []
    for s in extraction.skills:
        mentions = []
        for m in s.mentions:
            y = years.get(k)
            mentions.append(m if y is None else replace(m, years_min=y.min, years_max=y.max))
            k += 1
        skills.append(replace(s, mentions=tuple(mentions)))
    return replace(extraction, skills=tuple(skills))


# Languages the whole extractor reads; "mul" (mixed) and "und" (cannot tell) keep everything too.
ENGLISH = frozenset({"en", "mul", "und"})
_NAME_CATEGORIES = frozenset({"technology/tool", "language", "certification"})


def language_independent(extraction: Extraction) -> Extraction:
    """On a non-English posting only names are reported: technologies, tools, programming and
    natural languages, certifications (linked, named on their own or by a curated alias). The
    span models learned English SkillSpan: their free-text spans (unlinked, or an ESCO skill
    phrase) are dropped there, while a name they found stays."""
    keep = tuple(
        s
        for s in extraction.skills
        if s.linked
        and (
            s.category in _NAME_CATEGORIES
            or "(computer programming)" in s.name
            or {"named", "alias"} & set(s.source_strategies)
        )
    )
    return replace(extraction, skills=keep)


def to_input(extraction: Extraction, norm: Normalized) -> Extraction:
    """Every mention's start/end moved from the analysed text onto the input as received."""
    if norm.identity:
        return extraction
    skills = tuple(
        replace(s, mentions=tuple(replace(m, start=a, end=b) for m in s.mentions
                                  for a, b in (norm.to_input(m.start, m.end),)))
        for s in extraction.skills
    )  # fmt: skip
    return replace(extraction, skills=skills)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _failure(stage: str, posting: Posting, exc: BaseException, now: str) -> Rejection:
    # The detail names the error type only: exception messages can quote posting text.
    return Rejection(
        rejection_id=f"{stage}:{posting.posting_id}:{posting.content_hash}",
        stage=stage,
        # out of memory on this posting (a worker under a memory cap) is not a component bug
        reason="resource_exhausted" if isinstance(exc, MemoryError) else "component_error",
        detail=f"{type(exc).__name__} in {stage}",
        source=posting.source,
        rejected_at=now,
        posting_id=posting.posting_id,
        content_hash=posting.content_hash,
    )


@dataclass(frozen=True)
class Pipeline:
    manifest: VersionManifest
    classifier: SectionClassifier
    extractor: SkillExtractor
    clock: Callable[[], str] = utc_now
    language: LanguageDetector | None = None  # None: every posting read as English, unstored
    occupations: OccupationCoding | None = None

    @property
    def section_version(self) -> str:
        return self.manifest.component("section_classifier").label

    def classify(self, batch: EnrichedBatch) -> EnrichedBatch:
        """Step 1: sections for every posting; a posting that fails is recorded, not dropped."""
        sections: dict[str, tuple[Section, ...]] = {}
        failures = list(batch.failures)
        for p in batch.postings:
            try:
                norm = analysed(p)
                sections[p.posting_id] = norm.sections_to_input(self.classifier.classify(norm.text))
            except Exception as exc:  # one bad posting must not sink its batch
                failures.append(_failure("classify", p, exc, self.clock()))
        return replace(
            batch,
            sections=sections,
            section_version=self.section_version,
            failures=tuple(failures),
        )

    def extract(self, batch: EnrichedBatch) -> EnrichedBatch:
        """Step 2: skills. Re-classifies if step 1 ran under another version (a rollout mid-chain)."""
        if batch.section_version != self.section_version:
            batch = self.classify(replace(batch, sections={}))
        t0 = time.perf_counter()
        todo = [p for p in batch.postings if p.posting_id in batch.sections]
        failures = list(batch.failures)
        # one normalization per posting: the extractor reads the analysed text under sections
        # moved onto it, and its mentions are moved back onto the input
        norms: list[Normalized] = []
        items = []
        for p in todo:
            try:
                norm = analysed(p)
            except Exception as exc:  # never expected; one posting must not sink its batch
                failures.append(_failure("extract", p, exc, self.clock()))
                norm = normalize("", "text/plain")
            norms.append(norm)
            items.append((norm.text, norm.sections_to_analysed(batch.sections[p.posting_id])))
        try:
            results = [
                to_input(with_years(r, n.text), n)
                for r, n in zip(self.extractor.extract_many(items), norms, strict=True)
            ]
        except Exception:
            results = []
            for p, item, n in zip(todo, items, norms, strict=True):
                try:  # isolate the posting that breaks the batch call
                    found = self.extractor.extract_many([item])[0]
                    results.append(to_input(with_years(found, n.text), n))
                except Exception as exc:
                    failures.append(_failure("extract", p, exc, self.clock()))
                    results.append(Extraction((), False))
        langs = [None if self.language is None else self.language.detect(n.text) for n in norms]
        results = [
            r if lang is None or lang in ENGLISH else language_independent(r)
            for r, lang in zip(results, langs, strict=True)
        ]
        failed = {f.posting_id for f in failures}
        headers = {  # v8: header lines of named sections (a title line may open the overview)
            p.posting_id: {
                s.header for s in batch.sections[p.posting_id] if s.header and s.kind != OVERVIEW
            }
            for p in todo
        }
        occupations = self._occupations(todo, [n.text for n in norms], results, headers, langs)
        per_posting_ms = (time.perf_counter() - t0) * 1000 / max(len(todo), 1)
        now = self.clock()
        enrichments = tuple(
            JobEnrichment(
                posting_id=p.posting_id,
                content_hash=p.content_hash,
                enrichment_version=self.manifest.effective,
                component_versions=self.manifest.labels(),
                sections=batch.sections[p.posting_id],
                skills=r.skills,
                enriched_at=now,
                processing_ms=per_posting_ms,
                truncated=r.truncated,
                language=lang,
                stats=r.stats,
                occupation=occ,
            )
            for p, r, lang, occ in zip(todo, results, langs, occupations, strict=True)
            if p.posting_id not in failed
        )
        return replace(batch, enrichments=enrichments, failures=tuple(failures))

    def _occupations(
        self,
        postings: Sequence[Posting],
        texts: Sequence[str],
        results: Sequence[Extraction],
        headers: Mapping[str, Collection[str]] | None = None,
        languages: Sequence[str | None] = (),
    ) -> list[dict[str, object] | None]:
        """Step 2b: each posting's occupation from its title (the first line of its analysed text
        when it has no title field and that line is not one of its section `headers`), its
        skills and its detected language; None when no coder is configured. A coder error leaves the
        skills in place and says so in the occupation (reason coder_error)."""
        headers = headers or {}
        if self.occupations is None:
            return [None] * len(postings)
        titles = [
            posting_title(p.title, t, headers.get(p.posting_id, ()))
            for p, t in zip(postings, texts, strict=True)
        ]
        try:
            codes = self.occupations.code_many(
                [
                    (t, [s.skill_id for s in r.skills])
                    for (t, _), r in zip(titles, results, strict=True)
                ],
                languages,
            )
        except Exception as exc:
            failed = {"method": "none", "reason": f"coder_error:{type(exc).__name__}"}
            return [dict(failed) for _ in postings]
        return [
            {**c.to_dict(), "title_from": src} for c, (_, src) in zip(codes, titles, strict=True)
        ]

    def enrich(self, postings: Sequence[Posting]) -> EnrichedBatch:
        """Both steps in-process (CLI backfills, benchmarks)."""
        return self.extract(self.classify(EnrichedBatch(postings=tuple(postings))))
