# ruff: noqa: F811  (the svc/store fixtures come from test_tasks)
"""Every failure inside a chain link is recorded (tasks/links.py): one test per place that can
raise — building services, decoding the payload, the step, encoding/publishing the hand-off,
recording rejections — plus the poison-batch guard that counts deliveries per message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery.worker.state import revoked

from adapters.duckdb.store import DuckDbStore
from domain.models import EnrichedBatch
from domain.recovery import replay_failures
from tests.conftest import posting
from tests.fakes import FakeCoordinator, InMemoryStore, RecordingDispatcher
from tests.unit.test_tasks import DownStore, store, svc, wire  # noqa: F401  (fixtures)
from worker import bootstrap
from worker.settings import get_settings


def batch_of(*ids: str) -> dict[str, object]:
    return wire(EnrichedBatch(postings=tuple(posting(i, "Python and SQL") for i in ids)).to_dict())


@pytest.fixture
def broken_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A process whose config root holds invalid YAML and that never had a good config."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "model_versions.yaml").write_text("components: [unclosed\n")
    monkeypatch.setenv("ENRICH_CONFIG_ROOT", str(tmp_path))
    monkeypatch.setenv("ENRICH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    bootstrap.override(None)
    yield tmp_path / "data"
    bootstrap.override(None)
    get_settings.cache_clear()


def test_services_that_cannot_build_record_the_batch_with_its_raw_text(broken_config) -> None:
    from tasks.enrich import extract_skills

    with pytest.raises(Exception, match="not valid YAML"):
        bootstrap.services()
    out = extract_skills(batch_of("a", "b"))
    assert out["outcome"] == "failed:extract/component_error"
    warehouse = DuckDbStore(broken_config / "enrichment.duckdb")
    rows = warehouse.rejections(10)
    assert {(r.posting_id, r.stage, r.reason, r.detail) for r in rows} == {
        (p, "extract", "component_error", "ConfigError") for p in ("a", "b")
    }
    # raw text kept: replay-failures finds both postings again
    assert {p.posting_id for p in warehouse.failed_postings("any", ("extract",), 10)} == {"a", "b"}


def test_rejections_whose_services_cannot_build_are_spooled(broken_config) -> None:
    from domain.models import Rejection
    from tasks.enrich import record_rejections

    r = Rejection("r1", "validate", "invalid_json", "line 1: bad", "t", "2026-11-30T00:00:00")
    assert record_rejections([r.to_dict()]) == 0
    (item,) = bootstrap.recording_services().spool.items()
    assert (item.kind, item.reason, item.payload) == (
        "rejections",
        "component_error",
        [r.to_dict()],
    )


def test_a_payload_that_does_not_decode_records_what_decodes_and_keeps_the_message(
    svc, store: InMemoryStore
) -> None:
    from tasks.enrich import classify_sections

    payload = batch_of("good", "bad")
    del payload["postings"][1]["text"]  # type: ignore[index]
    out = classify_sections(payload)
    assert out["outcome"] == "failed:classify/component_error"
    assert [(r.posting_id, r.reason) for r in store.rejection_rows.values()] == [
        ("good", "component_error")
    ]
    (held,) = svc.spool.items()
    assert (held.kind, held.payload) == ("unreadable", payload)
    # replay-failures re-runs the decodable posting and leaves the unreadable message for a human
    sent: list[object] = []
    replay_failures(store, svc.spool, sent.append, lambda r: None, "v9")
    assert [[p.posting_id for p in b] for b in sent] == [["good"]]  # type: ignore[attr-defined]
    assert list(svc.spool.items()) == [held]


class ExhaustedDispatcher(RecordingDispatcher):
    """The broker client runs out of memory encoding the next link's payload."""

    def send(self, task: str, payload: object, queue: str | None = None) -> None:
        raise MemoryError


@pytest.mark.parametrize("link", ["classify", "extract"])
def test_running_out_of_memory_handing_on_is_recorded_as_resource_exhausted(
    svc, store: InMemoryStore, link: str
) -> None:
    from tasks.enrich import classify_sections, extract_skills

    svc.__dict__["dispatcher"] = ExhaustedDispatcher()
    batch = EnrichedBatch(postings=(posting("a", "Python"), posting("b", "SQL")))
    if link == "classify":
        out = classify_sections(wire(batch.to_dict()))
        assert {(r.stage, r.reason) for r in store.rejection_rows.values()} == {
            ("handoff", "resource_exhausted")
        }
    else:
        out = extract_skills(wire(svc.pipeline.classify(batch).to_dict()))
        assert len(store.enrichments) == 2 and not store.rejection_rows  # done work is written
    assert out["outcome"] == "failed:handoff/resource_exhausted"
    assert set(store.postings) == {(p.posting_id, p.content_hash) for p in batch.postings}


class GreedyClassifier:
    def classify(self, text: str):  # type: ignore[no-untyped-def]
        if "huge" in text:
            raise MemoryError
        from domain.models import Section

        return (Section("overview", 0, len(text)),)


