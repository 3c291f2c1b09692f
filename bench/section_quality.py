"""Section classification quality and what section weighting does to extraction (SC-004).

    .venv/bin/python bench/section_quality.py [--data ../shared/data] [--profile quality]

1. The section classifier, line by line on the held-out section gold (build/sections/dev.jsonl,
   from scripts/build_section_gold.py; rebuilt when missing): rules alone, model alone, hybrid;
   overall, per source/variant and per label.
2. Span P/R/F1 per kind on SkillSpan dev and Green 2022 for a grid of section settings, from
   "before" (header rules, no weighting: enrichment 2026.11.4) to the configured one. The
   default weights are chosen on SkillSpan dev only; Green is reported, not tuned to.
3. Precision of the mentions "before" finds in company / benefits / application / legal blocks,
   judged by hand (config/eval/excluded_section_mentions.jsonl): how many were really
   requirements of the job.
Writes bench/results/section_quality.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_pipeline, load_config, section_rules  # noqa: E402
from adapters.artifacts.datasets import configured_datasets, load_gold_file  # noqa: E402
from cli.sections import read_export, score_all  # noqa: E402
from domain.evaluation.run import predicted_spans  # noqa: E402
from domain.evaluation.spans import score  # noqa: E402
from domain.pipeline import Pipeline  # noqa: E402
from domain.sections.classifier import BlockClassifier  # noqa: E402
from domain.skills.ensemble import SkillExtractor  # noqa: E402

EXCLUDED = ("company", "benefits", "application", "legal")
HAND_CHECKED = ROOT / "config" / "eval" / "excluded_section_mentions.jsonl"
SKIP3 = ("benefits", "application", "legal")
# name -> (classifier mode, section_relevance, skip_sections)
GRID: dict[str, tuple[str, dict[str, float], tuple[str, ...]]] = {
    "before (rules, no weighting)": ("rules", {}, ()),
    "hybrid, no weighting": ("hybrid", {}, ()),
    "hybrid, skip benefits/application/legal": ("hybrid", {}, SKIP3),
    "hybrid, skip those + company": ("hybrid", {}, (*SKIP3, "company")),
    "hybrid, skip those + company at 0.5": ("hybrid", {"company": 0.5}, SKIP3),
    "hybrid, skip company + legal (default)": ("hybrid", {}, ("company", "legal")),
    "hybrid, skip company + legal, benefits/application 0.6": (
        "hybrid", {"benefits": 0.6, "application": 0.6}, ("company", "legal"),
    ),
    "hybrid, skip + company, overview 0.9": ("hybrid", {"overview": 0.9}, (*SKIP3, "company")),
    "hybrid, skip + company, overview/resp. 0.9": (
        "hybrid", {"overview": 0.9, "responsibilities": 0.9}, (*SKIP3, "company"),
    ),
}  # fmt: skip


def variant(
    base: Pipeline, mode: str, relevance: dict[str, float], skip: tuple[str, ...]
) -> Pipeline:
    """`base` with another classifier mode and section weighting (models shared, not reloaded)."""
    clf = base.classifier
    assert isinstance(clf, BlockClassifier) and isinstance(base.extractor, SkillExtractor)
    params = replace(
        base.extractor.params, section_relevance=relevance, skip_sections=frozenset(skip)
    )
    return replace(
        base, classifier=replace(clf, mode=mode), extractor=base.extractor.with_params(params)
    )


def spans_table(metrics: dict[str, Any], labels: list[str]) -> dict[str, Any]:
    return {lab: metrics[lab] for lab in [*labels, "micro"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--profile", default=None, help="extraction profile (default: the active one)")
    args = ap.parse_args()
    out: dict[str, Any] = {}

    gold_dev = ROOT / "build" / "sections" / "dev.jsonl"
    if not gold_dev.is_file():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "build_section_gold.py"),
                        "--data", str(args.data)], check=True)  # fmt: skip
    cfg = load_config(ROOT, profile=args.profile)
    base = build_pipeline(cfg)
    clf = base.classifier
    assert isinstance(clf, BlockClassifier)
    dev = read_export(gold_dev)
    t0 = time.perf_counter()
    out["classifier"] = score_all(section_rules(cfg), clf.model, dev)
    print(f"1. section classifier on {gold_dev.relative_to(ROOT)} ({len(dev)} postings; "
          f"{time.perf_counter() - t0:.0f} s), line accuracy / macro-F1")  # fmt: skip
    keys = list(out["classifier"]["rules"])
    print(f"  {'':22}" + "".join(f"{m:>16}" for m in out["classifier"]))
    for k in keys:
        cells = "".join(
            f"{s[k]['accuracy']:>8.3f}{s[k]['macro_f1']:>8.3f}" for s in out["classifier"].values()
        )
        print(f"  {k:22}{cells}")
    print("  per label (all held-out lines): F1 rules / model / hybrid")
    for lab, v in out["classifier"]["hybrid"]["all"]["per_label"].items():
        r = out["classifier"]["rules"]["all"]["per_label"][lab]["f1"]
        m = out["classifier"]["model"]["all"]["per_label"][lab]["f1"]
        print(f"    {lab:18} lines {v['lines']:6}   {r:.3f} / {m:.3f} / {v['f1']:.3f}")

    print("\n2. extraction: span P/R/F1 per kind, strict | overlap (SC-004)")
    out["extraction"] = {}
    sets = {
        "skillspan-dev": configured_datasets(ROOT, "skillspan-dev")[0],
        "green2022-test": configured_datasets(ROOT, "green2022-test")[0],
    }
    for name, (mode, relevance, skip) in GRID.items():
        pipe = variant(base, mode, relevance, skip)
        row: dict[str, Any] = {}
        for ds_name, ds in sets.items():
            pred = predicted_spans(pipe, ds.docs, dict(ds.label_map))
            row[ds_name] = spans_table(score(pred, ds.docs, ds.labels), list(ds.labels))
        out["extraction"][name] = row
        print(f"  {name}")
        for ds_name, table in row.items():
            cells = "  ".join(
                f"{lab} {v['strict']['f1']:.3f}|{v['overlap']['f1']:.3f}"
                f" (P {v['overlap']['precision']:.3f} R {v['overlap']['recall']:.3f})"
                for lab, v in table.items()
            )
            print(f"    {ds_name:15} {cells}")
    chosen = max(
        GRID,
        key=lambda n: (
            out["extraction"][n]["skillspan-dev"]["micro"]["overlap"]["f1"],
            out["extraction"][n]["skillspan-dev"]["micro"]["strict"]["f1"],
        ),
    )
    out["chosen_on_skillspan_dev"] = chosen
    print(f"  best on SkillSpan dev (micro overlap F1, then strict): {chosen}")
    train_file = args.data / "eval" / "skillspan" / "train.json"
    if train_file.is_file():
        # a second check, not a choice: the span models were trained on these postings, so the
        # absolute scores are optimistic; the change from section weighting is what counts
        train = load_gold_file(train_file, "skillspan-bio")
        print("  SkillSpan train (models trained on it: look at the change only)")
        out["skillspan_train"] = {}
        for name in GRID:
            pipe = variant(base, *GRID[name])
            pred = predicted_spans(pipe, train.docs, dict(train.label_map))
            table = spans_table(score(pred, train.docs, train.labels), list(train.labels))
            out["skillspan_train"][name] = table
            m = table["micro"]["overlap"]
            print(f"    {name:45} micro overlap F1 {m['f1']:.3f} (P {m['precision']:.3f} "
                  f"R {m['recall']:.3f}), strict F1 {table['micro']['strict']['f1']:.3f}")  # fmt: skip

    if HAND_CHECKED.is_file():
        judged = [
            json.loads(x)
            for x in HAND_CHECKED.read_text(encoding="utf-8").splitlines()
            if x.strip()
        ]
        by_section: dict[str, list[int]] = {}
        for j in judged:
            c = by_section.setdefault(j["section"], [0, 0])
            c[0] += 1
            c[1] += bool(j["requirement"])
        total = sum(c[0] for c in by_section.values())
        hits = sum(c[1] for c in by_section.values())
        out["excluded_mentions_hand_checked"] = {
            "mentions": total, "requirements": hits,
            "precision": round(hits / total, 3) if total else None,
            "per_section": {k: {"mentions": n, "requirements": h} for k, (n, h) in sorted(by_section.items())},
        }  # fmt: skip
        print(f"\n3. mentions from {'/'.join(EXCLUDED)} blocks, judged by hand: {hits}/{total} "
              f"were requirements of the job (precision {hits / max(total, 1):.3f})")  # fmt: skip
        for k, (n, h) in sorted(by_section.items()):
            print(f"    {k:12} {h}/{n}")
    res = ROOT / "bench" / "results" / "section_quality.json"
    res.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {res.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
