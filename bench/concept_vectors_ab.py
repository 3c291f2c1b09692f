"""The linker's cost with two sets of vectors (and their decisions), side by side in one process
(s24vec: the fine-tuned table must cost what the distilled one cost). Nothing asserted.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/concept_vectors_ab.py \
        --old-vectors config/models/concept_vectors --old-decision OLD_DECISION.json [--rounds 5]
        [--extraction]

The product's config is "new"; "old" is the same config with the first (vectors) and fourth
(decision) `concept_linker` files replaced. Prints, per linker, the CPU seconds of linking every
span of both dev gold files cold (caches cleared each round; rounds alternate old/new, the first
round also warms the word caches both share), their medians; with `--extraction`, also
`bench/concept_linking.py --cost`'s linker / rest ratio of each (2 rounds each, alternated). Peak
RSS there counts both extractors (one process).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_extractor, load_config  # noqa: E402
from adapters.artifacts.datasets import load_gold  # noqa: E402
from bench.concept_linking import gold_items, link_items, linker_cost  # noqa: E402

GOLD = ("config/eval/skillspan_dev_concepts.jsonl", "config/eval/skillspan_dev_concepts_more.jsonl")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old-vectors", default="config/models/concept_vectors")
    ap.add_argument("--old-decision", required=True, help="the decision built on the old vectors")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--extraction", action="store_true", help="also the --cost ratio of each")
    args = ap.parse_args()
    cfg = load_config(ROOT)
    spec = copy.deepcopy(cfg.spec)
    files = spec["components"]["concept_linker"]["files"]
    files[0], files[3] = args.old_vectors, str(Path(args.old_decision).resolve())
    extractors = {"old": build_extractor(dataclasses.replace(cfg, spec=spec)),
                  "new": build_extractor(cfg)}  # fmt: skip
    items = []
    for path in GOLD:
        items += gold_items(load_gold(ROOT / path, "concepts", ("SKILL", "KNOWLEDGE")).docs)
    cpu: dict[str, list[float]] = {"old": [], "new": []}
    for r in range(args.rounds):
        for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
            linker = extractors[name].linker
            assert linker is not None
            linker.clear_caches()
            t0 = time.process_time()
            link_items(linker, items)
            cpu[name].append(round(time.process_time() - t0, 3))
    print(f"CPU s linking {len(items)} dev gold spans cold, per round: {json.dumps(cpu)}; "
          f"medians {({k: statistics.median(v) for k, v in cpu.items()})}")  # fmt: skip
    if args.extraction:
        keys = ("linker time / rest of the same run (median)",
                "linker CPU / rest CPU of the same run (median)")  # fmt: skip
        for r in range(2):
            for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
                c = linker_cost(extractors[name])
                print(r, name, json.dumps({k: c[k] for k in keys}), flush=True)


if __name__ == "__main__":
    main()
