"""Where the concept linker's CPU time goes over a stream of distinct postings, part by part.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/linker_parts.py [--limit 500] [--seed 0] [--freeze]

Runs one quality-profile extractor over the first `--limit` postings of bench/linker_stream.py's
stream (the 198 samples and the 1,250 Google postings, shuffled), in batches of 32, and prints
the CPU seconds of each part of `link_many` and their share of the rest of the extraction:
the vector search (`VectorIndex.top`: encoding, the matrix product, `search.exact_best`'s
selection, the per-query loop), the decision (`_decide`: `rerank`, `_learned`), the group
placement (`_place_groups`, of which the group classifier's `probs_pair`), and the gen-2
garbage collections that ran inside the linker (one pass over every tracked object of the
process: ~0.3-0.7 s each here), then every collection of the process (all generations, inside
and outside the linker). `--freeze`: `gc.freeze()` once the extractor is built, as a worker does
at start (worker/bootstrap.py, s24cost4). Parts nest; the rest is everything outside `link_many`. Nothing is asserted (docs/concept-linking.md "Linker
cost (s24cost3)"). Needs ../shared/data.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import domain.skills.search as search  # noqa: E402
from adapters.artifacts.config_files import build_extractor, load_config  # noqa: E402
from bench.linker_stream import OVERVIEW, stream  # noqa: E402
from domain.skills.group_classifier import GroupModel  # noqa: E402
from domain.skills.linking import ConceptLinker, VectorIndex  # noqa: E402

PARTS = [  # (label, owner, attribute), outermost first
    ("link_many", ConceptLinker, "link_many"),
    ("  search (VectorIndex.top)", VectorIndex, "top"),
    ("    selection (exact_best)", search, "exact_best"),
    ("  decision (_decide)", ConceptLinker, "_decide"),
    ("    rerank", ConceptLinker, "rerank"),
    ("    learned decision", ConceptLinker, "_learned"),
    ("  group placement", ConceptLinker, "_place_groups"),
    ("    classifier (probs_pair)", GroupModel, "probs_pair"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=500, help="postings of the stream to run")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--freeze", action="store_true", help="gc.freeze() after the build")
    args = ap.parse_args()
    cfg = load_config(ROOT)
    extractor = build_extractor(cfg)
    cpu: dict[str, float] = {label: 0.0 for label, _, _ in PARTS}
    inside = [0]  # link_many depth: > 0 while the linker runs

    def timed(label: str, fn: Any) -> Any:
        def run(*a: Any, **kw: Any) -> Any:
            inside[0] += label == "link_many"
            t = time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                cpu[label] += time.process_time() - t
                inside[0] -= label == "link_many"

        return run

    for label, owner, attr in PARTS:
        setattr(owner, attr, timed(label, getattr(owner, attr)))
    collections = {"n": 0, "cpu": 0.0, "start": 0.0}
    # every collection of the process: [count, CPU s] by (generation, inside the linker)
    every: dict[tuple[int, bool], list[float]] = {}

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections["start"] = time.process_time()
            return
        spent = time.process_time() - collections["start"]
        got = every.setdefault((info["generation"], bool(inside[0])), [0, 0.0])
        got[0] += 1
        got[1] += spent
        if info["generation"] == 2 and inside[0]:
            collections["n"] += 1
            collections["cpu"] += spent

    if args.freeze:
        gc.collect()
        gc.freeze()
    gc.callbacks.append(on_gc)
    texts = stream(args.seed)[: args.limit]
    t0 = time.process_time()
    for i in range(0, len(texts), 32):
        extractor.extract_many([(t, OVERVIEW) for t in texts[i : i + 32]])
    rest = time.process_time() - t0 - cpu["link_many"]
    print(f"enrichment {cfg.manifest.effective}; {len(texts)} postings; rest {rest:.2f} s CPU")
    for label, _, _ in PARTS:
        print(f"{label:30s} {cpu[label]:7.2f} s  {cpu[label] / rest:.3f} of the rest")
    gcs = f"gen-2 GC inside the linker ({collections['n']})"
    print(f"{gcs:30s} {collections['cpu']:7.2f} s  {collections['cpu'] / rest:.3f} of the rest")
    total = sum(c for _, c in every.values())
    print(f"every GC of the process: {total:.2f} s CPU, "
          f"{total / (rest + cpu['link_many']):.3f} of the whole run; by generation, in / out of "
          "the linker: " + ", ".join(f"gen {g} {'in' if i else 'out'} {int(n)}x {c:.2f} s"
                                       for (g, i), (n, c) in sorted(every.items())))  # fmt: skip


if __name__ == "__main__":
    main()
