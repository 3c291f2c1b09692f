"""bench/cost_model.py: the billing rules the cost table (docs/cost.md) is computed with."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("cost_model", ROOT / "bench" / "cost_model.py")
assert _spec is not None and _spec.loader is not None
cm = importlib.util.module_from_spec(_spec)
sys.modules["cost_model"] = cm  # its dataclasses look their module up
_spec.loader.exec_module(cm)
SIZES, META = cm.Sizes.load(ROOT / "bench" / "results" / "row_sizes.json")


def test_every_table_a_query_references_bills_at_least_10_mb() -> None:
    assert cm.billed(0.0) == 10 * 2**20
    assert cm.billed(1.0, 3 * 2**30) == 10 * 2**20 + 3 * 2**30


@pytest.mark.parametrize("first", [True, False])
def test_append_cost_per_posting_does_not_grow_with_the_table(first: bool) -> None:
    small, big = (cm.append(SIZES, rows, first) for rows in (10**6, 10**8))
    assert small == big
    old_small, old_big = (cm.old_merge(SIZES, rows, first) for rows in (10**6, 10**8))
    assert old_big.scanned == pytest.approx(100 * old_small.scanned, rel=0.01)  # linear in rows


def test_a_merge_batch_reads_its_key_columns_over_the_whole_table() -> None:
    rows = 10**7
    per_batch = cm.old_merge(SIZES, rows, True).scanned / (cm.PER / cm.BATCH)
    expected = (SIZES.posting_key + SIZES.row_id + SIZES.posting_id + 8 + SIZES.state) * rows
    assert per_batch == pytest.approx(expected)
    assert 60 < SIZES.row_id < 64  # measured: 'posting_id:content_hash:version' ~62 B


def test_written_bytes_are_the_rows_a_posting_adds() -> None:
    first = cm.append(SIZES, 10**6, True).written / cm.PER
    again = cm.append(SIZES, 10**6, False).written / cm.PER
    assert first == pytest.approx(SIZES.posting + SIZES.enrichment + SIZES.state)
    assert first - again == pytest.approx(SIZES.posting)  # a re-enrichment keeps the raw text
