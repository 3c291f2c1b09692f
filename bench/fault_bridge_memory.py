"""The fault suite's `generated_bad_lines` on a warehouse that already holds many postings.

    .venv/bin/python bench/fault_bridge_memory.py --postings 12000 --base /tmp/fbm [--out F]

In the suite the scenario runs last, on the module's fleet, whose warehouse holds the ~26,000
postings of the scenarios before it; alone it runs on an empty one. This builds that state
without the hour: a fault fleet enriches the 396 first sample postings (twice the sample file),
then re-keyed copies of their rows are written through DuckDbStore.write_batch in batches of 32
with the persister's lease (hold 0.5 s), as the persister writes, until `--postings`. Then the
scenario's test function runs on that fleet (its own bound: the bridge's peak RSS under 1 GB),
while the persister's RSS is sampled. The seeded warehouse is kept in BASE/seeded and copied for
each run, so runs compare on the same file. Seeding grows slower with the warehouse (each commit
rewrites its row group, see docs/faults.md): ~12,600 postings took ~13 minutes on 2 busy cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import threading
import time
from pathlib import Path

from adapters.duckdb.store import DuckDbStore
from domain.models import Posting
from tests.faults.harness import CURRENT, REPORT, children, cli, fault_fleet, postings_file
from tests.faults.test_faults import test_ten_thousand_generated_bad_lines
from worker.fleet import Fleet


def seed(base: Path, target: int) -> Path:
    """BASE/seeded/enrichment.duckdb with at least `target` postings (built once)."""
    fleet = fault_fleet(base / "seeded", store_fault_file=base / "seeded" / "warehouse-down")
    path = fleet.settings.duckdb_path
    if (base / "seeded" / "done").exists():
        return path
    fleet.start()
    try:
        postings_file(base / "seed.jsonl", "seed", n=396)
        run = cli(fleet, "bridge", str(base / "seed.jsonl"), "--wait", "--timeout", "900")
        assert run.returncode == 0, run.stderr.decode()[-2000:]
    finally:
        fleet.stop()
    store = DuckDbStore(path, hold_s=0.5, threads=1)
    rows = store._query(
        "SELECT posting_id, text, content_hash, title, company, source, posted_at FROM postings"
    )
    posts = {r[0]: Posting(*r) for r in rows}
    latest = {p: store.posting_history(p)[-1] for p in posts}
    ids, copy = sorted(posts), 0
    while len(posts) * (copy + 1) < target:
        copy += 1
        for i in range(0, len(ids), 32):
            batch = ids[i : i + 32]
            new = [dataclasses.replace(posts[p], posting_id=f"rep{copy}-{p}") for p in batch]
            rows_ = [dataclasses.replace(latest[p], posting_id=f"rep{copy}-{p}") for p in batch]
            store.record_intake(new, ["seed"] * len(new))
            store.write_batch(new, rows_, [])
        store.close()
        print(f"  seeded {len(posts) * (copy + 1):,} postings", flush=True)
    (base / "seeded" / "done").touch()
    return path


def _peak_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0])
    except (OSError, IndexError):
        return 0


def run(base: Path, seeded: Path) -> dict[str, object]:
    """One run of the scenario on a copy of the seeded warehouse; its outcome and peaks."""
    here = base / f"run-{time.strftime('%H%M%S')}"
    here.mkdir(parents=True)
    shutil.copy(seeded, here / "enrichment.duckdb")
    fleet: Fleet = fault_fleet(here, store_fault_file=here / "warehouse-down")
    fleet.start()
    persister = {"kb": 0}
    stop = threading.Event()

    def sample() -> None:  # the persister's pool children do the writes
        while not stop.wait(0.25):
            parent = fleet.pid("persister")
            for pid in [parent, *children(parent)] if parent else []:
                persister["kb"] = max(persister["kb"], _peak_kb(pid))

    threading.Thread(target=sample, daemon=True).start()
    t0, verdict = time.monotonic(), "passed"
    try:
        test_ten_thousand_generated_bad_lines(fleet, here)
    except AssertionError as exc:
        verdict = f"FAILED: {str(exc).splitlines()[0][:300]}"
    finally:
        stop.set()
        fleet.stop()
    return {
        "scenario": "generated_bad_lines",
        "enrichment_version": CURRENT,
        "result": verdict,
        "seconds": round(time.monotonic() - t0),
        "persister_peak_mib": persister["kb"] // 1024,
        # the scenario's outcome (its note has the bridge's peak RSS), when it got that far
        "outcome": json.loads(REPORT.read_text().splitlines()[-1]) if verdict == "passed" else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postings", type=int, default=12000)
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    seeded = seed(args.base, args.postings)
    out = run(args.base, seeded)
    print(json.dumps(out))
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
