"""What `enrich summary`'s occupations query (sql/queries/top_occupations.sql) reads on BigQuery,
per posting, measured on a DuckDB warehouse's rows (the demo's after `make demo`).

    .venv/bin/python bench/summary_occupations_bytes.py [WAREHOUSE]   # default .data/enrichment.duckdb

Sizes are BigQuery's logical bytes as docs/cost.md counts them (STRING / JSON 2 + UTF-8 bytes,
FLOAT64 / TIMESTAMP 8, NULL 0) over the columns the query reads: of job_enrichments row_id,
posting_id, enrichment_version, enriched_at, soc_code, isco_group, occupation_confidence and
the occupation JSON; of posting_state_log posting_id, enrichment_version, row_id, enriched_at,
received_at. Read-only; prints one line.
"""

from __future__ import annotations

import sys

import duckdb


def _b(col: str) -> str:
    return f"coalesce(2 + strlen(CAST({col} AS VARCHAR)), 0)"


def main(path: str = ".data/enrichment.duckdb") -> None:
    con = duckdb.connect(path, read_only=True)
    n, flat, occ = con.execute(
        f"SELECT count(*), avg({_b('e.row_id')} + {_b('e.posting_id')} + "
        f"{_b('e.enrichment_version')} + 8 + {_b('e.soc_code')} + {_b('e.isco_group')} + "
        f"CASE WHEN e.occupation_confidence IS NULL THEN 0 ELSE 8 END), avg({_b('e.occupation')}) "
        "FROM posting_state s JOIN job_enrichments e ON e.row_id = s.row_id"
    ).fetchone() or (0, None, None)
    (state,) = con.execute(
        f"SELECT avg({_b('posting_id')} + {_b('enrichment_version')} + {_b('row_id')} + 8 + "
        "CASE WHEN received_at IS NULL THEN 0 ELSE 8 END) FROM posting_state"
    ).fetchone() or (None,)
    if not n:
        print(f"{path}: no rows")
        return
    total = flat + occ + state
    print(f"{n} postings: job_enrichments flat columns {flat:.0f} B + occupation JSON {occ:.0f} B "
          f"+ posting_state_log {state:.0f} B = {total:.0f} B per posting "
          f"({total * 1e6 / 2**30:.2f} GiB per million postings)")  # fmt: skip


if __name__ == "__main__":
    main(*sys.argv[1:2])
