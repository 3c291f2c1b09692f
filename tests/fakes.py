"""In-memory implementations of the ports, for unit tests (fakes, not mocks)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from domain.models import EvaluationResult, JobEnrichment, Posting, Rejection
from domain.ports import RawMessage, SkillCount, VersionCount


class InMemoryStore:
    """EnrichmentStore with the same idempotency keys as the real warehouses."""

    def __init__(self) -> None:
        self.postings: dict[tuple[str, str], Posting] = {}
        self.enrichments: dict[str, JobEnrichment] = {}
        self.rejection_rows: dict[str, Rejection] = {}
        self.state: dict[str, JobEnrichment] = {}  # posting_id -> latest enrichment
        self.evaluation_rows: dict[str, EvaluationResult] = {}
        self.writes = 0

    def write_batch(
        self,
        postings: Sequence[Posting],
        enrichments: Sequence[JobEnrichment],
        rejections: Sequence[Rejection],
    ) -> tuple[int, int, int]:
        self.writes += 1
        counts = [0, 0, 0]
        for p in postings:
            if (p.posting_id, p.content_hash) not in self.postings:
                self.postings[(p.posting_id, p.content_hash)] = p
                counts[0] += 1
        for e in enrichments:
            if e.row_id not in self.enrichments:
                self.enrichments[e.row_id] = e
                counts[1] += 1
            cur = self.state.get(e.posting_id)
            if cur is None or self._ts(e.enriched_at) >= self._ts(cur.enriched_at):
                self.state[e.posting_id] = e
        for r in rejections:
            if r.rejection_id not in self.rejection_rows:
                self.rejection_rows[r.rejection_id] = r
                counts[2] += 1
        return counts[0], counts[1], counts[2]

    def _ts(self, iso: str) -> datetime:
        return datetime.fromisoformat(iso).astimezone(UTC)

    def counts_by_version(self) -> list[VersionCount]:
        rows = Counter(e.enrichment_version for e in self.enrichments.values())
        posts: dict[str, set[str]] = {}
        for e in self.enrichments.values():
            posts.setdefault(e.enrichment_version, set()).add(e.posting_id)
        latest = Counter(e.enrichment_version for e in self.state.values())
        out = [VersionCount(v, n, len(posts[v]), latest[v]) for v, n in rows.items()]
        return sorted(out, key=lambda c: (-c.rows, c.enrichment_version))

    def _drifted(
        self, current_version: str, from_version: str | None, since: str | None
    ) -> list[JobEnrichment]:
        return [
            e
            for _, e in sorted(self.state.items())
            if e.enrichment_version != current_version
            and (from_version is None or e.enrichment_version == from_version)
            and (since is None or self._ts(e.enriched_at) >= self._ts(since))
        ]

    def drifted_postings(
        self,
        current_version: str,
        limit: int,
        after_posting_id: str | None = None,
        from_version: str | None = None,
        since: str | None = None,
    ) -> list[Posting]:
        rows = self._drifted(current_version, from_version, since)
        after = after_posting_id or ""
        out = [self.postings[(e.posting_id, e.content_hash)] for e in rows if e.posting_id > after]
        return out[:limit]

    def count_drifted(
        self, current_version: str, from_version: str | None = None, since: str | None = None
    ) -> int:
        return len(self._drifted(current_version, from_version, since))

    def posting_history(self, posting_id: str) -> list[JobEnrichment]:
        rows = [e for e in self.enrichments.values() if e.posting_id == posting_id]
        return sorted(rows, key=lambda e: (e.enriched_at, e.row_id))

    def failed_postings(
        self,
        current_version: str,
        stages: Sequence[str],
        limit: int,
        after_posting_id: str | None = None,
    ) -> list[Posting]:
        done = {
            (e.posting_id, e.content_hash)
            for e in self.enrichments.values()
            if e.enrichment_version == current_version
        }
        keys = {
            (r.posting_id, r.content_hash)
            for r in self.rejection_rows.values()
            if r.stage in stages and r.posting_id is not None and r.content_hash is not None
        }
        todo = sorted(
            k for k in keys - done if k in self.postings and k[0] > (after_posting_id or "")
        )
        return [self.postings[k] for k in todo[:limit]]

    def enrichment_status(self, posting_ids: Sequence[str], version: str) -> tuple[int, int]:
        ids = set(posting_ids)
        done = {e.posting_id for e in self.enrichments.values() if e.enrichment_version == version}
        failed = {r.posting_id for r in self.rejection_rows.values() if r.posting_id in ids}
        return len(done & ids), len(failed - done)

    def count_rejections(self, rejection_ids: Sequence[str]) -> int:
        return len(set(rejection_ids) & self.rejection_rows.keys())

    def rejections(self, limit: int = 100) -> list[Rejection]:
        rows = sorted(self.rejection_rows.values(), key=lambda r: r.rejection_id)
        return sorted(rows, key=lambda r: r.rejected_at, reverse=True)[:limit]

    def rejection_counts(self) -> dict[tuple[str, str], int]:
        return dict(Counter((r.stage, r.reason) for r in self.rejection_rows.values()))

    def top_skills(self, version: str, limit: int = 10) -> list[SkillCount]:
        seen: dict[str, set[str]] = {}
        meta: dict[str, tuple[str, str]] = {}
        for e in self.enrichments.values():
            if e.enrichment_version != version:
                continue
            for s in e.skills:
                seen.setdefault(s.skill_id, set()).add(e.posting_id)
                meta[s.skill_id] = (s.name, s.category)
        out = [SkillCount(k, *meta[k], len(v)) for k, v in seen.items()]
        return sorted(out, key=lambda s: (-s.postings, s.skill_id))[:limit]

    def save_evaluation(self, result: EvaluationResult) -> bool:
        if result.result_id in self.evaluation_rows:
            return False
        self.evaluation_rows[result.result_id] = result
        return True

    def evaluations(self, dataset: str | None = None, limit: int = 50) -> list[EvaluationResult]:
        rows = [r for r in self.evaluation_rows.values() if dataset in (None, r.dataset)]
        rows.sort(key=lambda r: r.result_id)
        rows.sort(key=lambda r: self._ts(r.evaluated_at), reverse=True)
        return rows[:limit]

    def skills_per_posting(self, version: str) -> float:
        rows = [len(e.skills) for e in self.enrichments.values() if e.enrichment_version == version]
        return sum(rows) / len(rows) if rows else 0.0


class ListSource:
    """PostingSource over byte strings; records acks and nacks."""

    def __init__(self, payloads: Sequence[bytes], source: str = "test") -> None:
        self.payloads = list(payloads)
        self.source = source
        self.acked: list[str] = []
        self.nacked: list[str] = []

    def messages(self) -> Iterator[RawMessage]:
        for i, p in enumerate(self.payloads):
            yield RawMessage(p, f"msg {i}", self.source)

    def ack(self, messages: Sequence[RawMessage]) -> None:
        self.acked += [m.ref for m in messages]

    def nack(self, messages: Sequence[RawMessage]) -> None:
        self.nacked += [m.ref for m in messages]


class FakeCoordinator:
    def __init__(self) -> None:
        self.locked: set[str] = set()
        self.cursors: dict[str, str] = {}
        self.depths: dict[str, int] = {}

    @contextmanager
    def single_flight(self, name: str, ttl_s: float) -> Iterator[bool]:
        if name in self.locked:
            yield False
            return
        self.locked.add(name)
        try:
            yield True
        finally:
            self.locked.discard(name)

    def get_cursor(self, name: str) -> str | None:
        return self.cursors.get(name)

    def set_cursor(self, name: str, value: str | None) -> None:
        if value is None:
            self.cursors.pop(name, None)
        else:
            self.cursors[name] = value

    def queue_depth(self, queue: str) -> int:
        return self.depths.get(queue, 0)


class RecordingDispatcher:
    """Dispatcher that keeps what was sent; `refuse` sends in a row raise TransientError first."""

    def __init__(self, refuse: int = 0) -> None:
        self.sent: list[tuple[str, object, str | None]] = []
        self.refuse = refuse
        self.refused = 0

    def send(self, task: str, payload: object, queue: str | None = None) -> None:
        from domain.errors import TransientError

        if self.refused < self.refuse:
            self.refused += 1
            raise TransientError("broker down")
        self.sent.append((task, payload, queue))


class MemorySpool:
    def __init__(self) -> None:
        self.entries: dict[str, object] = {}

    def put(self, kind: str, stage: str, reason: str, payload: object) -> str:
        from domain.ports import SpoolItem

        key = f"{stage}-{kind}-{len(self.entries)}"
        self.entries[key] = SpoolItem(key, kind, stage, reason, payload)
        return key

    def items(self):  # type: ignore[no-untyped-def]
        yield from list(self.entries.values())

    def remove(self, key: str) -> None:
        self.entries.pop(key, None)
