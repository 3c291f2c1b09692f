"""Enrichment events (domain/events.py): payload, schema, truncation, outbox and the task hook."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from domain.events import (
    MAX_ATTRIBUTE_BYTES,
    ResendRequest,
    build_event,
    idempotency_key,
    publish_events,
    resend_due_events,
)
from domain.models import ExtractedSkill, JobEnrichment, Mention, Section
from tests.conftest import posting
from tests.fakes import FakeEventPublisher, InMemoryStore

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "config" / "schemas" / "enrichment_event.schema.json").read_text())
HASH = "0" * 64
DAY = 86400.0
EVER = 100 * 365 * DAY  # the chain's rows carry the fixed test clock (2026-11-27)


def skill(i: int, conf: float = 0.5, category: str = "knowledge", section: str | None = "requirements") -> ExtractedSkill:  # fmt: skip
    return ExtractedSkill(f"esco:s{i:06d}", f"skill {i}", category, conf, ("dict",),
                          (Mention(0, 3, "abc", "requirements", "dict"),), section=section)  # fmt: skip


def row(pid: str = "p1", skills=(), at: str | None = None, version: str = "2026.11.8+abc") -> JobEnrichment:  # fmt: skip
    at = at or (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="milliseconds")
    return JobEnrichment(pid, HASH, version, {"skills_extractor": "x.v1@1"},
                         (Section("overview", 0, 10), Section("requirements", 10, 50),
                          Section("requirements", 60, 90)),
                         tuple(skills), at, 3.0, language="en")  # fmt: skip


def test_event_carries_ids_skills_and_section_counts_and_matches_the_schema() -> None:
    e = row(skills=[skill(1, 0.4), skill(2, 0.9, "transversal", "overview"), skill(3, 0.7)])
    ev = build_event(e)
    body = json.loads(ev.data)
    jsonschema.validate(body, SCHEMA)
    assert (body["posting_id"], body["content_hash"], body["enrichment_version"], body["row_id"]) == (
        "p1", HASH, "2026.11.8+abc", e.row_id)  # fmt: skip
    assert [(s["skill_id"], s["kind"], s["confidence"]) for s in body["skills"]] == [
        ("esco:s000002", "SKILL", 0.9), ("esco:s000003", "KNOWLEDGE", 0.7),
        ("esco:s000001", "KNOWLEDGE", 0.4)]  # fmt: skip
    assert body["sections"] == [
        {"kind": "overview", "sections": 1, "skills": 1},
        {"kind": "requirements", "sections": 2, "skills": 2},
    ]
    assert body["truncated"] is False and body["skills_total"] == 3
    assert ev.ordering_key == "p1"
    assert ev.attributes == {"schema_version": "1", "enrichment_version": "2026.11.8+abc",
                             "idempotency_key": e.row_id, "truncated": "false"}  # fmt: skip
    assert b"abc" not in ev.data.replace(b"+abc", b"")  # no mention text travels


def test_the_idempotency_key_is_stable_per_row_and_hashed_past_an_attribute() -> None:
    e = row(skills=[skill(1)])
    assert build_event(e).attributes["idempotency_key"] == build_event(row(skills=[skill(1)], at="2020-01-01T00:00:00.000+00:00")).attributes["idempotency_key"]  # fmt: skip
    assert build_event(row("p2")).attributes["idempotency_key"] != build_event(e).attributes["idempotency_key"]  # fmt: skip
    long_id = "é" * 600
    key = idempotency_key(f"{long_id}:{HASH}:v")
    assert key.startswith("sha256:") and len(key.encode()) <= MAX_ATTRIBUTE_BYTES
    assert key == idempotency_key(f"{long_id}:{HASH}:v")


@pytest.mark.parametrize("limit", [2_000, 20_000])
def test_an_oversized_event_is_truncated_with_a_flag_never_dropped(limit: int) -> None:
    e = row(skills=[skill(i, conf=(i % 97) / 100) for i in range(1_000)])
    ev = build_event(e, max_data_bytes=limit)
    body = json.loads(ev.data)
    jsonschema.validate(body, SCHEMA)
    assert len(ev.data) <= limit
    assert body["truncated"] is True and ev.truncated and ev.attributes["truncated"] == "true"
    assert body["skills_total"] == 1_000 and 0 < len(body["skills"]) < 1_000
    confs = [s["confidence"] for s in body["skills"]]
    assert confs == sorted(confs, reverse=True) and confs[0] == 0.96  # the most confident kept
    # the longest prefix that fits: the room left is less than one more skill (~110 bytes)
    assert limit - len(ev.data) < 120
    one_more = build_event(e, max_data_bytes=len(ev.data) + 120)
    assert len(json.loads(one_more.data)["skills"]) == len(body["skills"]) + 1


def test_thousands_of_skills_fit_under_pubsubs_10_mb_after_truncation() -> None:
    e = row(skills=[skill(i, category="skill/competence") for i in range(120_000)])
    ev = build_event(e)
    assert len(ev.data) <= 9_900_000 < len(build_event(e, 10**9).data)
    assert json.loads(ev.data)["truncated"] is True


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


def _persisted(store: InMemoryStore, n: int) -> list[JobEnrichment]:
    rows = [row(f"p{i}", [skill(i)]) for i in range(n)]
    store.write_batch([posting(f"p{i}", "x") for i in range(n)], rows, [])
    return rows


def test_published_events_are_marked_and_no_longer_due(store: InMemoryStore) -> None:
    rows = _persisted(store, 3)
    pub = FakeEventPublisher()
    report = publish_events(rows, pub, store)
    assert report.to_dict() == {"published": 3, "failed": 0, "marked": 3, "truncated": 0}
    assert store.due_events(DAY, 0.0, 10) == []


def test_a_failed_publish_never_raises_and_is_sent_by_the_resend_job(store: InMemoryStore) -> None:
    rows = _persisted(store, 4)
    pub = FakeEventPublisher()
    pub.fail_rows = {rows[1].row_id, rows[3].row_id}
    report = publish_events(rows, pub, store)
    assert (report.published, report.failed) == (2, 2)
    assert [d.row_id for d in store.due_events(DAY, 0.0, 10)] == sorted([rows[1].row_id, rows[3].row_id])  # fmt: skip
    pub.fail_rows = set()
    again = resend_due_events(ResendRequest(DAY, 0.0, 100), store, store.enrichments_by_keys, pub)
    assert again.to_dict() == {"due": 2, "published": 2, "failed": 0, "missing": 0}
    assert store.due_events(DAY, 0.0, 10) == []
    keys = [ev.attributes["idempotency_key"] for ev in pub.published]
    assert sorted(keys) == sorted(r.row_id for r in rows)  # one logical event per row


def test_a_publisher_that_raises_leaves_every_row_due(store: InMemoryStore) -> None:
    class Broken:
        def publish(self, events):  # type: ignore[no-untyped-def]
            raise RuntimeError("client bug")

    rows = _persisted(store, 2)
    assert publish_events(rows, Broken(), store).failed == 2
    assert store.count_due_events(DAY, 0.0) == 2


def test_sent_but_unmarked_events_are_sent_again_with_the_same_key(store: InMemoryStore) -> None:
    class MarksDown:
        def mark_events_sent(self, rows):  # type: ignore[no-untyped-def]
            raise ConnectionError("warehouse down")

    rows = _persisted(store, 2)
    pub = FakeEventPublisher()
    assert publish_events(rows, pub, MarksDown()).published == 2  # type: ignore[arg-type]
    resend_due_events(ResendRequest(DAY, 0.0, 100), store, store.enrichments_by_keys, pub)
    keys = [ev.attributes["idempotency_key"] for ev in pub.published]
    assert len(keys) == 4 and set(keys) == {r.row_id for r in rows}


def test_resend_respects_the_grace_period(store: InMemoryStore) -> None:
    _persisted(store, 2)  # an hour old
    pub = FakeEventPublisher()
    report = resend_due_events(ResendRequest(DAY, 2 * 3600.0, 100), store, store.enrichments_by_keys, pub)  # fmt: skip
    assert report.due == 0 and pub.published == []


# -- the persist task -----------------------------------------------------------------------


@pytest.fixture
def svc_with_events(svc):  # type: ignore[no-untyped-def]
    pub = FakeEventPublisher()
    svc.__dict__["event_publisher"] = pub
    svc.settings = svc.settings.model_copy(update={"events_topic": "enrichment-events"})
    return svc, pub


@pytest.fixture
def svc(tiny_taxonomy, tiny_aliases) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from tests.unit.test_tasks import svc as make  # the chain's services with fakes

    yield from make.__wrapped__(tiny_taxonomy, tiny_aliases)  # type: ignore[attr-defined]


def test_the_chain_publishes_one_event_per_persisted_posting(svc_with_events) -> None:  # type: ignore[no-untyped-def]
    from tests.unit.test_tasks import run_chain

    svc, pub = svc_with_events
    ps = [posting(f"p{i}", "Python and k8s") for i in range(5)]
    run_chain(ps)
    run_chain(ps)  # a redelivered batch: same events again, same keys
    rows = {e.row_id for e in svc.store.enrichments.values()}
    keys = [ev.attributes["idempotency_key"] for ev in pub.published]
    assert len(keys) == 10 and set(keys) == rows
    for ev in pub.published:
        jsonschema.validate(json.loads(ev.data), SCHEMA)
    assert svc.store.count_due_events(EVER, 0.0) == 0


def test_without_a_topic_nothing_is_published(svc) -> None:  # type: ignore[no-untyped-def]
    from tests.unit.test_tasks import run_chain

    assert svc.event_publisher is None
    run_chain([posting("p0", "Python")])
    assert len(svc.store.enrichments) == 1


# -- wiring: beat, the resend task, the status line ------------------------------------------


def test_the_resend_job_is_scheduled_only_when_events_are_on() -> None:
    from worker.beat import beat_schedule
    from worker.settings import Settings

    assert "resend-due-events" not in beat_schedule(Settings())
    on = beat_schedule(Settings(events_topic="enrichment-events", events_resend_interval_s=7))
    assert on["resend-due-events"]["task"] == "lifecycle.resend_events"
    assert on["resend-due-events"]["schedule"] == 7
    assert (
        Settings(events_topic="t1", pubsub_project="p").events_topic_path == "projects/p/topics/t1"
    )
    assert Settings(events_topic="projects/q/topics/t").events_topic_path == "projects/q/topics/t"


def test_the_resend_task_publishes_what_is_due_once_per_run(svc_with_events) -> None:  # type: ignore[no-untyped-def]
    from tasks.lifecycle import resend_events_task
    from tests.fakes import FakeCoordinator

    svc, pub = svc_with_events
    coordinator = FakeCoordinator()
    svc.__dict__["coordinator"] = coordinator
    svc.settings = svc.settings.model_copy(update={"events_resend_grace_s": 0.0})
    rows = _persisted(svc.store, 3)
    coordinator.locked.add("events-resend")  # another run holds the lock
    assert resend_events_task() == {"skipped": "another resend is running"}
    coordinator.locked.clear()
    assert resend_events_task() == {"due": 3, "published": 3, "failed": 0, "missing": 0}
    assert resend_events_task() == {"due": 0, "published": 0, "failed": 0, "missing": 0}
    assert {ev.row_id for ev in pub.published} == {r.row_id for r in rows}


def test_the_status_line_says_when_events_are_off(svc) -> None:  # type: ignore[no-untyped-def]
    from worker.events import check_events_at_start, events_status_line

    assert events_status_line(svc) == "events:         off (ENRICH_EVENTS_TOPIC unset)"
    assert check_events_at_start(svc) is None


def test_an_events_failure_never_fails_the_persist_link(svc_with_events, caplog) -> None:  # type: ignore[no-untyped-def]
    from tests.unit.test_tasks import run_chain

    svc, pub = svc_with_events
    # a broken outbox: "bigquery" wiring over a store without a BigQuery client raises
    svc.settings = svc.settings.model_copy(update={"store_backend": "bigquery"})
    run_chain([posting("p0", "Python"), posting("p1", "k8s")])
    assert len(svc.store.enrichments) == 2 and not svc.store.rejection_rows
    assert pub.published == []
    assert svc.store.count_due_events(EVER, 0.0) == 2  # still due: the resend job sends them
    assert "events not published (AttributeError)" in caplog.text
    assert "step failed" not in caplog.text  # the link finished; nothing was recorded as failed


def test_the_exporter_counts_due_events_only_when_events_are_on(store: InMemoryStore) -> None:
    from adapters.prometheus.exporter import FleetCollector, Sources

    rows = _persisted(store, 3)
    pub = FakeEventPublisher()
    pub.fail_rows = {rows[0].row_id}
    publish_events(rows, pub, store)

    def samples(**kw) -> dict[str, float]:  # type: ignore[no-untyped-def]
        sources = Sources(store, None, None, lambda: "v1", (), **kw)
        return {s.name: s.value for m in FleetCollector(sources).collect() for s in m.samples}

    assert "enrich_events_due" not in samples()
    assert samples(events=store, events_window_s=DAY, events_grace_s=0.0)["enrich_events_due"] == 1
    assert (
        samples(events=store, events_window_s=DAY, events_grace_s=2 * 3600.0)["enrich_events_due"]
        == 0
    )  # still inside the grace: not due yet
