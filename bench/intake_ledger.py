"""What the intake ledger costs the bridge: postings/s with and without the DuckDB ledger write.

The bridge validates the sample postings (copied under fresh ids) and "enqueues" them to a no-op,
so the difference is the ledger write alone (one DuckDB open + insert per batch of 32, the raw
text included), measured on the same machine in the same run. Also prints the ledger's bytes per
posting (the file's growth), and its BigQuery logical bytes per entry (STRING 2 + UTF-8 bytes,
TIMESTAMP/INT64 8, NULL 0) before and after `compact_intake` drops the raw text of entries that
are accounted for (here: every posting gets a failure row, so all are). No broker, no worker.

    .venv/bin/python bench/intake_ledger.py [--copies 10]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from adapters.duckdb.store import DuckDbStore
from adapters.local.jsonl_source import JsonlSource
from domain.models import Rejection
from tests.conftest import SAMPLES
from worker.bridge import Bridge


def postings_file(path: Path, copies: int) -> int:
    lines = SAMPLES.read_text(encoding="utf-8").splitlines()
    with open(path, "w", encoding="utf-8") as fh:
        for c in range(copies):
            for line in lines:
                row = json.loads(line)
                row["posting_id"] = f"b{c}-{row['posting_id']}"
                fh.write(json.dumps(row) + "\n")
    return copies * len(lines)


def run(src: Path, ledger: DuckDbStore | None) -> float:
    bridge = Bridge(JsonlSource(src), lambda ps: None, lambda rs: None, batch_size=32,
                    record_intake=ledger.record_intake if ledger else None)  # fmt: skip
    t0 = time.perf_counter()
    stats = bridge.run()
    return stats.enqueued / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        n = postings_file(src, args.copies)
        base = run(src, None)
        db = Path(tmp) / "w.duckdb"
        store = DuckDbStore(db)
        empty = db.stat().st_size
        with_ledger = run(src, store)
        grown = db.stat().st_size - empty
        before = logical_bytes(store)
        settle(store, n)
        compacted = store.compact_intake(0.0, n)
        after = logical_bytes(store)
        store.close()
        print(f"{n} postings, batches of 32: without ledger {base:,.0f} postings/s, "
              f"with the DuckDB ledger {with_ledger:,.0f} postings/s "
              f"({with_ledger / base:.2f}x); ledger file +{grown / n / 1024:.1f} KiB per posting")  # fmt: skip
        print(
            f"ledger entry, BigQuery logical bytes: {before:,.0f} B whole, {after:,.0f} B after "
            f"compaction ({compacted} of {n} compacted; {after / before:.3f}x)"
        )


def logical_bytes(store: DuckDbStore) -> float:
    """Mean BigQuery logical bytes per ledger entry (what storage bills)."""
    strings = ("posting_id", "content_hash", "title", "company", "text", "source", "posted_at",
               "source_ref")  # fmt: skip
    size = " + ".join(f"coalesce(strlen({c}) + 2, 0)" for c in strings)
    rows = store._query(
        f"SELECT avg({size} + 8 + 8 + CASE WHEN last_attempt_at IS NULL THEN 0 ELSE 8 END) FROM intake"
    )
    return float(rows[0][0])


def settle(store: DuckDbStore, n: int) -> None:
    """Account for every entry with a failure row, as a persisted rejection would."""
    entries = store.unaccounted_intake(0.0, n)
    store.write_batch([], [], [
        Rejection(f"bench:{e.posting.posting_id}", "bench", "bench", "none", e.posting.source,
                  e.accepted_at, e.posting.posting_id, e.posting.content_hash)
        for e in entries
    ])  # fmt: skip


if __name__ == "__main__":
    main()