def test_a_posting_that_exhausts_memory_fails_alone_as_resource_exhausted(svc, store) -> None:
    from dataclasses import replace

    from tasks.enrich import classify_sections

    svc.__dict__["pipeline"] = replace(svc.pipeline, classifier=GreedyClassifier())
    out = classify_sections(wire(EnrichedBatch(postings=(
        posting("ok", "Python"), posting("big", "huge Python"))).to_dict()))  # fmt: skip
    assert out["outcome"] == "handed_on" and out["failures"] == 1
    ((_, payload, _),) = svc.dispatcher.sent
    failures = EnrichedBatch.from_dict(payload).failures  # type: ignore[arg-type]
    assert [(f.posting_id, f.reason) for f in failures] == [("big", "resource_exhausted")]


# --- poison batches: deliveries counted per message, in the worker parent --------------------


@pytest.fixture
def coordinator(svc) -> FakeCoordinator:
    svc.__dict__["coordinator"] = c = FakeCoordinator()
    return c


def received(name: str, payload, task_id: str = "t1"):  # type: ignore[no-untyped-def]
    """What Celery's task_received hands the worker parent (only the fields we read)."""
    return SimpleNamespace(id=task_id, name=name, args=[payload], kwargs={},
                           request_dict={"retries": 0})  # fmt: skip


def deliver(task, payload, task_id: str = "t1"):  # type: ignore[no-untyped-def]
    """Run the task as a pool child runs a delivered message with this id."""
    task.push_request(id=task_id, retries=0)
    try:
        return task.run(payload)
    finally:
        task.pop_request()


def test_each_delivery_is_counted_and_a_finished_message_forgets_its_count(
    svc, coordinator
) -> None:
    from tasks.enrich import CLASSIFY, classify_sections
    from tasks.links import on_received

    payload = batch_of("a", "b")
    for n in (1, 2, 3):  # the first delivery and two whose worker died: still run
        assert not on_received(received(CLASSIFY, payload), "classify")
        assert coordinator.deliveries["t1:0"] == n
    assert "t1" not in revoked
    out = deliver(classify_sections, payload)
    assert out["outcome"] == "handed_on"
    assert coordinator.deliveries == {}


def test_a_batch_that_killed_its_worker_too_often_is_split_in_halves(svc, coordinator) -> None:
    from tasks.enrich import CLASSIFY
    from tasks.links import on_received

    coordinator.deliveries["t1:0"] = 3  # three deliveries never finished; the limit is 2
    assert on_received(received(CLASSIFY, batch_of("a", "b", "c", "d", "e")), "classify")
    assert "t1" in revoked  # the worker acks it without running it
    sent = [(n, [p["posting_id"] for p in b["postings"]]) for n, b, _ in svc.dispatcher.sent]  # type: ignore[index]
    assert sent == [(CLASSIFY, ["a", "b", "c"]), (CLASSIFY, ["d", "e"])]
    assert not svc.store.rejection_rows and coordinator.deliveries == {}


def test_a_lone_posting_that_killed_its_worker_too_often_is_recorded_worker_lost(
    svc, coordinator
) -> None:
    from tasks.enrich import EXTRACT
    from tasks.links import on_received

    coordinator.deliveries["t2:0"] = 3
    batch = svc.pipeline.classify(EnrichedBatch(postings=(posting("p", "Python"),)))
    assert on_received(received(EXTRACT, wire(batch.to_dict()), "t2"), "extract")
    ((r),) = svc.store.rejection_rows.values()
    assert (r.posting_id, r.stage, r.reason) == ("p", "extract", "worker_lost")
    assert "lost 3 times" in r.detail and not svc.dispatcher.sent
    assert set(svc.store.postings) == {("p", batch.postings[0].content_hash)}  # raw text kept


def test_the_guard_never_stops_a_message_when_the_broker_cannot_count(svc) -> None:
    from tasks.enrich import CLASSIFY
    from tasks.links import on_received

    class Down(FakeCoordinator):
        def count_delivery(self, key: str, ttl_s: float) -> int:
            raise ConnectionError("redis down")

    svc.__dict__["coordinator"] = Down()
    assert not on_received(received(CLASSIFY, batch_of("a"), "t3"), "classify")
    assert "t3" not in revoked


def test_a_run_that_could_record_nothing_keeps_its_delivery_count(svc, coordinator) -> None:
    """Rejected back to the broker (warehouse and spool both refused): that run counts as lost,
    so a batch that can never be recorded is split by its next deliveries, not looped."""
    from celery.exceptions import Reject

    from tasks import links
    from tasks.enrich import classify_sections

    class Full:
        def put(self, *a: object) -> str:
            raise OSError("disk full")

    svc.__dict__["dispatcher"] = ExhaustedDispatcher()
    svc.__dict__["spool"] = Full()
    svc.store = DownStore()
    coordinator.deliveries["t1:0"] = 1  # counted by the parent when it arrived
    links.REJECT_PAUSE_S, pause = 0.0, links.REJECT_PAUSE_S
    try:
        with pytest.raises(Reject):
            deliver(classify_sections, batch_of("a"))
    finally:
        links.REJECT_PAUSE_S = pause
    assert coordinator.deliveries == {"t1:0": 1}
