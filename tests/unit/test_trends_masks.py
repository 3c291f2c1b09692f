"""The key masks trends by category / group read (domain/trends.py key_mask, skill_masks): the
books cover every level-1 group of the hierarchy and every skill category, keep their order
(a stored mask means what its bits meant when written), and DuckDB's SQL bit rule
(adapters/duckdb/trend_masks.py, used by the backfill) is the Python one."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from adapters.artifacts.concept_linker import load_hierarchy
from adapters.duckdb.trend_masks import LEVEL1, _bit
from domain.models import KIND_OF_CATEGORY
from domain.trends import (
    CATEGORY_BOOK,
    GROUP_BOOK,
    OUTSIDE_BIT,
    key_mask,
    level1_group,
    skill_masks,
)

ROOT = Path(__file__).resolve().parents[2]


def test_books_cover_every_level1_group_and_every_category() -> None:
    h = load_hierarchy(ROOT / "config" / "taxonomy" / "skill_groups.jsonl.gz")
    assert {c for c, g in h.groups.items() if g.level == 1} <= set(GROUP_BOOK)
    assert set(KIND_OF_CATEGORY) <= set(CATEGORY_BOOK)
    assert len(GROUP_BOOK) < OUTSIDE_BIT and len(set(GROUP_BOOK)) == len(GROUP_BOOK)


def test_books_only_grow_at_the_end() -> None:
    # the bits of rows already written: changing this prefix re-means every stored mask
    assert GROUP_BOOK[:28] == (
        "L1", "L2", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "T1", "T2", "T3", "T4", "T5",
        "T6", "isced-f/00", "isced-f/01", "isced-f/02", "isced-f/03", "isced-f/04", "isced-f/05",
        "isced-f/06", "isced-f/07", "isced-f/08", "isced-f/09", "isced-f/10", "isced-f/99",
    )  # fmt: skip
    assert CATEGORY_BOOK[:6] == (
        "knowledge", "skill/competence", "transversal", "technology/tool", "language",
        "certification",
    )  # fmt: skip


def test_a_row_mask_holds_each_key_once_and_flags_keys_outside_the_book() -> None:
    category, group = skill_masks(
        [("knowledge", "S5.1.1"), ("knowledge", "S5.2"), ("language", None),
         ("technology/tool", "onet-category:Database software"), ("knowledge", "isced-f/0613")]
    )  # fmt: skip
    # knowledge (bit 0), technology/tool (3), language (4); S5 once, isced-f/06 once
    assert category == 0b11001
    assert group == (1 << GROUP_BOOK.index("S5")) | (1 << GROUP_BOOK.index("isced-f/06"))
    assert skill_masks([]) == (0, 0)
    assert key_mask(["Z9"], GROUP_BOOK) == 1 << OUTSIDE_BIT
    assert key_mask(["S1", "a new category"], (*CATEGORY_BOOK, "S1")) >> OUTSIDE_BIT == 1


@pytest.mark.parametrize("book", [GROUP_BOOK, CATEGORY_BOOK], ids=["group", "category"])
def test_the_duckdb_bit_rule_is_key_mask(book: tuple[str, ...]) -> None:
    codes = [*book, "Z9", "something else"]
    got = duckdb.sql(f"SELECT c, {_bit(book, 'c')} FROM (SELECT unnest(?) AS c)", params=[codes])
    assert dict(got.fetchall()) == {c: key_mask([c], book) for c in codes}


def test_the_duckdb_group_bit_of_every_hierarchy_group_is_python_s() -> None:
    codes = sorted(load_hierarchy(ROOT / "config" / "taxonomy" / "skill_groups.jsonl.gz").groups)
    bit = _bit(GROUP_BOOK, LEVEL1.format(col="c"))
    got = duckdb.sql(f"SELECT c, {bit} FROM (SELECT unnest(?) AS c)", params=[codes]).fetchall()
    assert dict(got) == {c: key_mask([level1_group(c)], GROUP_BOOK) for c in codes}
    assert all(v >> OUTSIDE_BIT == 0 for _, v in got)
