from domain.models import EnrichedBatch
from domain.recovery import replay_failures, strand, unique_id_batches
from tests.conftest import NOW, posting
from tests.fakes import InMemoryStore, MemorySpool


def test_strand_adds_one_failure_per_unsettled_posting(real_pipeline) -> None:
    a, b, c = posting("a", "Python"), posting("b", "SQL"), posting("c", "Java")
    done = real_pipeline.enrich([a])
    batch = EnrichedBatch(postings=(a, b, c), enrichments=done.enrichments)
    out = strand(batch, "handoff", "broker_unavailable", "TransientError", NOW)
    assert [(f.posting_id, f.stage, f.reason) for f in out.failures] == [
        ("b", "handoff", "broker_unavailable"),
        ("c", "handoff", "broker_unavailable"),
    ]
    assert out.enrichments == done.enrichments
    assert strand(out, "handoff", "x", "y", NOW).failures == out.failures  # nothing twice


def test_replay_enqueues_failed_postings_and_spool_once_each() -> None:
    store, spool = InMemoryStore(), MemorySpool()
    ps = [posting(f"p{i}", f"text {i}") for i in range(5)]
    failed = strand(EnrichedBatch(postings=tuple(ps[:3])), "persist", "retries_exhausted", "d", NOW)
    store.write_batch(failed.postings, (), failed.failures)
    spool.put("batch", "persist", "retries_exhausted", EnrichedBatch(postings=(ps[4],)).to_dict())
    sent: list[list[str]] = []
    report = replay_failures(
        store, spool, lambda b: sent.append([p.posting_id for p in b]), lambda r: None, "v1",
        batch_size=2,
    )  # fmt: skip
    assert sent == [["p4"], ["p0", "p1"], ["p2"]]
    assert report.to_dict() == {"from_spool": 1, "postings": 3, "batches": 2}
    assert list(spool.items()) == []  # spooled items leave once enqueued
    only_extract = replay_failures(store, spool, sent.append, lambda r: None, "v1", ["extract"])
    assert only_extract.postings == 0


def test_unique_id_batches_never_repeat_an_id_and_keep_order() -> None:
    ps = [posting(i, "x") for i in "abacdd"]
    out = unique_id_batches(ps, 3)
    assert [[p.posting_id for p in b] for b in out] == [["a", "b"], ["a", "c", "d"], ["d"]]


def test_file_spool_is_atomic_keyed_by_content_and_drains(tmp_path) -> None:
    from adapters.local.spool import FileSpool

    spool = FileSpool(tmp_path / "spool")
    payload = EnrichedBatch(postings=(posting("a", "Python"),)).to_dict()
    k1 = spool.put("batch", "persist", "retries_exhausted", payload)
    k2 = spool.put("batch", "persist", "retries_exhausted", payload)
    assert k1 == k2 and len(spool) == 1  # the same work twice is one item
    (item,) = spool.items()
    assert (item.kind, item.stage, item.reason, item.payload) == (
        "batch",
        "persist",
        "retries_exhausted",
        payload,
    )
    assert not list((tmp_path / "spool").glob(".*.tmp"))
    spool.remove(k1)
    assert list(spool.items()) == []


def test_settings_keep_the_visibility_timeout_above_the_task_time_limit() -> None:
    import pytest
    from pydantic import ValidationError

    from worker.settings import VISIBILITY_MARGIN, Settings

    s = Settings()
    assert s.visibility_timeout_s >= VISIBILITY_MARGIN * s.task_time_limit_s
    assert s.handoff_window_s < s.task_soft_time_limit_s < s.task_time_limit_s
    assert s.visibility_timeout_s <= 900, "a killed worker's batches must come back in minutes"
    with pytest.raises(ValidationError, match="visibility_timeout_s"):
        Settings(visibility_timeout_s=300, task_time_limit_s=240)
    with pytest.raises(ValidationError, match="handoff_window_s"):
        Settings(handoff_window_s=300)
