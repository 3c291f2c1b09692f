"""In-memory implementations of the ports, for unit tests (fakes, not mocks)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.clustering.model import ClusterModel, PostingFeatures
from domain.errors import ConfigError
from domain.models import (
    STORED_CANDIDATES,
    ClusterRun,
    EvaluationResult,
    JobEnrichment,
    Posting,
    Rejection,
)
from domain.occupations.summary import OccupationGroup, OccupationSummary, summarize_occupations
from domain.ports import (
    DueEvent,
    GroupCount,
    IntakeEntry,
    LedgerCounts,
    RawMessage,
    SectionRow,
    SkillCount,
    VersionCount,
)


class InMemoryStore:
    """EnrichmentStore with the same idempotency keys as the real warehouses."""

    def __init__(self) -> None:
        self.postings: dict[tuple[str, str], Posting] = {}
        self.enrichments: dict[str, JobEnrichment] = {}
        self.rejection_rows: dict[str, Rejection] = {}
        self.state: dict[str, JobEnrichment] = {}  # posting_id -> latest enrichment
        # posting_id -> intake stamp of the state's content (None: unstamped, the oldest)
        self.state_received: dict[str, str | None] = {}
        self.evaluation_rows: dict[str, EvaluationResult] = {}
        self.writes = 0
        self.runs: dict[str, ClusterRun] = {}
        self.assignments: dict[str, dict[str, tuple[int, float]]] = {}
        # intake ledger: (posting_id, content_hash) -> [posting, ref, accepted_at, attempts, last]
        self.intake: dict[tuple[str, str], list[Any]] = {}
        self.clock = lambda: datetime.now(UTC)  # the warehouse's clock (tests move it)
        self.event_marks: dict[str, datetime] = {}  # row_id -> sent_at (events outbox)

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
        received = {(p.posting_id, p.content_hash): p.received_at for p in postings}
        for e in enrichments:
            if e.row_id not in self.enrichments:
                # as the warehouses: a row keeps the first STORED_CANDIDATES candidates
                skills = tuple(
                    replace(s, candidates=s.candidates[:STORED_CANDIDATES]) for s in e.skills
                )
                self.enrichments[e.row_id] = replace(e, skills=skills)
                counts[1] += 1
            # as the warehouses: the later (received_at, enriched_at) is the state
            at = received.get((e.posting_id, e.content_hash))
            cur = self.state.get(e.posting_id)
            if cur is None or self._later(
                (at, e.enriched_at), (self.state_received[e.posting_id], cur.enriched_at)
            ):
                self.state[e.posting_id] = e
                self.state_received[e.posting_id] = at
        for r in rejections:
            if r.rejection_id not in self.rejection_rows:
                self.rejection_rows[r.rejection_id] = r
                counts[2] += 1
        return counts[0], counts[1], counts[2]

    def _ts(self, iso: str) -> datetime:
        return datetime.fromisoformat(iso).astimezone(UTC)

    def _later(self, new: tuple[str | None, str], cur: tuple[str | None, str]) -> bool:
        """new >= cur by (received_at, enriched_at), a None received_at the oldest."""
        if (new[0] is None) != (cur[0] is None):
            return cur[0] is None
        if new[0] is not None and cur[0] is not None and self._ts(new[0]) != self._ts(cur[0]):
            return self._ts(new[0]) > self._ts(cur[0])
        return self._ts(new[1]) >= self._ts(cur[1])

    def _reread(self, key: tuple[str, str]) -> Posting:
        """A stored posting for a re-run, with the state's intake stamp when the state holds
        this content (as the warehouses)."""
        p = self.postings[key]
        st = self.state.get(key[0])
        if st is not None and st.content_hash == key[1] and self.state_received[key[0]]:
            return replace(p, received_at=self.state_received[key[0]])
        return p

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
        out = [self._reread((e.posting_id, e.content_hash)) for e in rows if e.posting_id > after]
        return out[:limit]

    def count_drifted(
        self, current_version: str, from_version: str | None = None, since: str | None = None
    ) -> int:
        return len(self._drifted(current_version, from_version, since))

    def posting_history(self, posting_id: str) -> list[JobEnrichment]:
        rows = [e for e in self.enrichments.values() if e.posting_id == posting_id]
        return sorted(rows, key=lambda e: (e.enriched_at, e.row_id))

    def enrichments_by_keys(self, keys: Sequence[tuple[str, str]]) -> list[JobEnrichment]:
        found = (self.enrichments.get(r) for _, r in dict.fromkeys(keys))
        return [
            e
            for e, (p, _) in zip(found, dict.fromkeys(keys), strict=True)
            if e and e.posting_id == p
        ]

    def section_classifications(self, posting_id: str) -> list[SectionRow]:
        return [
            SectionRow(
                e.enrichment_version,
                e.content_hash,
                e.component_versions.get("section_classifier", ""),
                i,
                sec,
            )
            for e in self.posting_history(posting_id)
            for i, sec in enumerate(e.sections)
        ]

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
        return [self._reread(k) for k in todo[:limit]]

    def enrichment_status(self, posting_ids: Sequence[str], version: str) -> tuple[int, int]:
        ids = set(posting_ids)
        done = {e.posting_id for e in self.enrichments.values() if e.enrichment_version == version}
        failed = {r.posting_id for r in self.rejection_rows.values() if r.posting_id in ids}
        return len(done & ids), len(failed - done)

    def current_status(
        self, posting_ids: Sequence[str], version: str, failed_since: str
    ) -> tuple[int, int]:
        ids = set(posting_ids)
        at = {i for i in ids if i in self.state and self.state[i].enrichment_version == version}
        since = self._ts(failed_since)
        failed = {
            r.posting_id
            for r in self.rejection_rows.values()
            if r.posting_id in ids and self._ts(r.rejected_at) >= since
        }
        return len(at), len(failed - at)

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

    def top_groups(self, version: str, limit: int = 10) -> list[GroupCount]:
        postings: dict[str, set[str]] = {}
        skills: dict[str, int] = {}
        names: dict[str, str] = {}
        for e in self.enrichments.values():
            if e.enrichment_version != version:
                continue
            for s in e.skills:
                if s.group_id is not None:
                    postings.setdefault(s.group_id, set()).add(e.posting_id)
                    skills[s.group_id] = skills.get(s.group_id, 0) + 1
                    names.setdefault(s.group_id, s.group_name or "")
        out = [GroupCount(g, names[g], len(p), skills[g]) for g, p in postings.items()]
        return sorted(out, key=lambda g: (-g.postings, g.group_id))[:limit]

    def top_occupations(self, version: str, limit: int = 10) -> OccupationSummary:
        groups: Counter[tuple[Any, ...]] = Counter()
        confidence: Counter[tuple[Any, ...]] = Counter()
        for e in self.state.values():  # the current row of each posting, as posting_state
            if e.enrichment_version != version:
                continue
            o = e.occupation or {}
            key = tuple(
                o.get(k) for k in ("soc_code", "soc_title", "isco_group", "method", "reason")
            )
            groups[key] += 1
            confidence[key] += float(o.get("confidence") or 0.0)
        rows = [OccupationGroup(*k, n, confidence[k]) for k, n in groups.items()]
        return summarize_occupations(rows, limit)

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

    def skill_count_distribution(self, version: str) -> list[tuple[int, int, float]]:
        out: dict[int, list[float]] = {}
        for e in self.enrichments.values():
            if e.enrichment_version == version:
                row = out.setdefault(len(e.skills), [0, 0.0])
                row[0] += 1
                row[1] += e.processing_ms
        return [(k, int(v[0]), float(v[1])) for k, v in sorted(out.items())]

    def skills_per_posting(self, version: str) -> float:
        rows = [len(e.skills) for e in self.enrichments.values() if e.enrichment_version == version]
        return sum(rows) / len(rows) if rows else 0.0

    # -- intake ledger --------------------------------------------------------------------------

    def record_intake(self, postings: Sequence[Posting], refs: Sequence[str]) -> int:
        new = 0
        for p, ref in zip(postings, refs, strict=True):
            if (p.posting_id, p.content_hash) not in self.intake:
                self.intake[(p.posting_id, p.content_hash)] = [p, ref, self.clock(), 0, None]
                new += 1
        return new

    def _unaccounted(self, grace_s: float) -> list[tuple[str, str]]:
        settled = {(e.posting_id, e.content_hash) for e in self.enrichments.values()} | {
            (r.posting_id, r.content_hash) for r in self.rejection_rows.values()
        }
        cutoff = self.clock() - timedelta(seconds=grace_s)
        return sorted(
            k for k, (_, _, at, _, last) in self.intake.items()
            if k not in settled and (last or at) <= cutoff
        )  # fmt: skip

    def unaccounted_intake(self, grace_s: float, limit: int) -> list[IntakeEntry]:
        out = []
        for k in self._unaccounted(grace_s)[:limit]:
            p, ref, at, attempts, _ = self.intake[k]
            out.append(IntakeEntry(p, ref, at.isoformat(timespec="milliseconds"), attempts))
        return out

    def mark_reenqueued(self, keys: Sequence[tuple[str, str]]) -> int:
        n = 0
        for k in dict.fromkeys(keys):
            if k in self.intake:
                self.intake[k][3] += 1
                self.intake[k][4] = self.clock()
                n += 1
        return n

    def ledger_counts(self, grace_s: float) -> LedgerCounts:
        lost = sum(1 for r in self.rejection_rows.values() if r.reason == "lost_in_transit")
        return LedgerCounts(
            len(self.intake),
            len(self._unaccounted(grace_s)),
            sum(v[3] for v in self.intake.values()),
            lost,
            sum(1 for v in self.intake.values() if v[0].text == ""),
        )

    def compact_intake(self, retention_s: float, limit: int) -> int:
        settled = {(e.posting_id, e.content_hash) for e in self.enrichments.values()} | {
            (r.posting_id, r.content_hash) for r in self.rejection_rows.values()
        }
        cutoff = self.clock() - timedelta(seconds=retention_s)
        due = sorted(
            k for k, v in self.intake.items() if k in settled and v[2] <= cutoff and v[0].text
        )[:limit]
        for k in due:
            self.intake[k][0] = replace(self.intake[k][0], text="", title=None, company=None)
        return len(due)

    # -- events outbox ---------------------------------------------------------------------------

    def mark_events_sent(self, rows: Sequence[tuple[str, str]]) -> int:
        new = 0
        for row_id, _posting_id in rows:
            if row_id not in self.event_marks:
                self.event_marks[row_id] = self.clock()
                new += 1
        return new

    def _due(self, window_s: float, grace_s: float) -> list[JobEnrichment]:
        now = self.clock()
        lo, hi = now - timedelta(seconds=window_s), now - timedelta(seconds=grace_s)
        return sorted(
            (e for e in self.enrichments.values()
             if lo <= datetime.fromisoformat(e.enriched_at) <= hi and e.row_id not in self.event_marks),
            key=lambda e: e.row_id,
        )  # fmt: skip

    def due_events(self, window_s: float, grace_s: float, limit: int) -> list[DueEvent]:
        return [DueEvent(e.row_id, e.posting_id) for e in self._due(window_s, grace_s)[:limit]]

    def count_due_events(self, window_s: float, grace_s: float) -> int:
        return len(self._due(window_s, grace_s))

    # -- clustering -----------------------------------------------------------------------------

    def _current(self, version: str) -> list[JobEnrichment]:
        return sorted(
            (e for e in self.state.values() if e.enrichment_version == version),
            key=lambda e: e.posting_id,
        )

    def count_current(self, version: str) -> int:
        return len(self._current(version))

    def cluster_chunk_bounds(self, version: str, chunk_size: int) -> list[str]:
        ids = [e.posting_id for e in self._current(version)]
        return ids[chunk_size - 1 : -1 : chunk_size] if len(ids) > chunk_size else []

    def cluster_features(
        self,
        version: str,
        limit: int,
        after_posting_id: str | None = None,
        upto_posting_id: str | None = None,
    ) -> list[PostingFeatures]:
        out = []
        for e in self._current(version):
            if e.posting_id <= (after_posting_id or ""):
                continue
            if upto_posting_id is not None and e.posting_id > upto_posting_id:
                break
            p = self.postings[(e.posting_id, e.content_hash)]
            skills = tuple(sorted((s.skill_id, s.name, s.confidence) for s in e.skills))
            out.append(PostingFeatures(e.posting_id, p.title, skills))
            if len(out) == limit:
                break
        return out

    def save_cluster_run(self, run: ClusterRun) -> None:
        old = self.runs.get(run.run_id)
        self.runs[run.run_id] = replace(run, is_active=old.is_active if old else False)

    def write_cluster_assignments(self, run_id: str, rows: Sequence[tuple[str, int, float]]) -> int:
        mine = self.assignments.setdefault(run_id, {})
        new = 0
        for pid, c, d in rows:
            if pid not in mine:
                mine[pid] = (c, d)
                new += 1
        return new

    def count_cluster_assignments(self, run_id: str) -> int:
        return len(self.assignments.get(run_id, {}))

    def activate_cluster_run(
        self, run_id: str, n_postings: int, n_clusters: int, metrics: dict[str, Any], now: str
    ) -> bool:
        run = self.runs.get(run_id)
        if run is None or run.status != "running":
            return False
        for rid, r in self.runs.items():
            self.runs[rid] = replace(r, is_active=False)
        self.runs[run_id] = replace(
            run, status="completed", is_active=True, finished_at=now, n_postings=n_postings,
            n_clusters=n_clusters, metrics=metrics,
        )  # fmt: skip
        return True

    def cluster_runs(
        self,
        limit: int = 20,
        cluster_version: str | None = None,
        run_id: str | None = None,
        status: str | None = None,
        active_only: bool = False,
    ) -> list[ClusterRun]:
        rows = [
            r
            for r in self.runs.values()
            if cluster_version in (None, r.cluster_version)
            and run_id in (None, r.run_id)
            and status in (None, r.status)
            and (r.is_active or not active_only)
        ]
        rows.sort(key=lambda r: r.run_id, reverse=True)
        rows.sort(key=lambda r: self._ts(r.started_at), reverse=True)
        return rows[:limit]

    def cluster_assignments(self, run_id: str) -> dict[str, int]:
        return {p: c for p, (c, _) in self.assignments.get(run_id, {}).items()}

    def posting_cluster(self, posting_id: str) -> tuple[str, int, float] | None:
        active = next((r for r in self.runs.values() if r.is_active), None)
        row = self.assignments.get(active.run_id, {}).get(posting_id) if active else None
        return (active.run_id, row[0], row[1]) if active and row else None

    def cluster_members(self, run_id: str, cluster_id: int, limit: int = 100) -> list[str]:
        rows = [(d, p) for p, (c, d) in self.assignments.get(run_id, {}).items() if c == cluster_id]
        return [p for _, p in sorted(rows)[:limit]]

    def cluster_sizes(self, runs: int = 10) -> list[tuple[str, int, int]]:
        done = [r for r in self.cluster_runs(limit=10**6) if r.status == "completed"]
        out = []
        for r in done[:runs]:
            sizes = Counter(c for c, _ in self.assignments.get(r.run_id, {}).values())
            out.extend((r.run_id, c, n) for c, n in sorted(sizes.items()))
        return out

    def changed_postings(
        self, run_a: str, run_b: str, limit: int = 100
    ) -> list[tuple[str, int, int]]:
        a, b = self.cluster_assignments(run_a), self.cluster_assignments(run_b)
        return [(p, a[p], b[p]) for p in sorted(a.keys() & b.keys()) if a[p] != b[p]][:limit]


class MemoryModels:
    """ClusterModels in a dict."""

    def __init__(self) -> None:
        self.models: dict[str, ClusterModel] = {}

    def save(self, model: ClusterModel) -> str:
        self.models[model.model_id] = model
        return model.model_id

    def load(self, model_id: str) -> ClusterModel:
        if model_id not in self.models:
            raise ConfigError(f"cluster model {model_id} not found")
        return self.models[model_id]


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
        self.deliveries: dict[str, int] = {}
        self.held: list[float] = []  # ages (s) of messages held unacked
        self.refused: dict[str, dict[str, str]] = {}
        self.now = 0.0  # the broker's clock for in-flight marks (tests move it)
        self.in_flight: dict[str, float] = {}  # scope:key -> expiry

    def claim_in_flight(self, scope: str, keys: Sequence[str], ttl_s: float) -> set[str]:
        got = set()
        for k in keys:
            name = f"{scope}:{k}"
            if self.in_flight.get(name, -1.0) <= self.now:
                self.in_flight[name] = self.now + ttl_s
                got.add(k)
        return got

    def release_in_flight(self, scope: str, keys: Sequence[str]) -> None:
        for k in keys:
            self.in_flight.pop(f"{scope}:{k}", None)

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

    def acquire(self, name: str, ttl_s: float) -> str | None:
        if name in self.locked:
            return None
        self.locked.add(name)
        return name + ":token"

    def release(self, name: str, token: str) -> bool:
        if name in self.locked and token == name + ":token":
            self.locked.discard(name)
            return True
        return False

    def count_delivery(self, key: str, ttl_s: float) -> int:
        self.deliveries[key] = self.deliveries.get(key, 0) + 1
        return self.deliveries[key]

    def clear_delivery(self, key: str) -> None:
        self.deliveries.pop(key, None)

    def unacked(self) -> tuple[int, float | None]:
        return len(self.held), (max(self.held) if self.held else None)

    def report_config(self, worker: str, state: dict[str, str] | None) -> None:
        if state is None:
            self.refused.pop(worker, None)
        else:
            self.refused[worker] = state

    def refused_configs(self) -> dict[str, dict[str, str]]:
        return dict(self.refused)


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


class InMemoryTrends:
    """TrendStore over an InMemoryStore, computed in Python with the warehouses' rules: one row
    per posting (latest, or latest of `version`), dated by posted_at else `received_at`."""

    def __init__(self, store: InMemoryStore, received_at: str) -> None:
        self.store = store
        self.received_at = datetime.fromisoformat(received_at).astimezone(UTC)

    def _rows(
        self, version: str | None, spans: Sequence[Any]
    ) -> list[tuple[JobEnrichment, datetime, bool]]:
        if version is None:
            current = list(self.store.state.values())
        else:
            latest: dict[str, JobEnrichment] = {}
            for e in self.store.enrichments.values():
                cur = latest.get(e.posting_id)
                if e.enrichment_version == version and (
                    cur is None
                    or (self.store._ts(e.enriched_at), e.row_id)
                    > (self.store._ts(cur.enriched_at), cur.row_id)
                ):
                    latest[e.posting_id] = e
            current = list(latest.values())
        out = []
        for e in current:
            p = self.store.postings[(e.posting_id, e.content_hash)]
            try:
                t = datetime.fromisoformat(p.posted_at or "").astimezone(UTC)
                fallback = False
            except ValueError:
                t, fallback = self.received_at, True
            day = t.date().isoformat()
            if any(s.start <= day < s.end for s in spans):
                out.append((e, t, fallback))
        return out

    @staticmethod
    def _coverage(rows: Sequence[tuple[JobEnrichment, datetime, bool]]) -> Any:
        from domain.trends import Coverage

        versions = Counter(e.enrichment_version for e, _, _ in rows)
        return Coverage(tuple(sorted(versions.items())), sum(f for *_, f in rows), len(rows))

    @staticmethod
    def _keys(dimension: str, e: JobEnrichment) -> list[tuple[str, str]]:
        if dimension == "concept":
            return [(s.skill_id, s.name) for s in e.skills]
        if dimension == "category":
            return sorted({(s.category, s.category) for s in e.skills})
        if dimension == "group":
            from domain.trends import level1_group

            return sorted(
                {(g, g) for s in e.skills if s.group_id for g in [level1_group(s.group_id)]}
            )
        if dimension == "occupation":
            occ = e.occupation or {}
            code = occ.get("soc_code")
            return [(code, occ.get("soc_title") or code)] if code else []
        return []  # clusters: the fake keeps none for trends

    def demand(
        self, dimension: str, period: str, span: Any, limit: int = 10, version: str | None = None
    ) -> Any:
        from domain.trends import Demand, TrendPoint, check

        check(dimension, period)
        rows = self._rows(version, [span])
        totals: Counter[str] = Counter()
        labels: dict[str, str] = {}
        per: Counter[tuple[str, str]] = Counter()
        for e, t, _ in rows:
            d = t.date()
            bucket = (
                d.replace(day=1)
                if period == "month"
                else d.fromordinal(d.toordinal() - d.weekday())
            ).isoformat()
            for key, label in self._keys(dimension, e):
                totals[key] += 1
                labels[key] = min(labels.get(key, label), label)
                per[(bucket, key)] += 1
        top = sorted(totals, key=lambda k: (-totals[k], k))[:limit]
        rank = {k: i for i, k in enumerate(top)}
        points = sorted(
            (TrendPoint(b, k, labels[k], n) for (b, k), n in per.items() if k in rank),
            key=lambda p: (p.bucket, rank[p.key]),
        )
        return Demand(tuple(points), self._coverage(rows))

    def changes(
        self, dimension: str, before: Any, after: Any, limit: int = 10, version: str | None = None
    ) -> Any:
        from domain.trends import Change, Changes, check, split_changes

        check(dimension)
        rows = self._rows(version, [before, after])
        counts: dict[str, list[int]] = {}
        labels: dict[str, str] = {}
        for e, t, _ in rows:
            day = t.date().isoformat()
            for key, label in self._keys(dimension, e):
                c = counts.setdefault(key, [0, 0])
                labels[key] = min(labels.get(key, label), label)
                c[0] += before.start <= day < before.end
                c[1] += after.start <= day < after.end
        rising, falling = split_changes(
            [Change(k, labels[k], a, b) for k, (a, b) in counts.items()], limit
        )
        return Changes(rising, falling, self._coverage(rows))

    def cooccurring(
        self, anchor: str, span: Any, limit: int = 10, version: str | None = None
    ) -> Any:
        from domain.trends import CoCount, CoOccurrence

        rows = self._rows(version, [span])
        if anchor.startswith("soc:"):
            hits = [e for e, _, _ in rows if (e.occupation or {}).get("soc_code") == anchor[4:]]
        else:
            hits = [e for e, _, _ in rows if any(s.skill_id == anchor for s in e.skills)]
        counts: Counter[str] = Counter()
        names: dict[str, str] = {}
        for e in hits:
            for s in e.skills:
                if s.skill_id != anchor:
                    counts[s.skill_id] += 1
                    names[s.skill_id] = min(names.get(s.skill_id, s.name), s.name)
        top = sorted(counts, key=lambda k: (-counts[k], k))[:limit]
        items = tuple(CoCount(k, names[k], counts[k], counts[k] / len(hits)) for k in top)
        return CoOccurrence(len(hits), items, self._coverage(rows))


class FakeEventPublisher:
    """EventPublisher that keeps what it published; `fail` makes every publish fail (nothing
    acknowledged), `fail_rows` only those row_ids."""

    def __init__(self) -> None:
        self.published: list[Any] = []  # EnrichmentEvent, in publish order
        self.fail = False
        self.fail_rows: set[str] = set()

    def publish(self, events: Sequence[Any]) -> list[str]:
        if self.fail:
            return []
        ok = [ev for ev in events if ev.row_id not in self.fail_rows]
        self.published.extend(ok)
        return [ev.row_id for ev in ok]
