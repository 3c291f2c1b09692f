"""Throughput of the enrichment pipeline on the sample postings: in-process and through the fleet.

    .venv/bin/python bench/throughput.py               # both, and their ratio
    .venv/bin/python bench/throughput.py --mode inprocess --repeat 5

In-process: validate -> classify -> extract, no broker, one core (the pipeline is single-threaded).
Fleet: a throwaway redis-server + worker (concurrency from settings, default 2) on free ports and a
temporary warehouse; the bridge enqueues `--copies` renamed copies of the samples and the clock
stops when the last row is persisted. Machines here are noisy: compare ratios, not absolutes.
"""

from __future__ import annotations

import argparse
import json
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


def fleet(copies: int) -> dict[str, float]:
    from tests.integration.conftest import enrich_cli, make_fleet, write_postings

    with tempfile.TemporaryDirectory() as tmp:
        f = make_fleet(Path(tmp), batch_size=32, batch_max_wait_s=0.5)
        src = Path(tmp) / "in.jsonl"
        write_postings(src, "c", copies=copies)
        try:
            f.start(("redis", "worker", "persister"))
            t0 = time.perf_counter()
            run = enrich_cli(f, "bridge", str(src), "--wait", "--timeout", "900", timeout=1000)
            seconds = time.perf_counter() - t0
            if run.returncode != 0:
                raise SystemExit(run.stderr.decode()[-2000:])
        finally:
            f.stop()
    n = copies * len(load())
    return {"fleet": n / seconds, "postings": n, "seconds": seconds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=["inprocess", "fleet", "both"], default="both")
    ap.add_argument("--repeat", type=int, default=3, help="in-process repetitions (median)")
    ap.add_argument("--copies", type=int, default=3, help="fleet: copies of the 198 samples")
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()
    result: dict[str, float] = {}
    if args.mode in ("inprocess", "both"):
        result |= inprocess(args.repeat, args.batch_size)
        print(f"in-process pipeline: {result['pipeline']:.1f} postings/s (1 core)")
        print(f"  classify only:     {result['classify']:.1f} postings/s")
        print(f"  bare tokenization: {result['tokenize_only']:.1f} postings/s; "
              f"pipeline/tokenization = {result['pipeline'] / result['tokenize_only']:.2f}")  # fmt: skip
    if args.mode in ("fleet", "both"):
        result |= fleet(args.copies)
        print(f"fleet (redis + worker, bridge to last row persisted): {result['fleet']:.1f} "
              f"postings/s ({int(result['postings'])} postings in {result['seconds']:.1f}s)")  # fmt: skip
    if "fleet" in result and "pipeline" in result:
        print(f"fleet / in-process = {result['fleet'] / result['pipeline']:.2f}")
    print(json.dumps({k: round(v, 2) for k, v in result.items()}))


if __name__ == "__main__":
    main()
