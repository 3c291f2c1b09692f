"""EnrichmentStore.top_occupations on every adapter (fake, DuckDB, BigQuery on the emulator):
the same rows give the same answer, counted on each posting's current row at the version."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from domain.occupations.summary import OccupationCount, OccupationSummary
from domain.ports import EnrichmentStore
from tests.conftest import posting
from tests.contract.test_store_contract import T1, T2, T3, enrichment

pytestmark = pytest.mark.contract

DEV, NURSE, CEO = (
    ("15-1252", "Software Developers"),
    ("29-1141", "Registered Nurses"),
    ("11-1021", "General and Operations Managers"),
)


def occ(
    code: tuple[str, str] | None,
    method: str,
    confidence: float = 0.0,
    isco: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """An OccupationCode.to_dict() as the pipeline stores it (fields the summary reads)."""
    return {"soc_code": code and code[0], "soc_title": code and code[1], "onet_code": None,
            "esco_uri": None, "esco_label": None, "isco_group": isco, "confidence": confidence,
            "alternatives": [], "seniority": None, "method": method, "reason": reason}  # fmt: skip


def write(store: EnrichmentStore, pid: str, text: str, version: str, at: str, o: Any) -> None:
    p = posting(pid, text)
    store.write_batch([p], [replace(enrichment(p, version, at), occupation=o)], [])


def fill(store: EnrichmentStore) -> None:
    """Postings a-i; at v2, their current rows hold 3 x DEV, 1 x NURSE, 2 x no code, 1 x NULL."""
    write(store, "a", "a", "v2", T1, occ(DEV, "title", 0.9, "2512"))
    write(store, "b", "b", "v2", T1, occ(DEV, "skills", 0.01, "2511"))
    # re-enriched at v2 with a new content: only the later row counts (NURSE does not)
    write(store, "c", "c old", "v2", T1, occ(NURSE, "title", 1.0, "2221"))
    write(store, "c", "c new", "v2", T2, occ(DEV, "title", 0.8, "2512"))
    # coded at v1, then v2 finds no code: only the v2 row counts (CEO does not)
    write(store, "d", "d", "v1", T1, occ(CEO, "title", 0.7, "1120"))
    write(store, "d", "d", "v2", T2, occ(None, "none", reason="no_title"))
    write(store, "e", "e", "v1", T1, occ(CEO, "title", 0.6, "1120"))  # older version only
    write(store, "f", "f", "v2", T1, None)  # a row from before occupation coding
    # a v2 row, then a rollback re-run at v1: its current row is v1, not counted at v2
    write(store, "g", "g", "v2", T1, occ(NURSE, "title", 0.9, "2221"))
    write(store, "g", "g", "v1", T3, occ(NURSE, "title", 0.9, "2221"))
    write(store, "h", "h", "v2", T1, occ(None, "none", reason="weak_title_too_few_skills"))
    write(store, "i", "i", "v2", T1, occ(NURSE, "title", 0.7, "2221"))


def test_top_occupations_counts_each_postings_current_row_at_the_version(
    store: EnrichmentStore,
) -> None:
    fill(store)
    fill(store)  # a redelivered batch is stored once and counted once
    got = store.top_occupations("v2", 10)
    dev, nurse = got.top
    assert dev == OccupationCount(
        "15-1252", "Software Developers", "2512", 3, 2, 1, pytest.approx((0.9 + 0.01 + 0.8) / 3)
    )
    assert nurse == OccupationCount("29-1141", "Registered Nurses", "2221", 1, 1, 0, 0.7)
    assert got.postings == 7
    assert got.methods == {"title": 3, "skills": 1, "none": 2, None: 1}
    assert got.reasons == {"no_title": 1, "weak_title_too_few_skills": 1}


def test_top_occupations_keeps_the_first_codes_and_all_counts(store: EnrichmentStore) -> None:
    fill(store)
    got = store.top_occupations("v2", 1)
    assert [c.soc_code for c in got.top] == ["15-1252"]
    assert got.postings == 7 and sum(got.methods.values()) == 7
    v1 = store.top_occupations("v1", 10)  # d moved on to v2; e and g are current at v1
    assert [(c.soc_code, c.postings) for c in v1.top] == [("11-1021", 1), ("29-1141", 1)]
    assert v1.methods == {"title": 2}


def test_top_occupations_of_a_version_without_rows_is_empty(store: EnrichmentStore) -> None:
    assert store.top_occupations("v2", 10) == OccupationSummary()
    fill(store)
    assert store.top_occupations("v3", 10) == OccupationSummary()
