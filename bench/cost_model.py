"""BigQuery cost per million postings, old MERGE path beside the append path (docs/cost.md).

    .venv/bin/python bench/cost_model.py                       # sizes from bench/results/row_sizes.json
    .venv/bin/python bench/cost_model.py --sizes other.json    # (bench/row_sizes.py --out other.json)

Prints markdown tables: bytes written, bytes scanned (billed) and dollars per million postings,
for a first enrichment and for a re-enrichment (version bump), with every table holding 1 M,
10 M or 100 M rows; and what a full re-enrichment of the whole table costs. List prices, no free
tier. The billing rules used (each one quoted in docs/cost.md with its source):

- on-demand queries and DML: bytes of the referenced columns of every table scanned, at least
  10 MB per table referenced; a MERGE with an UPDATE clause also bills the whole target table
  (non-partitioned posting_state); a MERGE with INSERT clauses only bills what it read (its
  join key column over the whole target: neither `row_id` nor `(posting_id, content_hash)`
  prunes a MERGE join);
- Storage Write API: bytes ingested; legacy streaming inserts (insertAll): bytes, each row
  counted as at least 1 KB;
- Pub/Sub: message bytes published plus bytes delivered to each subscription.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MB, GIB, TIB = 2**20, 2**30, 2**40
# Prices read 2026-11-30 (docs/cost.md names the pages): USD, list price, US multi-region.
ON_DEMAND_PER_TIB = 6.25
WRITE_API_PER_GIB = 0.025
INSERT_ALL_PER_GIB = 0.05
INSERT_ALL_MIN_ROW = 1024
PUBSUB_PER_TIB = 40.0
MIN_PER_TABLE = 10 * MB

BATCH = 32  # ENRICH_BATCH_SIZE
PAGE = 2000  # ENRICH_REENRICH_CAP_PER_RUN: postings per drift page
PER = 1_000_000  # "per million postings"
TABLE_ROWS = (1_000_000, 10_000_000, 100_000_000)


@dataclass(frozen=True)
class Sizes:
    """Mean BigQuery logical bytes per row (bench/row_sizes.py)."""

    enrichment: float
    posting: float
    state: float
    mark: float
    row_id: float
    posting_key: float  # posting_id + content_hash
    enrichment_key: float  # row_id + posting_id + enrichment_version
    due_scan: float  # row_id + posting_id + enriched_at
    event: float  # one event message (data + attributes + ordering key)

    @classmethod
    def load(cls, path: Path) -> tuple[Sizes, dict[str, Any]]:
        raw = json.loads(path.read_text())
        b = {k: v["mean"] for k, v in raw["bytes"].items()}
        return cls(
            enrichment=b["job_enrichments"], posting=b["postings"], state=b["posting_state"],
            mark=b["event_marks"], row_id=b["job_enrichments.row_id"],
            posting_key=b["postings.(posting_id,content_hash)"],
            enrichment_key=b["job_enrichments.(row_id,posting_id,enrichment_version)"],
            due_scan=b["job_enrichments.(row_id,posting_id,enriched_at)"],
            event=b["event_message"],
        ), raw  # fmt: skip

    @property
    def posting_id(self) -> float:
        return self.posting_key - (2 + 16)  # content_hash is 16 hex characters

    @property
    def posting_no_ts(self) -> float:
        return self.posting - 8  # every column but received_at


def billed(*per_table: float) -> float:
    """One query's billed bytes: each referenced table at least 10 MB."""
    return sum(max(MIN_PER_TABLE, b) for b in per_table)


@dataclass(frozen=True)
class Cost:
    written: float  # bytes
    scanned: float  # bytes billed by queries / DML
    dollars: float


def old_merge(s: Sizes, rows: int, first: bool) -> Cost:
    """Per million postings on the MERGE path (sql/queries/merge_*.sql, one per table per batch;
    the rejections MERGE runs only for batches with failures and is left out)."""
    batches = PER / BATCH
    per_batch = (
        billed(s.posting_key * rows)  # merge_postings: INSERT only, reads the join key
        + billed(s.row_id * rows)  # merge_enrichments: INSERT only, reads row_id
        # merge_state: UPDATE clause -> q (join + condition columns) + t (the whole table)
        + billed((s.posting_id + 8) * rows + s.state * rows)
    )
    scanned = batches * per_batch
    if not first:  # drift pages: drift.sql joins posting_state to postings, texts included
        pages = PER / PAGE
        scanned += pages * billed((s.state - s.row_id) * rows, s.posting_no_ts * rows)
    written = PER * ((s.posting if first else 0) + s.enrichment + s.state)
    return Cost(written, scanned, scanned / TIB * ON_DEMAND_PER_TIB)


