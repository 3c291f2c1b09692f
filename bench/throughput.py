"""Throughput of the enrichment pipeline on the sample postings: in-process and through the fleet.

    .venv/bin/python bench/throughput.py               # both, and their ratio
    .venv/bin/python bench/throughput.py --mode inprocess --repeat 5
    .venv/bin/python bench/throughput.py --mode fleet --copies 5 --sweep 8 32 128   # CPU per role

In-process: validate -> classify -> extract, no broker, one core (the pipeline is single-threaded).
Fleet: a throwaway fleet (redis-server, worker with concurrency from settings, persister, beat, Flower) on free ports and a
temporary warehouse; the bridge enqueues `--copies` renamed copies of the samples and the clock
stops when the last row is persisted. Machines here are noisy: compare ratios, not absolutes.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_pipeline, load_config  # noqa: E402
from domain.models import EnrichedBatch, Posting  # noqa: E402
from domain.validation import validate  # noqa: E402

SAMPLES = ROOT / "config" / "samples" / "skillspan_postings.jsonl"


def load() -> list[Posting]:
    out = []
    for i, line in enumerate(SAMPLES.read_bytes().splitlines()):
        p = validate(line, source="bench", ref=f"line {i}", now="2026-01-01T00:00:00+00:00")
        assert isinstance(p, Posting)
        out.append(p)
    return out


def inprocess(repeat: int, batch_size: int) -> dict[str, float]:
    pipeline = build_pipeline(load_config(ROOT))
    postings = load()
    tok = pipeline.extractor.nlp.tokenizer  # type: ignore[attr-defined]
    rates: dict[str, list[float]] = {"pipeline": [], "classify": [], "tokenize_only": []}
    for _ in range(repeat):
        t0 = time.perf_counter()
        for i in range(0, len(postings), batch_size):
            pipeline.enrich(postings[i : i + batch_size])
        rates["pipeline"].append(len(postings) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        pipeline.classify(EnrichedBatch(postings=tuple(postings)))
        rates["classify"].append(len(postings) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        for _doc in tok.pipe((p.text for p in postings), batch_size=batch_size):
            pass
        rates["tokenize_only"].append(len(postings) / (time.perf_counter() - t0))
    return {k: statistics.median(v) for k, v in rates.items()}


ROLES = ("worker", "persister", "redis", "beat", "flower")


def _cpu(pid: int | None) -> float:
    """CPU seconds (user + system) of a process and all its descendants alive now."""
    import psutil

    if pid is None:
        return 0.0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def payload_bytes(batch_size: int) -> dict[str, int]:
    """JSON bytes of what each chain link receives, for one batch of the samples."""
    pipeline = build_pipeline(load_config(ROOT))
    batch = EnrichedBatch(postings=tuple(load()[:batch_size]))
    classified = pipeline.classify(batch)
    extracted = pipeline.extract(classified)
    size = lambda b: len(json.dumps(b.to_dict()).encode())  # noqa: E731
    return {"classify": size(batch), "extract": size(classified), "persist": size(extracted)}


def fleet(copies: int, batch_size: int = 32) -> dict[str, float]:
    """Fleet throughput plus CPU seconds per process role during the run, and the share of
    all of it spent inside the extract call (the workers log its CPU ms per batch)."""
    import resource

    from tests.integration.conftest import enrich_cli, make_fleet, write_postings

    with tempfile.TemporaryDirectory() as tmp:
        f = make_fleet(Path(tmp), batch_size=batch_size, batch_max_wait_s=0.5)
        src = Path(tmp) / "in.jsonl"
        write_postings(src, "c", copies=copies)
        try:
            f.start(("redis", "worker", "persister", "beat", "flower"))  # as `enrich fleet start`
            before = {r: _cpu(f.pid(r)) for r in ROLES}
            kids = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            run = enrich_cli(f, "bridge", str(src), "--wait", "--timeout", "900", timeout=1000)
            seconds = time.perf_counter() - t0
            after = {r: _cpu(f.pid(r)) for r in ROLES}
            log = f.log_path("worker").read_text(errors="replace")
            kids_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if run.returncode != 0:
                raise SystemExit(run.stderr.decode()[-2000:])
        finally:
            f.stop()
    n = copies * len(load())
    extract_s = sum(float(m) for m in re.findall(r"extracted batch: .*? cpu_ms=(\d+)", log)) / 1000
    cpu = {f"cpu_{r}_s": after[r] - before[r] for r in ROLES}
    cpu["cpu_bridge_s"] = (kids_after.ru_utime + kids_after.ru_stime) - (
        kids.ru_utime + kids.ru_stime
    )
    total = sum(cpu.values())
    return {"fleet": n / seconds, "postings": n, "seconds": seconds, **cpu,
            "cpu_total_s": total, "extract_s": extract_s,
            "extract_share": extract_s / total if total else 0.0}  # fmt: skip


def print_breakdown(r: dict[str, float], batch_size: int) -> None:
    total = r["cpu_total_s"]
    print(f"\nfleet CPU breakdown, batch size {batch_size}: {r['postings']:.0f} postings in "
          f"{r['seconds']:.1f} s wall, {total:.1f} CPU s on 2 cores "
          f"({total / r['seconds'] / 2:.0%} busy)")  # fmt: skip
    print(f"  {'role':28} {'CPU s':>7} {'share':>6}")
    for role in ("worker", "persister", "redis", "beat", "flower", "bridge"):
        v = r[f"cpu_{role}_s"]
        print(f"  {role:28} {v:7.1f} {v / total:6.0%}")
    print(f"  {'extraction itself (domain)':28} {r['extract_s']:7.1f} {r['extract_share']:6.0%}"
          "  <- part of the workers' (CPU inside the extract call, from their log)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=["inprocess", "fleet", "both"], default="both")
    ap.add_argument("--repeat", type=int, default=3, help="in-process repetitions (median)")
    ap.add_argument("--copies", type=int, default=3, help="fleet: copies of the 198 samples")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--sweep", type=int, nargs="*", metavar="N",
                    help="fleet: one run per batch size (e.g. 8 32 128), CPU breakdown each, "
                    "and JSON payload bytes per chain link")  # fmt: skip
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    if args.sweep:
        rows = []
        one_core = inprocess(args.repeat, args.batch_size)["pipeline"]
        print(f"in-process pipeline, one core: {one_core:.1f} postings/s")
        for bs in args.sweep:
            r = fleet(args.copies, bs) | {f"bytes_{k}": float(v)
                                         for k, v in payload_bytes(bs).items()}  # fmt: skip
            print_breakdown(r, bs)
            r["vs_one_core"] = r["fleet"] / one_core
            rows.append({"batch_size": bs, **{k: round(v, 3) for k, v in r.items()}})
        print(f"\n{'batch':>5} {'postings/s':>10} {'x one core':>10} {'extract share':>13} "
              f"{'bytes in: classify':>18} {'extract':>9} {'persist':>9}")  # fmt: skip
        for r in rows:
            print(f"{r['batch_size']:>5} {r['fleet']:10.1f} {r['vs_one_core']:10.2f} "
                  f"{r['extract_share']:13.0%} "
                  f"{r['bytes_classify']:18.0f} {r['bytes_extract']:9.0f} "
                  f"{r['bytes_persist']:9.0f}")  # fmt: skip
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2) + "\n")
        return
    result: dict[str, float] = {}
    if args.mode in ("inprocess", "both"):
        result |= inprocess(args.repeat, args.batch_size)
        print(f"in-process pipeline: {result['pipeline']:.1f} postings/s (1 core)")
        print(f"  classify only:     {result['classify']:.1f} postings/s")
        print(f"  bare tokenization: {result['tokenize_only']:.1f} postings/s; "
              f"pipeline/tokenization = {result['pipeline'] / result['tokenize_only']:.2f}")  # fmt: skip
    if args.mode in ("fleet", "both"):
        result |= fleet(args.copies, args.batch_size)
        print(f"fleet (redis + worker, bridge to last row persisted): {result['fleet']:.1f} "
              f"postings/s ({int(result['postings'])} postings in {result['seconds']:.1f}s)")  # fmt: skip
        print_breakdown(result, args.batch_size)
    if "fleet" in result and "pipeline" in result:
        print(f"fleet / in-process = {result['fleet'] / result['pipeline']:.2f}")
    print(json.dumps({k: round(v, 2) for k, v in result.items()}))


if __name__ == "__main__":
    main()
