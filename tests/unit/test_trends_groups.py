"""The level-1 skill group rule of `enrich-ops trends --by group` against the hierarchy file:
the Python rule (domain/trends.py level1_group) and DuckDB's SQL (adapters/duckdb/trends.py
LEVEL1) give, for every group in config/taxonomy/skill_groups.jsonl.gz, the level-1 group the
file places it under."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from adapters.artifacts.concept_linker import load_hierarchy
from adapters.duckdb.trends import LEVEL1
from domain.skills.taxonomy import SkillHierarchy
from domain.trends import level1_group

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hierarchy() -> SkillHierarchy:
    return load_hierarchy(ROOT / "config" / "taxonomy" / "skill_groups.jsonl.gz")


def placed(h: SkillHierarchy) -> dict[str, str]:
    """Each group code met in a concept's chain -> the level-1 group ending that chain."""
    out: dict[str, str] = {}
    for sid in h.skill_ids():
        chain = h.of(sid)
        assert chain[-1].level == 1, sid
        for g in chain:
            assert out.setdefault(g.code, chain[-1].code) == chain[-1].code, g.code
    return out


def test_every_group_rolls_up_to_the_level1_group_of_its_chains(hierarchy: SkillHierarchy) -> None:
    top = {c for c, g in hierarchy.groups.items() if g.level == 1}
    chains = placed(hierarchy)
    assert len(chains) > 600 and any(c.startswith("onet-category:") for c in chains)
    for code in hierarchy.groups:
        assert level1_group(code) in top, code
        if code in chains:
            assert level1_group(code) == chains[code], code


def test_the_duckdb_sql_rule_is_the_python_rule(hierarchy: SkillHierarchy) -> None:
    codes = sorted(hierarchy.groups)
    sql = LEVEL1.format(col="c")
    got = duckdb.sql(f"SELECT c, {sql} FROM (SELECT unnest(?) AS c)", params=[codes]).fetchall()
    assert dict(got) == {c: level1_group(c) for c in codes}


def test_examples() -> None:
    assert [level1_group(c) for c in ("S5.1.1", "T3.1", "L1", "isced-f/0613")] == [
        "S5", "T3", "L1", "isced-f/06"
    ]  # fmt: skip
    assert level1_group("onet-category:Database software") == "isced-f/06"
