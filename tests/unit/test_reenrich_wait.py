"""`enrich-ops reenrich --wait` waits on each posting's latest state, not on rows that exist at
the version (a rollback to a version whose rows an earlier run wrote)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from cli.lifecycle import _wait_current
from domain.models import JobEnrichment, Rejection
from tests.conftest import posting
from tests.fakes import InMemoryStore

T = [f"2026-01-0{d}T00:00:00.000+00:00" for d in range(1, 10)]


class Persisting(InMemoryStore):
    """The warehouse while a persister works: each look at the status, one more posting lands
    back at v1 (or fails, for ids in `fail`)."""

    def __init__(self, fail: Sequence[str] = ()) -> None:
        super().__init__()
        self.queue: list[str] = []
        self.fail = set(fail)
        self.looks = 0

    def current_status(self, posting_ids, version, failed_since):  # type: ignore[no-untyped-def]
        result = super().current_status(posting_ids, version, failed_since)
        self.looks += 1
        if self.queue:
            pid = self.queue.pop(0)
            p = next(p for (i, _), p in self.postings.items() if i == pid)
            if pid in self.fail:
                r = Rejection(f"extract:{pid}", "extract", "x", "d", "t", T[5], pid, p.content_hash)
                self.write_batch([], [], [r])
            else:
                e = JobEnrichment(pid, p.content_hash, "v1", {}, (), (), T[5], 1.0)
                self.write_batch([], [e], [])
        return result


def rolled_back(store: InMemoryStore, n: int) -> list[str]:
    ps = [posting(f"p{i}", f"text {i}") for i in range(n)]
    for v, at in (("v1", T[0]), ("v2", T[1])):  # rows at v1 exist; the latest is v2
        store.write_batch(ps, [JobEnrichment(p.posting_id, p.content_hash, v, {}, (), (), at, 1.0)
                               for p in ps], [])  # fmt: skip
    return [p.posting_id for p in ps]


@pytest.mark.parametrize("fail", [(), ("p1",)])
def test_wait_returns_only_once_every_posting_is_back_or_failed(
    fail: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    store = Persisting(fail)
    ids = rolled_back(store, 3)
    store.queue = list(ids)
    assert _wait_current(store, ids, "v1", T[2], timeout=60, poll_s=0) == 0
    assert store.looks == 4  # not at the first look, though v1 rows existed for all three
    assert f"3/3 re-enriched ({len(fail)} failed)" in capsys.readouterr().err


def test_wait_times_out_naming_what_is_not_back(capsys: pytest.CaptureFixture[str]) -> None:
    store = Persisting()
    ids = rolled_back(store, 2)
    assert _wait_current(store, ids, "v1", T[2], timeout=0, poll_s=0) == 1
    assert "2 not at v1 yet" in capsys.readouterr().err
