"""Per-row key masks of the DuckDB warehouse: written with each enrichment row, backfilled for
rows written before, and the trend SQL that reads them (category / level-1 group trends).

`job_enrichments.category_mask` / `group_mask` (UBIGINT) hold a row's skill categories and the
level-1 groups of its skills' nearest groups as bits of domain/trends.py's CATEGORY_BOOK /
GROUP_BOOK (key_mask): a trend by category or group then reads one integer per posting instead
of joining its ~8 skill rows (demand per week per group at 1M postings: see
docs/occupations.md "Trends by group at 1M rows"). NULL: a row written before the columns
existed and not yet backfilled (the store backfills on open); such a row, or one with a key
outside the book (OUTSIDE_BIT), makes a query count from the skill rows instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from domain.models import JobEnrichment
from domain.trends import CATEGORY_BOOK, GROUP_BOOK, ONET_LEVEL1, OUTSIDE_BIT, skill_masks

# domain/trends.py level1_group in SQL: a skill's nearest group rolled up to level 1.
LEVEL1 = (
    "CASE WHEN {col} LIKE 'onet-category:%' THEN '" + ONET_LEVEL1 + "' "
    "WHEN {col} LIKE 'isced-f/%' THEN left({col}, 10) ELSE split_part({col}, '.', 1) END"
)
# the bulk insert's JSON types of the two columns (adapters/duckdb/connection.py _COLUMNS)
COLUMNS = {"category_mask": "UBIGINT", "group_mask": "UBIGINT"}
# dimension -> (its book, its column)
BOOKS: dict[str, tuple[Sequence[str], str]] = {
    "category": (CATEGORY_BOOK, "category_mask"),
    "group": (GROUP_BOOK, "group_mask"),
}


def mask_columns(e: JobEnrichment) -> dict[str, int]:
    """The two mask columns of `e`'s row, as write_batch stores them."""
    category, group = skill_masks((s.category, s.group_id) for s in e.skills)
    return {"category_mask": category, "group_mask": group}


def _literal(book: Sequence[str]) -> str:
    # the books are this code's own constants (no quote in them): inlined, not bound
    assert not any("'" in k for k in book)
    return "[" + ", ".join(f"'{k}'" for k in book) + "]"


def _bit(book: Sequence[str], key_sql: str) -> str:
    """SQL: the bit of the key `key_sql` in `book` (key_mask's rule; OUTSIDE_BIT when absent)."""
    return (
        f"(CAST(1 AS UBIGINT) << CAST(coalesce(list_position({_literal(book)}, {key_sql}), "
        f"{OUTSIDE_BIT + 1}) - 1 AS INTEGER))"
    )


# Rows whose masks are NULL get them from their skill rows (a row without skills, or without
# grouped skills, gets 0). 1.05M rows / 8.4M skill rows: ~1.5 s, once.
_BACKFILL = f"""
UPDATE job_enrichments e SET category_mask = coalesce(m.c, 0), group_mask = coalesce(m.g, 0)
FROM (SELECT t.row_id, k.c, k.g FROM todo t LEFT JOIN (
        SELECT row_id, bit_or({_bit(CATEGORY_BOOK, "category")}) AS c,
               bit_or({_bit(GROUP_BOOK, LEVEL1.format(col="group_id"))})
                   FILTER (WHERE group_id IS NOT NULL) AS g
        FROM enrichment_skills WHERE row_id IN (SELECT row_id FROM todo) GROUP BY row_id
      ) k USING (row_id)) m
WHERE e.row_id = m.row_id"""
_TODO = "WHERE category_mask IS NULL OR group_mask IS NULL"


def backfill(con: duckdb.DuckDBPyConnection) -> int:
    """Fill the masks of rows that have none (written before 2026-12-01, or by older code);
    returns how many rows were filled (0 costs one scan of the two columns)."""
    some = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM job_enrichments {_TODO} LIMIT 1)")
    if not some.fetchone()[0]:  # type: ignore[index]
        return 0
    con.execute(f"CREATE OR REPLACE TEMP TABLE todo AS SELECT row_id FROM job_enrichments {_TODO}")
    try:
        n = int(con.execute("SELECT count(*) FROM todo").fetchone()[0])  # type: ignore[index]
        con.execute(_BACKFILL)
    finally:
        con.execute("DROP TABLE IF EXISTS todo")
    return n


def covered(con: duckdb.DuckDBPyConnection) -> bool:
    """True when every row of the temp table `win` has a mask inside its book (`win.mask`)."""
    row = con.execute(
        f"SELECT count(*) FROM win WHERE mask IS NULL OR (mask >> {OUTSIDE_BIT}) = 1"
    ).fetchone()
    return row is not None and int(row[0]) == 0


def _with(dimension: str) -> str:
    """`cats` (key, bit) of the dimension's book and `masks` (posting_id, t, mask) from `win`:
    the names the skill-row form of adapters/duckdb/trends.py uses, so its SQL reads either."""
    book = _literal(BOOKS[dimension][0])
    return (
        "WITH cats AS (SELECT k AS category, CAST(1 AS UBIGINT) << CAST(i - 1 AS INTEGER) AS bit "
        f"FROM (SELECT unnest({book}) AS k, generate_subscripts({book}, 1) AS i)), "
        "masks AS (SELECT posting_id, t, mask FROM win WHERE mask <> 0)"
    )


def demand_from(with_sql: str, period: str) -> str:
    """Demand per `period` from a `with_sql` prefix that defines `cats` (category, bit) and `masks`
    (posting_id, t, mask): (period, mask) pairs counted first, a few thousand, then expanded
    through the bits. Columns (bucket, key, label, postings) in the generic demand query's order;
    ? the limit. The stored-mask form (`demand_sql`) and the skill-row form of
    adapters/duckdb/trends.py share it."""
    return f"""{with_sql},
    per AS (SELECT CAST(date_trunc('{period}', t) AS DATE) AS bucket, mask, count(*) AS n
            FROM masks GROUP BY ALL),
    keyed AS (SELECT p.bucket, c.category AS key, CAST(sum(p.n) AS BIGINT) AS n
              FROM per p JOIN cats c ON (p.mask & c.bit) <> 0 GROUP BY ALL),
    top AS (SELECT key, sum(n) AS n FROM keyed GROUP BY key ORDER BY n DESC, key LIMIT ?)
    SELECT k.bucket, k.key, k.key, k.n FROM keyed k JOIN top ON top.key = k.key
    ORDER BY k.bucket, top.n DESC, k.key"""


def demand_sql(dimension: str, period: str) -> str:
    """Demand per `period` for the dimension from `win.mask` (`demand_from` over the book)."""
    return demand_from(_with(dimension), period)


def changes_sql(dimension: str) -> str:
    """Postings per key in each of two periods from `win.mask`, counted per distinct mask first.
    Columns (key, label, before, after); ? ? the first period's bounds, ? ? the second's."""
    in_span = "t >= CAST(? AS TIMESTAMP) AND t < CAST(? AS TIMESTAMP)"
    return f"""{_with(dimension)},
    per AS (SELECT mask, count(*) FILTER (WHERE {in_span}) AS b,
                   count(*) FILTER (WHERE {in_span}) AS a FROM masks GROUP BY mask)
    SELECT c.category, c.category, CAST(sum(p.b) AS BIGINT), CAST(sum(p.a) AS BIGINT)
    FROM per p JOIN cats c ON (p.mask & c.bit) <> 0 GROUP BY c.category"""
