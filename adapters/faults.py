"""Fault drills: a store wrapper whose writes fail while a switch file exists.

Off unless ENRICH_STORE_FAULT_FILE is set. The fault suite (tests/faults/) uses it to take the
warehouse "down" for minutes inside a real persister process, then brings it back by deleting the
file; ops can run the same drill on a staging fleet. Reads pass through.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from domain.errors import TransientError
from domain.models import JobEnrichment, Posting, Rejection
from domain.ports import EnrichmentStore


class FaultSwitchStore:
    def __init__(self, inner: EnrichmentStore, switch: Path) -> None:
        self.inner = inner
        self.switch = Path(switch)

    def write_batch(
        self,
        postings: Sequence[Posting],
        enrichments: Sequence[JobEnrichment],
        rejections: Sequence[Rejection],
    ) -> tuple[int, int, int]:
        if self.switch.exists():
            raise TransientError(
                f"fault drill: warehouse writes are failing ({self.switch} exists)"
            )
        return self.inner.write_batch(postings, enrichments, rejections)

    def record_intake(self, postings: Sequence[Posting], refs: Sequence[str]) -> int:
        self._check()
        return self.inner.record_intake(postings, refs)  # type: ignore[attr-defined, no-any-return]

    def mark_reenqueued(self, keys: Sequence[tuple[str, str]]) -> int:
        self._check()
        return self.inner.mark_reenqueued(keys)  # type: ignore[attr-defined, no-any-return]

    def _check(self) -> None:
        if self.switch.exists():
            raise TransientError(
                f"fault drill: warehouse writes are failing ({self.switch} exists)"
            )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
