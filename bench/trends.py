"""Trend queries on a synthetic DuckDB warehouse: seconds per query (target <= 2 s each).

    .venv/bin/python bench/trends.py [--postings 1000000] [--skills 8] [--db PATH] [--repeat 3]

Builds (once; reused if --db exists) a warehouse through the store's own schema with N postings
dated uniformly over 2 years (posted_at; 2% without one, dated by received_at), each with
--skills skills drawn from 2,000 concepts (Zipf-like), an occupation among 300 SOC codes, 5% of
postings re-enriched at a second version (so latest-per-posting matters) and an active
clustering run; each concept sits in a skill group (GROUP_OF_C: 10% in none); rows it writes
by SQL get their key masks when the store next opens (timed: the migration of an older file).
Then times every trend query twice per round, interleaved: "2026-11-30" is the adapter counting
category / group from the skill rows (DuckDbTrends(stored_masks=False)), "now" reads the rows'
stored key masks (other questions run the same SQL both ways: their ratio is the noise). Each
figure is the median of --repeat rounds, on one year's span. Before timing, it checks that both
give identical answers for every query, and that concept / category match the SQL before
2026.11.11 (a DISTINCT over posting x category) and group the DISTINCT form.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.duckdb import trends as duckdb_trends  # noqa: E402
from adapters.duckdb.store import DuckDbStore  # noqa: E402
from adapters.duckdb.trends import DuckDbTrends  # noqa: E402
from domain.trends import Period  # noqa: E402

# A concept's nearest skill group (enrichment_skills.group_id): 10% none, else ESCO S / T codes,
# ISCED-F detailed fields and O*NET categories, ~25 level-1 groups in all.
GROUP_OF_C = """CASE WHEN c % 10 = 0 THEN NULL
    WHEN c % 10 < 5 THEN 'S' || (c % 8 + 1) || '.' || (c % 7) || '.' || (c % 3)
    WHEN c % 10 < 7 THEN 'T' || (c % 6 + 1) || '.' || (c % 4)
    WHEN c % 10 < 9 THEN 'isced-f/' || lpad(CAST(c // 10 % 11 AS VARCHAR), 2, '0') || (c % 9) || (c % 7)
    ELSE 'onet-category:category ' || (c % 50) END"""


def build(store: DuckDbStore, n: int, k: int) -> None:
    store._query(f"""
    INSERT INTO postings
    SELECT 'p' || i, 'h' || i, 'title ' || i, NULL, 'text', 'bench',
           CASE WHEN i % 50 = 0 THEN NULL ELSE
             strftime(TIMESTAMP '2024-01-01' + INTERVAL (i % 730) DAY + INTERVAL (i % 86400) SECOND,
                      '%Y-%m-%dT%H:%M:%S+00:00') END,
           TIMESTAMP '2024-01-01' + INTERVAL (i % 730) DAY + INTERVAL 1 DAY
    FROM range({n}) t(i)""")
    for version, share in (("v1", n), ("v2", n // 20)):
        store._query(f"""
        INSERT INTO job_enrichments (row_id, posting_id, content_hash, enrichment_version,
            component_versions, sections, skills, skill_count, enriched_at, processing_ms,
            truncated, occupation, soc_code, isco_group, occupation_confidence)
        SELECT 'p' || i || ':h' || i || ':{version}', 'p' || i, 'h' || i, '{version}', '{{}}', '[]',
               '[]', {k}, TIMESTAMP '2026-01-01' + INTERVAL ({1 if version == "v2" else 0}) DAY, 1.0,
               false, json_object('soc_code', 'S' || (hash(i) % 300), 'soc_title', 'occ ' || (hash(i) % 300)),
               'S' || (hash(i) % 300), '2221', 0.5
        FROM range({share}) t(i)""")
        store._query(f"""
        INSERT INTO enrichment_skills (row_id, skill_id, name, category, confidence, mentions,
                                       link_level, group_id)
        SELECT 'p' || i || ':h' || i || ':{version}', 'c' || c, 'concept ' || c,
               ['knowledge', 'skill/competence', 'transversal', 'technology/tool', 'language'][c % 5 + 1],
               0.6, 1, CASE WHEN c % 10 > 0 THEN 'concept' END, {GROUP_OF_C}
        FROM (SELECT i, j, CAST(floor(pow(hash(i * 31 + j) % 1000000 / 1000000.0, 2.5) * 2000) AS INTEGER) AS c
              FROM range({share}) t(i), range({k}) s(j))""")
    store._query("""
    INSERT INTO posting_state (posting_id, content_hash, enrichment_version, row_id, enriched_at)
    SELECT posting_id, content_hash, enrichment_version, row_id, enriched_at FROM job_enrichments
    QUALIFY row_number() OVER (PARTITION BY posting_id ORDER BY enriched_at DESC) = 1""")
    store._query("""INSERT INTO cluster_runs VALUES ('r1', 'c1', 'v1', 'm', 'completed', true,
        TIMESTAMP '2026-01-02', TIMESTAMP '2026-01-02', 0, 24, NULL, '{}')""")
    store._query(
        f"INSERT INTO cluster_assignments SELECT 'r1', 'p' || i, hash(i) % 24, 0.1 FROM range({n}) t(i)"
    )


# The SQL before 2026.11.11 (adapters/duckdb/trends.py), timed in the same run for the ratio: the
# current rows joined job_enrichments for every question, and skill categories were a DISTINCT.
CURRENT_BEFORE = """
SELECT e.row_id, e.posting_id, e.enrichment_version AS version, e.soc_code,
       {soc_title} AS soc_title,
       coalesce(p.pt, p.received_at) AS t, p.pt IS NULL AS fallback
FROM posting_state s
JOIN job_enrichments e ON e.row_id = s.row_id
JOIN (SELECT posting_id, content_hash, received_at, try_cast(posted_at AS TIMESTAMP) AS pt
      FROM postings) p ON p.posting_id = e.posting_id AND p.content_hash = e.content_hash
WHERE ? IS NULL"""
CATEGORY_BEFORE = (
    "SELECT DISTINCT w.posting_id, w.t, k.category AS key, k.category AS label "
    "FROM win w JOIN enrichment_skills k ON k.row_id = w.row_id"
)


def before(fn: Callable[[], object]) -> object:
    """Run `fn` with the adapter's SQL as it was before 2026.11.11."""
    current, group = duckdb_trends._CURRENT, duckdb_trends._KEYS["category"]
    demand = dict(duckdb_trends._DEMAND)
    duckdb_trends._CURRENT, duckdb_trends._KEYS["category"] = CURRENT_BEFORE, CATEGORY_BEFORE
    duckdb_trends._DEMAND.clear()
    try:
        return fn()
    finally:
        duckdb_trends._CURRENT, duckdb_trends._KEYS["category"] = current, group
        duckdb_trends._DEMAND.update(demand)


def distinct(fn: Callable[[], object]) -> object:
    """Run `fn` with the DISTINCT form of the category / group queries (what the adapter falls
    back to beyond 64 keys)."""
    bits = duckdb_trends.MAX_BITS
    duckdb_trends.MAX_BITS = 0
    try:
        return fn()
    finally:
        duckdb_trends.MAX_BITS = bits


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postings", type=int, default=1_000_000)
    ap.add_argument("--skills", type=int, default=8)
    ap.add_argument("--db", type=Path, default=Path("/tmp/trends_bench.duckdb"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    fresh = not args.db.exists()
    if fresh:
        t0 = time.perf_counter()
        build(DuckDbStore(args.db, threads=args.threads), args.postings, args.skills)
        print(f"built {args.db} in {time.perf_counter() - t0:.0f} s")
    # rows written by SQL (or before 2026-12-01) carry no key masks: opening the store fills them
    t0 = time.perf_counter()
    store = DuckDbStore(args.db, threads=args.threads)
    print(f"store opened (key masks of rows without filled) in {time.perf_counter() - t0:.1f} s")
    n_rows = store._query("SELECT count(*) FROM job_enrichments")[0][0]
    n_skills = store._query("SELECT count(*) FROM enrichment_skills")[0][0]
    print(f"{n_rows:,} enrichment rows, {n_skills:,} skill rows, {args.threads} DuckDB threads")
    # old: the adapter as of 2026-11-30 (category / group from the skill rows); t: now
    old, t = DuckDbTrends(store, stored_masks=False), DuckDbTrends(store)
    year = Period("2024-07-01", "2025-07-01")
    h1, h2 = Period("2024-07-01", "2025-01-01"), Period("2025-01-01", "2025-07-01")

    def queries(x: DuckDbTrends) -> dict[str, Callable[[], object]]:
        return {
            "demand week x concept": lambda: x.demand("concept", "week", year),
            "demand month x concept": lambda: x.demand("concept", "month", year),
            "demand week x category": lambda: x.demand("category", "week", year),
            "demand week x group": lambda: x.demand("group", "week", year),
            "demand month x group": lambda: x.demand("group", "month", year),
            "rising/falling group": lambda: x.changes("group", h1, h2),
            "rising/falling category": lambda: x.changes("category", h1, h2),
            "demand pinned v2 x group": lambda: x.demand("group", "week", year, version="v2"),
            "demand week x occupation": lambda: x.demand("occupation", "week", year),
            "demand week x cluster": lambda: x.demand("cluster", "week", year),
            "rising/falling concept": lambda: x.changes("concept", h1, h2),
            "co-occurring with c1": lambda: x.cooccurring("c1", year),
            "co-occurring with soc:S7": lambda: x.cooccurring("soc:S7", year),
            "demand pinned v2": lambda: x.demand("concept", "week", year, version="v2"),
        }

    before_q, now_q = queries(old), queries(t)
    for name in now_q:
        if before_q[name]() != now_q[name]():
            raise SystemExit(f"{name}: the SQL of 2026-11-30 and now disagree")
    for dim in ("category", "concept"):
        if t.demand(dim, "week", year) != before(lambda d=dim: old.demand(d, "week", year)):
            raise SystemExit(f"demand by {dim}: the SQL before 2026.11.11 and now disagree")
    if t.demand("group", "week", year) != distinct(lambda: old.demand("group", "week", year)):
        raise SystemExit("demand by group: the stored masks and the DISTINCT disagree")
    # interleaved rounds: a load spike hits every query alike
    runs: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeat):
        for name in now_q:
            for when, qs in (("before", before_q), ("now", now_q)):
                t0 = time.perf_counter()
                qs[name]()
                runs.setdefault((name, when), []).append(time.perf_counter() - t0)
    med = {k: statistics.median(r) for k, r in runs.items()}
    print(f"{'query':<30}{'2026-11-30':>11}{'now':>8}{'ratio':>8}")
    for name in now_q:
        b, n = med[(name, "before")], med[(name, "now")]
        print(f"{name:<30}{b:>9.2f} s{n:>6.2f} s{b / n:>7.2f}x")
    worst = max(med[(name, "now")] for name in now_q)
    print(f"slowest now {worst:.2f} s (target <= 2 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
