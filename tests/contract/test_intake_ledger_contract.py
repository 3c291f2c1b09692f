"""One suite for the IntakeLedger port (domain/ports.py), run against every store adapter.

Ages are only ever asked relative to the store's own clock (grace 0 = "accepted by now", an hour
= "not yet"), so no test waits or reads the wall clock.
"""

from __future__ import annotations

import pytest

from domain.models import Rejection
from domain.ports import IntakeLedger
from tests.conftest import posting
from tests.contract.test_store_contract import enrichment

pytestmark = pytest.mark.contract
HOUR = 3600.0


def failure(p, stage: str = "extract", reason: str = "component_error") -> Rejection:
    return Rejection(f"{stage}:{p.posting_id}:{p.content_hash}", stage, reason, "ValueError",
                     p.source, "2026-01-01T00:00:00.000+00:00", p.posting_id, p.content_hash)  # fmt: skip


def test_record_intake_is_idempotent_and_keeps_the_raw_posting(store: IntakeLedger) -> None:
    a = posting("a", "Experience with Python.\nSQL.", title="Data engineer")
    b = posting("b", "Kubernetes and Go.")
    assert store.record_intake([a, b], ["in.jsonl:1", "in.jsonl:2"]) == 2
    assert store.record_intake([a, b, a], ["in.jsonl:1", "again:2", "in.jsonl:1"]) == 0
    entries = store.unaccounted_intake(0.0, 10)
    assert [(e.posting, e.source_ref, e.attempts) for e in entries] == [
        (a, "in.jsonl:1", 0),
        (b, "in.jsonl:2", 0),
    ]
    assert all(e.accepted_at.endswith("+00:00") for e in entries)
    assert store.ledger_counts(0.0).accepted == 2


def test_new_content_of_a_posting_is_a_new_entry(store: IntakeLedger) -> None:
    v1, v2 = posting("p", "first text"), posting("p", "edited text")
    assert store.record_intake([v1], ["r1"]) == 1
    assert store.record_intake([v2], ["r2"]) == 1
    assert [e.posting.content_hash for e in store.unaccounted_intake(0.0, 10)] == sorted(
        [v1.content_hash, v2.content_hash]
    )


def test_nothing_is_unaccounted_within_the_grace_period(store: IntakeLedger) -> None:
    store.record_intake([posting("young", "text")], ["r"])
    assert store.unaccounted_intake(HOUR, 10) == []
    assert store.ledger_counts(HOUR).unaccounted == 0
    assert store.ledger_counts(0.0).unaccounted == 1


def test_enriched_in_any_version_or_failed_is_accounted_for(store) -> None:  # type: ignore[no-untyped-def]
    done, old, failed, lost = (
        posting(i, f"text of {i}") for i in ("done", "old", "failed", "lost")
    )
    store.record_intake([done, old, failed, lost], ["r1", "r2", "r3", "r4"])
    store.write_batch(
        [done, old, failed],
        [enrichment(done, "v2", "2026-01-02T00:00:00.000+00:00"),
         enrichment(old, "v1", "2026-01-01T00:00:00.000+00:00")],
        [failure(failed)],
    )  # fmt: skip
    assert [e.posting.posting_id for e in store.unaccounted_intake(0.0, 10)] == ["lost"]
    assert store.ledger_counts(0.0).unaccounted == 1


def test_other_content_of_the_same_id_does_not_account_for_it(store) -> None:  # type: ignore[no-untyped-def]
    v1, v2 = posting("p", "first text"), posting("p", "edited text")
    store.record_intake([v1, v2], ["r1", "r2"])
    store.write_batch([v2], [enrichment(v2, "v1", "2026-01-02T00:00:00.000+00:00")], [])
    assert [e.posting for e in store.unaccounted_intake(0.0, 10)] == [v1]


def test_an_attempt_restarts_the_grace_period_and_counts(store: IntakeLedger) -> None:
    a, b = posting("a", "text a"), posting("b", "text b")
    store.record_intake([a, b], ["r1", "r2"])
    assert store.mark_reenqueued([(a.posting_id, a.content_hash)] * 2) == 1
    assert [e.posting.posting_id for e in store.unaccounted_intake(HOUR, 10)] == []
    assert [(e.posting.posting_id, e.attempts) for e in store.unaccounted_intake(0.0, 10)] == [
        ("a", 1),
        ("b", 0),
    ]
    store.mark_reenqueued([(a.posting_id, a.content_hash), (b.posting_id, b.content_hash)])
    assert store.mark_reenqueued([("unknown", "h")]) == 0
    assert store.ledger_counts(0.0).reenqueued == 3


def test_limit_and_order_by_id(store: IntakeLedger) -> None:
    ps = [posting(f"p{i}", f"text {i}") for i in (3, 1, 2)]
    store.record_intake(ps, ["a", "b", "c"])
    assert [e.posting.posting_id for e in store.unaccounted_intake(0.0, 2)] == ["p1", "p2"]


def test_lost_in_transit_rows_are_counted(store) -> None:  # type: ignore[no-untyped-def]
    p = posting("gone", "text")
    store.record_intake([p], ["r"])
    store.write_batch([p], [], [failure(p, "intake", "lost_in_transit")])
    counts = store.ledger_counts(0.0)
    assert (counts.accepted, counts.unaccounted, counts.lost_in_transit) == (1, 0, 1)


def test_compaction_drops_the_text_of_accounted_entries_only(store) -> None:  # type: ignore[no-untyped-def]
    done, failed, lost = (
        posting(i, f"text of {i}", title="Nurse") for i in ("done", "failed", "lost")
    )
    store.record_intake([done, failed, lost], ["r1", "r2", "r3"])
    store.write_batch(
        [done, failed],
        [enrichment(done, "v1", "2026-01-02T00:00:00.000+00:00")],
        [failure(failed)],
    )
    assert store.compact_intake(HOUR, 10) == 0  # younger than the retention: kept whole
    assert store.ledger_counts(0.0).compacted == 0
    assert store.compact_intake(0.0, 1) == 1  # the limit holds, in key order
    assert store.compact_intake(0.0, 10) == 1
    assert store.compact_intake(0.0, 10) == 0  # idempotent
    counts = store.ledger_counts(0.0)
    assert (counts.accepted, counts.unaccounted, counts.compacted) == (3, 1, 2)
    # the unaccounted entry keeps its raw posting for the reconciler
    assert [e.posting for e in store.unaccounted_intake(0.0, 10)] == [lost]
    # a compacted key stays known: bridging the same content again is not a new entry
    assert store.record_intake([done], ["again"]) == 0


def test_a_reenqueued_entry_keeps_its_intake_stamp(store: IntakeLedger) -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    stamped = replace(posting("s", "text"), received_at="2026-11-30T21:44:35.000001+00:00")
    store.record_intake([stamped, posting("u", "unstamped")], ["r1", "r2"])
    got = {e.posting.posting_id: e.posting.received_at for e in store.unaccounted_intake(0.0, 10)}
    assert got["u"] is None
    assert got["s"] is not None
    assert datetime.fromisoformat(got["s"]).astimezone(UTC) == datetime(
        2026, 11, 30, 21, 44, 35, 1, tzinfo=UTC
    )
