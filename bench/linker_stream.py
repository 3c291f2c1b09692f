"""The concept linker's cost over a stream of distinct postings, as one worker process sees it.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/linker_stream.py [--profile quality|fast]
        [--window 100] [--limit N] [--seed 0] [--json FILE] [--freeze]

`bench/concept_linking.py --cost` times the linker with a cold link cache: every mention of the
198 samples searched as if the worker had just started. A worker lives for thousands of
postings, and job postings repeat their mentions ("Python", "communication skills"), so most
links come from the cache (`ConceptLinker`'s LRU of `cache_size` links and its placements).
This bench runs one extractor, in one process, over a stream of distinct postings (the 198
samples and the 1,250 Google postings of ../shared/data, shuffled with `--seed`), in batches of
32 as the worker does, and prints per window of `--window` postings:
  - the linker's wall and CPU time against the rest of the extraction in the same window
    (robust to load that changes between windows: both sides are measured together);
  - the share of mentions answered from the link cache.
`--freeze`: `gc.freeze()` once the extractor is built, as a worker does at start since s24cost4
(worker/bootstrap.freeze_once). Nothing is asserted; numbers for docs/concept-linking.md. Needs ../shared/data (the Google CSV,
read for this bench only: it is not shipped).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: before numpy/thinc load
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_extractor, load_config  # noqa: E402
from bench.clustering import google_postings  # noqa: E402
from domain.models import Section  # noqa: E402

OVERVIEW = (Section("overview", 0, 10**9),)
SAMPLES = ROOT / "config" / "samples" / "skillspan_postings.jsonl"


def stream(seed: int) -> list[str]:
    """The texts of the 198 samples and the 1,250 Google postings, shuffled with `seed`."""
    texts = [json.loads(x)["text"] for x in SAMPLES.open(encoding="utf-8") if x.strip()]
    texts += [r["text"] for r in google_postings()]
    random.Random(seed).shuffle(texts)
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default=None, help="quality | fast (default: the active one)")
    ap.add_argument("--window", type=int, default=100, help="postings per printed window")
    ap.add_argument("--limit", type=int, default=0, help="stop after N postings (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="write the windows here too")
    ap.add_argument("--freeze", action="store_true", help="gc.freeze() after the build")
    args = ap.parse_args()

    cfg = load_config(ROOT, profile=args.profile)
    extractor = build_extractor(cfg)
    linker = extractor.linker
    if linker is None:
        sys.exit("this profile runs no concept linker")
    if args.freeze:
        import gc

        gc.collect()
        gc.freeze()
    texts = stream(args.seed)
    if args.limit:
        texts = texts[: args.limit]
    print(f"enrichment {cfg.manifest.effective}; {len(texts)} postings; link cache "
          f"{linker.params.cache_size} links", flush=True)  # fmt: skip

    # time link_many inside the extraction, and count what it had to compute (cache growth)
    inside = {"wall": 0.0, "cpu": 0.0, "mentions": 0, "computed": 0}
    plain = linker.link_many

    def timed(pairs, *a, **kw):
        before = len(linker._cache)
        t, c = time.perf_counter(), time.process_time()
        try:
            return plain(pairs, *a, **kw)
        finally:
            inside["wall"] += time.perf_counter() - t
            inside["cpu"] += time.process_time() - c
            inside["mentions"] += len(pairs)
            inside["computed"] += max(len(linker._cache) - before, 0)

    linker.link_many = timed  # type: ignore[method-assign]
    windows: list[dict[str, object]] = []
    done = 0
    total = {"wall": 0.0, "cpu": 0.0, "lwall": 0.0, "lcpu": 0.0}
    print(f"{'postings':>11} {'linker/rest wall':>17} {'linker/rest CPU':>16} {'from cache':>11}")
    while done < len(texts):
        for k in inside:
            inside[k] = 0
        t0, c0 = time.perf_counter(), time.process_time()
        end = min(done + args.window, len(texts))
        for i in range(done, end, 32):
            extractor.extract_many([(t, OVERVIEW) for t in texts[i : min(i + 32, end)]])
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        for k, v in (("wall", wall), ("cpu", cpu), ("lwall", inside["wall"]),
                     ("lcpu", inside["cpu"])):  # fmt: skip
            total[k] += float(v)
        row = {
            "postings": f"{done + 1}-{end}",
            "linker_rest_wall": round(inside["wall"] / max(wall - inside["wall"], 1e-9), 3),
            "linker_rest_cpu": round(inside["cpu"] / max(cpu - inside["cpu"], 1e-9), 3),
            "mentions": inside["mentions"],
            "from_cache": round(1 - inside["computed"] / max(inside["mentions"], 1), 3),
        }
        windows.append(row)
        print(f"{row['postings']:>11} {row['linker_rest_wall']:>17} {row['linker_rest_cpu']:>16} "
              f"{row['from_cache']:>11.1%}", flush=True)  # fmt: skip
        done = end
    summary = {
        "enrichment": cfg.manifest.effective,
        "postings": len(texts),
        "linker_rest_wall_all": round(
            total["lwall"] / max(total["wall"] - total["lwall"], 1e-9), 3
        ),
        "linker_rest_cpu_all": round(total["lcpu"] / max(total["cpu"] - total["lcpu"], 1e-9), 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "windows": windows,
    }
    print(
        f"whole stream: linker / rest {summary['linker_rest_wall_all']} wall, "
        f"{summary['linker_rest_cpu_all']} CPU; peak RSS {summary['peak_rss_mib']} MiB"
    )
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
