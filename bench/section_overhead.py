"""What section-aware extraction costs (SC-008): classify + extract with vs without it, one core.

    .venv/bin/python bench/section_overhead.py [--profile quality|fast] [--repeat 3] [--google 200]

On the same postings (the 198 SkillSpan sample postings, plus --google N Google postings with
their fields under headers when ../shared/data is there), in one process with one thread:
  without   header rules + extraction, no section weighting (what enrichment 2026.11.4 ran)
  with      hybrid classifier (rules + block model) + extraction with the configured section
            relevance; the span models skip the skip_sections blocks (company, legal)
Prints postings/s of each (median of --repeat round-robin rounds), the time ratio with/without
(target <= 1.10), the classifier alone in postings/s, and the hybrid classifier on a 1 MB posting.
Writes bench/results/section_overhead[_PROFILE].json.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: before numpy/thinc load
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import csv
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from section_quality import variant  # noqa: E402  (bench/ is the script's own folder)

from adapters.artifacts.config_files import build_pipeline, load_config  # noqa: E402
from domain.models import Posting  # noqa: E402
from domain.pipeline import Pipeline  # noqa: E402
from domain.sections.classifier import BlockClassifier  # noqa: E402
from domain.validation import content_hash  # noqa: E402


def postings(google: int, data: Path) -> list[Posting]:
    rows = [json.loads(x) for x in (ROOT / "config/samples/skillspan_postings.jsonl").open()]
    texts = [r["text"] for r in rows]
    csv_file = data / "postings" / "google_job_skills" / "job_skills.csv"
    if google and csv_file.is_file():
        with open(csv_file, encoding="utf-8", newline="") as fh:
            for row in list(csv.DictReader(fh))[:google]:
                texts.append(
                    f"{row['Title']}\n{row['Location']}\n\nResponsibilities\n{row['Responsibilities']}"
                    f"\n\nMinimum qualifications\n{row['Minimum Qualifications']}\n\n"
                    f"Preferred qualifications\n{row['Preferred Qualifications']}\n"
                )
    return [Posting(f"p{i}", t, content_hash(None, None, t)) for i, t in enumerate(texts)]


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--google", type=int, default=200, help="Google postings to add (0: none)")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    cfg = load_config(ROOT, profile=args.profile)
    with_sections = build_pipeline(cfg)
    clf = with_sections.classifier
    assert isinstance(clf, BlockClassifier)
    without = variant(with_sections, "rules", {}, ())  # what 2026.11.4 ran; models shared
    ps = postings(args.google, args.data)
    n = len(ps)
    print(f"{n} postings, profile {cfg.manifest.effective}, one thread", file=sys.stderr)

    def run(p: Pipeline) -> Callable[[], object]:
        return lambda: [p.enrich(ps[i : i + 32]) for i in range(0, n, 32)]

    run(with_sections)()  # warm-up (model loading, caches)
    run(without)()
    t_with, t_without = [], []
    for r in range(args.repeat):
        t_without.append(timed(run(without)))
        t_with.append(timed(run(with_sections)))
        print(f"  round {r + 1}: without {n / t_without[-1]:.1f}/s, with {n / t_with[-1]:.1f}/s",
              file=sys.stderr)  # fmt: skip
    ratios = [w / wo for w, wo in zip(t_with, t_without, strict=True)]
    texts = [p.text for p in ps]
    classify_rules = statistics.median(
        n / timed(lambda: [clf.rules.classify(t) for t in texts]) for _ in range(args.repeat)
    )
    classify_hybrid = statistics.median(
        n / timed(lambda: [clf.classify(t) for t in texts]) for _ in range(args.repeat)
    )
    para = "Requirements\n" + "\n".join(f"- skill {i} with Python and SQL" for i in range(40))
    big = ("\n\n".join([para] * 1000))[:1_000_000]
    t_big = timed(lambda: clf.classify(big))
    out = {
        "postings": n,
        "version": cfg.manifest.effective,
        "without_postings_per_s": round(n / statistics.median(t_without), 1),
        "with_postings_per_s": round(n / statistics.median(t_with), 1),
        "time_ratio_with_over_without": round(statistics.median(ratios), 3),
        "classifier_rules_postings_per_s": round(classify_rules, 1),
        "classifier_hybrid_postings_per_s": round(classify_hybrid, 1),
        "classifier_hybrid_1mb_posting_s": round(t_big, 2),
    }
    print(f"extraction without sections  {out['without_postings_per_s']:>8} postings/s")
    print(f"extraction with sections     {out['with_postings_per_s']:>8} postings/s")
    print(f"time ratio with / without    {out['time_ratio_with_over_without']:>8} (target <= 1.10)")
    print(f"classifier alone: rules {classify_rules:.0f}/s, hybrid {classify_hybrid:.0f}/s")
    print(f"hybrid classifier on a 1 MB posting: {t_big:.2f} s")
    suffix = f"_{args.profile}" if args.profile else ""
    res = ROOT / "bench" / "results" / f"section_overhead{suffix}.json"
    res.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {res.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
