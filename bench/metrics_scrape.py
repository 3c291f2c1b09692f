"""How long one Prometheus scrape of `enrich-ops metrics` takes on a large warehouse.

    .venv/bin/python bench/metrics_scrape.py [--rows 100000] [--repeat 20]

Writes --rows synthetic enrichment rows (8 skills each, two versions so drift is non-zero) and
1% rejections into a fresh DuckDB warehouse, serves the exporter on a free port in this process
(no broker: queue depths are left out) and times --repeat HTTP GETs of /metrics.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from prometheus_client import start_http_server  # noqa: E402
from prometheus_client.registry import CollectorRegistry  # noqa: E402

from adapters.duckdb.store import DuckDbStore  # noqa: E402
from adapters.prometheus.exporter import FleetCollector, Sources  # noqa: E402
from domain.models import ExtractedSkill, JobEnrichment, Mention, Rejection  # noqa: E402
from domain.validation import validate  # noqa: E402
from worker.fleet import free_port  # noqa: E402

NOW = "2026-11-28T00:00:00.000+00:00"


def seed(store: DuckDbStore, n: int) -> None:
    for start in range(0, n, 5000):
        postings, enrichments, rejections = [], [], []
        for i in range(start, min(start + 5000, n)):
            p = validate(json.dumps({"posting_id": f"m{i:07d}", "text": f"posting {i}"}).encode(),
                         source="bench", ref=str(i), now=NOW)  # fmt: skip
            postings.append(p)
            skills = tuple(
                ExtractedSkill(f"esco:s{(i * 7 + j) % 500}", f"skill {j}", "skill", 0.7,
                               ("bench",), (Mention(0, 1, "x", "overview", "bench"),))
                for j in range(8)
            )  # fmt: skip
            version = "v2" if i % 4 else "v1"
            enrichments.append(JobEnrichment(p.posting_id, p.content_hash, version, {}, (),  # type: ignore[union-attr]
                                             skills, NOW, 12.5))  # fmt: skip
            if i % 100 == 0:
                rejections.append(Rejection(f"r{i}", "validate", "invalid_json", "line", "bench",
                                            NOW))  # fmt: skip
        store.write_batch(postings, enrichments, rejections)
        print(f"  seeded {min(start + 5000, n)}/{n}", file=sys.stderr, end="\r")
    print(file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.duckdb"
        seed(DuckDbStore(path), args.rows)
        store = DuckDbStore(path, hold_s=0.5, idle_s=0.05)  # as `enrich-ops metrics` opens it
        registry = CollectorRegistry()
        registry.register(FleetCollector(Sources(store, None, None, lambda: "v2", ())))
        port = free_port()
        server, _ = start_http_server(port, addr="127.0.0.1", registry=registry)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
                body = r.read()
            times.append(time.perf_counter() - t0)
            time.sleep(0.1)  # let the lease lapse between scrapes, as at a real interval
        server.shutdown()
    print(f"{args.rows} enrichment rows: scrape median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms over {args.repeat} scrapes ({len(body)} bytes)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
