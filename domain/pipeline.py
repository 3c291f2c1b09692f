"""The enrichment steps (classify sections, extract skills) over batches, versioned per row."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
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
from domain.skills.ensemble import Extraction


class SectionClassifier(Protocol):
    def classify(self, text: str) -> tuple[Section, ...]: ...


class OccupationCoding(Protocol):
    def code_many(
        self, items: Sequence[tuple[str | None, Sequence[str]]]
    ) -> Sequence[OccupationCode]: ...


class SkillExtractor(Protocol):
    def extract_many(
        self, items: Sequence[tuple[str, tuple[Section, ...]]]
    ) -> list[Extraction]: ...


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _failure(stage: str, posting: Posting, exc: BaseException, now: str) -> Rejection:
    # The detail names the error type only: exception messages can quote posting text.
    return Rejection(
        rejection_id=f"{stage}:{posting.posting_id}:{posting.content_hash}",
        stage=stage,
        reason="component_error",
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
                sections[p.posting_id] = self.classifier.classify(p.text)
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
        try:
            results = self.extractor.extract_many(
                [(p.text, batch.sections[p.posting_id]) for p in todo]
            )
        except Exception:
            results = []
            for p in todo:  # isolate the posting that breaks the batch call
                try:
                    results.append(
                        self.extractor.extract_many([(p.text, batch.sections[p.posting_id])])[0]
                    )
                except Exception as exc:
                    failures.append(_failure("extract", p, exc, self.clock()))
                    results.append(Extraction((), False))
        failed = {f.posting_id for f in failures}
        occupations = self._occupations(todo, results)
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
                stats=r.stats,
                occupation=occ,
            )
            for p, r, occ in zip(todo, results, occupations, strict=True)
            if p.posting_id not in failed
        )
        return replace(batch, enrichments=enrichments, failures=tuple(failures))

    def _occupations(
        self, postings: Sequence[Posting], results: Sequence[Extraction]
    ) -> list[dict[str, object] | None]:
        """Step 2b: each posting's occupation from its title (the first line when it has no
        title field) and its skills; None when no coder is configured. A coder error leaves the
        skills in place and says so in the occupation (reason coder_error)."""
        if self.occupations is None:
            return [None] * len(postings)
        titles = [posting_title(p.title, p.text) for p in postings]
        try:
            codes = self.occupations.code_many(
                [
                    (t, [s.skill_id for s in r.skills])
                    for (t, _), r in zip(titles, results, strict=True)
                ]
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
