"""Drain rate of drift re-enrichment: bump the version, time beat until no row has drifted.

    .venv/bin/python bench/reenrich_drain.py [--copies 3] [--interval 2] [--cap 2000]

Starts a throwaway fleet (redis-server, worker, persister, beat) on free ports with a copy of
config/, enriches `--copies` renamed copies of the 198 sample postings, bumps the declared
version, and reports postings/s from the bump until the drift backlog is 0. The rate is bounded
by the pipeline and by the throttle (cap per run / interval, queue depth), both printed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.duckdb.store import DuckDbStore  # noqa: E402
from tests.integration.conftest import enrich_cli, make_fleet, write_postings  # noqa: E402
from tests.integration.test_lifecycle import bump_version  # noqa: E402

SAMPLES = ROOT / "config" / "samples" / "skillspan_postings.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=3)
    ap.add_argument("--interval", type=float, default=2.0, help="ENRICH_REENRICH_INTERVAL_S")
    ap.add_argument("--cap", type=int, default=2000, help="ENRICH_REENRICH_CAP_PER_RUN")
    ap.add_argument("--depth", type=int, default=32, help="ENRICH_REENRICH_MAX_QUEUE_DEPTH")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        shutil.copytree(ROOT / "config", base / "cfg" / "config")
        fleet = make_fleet(
            base, config_root=base / "cfg", batch_size=32, reenrich_interval_s=args.interval,
            reenrich_cap_per_run=args.cap, reenrich_max_queue_depth=args.depth,
            evaluation_enabled=False, report_interval_s=60, config_check_interval_s=1.0,
        )  # fmt: skip
        src = base / "in.jsonl"
        write_postings(src, "c", copies=args.copies)
        try:
            fleet.start(("redis", "worker", "persister", "beat"))
            run = enrich_cli(fleet, "bridge", str(src), "--wait", "--timeout", "900", timeout=1000)
            if run.returncode != 0:
                raise SystemExit(run.stderr.decode()[-2000:])
            store = DuckDbStore(fleet.settings.duckdb_path)
            new = bump_version(base / "cfg", "2099.9.9")
            t0 = time.perf_counter()
            total = store.count_drifted(new)
            while (left := store.count_drifted(new)) > 0:
                print(f"  drift backlog {left}/{total}", file=sys.stderr)
                time.sleep(1)
            seconds = time.perf_counter() - t0
        finally:
            fleet.stop()
    print(f"re-enriched {total} postings in {seconds:.1f}s = {total / seconds:.1f} postings/s "
          f"(beat every {args.interval}s, cap {args.cap}/run, queue depth {args.depth} batches; "
          "includes the workers' model reload after the bump)")  # fmt: skip
    print(
        json.dumps(
            {
                "postings": total,
                "seconds": round(seconds, 2),
                "drain_per_s": round(total / seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
