"""Row sizes on BigQuery for the sample postings: what the cost model (docs/data-plane.md) needs.

    .venv/bin/python bench/bigquery_row_sizes.py [--json]

Runs the pipeline on config/samples/skillspan_postings.jsonl (+ invalid_postings.jsonl for the
rejection rows), builds each table's rows exactly as BigQueryStore.write_batch appends them, and
sizes them with BigQuery's logical-bytes rules (what on-demand queries, storage and the Storage
Write API bill): STRING and JSON 2 + UTF-8 bytes, INT64 / FLOAT64 / TIMESTAMP 8, BOOL 1, NULL 0,
ARRAY and STRUCT the sum of their elements. Also the columns the old MERGE path read over the
whole target table per batch (its join keys), per row.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from statistics import mean, median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_pipeline, load_config  # noqa: E402
from adapters.bigquery.store import enrichment_columns  # noqa: E402
from adapters.rows import (  # noqa: E402
    enrichment_row,
    posting_row,
    rejection_row,
    state_rows,
)
from domain.models import Posting, Rejection  # noqa: E402
from domain.validation import validate  # noqa: E402

TIMESTAMPS = {"received_at", "enriched_at", "rejected_at"}
JSONS = {"component_versions", "sections", "occupation"}
NOW = "2026-11-30T00:00:00+00:00"


def logical_bytes(name: str, v: Any) -> int:
    """BigQuery logical bytes of one column value (see the module docstring)."""
    if v is None:
        return 0
    if name in TIMESTAMPS:
        return 8
    if name in JSONS:
        return 2 + len(json.dumps(v).encode())
    if isinstance(v, bool):
        return 1
    if isinstance(v, int | float):
        return 8
    if isinstance(v, str):
        return 2 + len(v.encode())
    if isinstance(v, list):
        return sum(logical_bytes(name, x) for x in v)
    if isinstance(v, dict):
        return sum(logical_bytes(k, x) for k, x in v.items())
    raise TypeError(f"{name}: {type(v).__name__}")


def row_bytes(row: dict[str, Any], columns: tuple[str, ...] | None = None) -> int:
    return sum(logical_bytes(k, v) for k, v in row.items() if columns is None or k in columns)


def stats(sizes: list[int]) -> dict[str, float]:
    return {"n": len(sizes), "mean": round(mean(sizes), 1), "median": median(sizes),
            "max": max(sizes)}  # fmt: skip


def main() -> None:
    cfg = load_config(ROOT)
    pipeline = build_pipeline(cfg)
    samples = ROOT / "config/samples"
    posts: list[Posting] = []
    rejections: list[Rejection] = []
    for f in ("skillspan_postings.jsonl", "invalid_postings.jsonl"):
        for i, line in enumerate((samples / f).read_bytes().splitlines()):
            p = validate(line, source="samples", ref=f"{f}:{i + 1}", now=NOW)
            (posts if isinstance(p, Posting) else rejections).append(p)  # type: ignore[arg-type]
    enrichments = []
    for i in range(0, len(posts), 32):
        enrichments.extend(pipeline.enrich(posts[i : i + 32]).enrichments)
    p_rows = [posting_row(p, NOW) for p in posts]
    e_rows = [enrichment_row(e) for e in enrichments]
    tables = {
        "postings": [row_bytes(r) for r in p_rows],
        "job_enrichments": [row_bytes(enrichment_columns(r)) for r in e_rows],
        "posting_state_log": [row_bytes(r) for r in state_rows(e_rows, str)],
        "rejections": [row_bytes(rejection_row(r)) for r in rejections],
    }
    merge_keys = {  # what each old MERGE read of its target, per target row
        "job_enrichments.row_id": [row_bytes(r, ("row_id",)) for r in e_rows],
        "postings.(posting_id, content_hash)": [
            row_bytes(r, ("posting_id", "content_hash")) for r in p_rows
        ],
        "posting_state (all 5 columns)": tables["posting_state_log"],
        "rejections.rejection_id": [row_bytes(rejection_row(r), ("rejection_id",))
                                    for r in rejections],
    }  # fmt: skip
    out = {
        "enrichment_version": cfg.manifest.effective,
        "postings": len(posts),
        "rows": {k: stats(v) for k, v in tables.items()},
        "merge_key_columns": {k: stats(v) for k, v in merge_keys.items()},
        "skills_per_posting": round(mean(len(e.skills) for e in enrichments), 2),
    }
    if "--json" in sys.argv:
        print(json.dumps(out, indent=2))
        return
    print(f"enrichment {out['enrichment_version']}, {len(posts)} sample postings, "
          f"{out['skills_per_posting']} skills per posting; logical bytes per row:")  # fmt: skip
    for section in ("rows", "merge_key_columns"):
        for name, s in out[section].items():  # type: ignore[attr-defined]
            print(f"  {name:40s} n={s['n']:4d} mean={s['mean']:9.1f} median={s['median']:8.1f} "
                  f"max={s['max']:7d}")  # fmt: skip


if __name__ == "__main__":
    main()