def append(s: Sizes, rows: int, first: bool) -> Cost:
    """Per million postings on the append path (issue #25 part A): one key lookup per batch
    (existing_keys.sql: postings, job_enrichments, rejections, pruned by their clustering
    columns, so at the 10 MB floor per table), rows through the Storage Write API (postings on
    a first enrichment, enrichments, a posting_state_log row), drift pages at O(page): the state
    log page and the page's texts by key, each at least 10 MB. `rows` does not enter: that is
    the point."""
    batches = PER / BATCH
    lookup = billed(BATCH * s.posting_key, BATCH * s.enrichment_key, 0.0)
    scanned = batches * lookup
    if not first:
        pages = PER / PAGE
        scanned += pages * billed(PAGE * s.state, PAGE * s.posting_no_ts)
    written = PER * ((s.posting if first else 0) + s.enrichment + s.state)
    dollars = scanned / TIB * ON_DEMAND_PER_TIB + written / GIB * WRITE_API_PER_GIB
    return Cost(written, scanned, dollars)


def append_no_lookup(s: Sizes, rows: int, first: bool) -> Cost:
    """The append path without the per-batch key lookup: duplicates are left to the views'
    read-time dedup (what the default stream already requires), so a batch reads nothing."""
    with_lookup = append(s, rows, first)
    lookup = PER / BATCH * billed(BATCH * s.posting_key, BATCH * s.enrichment_key, 0.0)
    scanned = with_lookup.scanned - lookup
    dollars = scanned / TIB * ON_DEMAND_PER_TIB + with_lookup.written / GIB * WRITE_API_PER_GIB
    return Cost(with_lookup.written, scanned, dollars)


def events(s: Sizes, postings_per_day: float, window_days: float, runs_per_day: float) -> Cost:
    """Per million postings, with events on: each event published and delivered to one
    subscription, a sent mark per row by insertAll (1 KB minimum), and the resend job's scans
    (event_due.sql reads the window's rows and marks, every run) at `postings_per_day`."""
    pubsub = PER * s.event * 2
    marks = PER * max(INSERT_ALL_MIN_ROW, s.mark)
    window_rows = postings_per_day * window_days
    scan_per_day = runs_per_day * billed(window_rows * s.due_scan, window_rows * s.mark)
    scanned = scan_per_day * PER / postings_per_day
    dollars = (pubsub / TIB * PUBSUB_PER_TIB + marks / GIB * INSERT_ALL_PER_GIB
               + scanned / TIB * ON_DEMAND_PER_TIB)  # fmt: skip
    return Cost(pubsub + marks, scanned, dollars)


def _gb(b: float) -> str:
    return f"{b / GIB:,.1f} GiB" if b < TIB else f"{b / TIB:,.2f} TiB"


def _usd(d: float) -> str:
    return f"${d:,.2f}" if d < 1000 else f"${d:,.0f}"


def report(s: Sizes, meta: dict[str, Any]) -> str:
    out = [f"Row sizes: enrichment {meta['enrichment_version']}, {meta['postings']} sample "
           f"postings, {meta['skills_per_posting']} skills per posting.", ""]  # fmt: skip
    head = "| table rows | path | written / M postings | scanned (billed) / M | $ / M postings |"
    for first, title in ((True, "First enrichment"), (False, "Re-enrichment (version bump)")):
        out += [f"**{title}**, per million postings:", "", head, "|---:|---|---:|---:|---:|"]
        for rows in TABLE_ROWS:
            for name, fn in (("MERGE (old)", old_merge), ("append (new)", append),
                             ("append, no key lookup", append_no_lookup)):  # fmt: skip
                c = fn(s, rows, first)
                out.append(f"| {rows:,} | {name} | {_gb(c.written)} | {_gb(c.scanned)} | "
                           f"{_usd(c.dollars)} |")  # fmt: skip
        out.append("")
    out += ["**Full re-enrichment of the whole table** (every posting once, tables at that size):",
            "", "| table rows | MERGE (old) | append (new) | append, no key lookup |",
            "|---:|---:|---:|---:|"]  # fmt: skip
    for rows in TABLE_ROWS:
        k = rows / PER
        out.append(f"| {rows:,} | {_usd(k * old_merge(s, rows, False).dollars)} | "
                   f"{_usd(k * append(s, rows, False).dollars)} | "
                   f"{_usd(k * append_no_lookup(s, rows, False).dollars)} |")  # fmt: skip
    out += ["", "**Events on** (ENRICH_EVENTS_TOPIC), per million postings, any table size:", "",
            "| postings / day | resend window | runs / day | published+delivered+marks | "
            "scanned / M | $ / M postings |", "|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for per_day, window, runs in ((1e5, 1, 288), (1e6, 1, 288), (1e7, 1, 288), (1e6, 7, 1440)):
        c = events(s, per_day, window, runs)
        out.append(f"| {per_day:,.0f} | {window:g} d | {runs:,} | {_gb(c.written)} | "
                   f"{_gb(c.scanned)} | {_usd(c.dollars)} |")  # fmt: skip
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=Path, default=ROOT / "bench" / "results" / "row_sizes.json")
    args = ap.parse_args()
    sizes, meta = Sizes.load(args.sizes)
    print(report(sizes, meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
