"""Ports: what the domain and tasks need from the outside world, as typing.Protocol."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from domain.models import EvaluationResult, JobEnrichment, Posting, Rejection


@dataclass(frozen=True, slots=True)
class VersionCount:
    enrichment_version: str
    rows: int  # rows written by this version
    postings: int  # distinct postings with a row of this version
    latest: int  # postings whose latest enrichment is this version


@dataclass(frozen=True, slots=True)
class SkillCount:
    skill_id: str
    name: str
    category: str
    postings: int


class EnrichmentStore(Protocol):
    """The warehouse. Writes are idempotent: replaying a batch never duplicates a row."""

    def write_batch(
        self,
        postings: Sequence[Posting],
        enrichments: Sequence[JobEnrichment],
        rejections: Sequence[Rejection],
    ) -> tuple[int, int, int]:
        """Write all three in one transaction; return how many rows were new in each table."""
        ...

    def counts_by_version(self) -> list[VersionCount]:
        """Rows and distinct postings per enrichment version, most rows first."""
        ...

    def drifted_postings(
        self,
        current_version: str,
        limit: int,
        after_posting_id: str | None = None,
        from_version: str | None = None,
        since: str | None = None,
    ) -> list[Posting]:
        """Postings whose latest enrichment is not `current_version`, ordered by id (a cursor).

        `from_version` keeps those whose latest is that version; `since` (ISO 8601) those whose
        latest was written at or after it.
        """
        ...

    def count_drifted(
        self, current_version: str, from_version: str | None = None, since: str | None = None
    ) -> int: ...

    def posting_history(self, posting_id: str) -> list[JobEnrichment]:
        """Every enrichment of one posting, oldest first."""
        ...

    def enrichment_status(self, posting_ids: Sequence[str], version: str) -> tuple[int, int]:
        """Of these postings: how many have an enrichment at `version`, how many a rejection."""
        ...

    def count_rejections(self, rejection_ids: Sequence[str]) -> int:
        """How many of these rejection ids are recorded."""
        ...

    def rejections(self, limit: int = 100) -> list[Rejection]: ...

    def rejection_counts(self) -> dict[tuple[str, str], int]:
        """(stage, reason) -> count."""
        ...

    def top_skills(self, version: str, limit: int = 10) -> list[SkillCount]: ...

    def save_evaluation(self, result: EvaluationResult) -> bool:
        """Store one evaluation result; False when it was already stored."""
        ...

    def evaluations(self, dataset: str | None = None, limit: int = 50) -> list[EvaluationResult]:
        """Evaluation history, newest first."""
        ...

    def skills_per_posting(self, version: str) -> float: ...


@dataclass(frozen=True, slots=True)
class RawMessage:
    """One unit from a source, before validation. `ref` says where it came from (file:line, msg id)."""

    payload: bytes
    ref: str
    source: str


class PostingSource(Protocol):
    """Where raw postings come from (local JSONL, Pub/Sub). Acks happen only after enqueue succeeded."""

    def messages(self) -> Iterator[RawMessage]: ...

    def ack(self, messages: Sequence[RawMessage]) -> None: ...

    def nack(self, messages: Sequence[RawMessage]) -> None: ...


class Coordinator(Protocol):
    """Fleet-wide coordination: one holder per lock, shared cursors, queue depths."""

    def single_flight(self, name: str, ttl_s: float) -> AbstractContextManager[bool]: ...

    def get_cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, value: str | None) -> None: ...

    def queue_depth(self, queue: str) -> int: ...
