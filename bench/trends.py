"""Trend queries on a synthetic DuckDB warehouse: seconds per query (target <= 2 s each).

    .venv/bin/python bench/trends.py [--postings 1000000] [--skills 8] [--db PATH] [--repeat 3]

Builds (once; reused if --db exists) a warehouse through the store's own schema with N postings
dated uniformly over 2 years (posted_at; 2% without one, dated by received_at), each with
--skills skills drawn from 2,000 concepts (Zipf-like), an occupation among 300 SOC codes, 5% of
postings re-enriched at a second version (so latest-per-posting matters) and an active
clustering run; each concept sits in a skill group (GROUP_OF_C: 10% in none). Then times demand
(week, per concept / category / level-1 group / occupation / cluster; month per concept and
group), rising/falling (concept, group), co-occurrence with a skill and with an occupation, each
the median of --repeat runs, on one year's span. "demand week x category, before" is the
skill-category query as it was before 2026.11.11 (a DISTINCT over posting x category, current rows joined to
job_enrichments); "..., before" rows time that SQL in the same run, interleaved, for the ratio.
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
    store = DuckDbStore(args.db, threads=args.threads)
    if fresh:
        t0 = time.perf_counter()
        build(store, args.postings, args.skills)
        print(f"built {args.db} in {time.perf_counter() - t0:.0f} s")
    n_rows = store._query("SELECT count(*) FROM job_enrichments")[0][0]
    n_skills = store._query("SELECT count(*) FROM enrichment_skills")[0][0]
    print(f"{n_rows:,} enrichment rows, {n_skills:,} skill rows, {args.threads} DuckDB threads")
    t = DuckDbTrends(store)
    year = Period("2024-07-01", "2025-07-01")
    h1, h2 = Period("2024-07-01", "2025-01-01"), Period("2025-01-01", "2025-07-01")
    queries = {
        "demand week x concept": lambda: t.demand("concept", "week", year),
        "demand month x concept": lambda: t.demand("concept", "month", year),
        "demand week x category": lambda: t.demand("category", "week", year),
        "demand week x category, before": lambda: before(
            lambda: t.demand("category", "week", year)
        ),
        "demand week x group": lambda: t.demand("group", "week", year),
        "demand week x group, DISTINCT": lambda: distinct(lambda: t.demand("group", "week", year)),
        "demand month x group": lambda: t.demand("group", "month", year),
        "rising/falling group": lambda: t.changes("group", h1, h2),
        "demand week x concept, before": lambda: before(lambda: t.demand("concept", "week", year)),
        "demand week x occupation": lambda: t.demand("occupation", "week", year),
        "demand week x cluster": lambda: t.demand("cluster", "week", year),
        "rising/falling concept": lambda: t.changes("concept", h1, h2),
        "co-occurring with c1": lambda: t.cooccurring("c1", year),
        "co-occurring with soc:S7": lambda: t.cooccurring("soc:S7", year),
        "demand pinned v2": lambda: t.demand("concept", "week", year, version="v2"),
    }
    for dim in ("category", "concept"):
        if t.demand(dim, "week", year) != before(lambda d=dim: t.demand(d, "week", year)):
            raise SystemExit(f"demand by {dim}: the SQL before and now disagree")
    if t.demand("group", "week", year) != distinct(lambda: t.demand("group", "week", year)):
        raise SystemExit("demand by group: the bit mask and the DISTINCT disagree")
    # interleaved rounds: a load spike hits every query alike
    runs: dict[str, list[float]] = {name: [] for name in queries}
    for _ in range(args.repeat):
        for name, fn in queries.items():
            t0 = time.perf_counter()
            fn()
            runs[name].append(time.perf_counter() - t0)
    med = {name: statistics.median(r) for name, r in runs.items()}
    for name, m in med.items():
        print(f"{name:<32}{m:>8.2f} s")
    worst = max(m for name, m in med.items() if not name.endswith(("before", "DISTINCT")))
    for dim in ("category", "concept"):
        ratio = med[f"demand week x {dim}, before"] / med[f"demand week x {dim}"]
        print(f"demand by {dim}: before / now = {ratio:.2f}x")
    ratio = med["demand week x group, DISTINCT"] / med["demand week x group"]
    print(f"demand by group: DISTINCT / bit mask = {ratio:.2f}x")
    print(f"slowest {worst:.2f} s (target <= 2 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
