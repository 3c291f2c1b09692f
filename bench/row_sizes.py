"""Row sizes as BigQuery bills them, measured on the committed sample postings (docs/cost.md).

    .venv/bin/python bench/row_sizes.py                  # table on stdout
    .venv/bin/python bench/row_sizes.py --out bench/results/row_sizes.json

Runs the pipeline over config/samples/skillspan_postings.jsonl (in batches of 32, as the fleet
does) and sizes every row by the column types of sql/ddl + sql/migrations (not by Python types):
BigQuery's logical bytes, which on-demand queries, storage and the Storage Write API bill:
STRING 2 + UTF-8 bytes, JSON 2 + the UTF-8 bytes of its text, INT64 / FLOAT64 / TIMESTAMP 8,
BOOL 1, NULL 0, ARRAY / STRUCT the sum of their elements. Also: the column groups a MERGE or a
lookup reads (row_id; posting_id + content_hash; the state row; the events-due scan), the
events outbox mark, and the enrichment event message (domain/events.py) as Pub/Sub bills it
(data + attribute keys and values + ordering key).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from statistics import mean, median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_pipeline, load_config  # noqa: E402
from adapters.rows import enrichment_row, posting_row, state_rows  # noqa: E402
from domain.events import build_event  # noqa: E402
from domain.models import Posting  # noqa: E402
from domain.validation import validate  # noqa: E402

NOW = "2026-11-30T00:00:00.000+00:00"
S, J, INT, F, T, B = "STRING", "JSON", "INT64", "FLOAT64", "TIMESTAMP", "BOOL"
MENTION = {"start": INT, "end": INT, "text": S, "section": S, "strategy": S}
SKILL = {"skill_id": S, "name": S, "category": S, "confidence": F, "source_strategies": [S],
         "mentions": [MENTION]}  # fmt: skip
# sql/ddl/001_tables.sql + migrations 001..008 (the columns write_batch fills)
JOB_ENRICHMENTS: dict[str, Any] = {
    "row_id": S, "posting_id": S, "content_hash": S, "enrichment_version": S,
    "component_versions": J, "sections": J, "skills": [SKILL],
    "skill_links": [{"skill_id": S, "link_score": F, "link_method": S}],
    "skill_sections": [{"skill_id": S, "section": S, "section_relevance": F}],
    "skill_count": INT, "enriched_at": T, "processing_ms": F, "truncated": B, "language": S,
    "occupation": J, "soc_code": S, "isco_group": S, "occupation_confidence": F,
}  # fmt: skip
POSTINGS = {"posting_id": S, "content_hash": S, "title": S, "company": S, "text": S,
            "source": S, "posted_at": S, "received_at": T}  # fmt: skip
STATE = {"posting_id": S, "content_hash": S, "enrichment_version": S, "row_id": S,
         "enriched_at": T}  # fmt: skip
EVENT_MARK = {"row_id": S, "posting_id": S, "sent_at": T}  # migration 012


def logical_bytes(kind: Any, v: Any) -> int:
    """BigQuery logical bytes of value `v` stored in a column of type `kind`."""
    if v is None:
        return 0
    if isinstance(kind, list):  # ARRAY<kind[0]>
        return sum(logical_bytes(kind[0], x) for x in v)
    if isinstance(kind, dict):  # STRUCT
        return sum(logical_bytes(k, v.get(name)) for name, k in kind.items())
    if kind == S:
        return 2 + len(str(v).encode("utf-8"))
    if kind == J:
        return 2 + len(json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if kind in (INT, F, T):
        return 8
    if kind == B:
        return 1
    raise ValueError(kind)


def bq_enrichment_row(e_row: dict[str, Any]) -> dict[str, Any]:
    """The row as merge_enrichments.sql stores it (links and sections in parallel arrays)."""
    skills = e_row["skills"]
    return {
        **e_row,
        "skill_links": [{k: s.get(k) for k in ("skill_id", "link_score", "link_method")}
                        for s in skills],
        "skill_sections": [{k: s.get(k) for k in ("skill_id", "section", "section_relevance")}
                           for s in skills],
    }  # fmt: skip


def sized(schema: dict[str, Any], row: dict[str, Any], cols: tuple[str, ...] = ()) -> int:
    return sum(logical_bytes(k, row.get(c)) for c, k in schema.items() if not cols or c in cols)


def summary(values: list[int]) -> dict[str, float]:
    return {"n": len(values), "mean": round(mean(values), 1), "median": float(median(values)),
            "max": max(values)}  # fmt: skip


def measure() -> dict[str, Any]:
    cfg = load_config(ROOT)
    pipeline = build_pipeline(cfg)
    posts: list[Posting] = []
    sample = ROOT / "config" / "samples" / "skillspan_postings.jsonl"
    for i, line in enumerate(sample.read_bytes().splitlines()):
        p = validate(line, source="samples", ref=f"line {i + 1}", now=NOW)
        if isinstance(p, Posting):
            posts.append(p)
    enrichments = []
    for i in range(0, len(posts), 32):
        enrichments.extend(pipeline.enrich(posts[i : i + 32]).enrichments)
    e_rows = [bq_enrichment_row(enrichment_row(e)) for e in enrichments]
    p_rows = [posting_row(p, NOW) for p in posts]
    s_rows = state_rows(e_rows, str)
    events = [build_event(e) for e in enrichments]
    sizes = {
        "job_enrichments": [sized(JOB_ENRICHMENTS, r) for r in e_rows],
        "postings": [sized(POSTINGS, r) for r in p_rows],
        "posting_state": [sized(STATE, r) for r in s_rows],
        "event_marks": [sized(EVENT_MARK, {**r, "sent_at": NOW}) for r in s_rows],
        # columns read by a lookup / MERGE join / scan
        "job_enrichments.row_id": [sized(JOB_ENRICHMENTS, r, ("row_id",)) for r in e_rows],
        "job_enrichments.(row_id,posting_id,enrichment_version)": [
            sized(JOB_ENRICHMENTS, r, ("row_id", "posting_id", "enrichment_version"))
            for r in e_rows
        ],
        "job_enrichments.(row_id,posting_id,enriched_at)": [
            sized(JOB_ENRICHMENTS, r, ("row_id", "posting_id", "enriched_at")) for r in e_rows
        ],
        "postings.(posting_id,content_hash)": [
            sized(POSTINGS, r, ("posting_id", "content_hash")) for r in p_rows
        ],
        "event_message": [
            len(ev.data)
            + len(ev.ordering_key.encode())
            + sum(len(k.encode()) + len(v.encode()) for k, v in ev.attributes.items())
            for ev in events
        ],
    }
    return {
        "enrichment_version": cfg.manifest.effective,
        "postings": len(posts),
        "skills_per_posting": round(mean(len(e.skills) for e in enrichments), 2),
        "bytes": {k: summary(v) for k, v in sizes.items()},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="also write the measurement as JSON here")
    args = ap.parse_args()
    out = measure()
    print(f"enrichment {out['enrichment_version']}: {out['postings']} sample postings, "
          f"{out['skills_per_posting']} skills per posting; BigQuery logical bytes per row")  # fmt: skip
    for name, s in out["bytes"].items():
        print(f"  {name:58s} mean {s['mean']:9.1f}  median {s['median']:8.1f}  max {s['max']:7d}")
    if args.out:
        args.out.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
