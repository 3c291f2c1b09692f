"""One suite for the EventMarks port (the events outbox), run against every store adapter.

Rows are written an hour and two days before the store's now; windows and grace periods are
asked around those ages (hours, days), so no test waits or depends on the exact time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.ports import DueEvent, EnrichmentStore, EventMarks
from tests.conftest import posting
from tests.contract.conftest import STORES, bigquery_store
from tests.contract.test_store_contract import enrichment

pytestmark = pytest.mark.contract
HOUR, DAY = 3600.0, 86400.0


def _ago(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


@pytest.fixture(params=[*sorted(STORES), "bigquery"])
def both(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[EnrichmentStore, EventMarks]:
    if request.param == "bigquery":
        from adapters.bigquery.events import BigQueryEventMarks

        store = bigquery_store(request)
        return store, BigQueryEventMarks(store.client, store.dataset)  # type: ignore[attr-defined]
    store = STORES[request.param](tmp_path)
    return store, store  # type: ignore[return-value]


def _write(store: EnrichmentStore, pid: str, age_s: float, version: str = "v1") -> str:
    p = posting(pid, f"text of {pid}")
    e = enrichment(p, version, _ago(age_s))
    store.write_batch([p], [e], [])
    return e.row_id


def test_rows_without_a_mark_are_due_and_marked_rows_are_not(both) -> None:  # type: ignore[no-untyped-def]
    store, marks = both
    a, b, c = (_write(store, pid, HOUR) for pid in ("a", "b", "c"))
    assert marks.due_events(DAY, 0.0, 10) == [
        DueEvent(r, r.split(":")[0]) for r in sorted([a, b, c])
    ]
    assert marks.count_due_events(DAY, 0.0) == 3
    assert marks.mark_events_sent([(b, "b")]) == 1
    assert [d.row_id for d in marks.due_events(DAY, 0.0, 10)] == sorted([a, c])
    assert marks.count_due_events(DAY, 0.0) == 2


def test_marking_twice_leaves_the_row_sent(both) -> None:  # type: ignore[no-untyped-def]
    store, marks = both
    a = _write(store, "a", HOUR)
    marks.mark_events_sent([(a, "a")])
    marks.mark_events_sent([(a, "a"), (a, "a")])
    assert marks.due_events(DAY, 0.0, 10) == []
    assert marks.count_due_events(DAY, 0.0) == 0


def test_rows_inside_the_grace_or_outside_the_window_are_not_due(both) -> None:  # type: ignore[no-untyped-def]
    store, marks = both
    young = _write(store, "young", HOUR)
    old = _write(store, "old", 2 * DAY)
    assert [d.row_id for d in marks.due_events(DAY, 2 * HOUR, 10)] == []  # young in the grace
    assert [d.row_id for d in marks.due_events(DAY, 0.0, 10)] == [young]  # old out of the window
    assert [d.row_id for d in marks.due_events(3 * DAY, 0.0, 10)] == sorted([young, old])


def test_due_events_are_ordered_by_row_id_and_limited(both) -> None:  # type: ignore[no-untyped-def]
    store, marks = both
    rows = sorted(_write(store, f"p{i}", HOUR) for i in range(5))
    assert [d.row_id for d in marks.due_events(DAY, 0.0, 2)] == rows[:2]


def test_each_version_of_a_posting_needs_its_own_event(both) -> None:  # type: ignore[no-untyped-def]
    store, marks = both
    v1 = _write(store, "p", HOUR, "v1")
    v2 = _write(store, "p", HOUR, "v2")
    marks.mark_events_sent([(v1, "p")])
    assert [d.row_id for d in marks.due_events(DAY, 0.0, 10)] == [v2]
