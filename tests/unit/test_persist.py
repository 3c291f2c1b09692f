from collections.abc import Sequence

import pytest

from domain.errors import PermanentError, TransientError
from domain.models import EnrichedBatch, JobEnrichment, Posting, Rejection
from domain.persist import persist
from tests.conftest import NOW, posting
from tests.fakes import InMemoryStore


class PickyStore(InMemoryStore):
    """Refuses any write that contains posting `bad` (as a warehouse refuses a malformed row)."""

    def __init__(self, error: type[Exception] = PermanentError) -> None:
        super().__init__()
        self.error = error

    def write_batch(self, postings: Sequence[Posting], enrichments, rejections):  # type: ignore[no-untyped-def]
        if any(p.posting_id == "bad" for p in postings):
            raise self.error("row rejected: invalid value")
        return super().write_batch(postings, enrichments, rejections)


def enriched(pid: str) -> tuple[Posting, JobEnrichment]:
    p = posting(pid, f"text of {pid}")
    return p, JobEnrichment(pid, p.content_hash, "v1", {}, (), (), NOW, 1.0)


def test_a_permanently_refused_posting_is_isolated_and_recorded() -> None:
    store = PickyStore()
    pairs = [enriched(x) for x in ("a", "bad", "c")]
    batch = EnrichedBatch(
        postings=tuple(p for p, _ in pairs), enrichments=tuple(e for _, e in pairs)
    )
    report = persist(store, batch)
    assert (report.enrichments, report.failures, report.isolated) == (2, 1, 1)
    assert sorted(e.posting_id for e in store.enrichments.values()) == ["a", "c"]
    (failure,) = store.rejection_rows.values()
    assert (failure.posting_id, failure.stage, failure.reason) == (
        "bad",
        "persist",
        "store_rejected",
    )


def test_transient_errors_propagate_for_a_whole_batch_retry() -> None:
    store = PickyStore(TransientError)
    p, e = enriched("bad")
    with pytest.raises(TransientError):
        persist(store, EnrichedBatch(postings=(p,), enrichments=(e,)))
    assert not store.enrichments and not store.rejection_rows


def test_failures_without_a_posting_are_kept_when_isolating() -> None:
    store = PickyStore()
    p, e = enriched("bad")
    orphan = Rejection("r1", "classify", "component_error", "x", "t", NOW)
    report = persist(store, EnrichedBatch(postings=(p,), enrichments=(e,), failures=(orphan,)))
    assert report.failures == 2 and set(store.rejection_rows) == {
        "r1",
        f"persist:bad:{p.content_hash}",
    }


def test_clean_batch_is_one_write() -> None:
    store = InMemoryStore()
    pairs = [enriched(x) for x in ("a", "b")]
    persist(
        store,
        EnrichedBatch(postings=tuple(p for p, _ in pairs), enrichments=tuple(e for _, e in pairs)),
    )
    assert store.writes == 1


def test_a_skill_serializes_every_mention_field_and_round_trips() -> None:
    from dataclasses import asdict, fields

    from domain.models import ExtractedSkill, Mention

    m = Mention(3, 9, "Python", "requirements", "taxonomy")
    s = ExtractedSkill(
        "esco:x", "Python", "knowledge", 0.81234, ("taxonomy",), (m, m), 0.9, "exact"
    )
    d = s.to_dict()
    assert d["mentions"] == [asdict(m), asdict(m)]  # the hand-written dict keeps every field
    assert set(d["mentions"][0]) == {f.name for f in fields(Mention)}
    assert ExtractedSkill.from_dict(d) == ExtractedSkill(
        "esco:x", "Python", "knowledge", 0.8123, ("taxonomy",), (m, m), 0.9, "exact"
    )
