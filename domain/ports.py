"""Ports: what the domain and tasks need from the outside world, as typing.Protocol."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from domain.clustering.model import ClusterModel, PostingFeatures
from domain.models import (
    ClusterRun,
    EvaluationResult,
    JobEnrichment,
    Posting,
    Rejection,
    Section,
)
from domain.occupations.summary import OccupationSummary


@dataclass(frozen=True, slots=True)
class VersionCount:
    enrichment_version: str
    rows: int  # rows written by this version
    postings: int  # distinct postings with a row of this version
    latest: int  # postings whose latest enrichment is this version


@dataclass(frozen=True, slots=True)
class SectionRow:
    """One section of one enrichment row, with the classifier version that found it."""

    enrichment_version: str
    content_hash: str
    classifier_version: str
    index: int
    section: Section


@dataclass(frozen=True, slots=True)
class GroupCount:
    """Postings and mentions rolled up to one broader place of the taxonomy (issue #24): the
    group code (ESCO "S5.1.1", "isced-f/0613", O*NET "onet-category:<name>"), its name, how
    many distinct postings and how many skills name it (at concept or group level)."""

    group_id: str
    name: str
    postings: int
    skills: int


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

    def enrichments_by_keys(self, keys: Sequence[tuple[str, str]]) -> list[JobEnrichment]:
        """The enrichment rows named by `(posting_id, row_id)` keys, each once, in no set order;
        keys with no row are left out. One read for many rows (the events resend job), where
        posting_history would be one read per posting."""
        ...

    def failed_postings(
        self,
        current_version: str,
        stages: Sequence[str],
        limit: int,
        after_posting_id: str | None = None,
    ) -> list[Posting]:
        """Raw postings with a failure row at one of `stages` and no enrichment of that content
        at `current_version` (what `replay-failures` re-runs), ordered by id (a cursor)."""
        ...

    def enrichment_status(self, posting_ids: Sequence[str], version: str) -> tuple[int, int]:
        """Of these postings: how many have an enrichment at `version`, how many a rejection."""
        ...

    def current_status(
        self, posting_ids: Sequence[str], version: str, failed_since: str
    ) -> tuple[int, int]:
        """Of these postings: how many are currently (their latest enrichment) at `version`, and
        how many are not but have a rejection recorded at or after `failed_since` (ISO 8601).
        What a re-enrichment waits on: rows an old run left at `version` do not count."""
        ...

    def count_rejections(self, rejection_ids: Sequence[str]) -> int:
        """How many of these rejection ids are recorded."""
        ...

    def rejections(self, limit: int = 100) -> list[Rejection]: ...

    def rejection_counts(self) -> dict[tuple[str, str], int]:
        """(stage, reason) -> count."""
        ...

    def top_skills(self, version: str, limit: int = 10) -> list[SkillCount]: ...

    def top_groups(self, version: str, limit: int = 10) -> list[GroupCount]:
        """Skills of rows at `version` rolled up by their nearest group (concept-level links
        and group-level links alike), most postings first then group_id; rows written before
        2026.11.10 have no group and count nowhere."""
        ...

    def top_occupations(self, version: str, limit: int = 10) -> OccupationSummary:
        """The occupations of the postings whose current row (posting_state: the latest by
        intake, then enrichment time) is at `version`: one row per posting, so a re-enriched
        posting counts once and a posting whose current row is of another version not at all.
        The `limit` most frequent SOC codes plus postings per method and per no-code reason
        (domain/occupations/summary.py); rows from before 2026.11.8 count under method None."""
        ...

    def save_evaluation(self, result: EvaluationResult) -> bool:
        """Store one evaluation result; False when it was already stored."""
        ...

    def evaluations(self, dataset: str | None = None, limit: int = 50) -> list[EvaluationResult]:
        """Evaluation history, newest first."""
        ...

    def skills_per_posting(self, version: str) -> float: ...

    def section_classifications(self, posting_id: str) -> list[SectionRow]:
        """The sections of every enrichment of a posting (oldest row first, then in text order)."""
        ...

    def skill_count_distribution(self, version: str) -> list[tuple[int, int, float]]:
        """(skills in a row, rows with that many, their summed processing_ms) for the rows
        written at `version`, by skill count: what the metrics histogram is built from."""
        ...


@dataclass(frozen=True, slots=True)
class RawMessage:
    """One unit from a source, before validation. `ref` says where it came from (file:line, msg id)."""

    payload: bytes
    ref: str
    source: str
    size: int | None = None  # the real length when `payload` is only the prefix of a longer line


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

    def claim_in_flight(self, scope: str, keys: Sequence[str], ttl_s: float) -> set[str]:
        """Mark `keys` as in flight within `scope` for `ttl_s` seconds; returns the keys this call
        marked (the others were already in flight). The TTL makes a key claimable again when
        the work it stood for died without a word."""
        ...

    def release_in_flight(self, scope: str, keys: Sequence[str]) -> None:
        """Forget these in-flight marks (the work was never handed on)."""
        ...

    def acquire(self, name: str, ttl_s: float) -> str | None:
        """Take a lock that outlives this call (a clustering run spans tasks): a token to the
        holder, None when someone holds it. The TTL frees the lock of a holder that died."""
        ...

    def release(self, name: str, token: str) -> bool:
        """Free the lock if `token` still holds it."""
        ...

    def count_delivery(self, key: str, ttl_s: float) -> int:
        """Count one more start of the message `key`; returns the starts so far (1 the first
        time). The count expires after `ttl_s` seconds."""
        ...

    def clear_delivery(self, key: str) -> None:
        """The message `key` finished: forget its count."""
        ...

    def unacked(self) -> tuple[int, float | None]:
        """Messages delivered to a worker and not yet acked (held in the broker's `unacked`
        hash), and the age in seconds of the oldest (None when there is none)."""
        ...

    def report_config(self, worker: str, state: dict[str, str] | None) -> None:
        """Publish what config `worker` refused (reason, path, the version it keeps serving);
        None clears it once the worker runs the active config again."""
        ...

    def refused_configs(self) -> dict[str, dict[str, str]]:
        """worker -> its refused-config state, for every worker currently refusing one."""
        ...


class Dispatcher(Protocol):
    """Hands a payload to a named task on the broker. Raises TransientError when the broker
    refused it (down, full, unreachable), so the caller decides: wait, nack or record."""

    def send(self, task: str, payload: Any, queue: str | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class SpoolItem:
    key: str
    kind: str  # "batch" (an EnrichedBatch) | "rejections" (a list of Rejection dicts)
    stage: str
    reason: str
    payload: Any


class Spool(Protocol):
    """Last-resort durable holding area for work that could be neither handed on nor recorded in
    the warehouse (both down). `replay-failures` drains it; putting the same work twice is one item."""

    def put(self, kind: str, stage: str, reason: str, payload: Any) -> str: ...

    def items(self) -> Iterator[SpoolItem]: ...

    def remove(self, key: str) -> None: ...


class ClusterStore(Protocol):
    """What clustering reads and writes in the warehouse (both stores implement it)."""

    def count_current(self, version: str) -> int:
        """Postings whose latest enrichment is `version`."""
        ...

    def cluster_chunk_bounds(self, version: str, chunk_size: int) -> list[str]:
        """Every chunk_size-th posting id (ordered) of the postings current at `version`:
        chunk i covers ids in (bounds[i-1], bounds[i]], the last chunk everything after."""
        ...

    def cluster_features(
        self,
        version: str,
        limit: int,
        after_posting_id: str | None = None,
        upto_posting_id: str | None = None,
    ) -> list[PostingFeatures]:
        """Title and skills of postings current at `version`, by id, in (after, upto]."""
        ...

    def save_cluster_run(self, run: ClusterRun) -> None:
        """Insert or replace the run's row (never its is_active: only activation sets that)."""
        ...

    def write_cluster_assignments(self, run_id: str, rows: Sequence[tuple[str, int, float]]) -> int:
        """(posting_id, cluster_id, distance) rows of a run; idempotent; returns rows new."""
        ...

    def count_cluster_assignments(self, run_id: str) -> int: ...

    def activate_cluster_run(
        self, run_id: str, n_postings: int, n_clusters: int, metrics: dict[str, Any], now: str
    ) -> bool:
        """In one step: this run completed + active, every other run inactive. False (nothing
        changed) unless the run is `running`."""
        ...

    def cluster_runs(
        self,
        limit: int = 20,
        cluster_version: str | None = None,
        run_id: str | None = None,
        status: str | None = None,
        active_only: bool = False,
    ) -> list[ClusterRun]:
        """Runs, newest first; each filter given narrows them (one clustering version, one run,
        one status, the active run)."""
        ...

    def cluster_assignments(self, run_id: str) -> dict[str, int]:
        """posting_id -> cluster_id of one run."""
        ...

    def posting_cluster(self, posting_id: str) -> tuple[str, int, float] | None:
        """(run_id, cluster_id, distance) of the posting in the active run."""
        ...

    def cluster_members(self, run_id: str, cluster_id: int, limit: int = 100) -> list[str]:
        """Posting ids of one cluster in one run, closest to the centre first."""
        ...

    def cluster_sizes(self, runs: int = 10) -> list[tuple[str, int, int]]:
        """(run_id, cluster_id, size) over the newest completed runs."""
        ...

    def changed_postings(
        self, run_a: str, run_b: str, limit: int = 100
    ) -> list[tuple[str, int, int]]:
        """(posting_id, cluster in a, cluster in b) for postings whose cluster differs."""
        ...


class ClusterModels(Protocol):
    """Where fitted cluster models live, by model_id (shared by every worker of the fleet)."""

    def save(self, model: ClusterModel) -> str:
        """Store the model under its model_id (idempotent); return the id."""
        ...

    def load(self, model_id: str) -> ClusterModel:
        """The model, or ConfigError naming what is missing or unreadable."""
        ...


@dataclass(frozen=True, slots=True)
class IntakeEntry:
    """One posting the bridge accepted, as the intake ledger holds it: enough to enqueue it again.

    `accepted_at` is ISO 8601 UTC on the warehouse's clock; `attempts` counts the reconciler's
    re-enqueues of it so far.
    """

    posting: Posting
    source_ref: str
    accepted_at: str
    attempts: int


@dataclass(frozen=True, slots=True)
class LedgerCounts:
    accepted: int  # postings (posting_id, content_hash) in the ledger
    unaccounted: int  # accepted more than grace_s ago, neither enriched nor recorded as failed
    reenqueued: int  # re-enqueues by the reconciler, all time (only grows)
    lost_in_transit: int  # failure rows the reconciler wrote after the last attempt
    compacted: int = 0  # accounted-for entries whose raw text compact_intake dropped


class IntakeLedger(Protocol):
    """Every posting the bridge accepted, recorded durably *before* its source is acked, so that
    a posting the broker loses is still known (both stores implement it, next to their tables).

    Time is the warehouse's clock only: the ledger stamps `accepted_at` and each attempt itself,
    and ages are compared against its own now, so clock skew between the bridge host and the
    reconciler host cannot make a posting look older or younger than it is.
    """

    def record_intake(self, postings: Sequence[Posting], refs: Sequence[str]) -> int:
        """Record accepted postings (refs[i] = where postings[i] came from: file:line, message
        id), raw text included; idempotent on (posting_id, content_hash): a posting bridged
        again keeps its first accepted_at. Returns how many were new. Raises TransientError
        when the warehouse is unavailable (the caller must then not ack the source)."""
        ...

    def unaccounted_intake(self, grace_s: float, limit: int) -> list[IntakeEntry]:
        """Up to `limit` ledger entries, ordered by (posting_id, content_hash), whose content has
        no enrichment row (any version) and no failure/rejection row, and whose last attempt
        (else acceptance) is at least `grace_s` seconds old on the warehouse's clock."""
        ...

    def mark_reenqueued(self, keys: Sequence[tuple[str, str]]) -> int:
        """Count one more re-enqueue attempt, stamped with the warehouse's now, for each
        (posting_id, content_hash). Returns how many ledger entries were updated."""
        ...

    def ledger_counts(self, grace_s: float) -> LedgerCounts:
        """Totals for `enrich-ops status` and the metrics; `unaccounted` as in
        unaccounted_intake(grace_s), whatever the attempts."""
        ...

    def compact_intake(self, retention_s: float, limit: int) -> int:
        """Drop the raw posting (text -> "", title and company -> NULL) of up to `limit` ledger
        entries, ordered by (posting_id, content_hash), that were accepted at least
        `retention_s` seconds ago on the warehouse's clock and whose content is accounted for
        (an enrichment row of any version, or a failure/rejection row). The key, source ref,
        times and attempts stay, so idempotency and every count are unchanged; only the
        ~11 KiB of text per posting goes. Idempotent: returns how many entries it compacted
        now. Raises TransientError when the warehouse is unavailable."""
        ...


class LanguageDetector(Protocol):
    """The language of a posting's analysed text (issue #23)."""

    def detect(self, text: str) -> str:
        """ISO 639-1 code ("en", "de"), "mul" when two languages share the text, "und" when
        it cannot tell (too little text, only names or emoji). Never raises."""
        ...


@dataclass(frozen=True, slots=True)
class DueEvent:
    """An enrichment row whose event has no sent mark yet."""

    row_id: str
    posting_id: str


class EventPublisher(Protocol):
    """Publishes enrichment events (domain/events.py) to the events topic."""

    def publish(self, events: Sequence[Any]) -> list[str]:
        """Publish `events` (EnrichmentEvent); return the row_ids of those the service
        acknowledged, in any order. Never raises for a publish that failed: a failed event is
        simply not in the list (it stays due). Bounded in time by the adapter."""
        ...


class EventMarks(Protocol):
    """The events outbox, next to the warehouse's tables: an enrichment row needs an event
    while it has no sent mark (both stores implement it; BigQuery in its own adapter)."""

    def mark_events_sent(self, rows: Sequence[tuple[str, str]]) -> int:
        """Record (row_id, posting_id) events as sent, stamped with the warehouse's clock;
        idempotent. Returns how many marks were new (BigQuery: how many were appended)."""
        ...

    def due_events(self, window_s: float, grace_s: float, limit: int) -> list[DueEvent]:
        """Up to `limit` enrichment rows, by row_id, enriched between `window_s` and `grace_s`
        seconds ago (warehouse clock) that have no sent mark."""
        ...

    def count_due_events(self, window_s: float, grace_s: float) -> int:
        """How many rows due_events(window_s, grace_s, ∞) would list."""
        ...
