"""How long a posting is in flight, from the ledger: what acking Pub/Sub only on persist would hold.

Starts a local fleet (redis-server, enrich worker, persister) in a temporary data dir, bridges
the sample postings (copied `--copies` times under fresh ids) with `enrich bridge --wait`, then
reads, per posting, intake.accepted_at (the bridge's ledger write) and the enrichment row's
enriched_at — both on the one host's clock. Prints the in-flight time (p50 / p95 / max) and the
most postings in flight at once: the leases an ack-on-persist Pub/Sub bridge would have to hold
(its flow control, ENRICH_PUBSUB_MAX_OUTSTANDING, would cap throughput below that).

    .venv/bin/python bench/intake_latency.py [--copies 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from adapters.duckdb.store import DuckDbStore
from tests.integration.conftest import make_fleet, write_postings

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        fleet = make_fleet(base, batch_size=32, reconcile_enabled=False)
        try:
            fleet.start(("redis", "worker", "persister"))
            src = base / "in.jsonl"
            ids = write_postings(src, "lat", copies=args.copies)
            run = subprocess.run(
                [sys.executable, "-m", "cli.enrich", "bridge", str(src), "--wait", "--timeout",
                 "1800"], cwd=ROOT, env=fleet.env(), capture_output=True, check=False,
            )  # fmt: skip
            assert run.returncode == 0, run.stderr.decode()[-2000:]
        finally:
            fleet.stop()
        rows = DuckDbStore(fleet.settings.duckdb_path)._query(
            "SELECT epoch_ms(i.accepted_at), epoch_ms(min(e.enriched_at)) FROM intake i "
            "JOIN job_enrichments e USING (posting_id, content_hash) GROUP BY 1, i.posting_id"
        )
    spans = sorted((done - at) / 1000 for at, done in rows)
    events = sorted([(at, 1) for at, _ in rows] + [(done, -1) for _, done in rows])
    peak = cur = 0
    for _, step in events:
        cur += step
        peak = max(peak, cur)
    wall = (max(d for _, d in rows) - min(a for a, _ in rows)) / 1000
    n = len(spans)
    print(f"{n} postings ({len(set(ids))} ids) in {wall:.1f} s = {n / wall:.1f} postings/s; "
          f"accepted -> enriched: p50 {spans[n // 2]:.1f} s, p95 {spans[int(n * 0.95)]:.1f} s, "
          f"max {spans[-1]:.1f} s; at most {peak} postings in flight at once")  # fmt: skip


if __name__ == "__main__":
    main()
