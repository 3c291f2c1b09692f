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
from domain.skills.ensemble import Extraction


class SectionClassifier(Protocol):
    def classify(self, text: str) -> tuple[Section, ...]: ...


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
            )
            for p, r in zip(todo, results, strict=True)
            if p.posting_id not in failed
        )
        return replace(batch, enrichments=enrichments, failures=tuple(failures))

    def enrich(self, postings: Sequence[Posting]) -> EnrichedBatch:
        """Both steps in-process (CLI backfills, benchmarks)."""
        return self.extract(self.classify(EnrichedBatch(postings=tuple(postings))))
