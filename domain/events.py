"""Enrichment events: one message per persisted posting, built here (pure), published by an
adapter (adapters/pubsub/events.py), re-sent while due (the outbox is the warehouse itself).

An event says "this posting's enrichment at this version is in the warehouse": posting_id,
content_hash, enrichment_version, row_id, the skills (id, kind, category, confidence, section)
and per-section counts. Its schema is config/schemas/enrichment_event.schema.json.

Delivery is at least once. The logical event is identified by its idempotency key, the row_id
(`posting_id:content_hash:enrichment_version`, the warehouse's own key for the row): a re-sent or
redelivered event carries the same key, so a consumer deduplicates on it. Not a random id: the
persister that publishes after a crash and the resend job that finds the row unmarked must agree
on the key without talking to each other, and only the row's identity gives them that.

Outbox: a row needs an event while it has no sent mark. The persist task publishes right after
writing and marks what Pub/Sub acknowledged; a failed publish leaves the mark unset and the
`lifecycle.resend_events` job publishes it later (`resend_due_events`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from domain.models import JobEnrichment
from domain.ports import DueEvent, EventMarks, EventPublisher

log = logging.getLogger(__name__)

EVENT_SCHEMA_VERSION = 1
EVENT_TYPE = "enrichment.persisted"
# Pub/Sub refuses messages over 10 MB (data + attributes + ordering key); the data is kept
# under this many bytes, which leaves room for attributes and the ordering key (< 3 KB).
MAX_EVENT_DATA_BYTES = 9_900_000
# Pub/Sub attribute values are at most 1,024 bytes: a longer row_id is hashed for the key.
MAX_ATTRIBUTE_BYTES = 1024


@dataclass(frozen=True, slots=True)
class EnrichmentEvent:
    """One message: `data` is the UTF-8 JSON payload (<= max bytes), `attributes` the Pub/Sub
    attributes (schema_version, enrichment_version, idempotency_key, truncated), `ordering_key`
    the posting_id (one posting's events are delivered in publish order)."""

    row_id: str
    posting_id: str
    data: bytes
    attributes: dict[str, str]
    ordering_key: str
    truncated: bool


def idempotency_key(row_id: str) -> str:
    """The row_id, or `sha256:<hex>` of it when it exceeds an attribute's 1,024 bytes."""
    if len(row_id.encode("utf-8")) <= MAX_ATTRIBUTE_BYTES:
        return row_id
    return "sha256:" + hashlib.sha256(row_id.encode("utf-8")).hexdigest()


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def section_counts(e: JobEnrichment) -> list[dict[str, Any]]:
    """Per section kind: how many sections of that kind, how many skills were set there."""
    sections = Counter(s.kind for s in e.sections)
    skills = Counter(s.section for s in e.skills if s.section is not None)
    kinds = sorted(set(sections) | set(skills))
    return [{"kind": k, "sections": sections[k], "skills": skills[k]} for k in kinds]


def build_event(e: JobEnrichment, max_data_bytes: int = MAX_EVENT_DATA_BYTES) -> EnrichmentEvent:
    """The event of one enrichment row. Skills are listed by confidence (highest first); when
    the payload would exceed `max_data_bytes`, the list is cut to the longest prefix that fits
    and `truncated` is set (`skills_total` still counts them all): never dropped."""
    key = idempotency_key(e.row_id)
    skills = sorted(e.skills, key=lambda s: (-s.confidence, s.skill_id))
    head: dict[str, Any] = {
        "schema_version": EVENT_SCHEMA_VERSION,
        "event_type": EVENT_TYPE,
        "idempotency_key": key,
        "row_id": e.row_id,
        "posting_id": e.posting_id,
        "content_hash": e.content_hash,
        "enrichment_version": e.enrichment_version,
        "enriched_at": e.enriched_at,
        "language": e.language,
        "skills_total": len(skills),
        "sections": section_counts(e),
    }
    encoded = [
        _dumps(
            {
                "skill_id": s.skill_id,
                "kind": s.kind,
                "category": s.category,
                "confidence": round(s.confidence, 4),
                "section": s.section,
            }
        )
        for s in skills
    ]
    # size of the payload with the first k skills: the head with an empty list and the flag,
    # plus each skill and a comma between two
    empty = len(_dumps({**head, "truncated": False, "skills": []}))
    budget = max_data_bytes - empty  # "true" is shorter than "false"
    k, used = 0, 0
    for item in encoded:
        extra = len(item) + (1 if k else 0)
        if used + extra > budget:
            break
        used += extra
        k += 1
    truncated = k < len(encoded)
    data = _dumps({**head, "truncated": truncated, "skills": []})
    data = data[:-3] + b"[" + b",".join(encoded[:k]) + b"]}"  # the list is the last key
    if len(data) > max_data_bytes:  # the head alone (ids, sections) cannot fit: a bug upstream
        raise ValueError(f"event head of {e.row_id!r} is {len(data)} bytes > {max_data_bytes}")
    attributes = {
        "schema_version": str(EVENT_SCHEMA_VERSION),
        "enrichment_version": e.enrichment_version,
        "idempotency_key": key,
        "truncated": "true" if truncated else "false",
    }
    return EnrichmentEvent(e.row_id, e.posting_id, data, attributes, e.posting_id, truncated)


@dataclass(frozen=True, slots=True)
class EventReport:
    published: int  # acknowledged by Pub/Sub
    failed: int  # left due: the resend job will publish them
    marked: int  # sent marks written
    truncated: int

    def to_dict(self) -> dict[str, int]:
        return {
            "published": self.published,
            "failed": self.failed,
            "marked": self.marked,
            "truncated": self.truncated,
        }


def publish_events(
    enrichments: Sequence[JobEnrichment],
    publisher: EventPublisher,
    marks: EventMarks,
    max_data_bytes: int = MAX_EVENT_DATA_BYTES,
) -> EventReport:
    """Publish one event per enrichment and mark those Pub/Sub acknowledged. Never raises for
    a publish or a mark that failed: the rows stay due and `resend_due_events` sends them."""
    rows = {e.row_id: e for e in enrichments}  # a batch holds a row once; be safe
    events = [build_event(e, max_data_bytes) for e in rows.values()]
    if not events:
        return EventReport(0, 0, 0, 0)
    try:
        sent = publisher.publish(events)
    except Exception as exc:  # an adapter bug must not fail persistence either
        log.error("events not published (%s): %d rows stay due", type(exc).__name__, len(events))
        sent = []
    marked = 0
    if sent:
        try:
            marked = marks.mark_events_sent([(r, rows[r].posting_id) for r in sent])
        except Exception as exc:  # sent but unmarked: re-sent later, same idempotency key
            log.warning("sent marks not written (%s): %d events will be sent again",
                        type(exc).__name__, len(sent))  # fmt: skip
    failed = len(events) - len(sent)
    if failed:
        log.warning("events: %d of %d not published; they stay due for the resend job",
                    failed, len(events))  # fmt: skip
    return EventReport(len(sent), failed, marked, sum(ev.truncated for ev in events))


@dataclass(frozen=True, slots=True)
class ResendRequest:
    window_s: float  # rows enriched at most this long ago are considered
    grace_s: float  # ... and at least this long ago (their persister may still be publishing)
    limit: int  # rows per run
    max_data_bytes: int = MAX_EVENT_DATA_BYTES


@dataclass(frozen=True, slots=True)
class ResendReport:
    due: int
    published: int
    failed: int
    missing: int  # due rows whose enrichment could not be read back

    def to_dict(self) -> dict[str, int]:
        return {
            "due": self.due,
            "published": self.published,
            "failed": self.failed,
            "missing": self.missing,
        }


def resend_due_events(
    req: ResendRequest,
    marks: EventMarks,
    read: Callable[[Sequence[tuple[str, str]]], Sequence[JobEnrichment]],
    publisher: EventPublisher,
) -> ResendReport:
    """Find rows without a sent mark (enriched within the window, older than the grace), read
    them back in one call (`read`: (posting_id, row_id) keys -> rows, e.g.
    store.enrichments_by_keys), publish and mark. Raises TransientError when the warehouse cannot
    list or read them (the next run retries)."""
    due: Sequence[DueEvent] = marks.due_events(req.window_s, req.grace_s, req.limit)
    keys = list(dict.fromkeys((d.posting_id, d.row_id) for d in due))
    rows = {e.row_id: e for e in read(keys)} if keys else {}
    found = [rows[r] for _, r in keys if r in rows]
    missing = len(keys) - len(found)
    report = publish_events(found, publisher, marks, req.max_data_bytes)
    if missing:
        log.warning("resend: %d due rows could not be read back", missing)
    return ResendReport(len(due), report.published, report.failed, missing)
