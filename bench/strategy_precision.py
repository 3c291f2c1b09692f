"""Precision of each strategy combination on SkillSpan dev: where the ensemble weights come from.

    .venv/bin/python bench/strategy_precision.py [--train]

Runs the active extractor with min_confidence 0 and, for every set of strategies that found a
mention (e.g. "span_model+taxonomy"), counts mentions and the share that overlap a gold span of
the same kind. A strategy's weight in config/model_versions.yaml is its precision alone; the
noisy-OR of the weights should then track the observed precision of the combinations (the
reliability table of `enrich evaluate` shows how well it does). --train adds SkillSpan train
(the span model has seen it, so its rows there are optimistic).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_pipeline, load_config  # noqa: E402
from adapters.artifacts.datasets import configured_datasets, load_gold_file  # noqa: E402
from domain.models import Posting  # noqa: E402
from domain.validation import content_hash  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    cfg = load_config(ROOT)
    cfg.spec["components"]["skills_extractor"]["params"]["min_confidence"] = 0.0
    pipeline = build_pipeline(cfg)
    sets = {"dev": configured_datasets(ROOT, "skillspan-dev")[0]}
    if args.train:
        sets["train"] = load_gold_file(args.data / "eval/skillspan/train.json", "skillspan-bio")
    weights = cfg.spec["components"]["skills_extractor"]["params"].get("weights", {})
    print(f"weights in config: {weights}")
    for name, ds in sets.items():
        stats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        gold = {d.doc_id: d.spans for d in ds.docs}
        postings = [Posting(d.doc_id, d.text, content_hash(None, None, d.text)) for d in ds.docs]
        for i in range(0, len(postings), 32):
            for e in pipeline.enrich(postings[i : i + 32]).enrichments:
                for s in e.skills:
                    kind = s.kind
                    for m in s.mentions:
                        hit = any(
                            g.label == kind and g.start < m.end and m.start < g.end
                            for g in gold[e.posting_id]
                        )
                        stats[m.strategy][0] += 1
                        stats[m.strategy][1] += hit
        print(f"\nSkillSpan {name}: mentions by the strategies that found them")
        print(f"{'strategies':<40}{'mentions':>9}{'precision':>11}")
        for combo, (n, hits) in sorted(stats.items(), key=lambda kv: -kv[1][0]):
            print(f"{combo:<40}{n:>9}{hits / n:>11.3f}")


if __name__ == "__main__":
    main()
